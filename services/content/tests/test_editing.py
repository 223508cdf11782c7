"""Editing the catalogue: permission, validation, versions, audit, content_changed and search, in one write."""

import uuid

import pytest
from sqlalchemy import select

from libs.auth import Actor
from libs.errors import Forbidden, NotFound, ValidationError
from services.content import events
from services.content.models import Department, Version, audit_log, outbox
from services.content.service import ContentService

EDITOR_OF = {
    dep: Actor(kind="staff", id=f"e{dep}", name=f"编辑{dep}", roles=("editor",), department_id=dep)
    for dep in (7001, 7002)
}
ADMIN = Actor(kind="staff", id="a1", name="管理员", roles=("admin",))
HANDLER = Actor(kind="staff", id="h1", name="办理人", roles=("handler",), department_id=7001)


@pytest.fixture(autouse=True)
def departments(db_session):
    for dep in (7001, 7002):
        if db_session.get(Department, dep) is None:
            db_session.add(Department(id=dep, name=f"编辑测试局{dep}", remit="职责", sort_order=90))
    db_session.commit()


@pytest.fixture
def as_(worker):
    return lambda actor: worker(ContentService, actor)


PROFILE = {
    "remit": "负责测试",
    "description": "测试部门",
    "phone": "0571-1234567",
    "address": "测试路1号",
    "hours": "工作日 9:00-17:00",
    "leaders": [{"name": "赵刚", "title": "局长", "duties": "全面工作"}],
}


def events_for(db_session, entity_type, entity_id):
    rows = db_session.execute(select(outbox).where(outbox.c.event_type == "content_changed")).all()
    found = [r.payload["data"] for r in rows]
    for data in found:
        events.ContentChanged.model_validate(data)
    return [d for d in found if d["entity_type"] == entity_type and d["entity_id"] == entity_id]


def test_an_editor_changes_their_department_versioned_audited_announced(as_, db_session):
    detail = as_(EDITOR_OF[7001]).update_department(7001, PROFILE)
    assert detail["remit"] == "负责测试" and [x["name"] for x in detail["leaders"]] == ["赵刚"]
    again = {**PROFILE, "phone": "0571-7654321"}
    as_(EDITOR_OF[7001]).update_department(7001, again)
    as_(EDITOR_OF[7001]).update_department(7001, again)  # nothing changed: no version, no event
    versions = as_(EDITOR_OF[7001]).versions("department", 7001)
    assert [v["version"] for v in versions][:2] == [versions[0]["version"], versions[0]["version"] - 1]
    assert versions[0]["changed"] == ["phone"] and versions[0]["actor_name"] == "编辑7001"
    assert len(events_for(db_session, "department", 7001)) == len(versions)
    audited = db_session.execute(
        select(audit_log).where(audit_log.c.target_id == "7001", audit_log.c.action == "content.department_updated")
    ).all()
    assert len(audited) == len(versions)


@pytest.mark.parametrize("actor", [EDITOR_OF[7002], HANDLER, Actor.anonymous(), Actor.citizen("o_x")])
def test_no_one_else_edits_a_department(as_, db_session, actor):
    before = db_session.scalar(select(Version.id).order_by(Version.id.desc()).limit(1))
    with pytest.raises(Forbidden):
        as_(actor).update_department(7001, PROFILE)
    db_session.rollback()
    assert db_session.scalar(select(Version.id).order_by(Version.id.desc()).limit(1)) == before


def service(**over):
    data = {
        "name": f"测试事项{uuid.uuid4().hex[:6]}",
        "department_id": 7001,
        "summary": "一句话",
        "materials": ["身份证"],
        "keywords": ["测试办事"],
        "faq": [{"q": "问", "a": "答"}],
        "form_fields": [{"code": "where", "label": "地点", "datatype": "string", "required": True}],
    }
    data.update(over)
    return data


def test_service_types_created_and_changed_by_their_departments_editor(as_, db_session):
    editor = as_(EDITOR_OF[7001])
    created = editor.save_service_type(None, service(name="编辑测试事项甲"))
    assert created["department_name"] == "编辑测试局7001"
    changed = editor.save_service_type(created["id"], service(name="编辑测试事项甲", summary="新说明"))
    assert changed["summary"] == "新说明"
    assert as_(Actor.anonymous()).search("编辑测试事项甲")[0]["id"] == created["id"]  # searchable at once
    with pytest.raises(Forbidden):  # an editor cannot give it away to another department...
        editor.save_service_type(created["id"], service(name="编辑测试事项甲", department_id=7002))
    with pytest.raises(Forbidden):  # ...nor touch another's
        as_(EDITOR_OF[7002]).save_service_type(created["id"], service(name="编辑测试事项甲", department_id=7002))
    assert as_(ADMIN).save_service_type(created["id"], service(name="编辑测试事项甲", department_id=7002))


@pytest.mark.parametrize(
    "over, field",
    [
        ({"name": ""}, "name"),
        ({"summary": "x\x00"}, "summary"),
        ({"window_id": 2**31 - 1}, "window_id"),
        ({"department_id": 2**40}, "department_id"),
        ({"materials": [""]}, "materials.0"),
        ({"form_fields": [{"code": "a", "label": "甲", "datatype": "string"}] * 2}, "form_fields"),
        ({"form_fields": [{"code": "a", "label": "甲", "datatype": "singlevaluelist"}]}, "form_fields"),
        ({"faq": [{"q": "", "a": "答"}]}, "faq.0.q"),
    ],
)
def test_bad_service_types_are_refused_with_reasons(as_, over, field):
    with pytest.raises((ValidationError, Forbidden)) as err:
        as_(ADMIN).save_service_type(None, service(**over))
    if isinstance(err.value, ValidationError):
        assert field in err.value.details["fields"], err.value.details


def test_names_are_unique(as_):
    name = f"重名事项{uuid.uuid4().hex[:6]}"
    as_(ADMIN).save_service_type(None, service(name=name))
    with pytest.raises(ValidationError) as err:
        as_(ADMIN).save_service_type(None, service(name=name))
    assert err.value.details["fields"]["name"] == "已有同名的服务事项"


def test_news_drafts_stay_with_staff_until_published(as_, db_session):
    editor = as_(EDITOR_OF[7001])
    draft = editor.save_news(
        None, {"title": "草稿通知", "body_html": "<p>内容<script>x()</script></p>", "department_id": 7001}
    )
    assert draft["status"] == "draft" and draft["body_html"] == "<p>内容</p>"
    public = as_(Actor.anonymous())
    with pytest.raises(NotFound):
        public.get_news(draft["id"])
    assert editor.staff_news_item(draft["id"])["title"] == "草稿通知"  # the preview
    with pytest.raises(NotFound):
        as_(EDITOR_OF[7002]).staff_news_item(draft["id"])
    published = editor.save_news(
        draft["id"], {"title": "草稿通知", "body_html": "<p>内容</p>", "department_id": 7001, "status": "published"}
    )
    assert public.get_news(published["id"])["title"] == "草稿通知"
    assert [v["version"] for v in editor.versions("news", draft["id"])] == [2, 1]


def test_windows_are_changed_by_citywide_editors_and_renaming_reindexes_their_services(as_, db_session):
    admin = as_(ADMIN)
    name = f"测试窗口{uuid.uuid4().hex[:6]}"
    window = admin.save_window(None, {"name": name, "description": "说明"})
    admin.save_service_type(None, service(name=f"窗口内事项{uuid.uuid4().hex[:6]}", window_id=window["id"]))
    renamed = f"青岚便民窗口{uuid.uuid4().hex[:4]}"
    admin.save_window(window["id"], {"name": renamed, "description": "说明", "sort_order": 3})
    hits = as_(Actor.anonymous()).search(renamed[:6])
    assert any(h["kind"] == "service" for h in hits)  # found through its window's new name
    with pytest.raises(Forbidden):
        as_(EDITOR_OF[7001]).save_window(window["id"], {"name": "改名"})
    with pytest.raises(ValidationError) as err:
        admin.save_window(None, {"name": renamed})
    assert err.value.details["fields"]["name"] == "已有同名的服务窗口"
    with pytest.raises(ValidationError):
        admin.save_window(None, {"name": "排序错误", "sort_order": "abc"})


def test_a_leaders_photo_survives_edits_of_the_list(as_, db_session):
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 400), (120, 120, 120)).save(out, "PNG")
    editor = as_(EDITOR_OF[7001])
    editor.update_department(7001, PROFILE)
    detail = editor.set_leader_photo(7001, "赵刚", base64.b64encode(out.getvalue()).decode())
    photo = detail["leaders"][0]["photo"]
    assert photo and len(photo) == 64
    reordered = {**PROFILE, "leaders": [{"name": "钱丽", "title": "副局长", "duties": "分管业务"}, *PROFILE["leaders"]]}
    after = editor.update_department(7001, reordered)
    assert [(x["name"], x["photo"]) for x in after["leaders"]] == [("钱丽", None), ("赵刚", photo)]
    with pytest.raises(ValidationError):
        editor.set_leader_photo(7001, "不存在的人", base64.b64encode(out.getvalue()).decode())
    with pytest.raises(Forbidden):
        as_(EDITOR_OF[7002]).set_leader_photo(7001, "赵刚", base64.b64encode(out.getvalue()).decode())


def test_a_save_on_top_of_someone_elses_newer_version_is_refused(as_):
    from libs.errors import Conflict

    editor = as_(EDITOR_OF[7002])
    editor.update_department(7002, PROFILE)
    latest = editor.versions("department", 7002)[0]["version"]
    editor.update_department(7002, {**PROFILE, "phone": "0571-1111111", "base_version": latest})  # A saves
    with pytest.raises(Conflict) as err:  # B started from the same version: told, not silently overwritten
        editor.update_department(7002, {**PROFILE, "phone": "0571-2222222", "base_version": latest})
    assert err.value.code == "edited_meanwhile"
    assert editor.department_detail(7002)["phone"] == "0571-1111111"
