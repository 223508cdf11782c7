"""Intake: 实名 and 匿名 reports, photos, suggestions, cases staff take down from a phone call or at the counter."""

import base64
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from libs.auth import Actor
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from services.cases.models import Case, CaseFile, outbox
from services.cases.tests.conftest import STAFF
from services.cases.tests.test_cases import complaint


def picture(fmt="JPEG", size=(640, 480)):
    out = io.BytesIO()
    image = Image.new("RGB", size, (120, 60, 30))
    exif = Image.Exif()
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # a GPS position a phone would write
    image.save(out, fmt, exif=exif) if fmt == "JPEG" else image.save(out, fmt)
    return base64.b64encode(out.getvalue()).decode()


def test_an_anonymous_report_keeps_no_identity_and_shows_none(as_, db_session):
    citizen = Actor.citizen(f"o_anon_{uuid.uuid4().hex[:8]}")
    data = complaint(anonymous=True, contact_name="不该留下", contact_phone="13900000000", department_id=2)
    filed = as_(citizen).create_case(data, uuid.uuid4().hex)
    row = db_session.scalar(select(Case).where(Case.number == filed["number"]))
    assert (row.anonymous, row.contact_name, row.contact_phone) == (True, "", "")
    staff = as_(STAFF["handler_own"])
    detail = staff.get_case(filed["id"])
    assert detail["anonymous"] and detail["contact_available"] is False
    with pytest.raises(Conflict) as refused:
        staff.reveal_contact(filed["id"])
    assert "匿名" in refused.value.message
    staged = [
        r.payload["data"]
        for r in db_session.execute(select(outbox))
        if r.payload["data"].get("number") == filed["number"]
    ]
    assert staged and all("13900000000" not in str(d) and "不该留下" not in str(d) for d in staged)
    # the filer still sees their case and gets its updates (by openid, which no staff view carries)
    assert as_(citizen).citizen_view(filed["number"])["anonymous"] is True
    assert "openid" not in detail


def test_a_named_report_needs_a_phone(as_):
    with pytest.raises(ValidationError) as refused:
        as_(Actor.citizen("o_named")).create_case(complaint(contact_phone=""), uuid.uuid4().hex)
    assert refused.value.details["fields"] == {"contact_phone": "请填写联系电话"}


def test_photos_are_checked_cleaned_and_shown_only_to_who_may_see_the_case(as_, db_session):
    citizen = Actor.citizen(f"o_photo_{uuid.uuid4().hex[:8]}")
    filed = as_(citizen).create_case(
        complaint(location="解放路88号门口"), uuid.uuid4().hex, [picture(), picture("PNG")]
    )
    assert filed["location"] == "解放路88号门口" and len(filed["photos"]) == 2
    first = filed["photos"][0]
    stored = db_session.get(CaseFile, first["sha256"])
    assert (
        stored.content_type == "image/jpeg"
        and b"GPS" not in stored.data
        and 39 not in Image.open(io.BytesIO(stored.data)).getexif().get_ifd(0x8825)
    )
    got = as_(citizen).case_photo(filed["number"], first["thumb"])
    assert got["content_type"] == "image/jpeg" and base64.b64decode(got["data"])[:2] == b"\xff\xd8"
    assert as_(STAFF["handler_own"]).case_photo(filed["id"], first["sha256"])["content_type"] == "image/jpeg"
    with pytest.raises(NotFound):
        as_(STAFF["handler_other"]).case_photo(filed["id"], first["sha256"])
    with pytest.raises(NotFound):
        as_(Actor.citizen("o_stranger")).case_photo(filed["number"], first["sha256"])
    with pytest.raises(NotFound):
        as_(citizen).case_photo(filed["number"], "0" * 64)

    for photos, reason in (
        ([base64.b64encode(b"just text").decode()], "无法识别"),
        (["not base64!!"], "请选择"),
        ([picture()] * 4, "最多上传3个"),
    ):
        with pytest.raises(ValidationError) as refused:
            as_(citizen).create_case(complaint(), uuid.uuid4().hex, photos)
        assert reason in refused.value.details["fields"]["file"]


def test_suggestions_and_inquiries_need_no_accused_party(as_):
    citizen = Actor.citizen(f"o_sugg_{uuid.uuid4().hex[:8]}")
    suggestion = as_(citizen).create_case(
        complaint(kind="suggestion", accused="", content="建议在市民中心增设周末延时服务窗口，方便上班族办事。"),
        uuid.uuid4().hex,
    )
    assert suggestion["number"].startswith("JY") and suggestion["kind_label"] == "建议献策"


def test_the_center_takes_down_a_phone_call(as_, db_session):
    dispatcher = as_(STAFF["dispatcher"])
    data = complaint(channel="phone", contact_name="李阿姨", contact_phone="0571-88886666", department_id=None)
    taken = dispatcher.create_case_for_citizen(data, uuid.uuid4().hex)
    assert (taken["status"], taken["channel"], taken["contact_available"]) == ("accepted", "phone", True)
    assert [s["action"] for s in taken["steps"]] == ["file", "accept"]
    assert dispatcher.reveal_contact(taken["id"])["contact_phone"] == "057188886666"
    row = db_session.scalar(select(Case).where(Case.id == taken["id"]))
    assert row.openid == ""  # no WeChat account: followed by its number
    with pytest.raises(ValidationError):
        dispatcher.create_case_for_citizen(complaint(channel="fax"), uuid.uuid4().hex)
    with pytest.raises(Forbidden):
        as_(STAFF["handler_own"]).create_case_for_citizen(complaint(channel="walk_in"), uuid.uuid4().hex)


def test_duplicate_hints_for_the_filer_and_the_desk(as_):
    first_citizen = Actor.citizen(f"o_dup_{uuid.uuid4().hex[:8]}")
    text = "菜市场门口垃圾桶满溢三天没人清运，臭气熏天，影响附近居民。"
    first = as_(first_citizen).create_case(complaint(accused="东门菜市场", content=text), uuid.uuid4().hex)
    other = Actor.citizen(f"o_dup_{uuid.uuid4().hex[:8]}")
    probe = {
        "kind": "complaint",
        "accused": "东门菜市场",
        "content": "东门菜市场垃圾桶满溢没人清运，臭气熏天",
        "department_id": 2,
    }
    seen_by_other = as_(other).similar_cases(probe)
    assert seen_by_other["own"] == [] and seen_by_other["others"] >= 1  # someone else's case: counted, not shown
    seen_by_filer = as_(first_citizen).similar_cases(probe)
    assert first["number"] in [c["number"] for c in seen_by_filer["own"]]
    assert as_(other).similar_cases(probe | {"content": "路灯坏了很久了，晚上一片漆黑", "accused": ""})["others"] == 0
    second = as_(other).create_case(complaint(accused="东门菜市场", content=probe["content"]), uuid.uuid4().hex)
    hints = as_(STAFF["handler_own"]).get_case(second["id"])["duplicates"]
    assert first["number"] in [h["number"] for h in hints] and all(h["score"] >= 0.3 for h in hints)
    with pytest.raises(Forbidden):
        as_(STAFF["dispatcher"]).similar_cases(probe)


FIELDS = [
    {"code": "unit", "label": "用人单位", "datatype": "string", "required": True, "options": []},
    {
        "code": "kind",
        "label": "补贴类别",
        "datatype": "singlevaluelist",
        "required": True,
        "options": [{"key": "a", "name": "失业保险金"}, {"key": "b", "name": "医疗补助金"}],
    },
    {"code": "months", "label": "缴费月数", "datatype": "number", "required": False, "options": []},
    {"code": "since", "label": "失业日期", "datatype": "date", "required": False, "options": []},
    {
        "code": "docs",
        "label": "已有材料",
        "datatype": "multivaluelist",
        "required": False,
        "options": [{"key": "id", "name": "身份证"}, {"key": "cert", "name": "失业证明"}],
    },
]


def test_a_service_types_own_questions_are_checked_and_kept(worker, db_session):
    from unittest.mock import MagicMock

    from services.cases.service import CasesService
    from services.cases.tests.conftest import DEPARTMENTS

    content = MagicMock()
    content.list_departments.return_value = DEPARTMENTS
    content.get_service_type.return_value = {
        "id": 7,
        "name": "失业人员各项补贴",
        "department_id": 1,
        "form_fields": FIELDS,
    }
    citizen = Actor.citizen(f"o_q_{uuid.uuid4().hex[:8]}")
    cases = worker(CasesService, citizen, content=content)
    base = complaint(kind="inquiry", accused="", service_type_id=7, department_id=None)
    with pytest.raises(ValidationError) as refused:
        cases.create_case(
            base | {"answers": {"kind": "z", "months": "十二", "since": "2026-02-30", "docs": ["id", "x"]}},
            uuid.uuid4().hex,
        )
    assert refused.value.details["fields"] == {
        "answers.unit": "请填写用人单位",
        "answers.kind": "请从补贴类别的选项中选择",
        "answers.months": "缴费月数应为数字",
        "answers.since": "失业日期格式不正确（应为 年-月-日）",
        "answers.docs": "请从已有材料的选项中选择",
    }
    good = {"unit": " 某某公司 ", "kind": "a", "months": "24", "docs": ["cert", "id"], "stray": "ignored"}
    filed = cases.create_case(base | {"answers": good}, uuid.uuid4().hex)
    assert filed["answers"] == [
        {"label": "用人单位", "display": "某某公司"},
        {"label": "补贴类别", "display": "失业保险金"},
        {"label": "缴费月数", "display": "24"},
        {"label": "已有材料", "display": "失业证明、身份证"},
    ]
    with pytest.raises(ValidationError):
        cases.create_case(base | {"answers": "unit=x"}, uuid.uuid4().hex)


def test_a_pdf_is_kept_as_an_attachment_and_a_fake_one_refused(as_):
    citizen = Actor.citizen(f"o_pdf_{uuid.uuid4().hex[:8]}")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    filed = as_(citizen).create_case(complaint(), uuid.uuid4().hex, [base64.b64encode(pdf).decode(), picture()])
    (doc, photo) = filed["photos"]
    assert doc["content_type"] == "application/pdf" and doc["thumb"] == doc["sha256"]
    assert photo["content_type"] == "image/jpeg" and photo["thumb"] != photo["sha256"]
    got = as_(citizen).case_photo(filed["number"], doc["sha256"])
    assert base64.b64decode(got["data"]) == pdf and got["content_type"] == "application/pdf"
    for fake in (b"%PDF-1.4 no end", b"%PDF-9 nonsense\n%%EOF"):
        with pytest.raises(ValidationError) as refused:
            as_(citizen).create_case(complaint(), uuid.uuid4().hex, [base64.b64encode(fake).decode()])
        assert "PDF" in refused.value.details["fields"]["file"] or "无法识别" in refused.value.details["fields"]["file"]


def test_short_probes_reveal_nothing_and_kinds_stay_apart(as_):
    text = "幸福路口的红绿灯坏了三天，早晚高峰车辆拥堵严重，行人过马路很危险。"
    as_(Actor.citizen(f"o_probe_{uuid.uuid4().hex[:8]}")).create_case(
        complaint(accused="交警支队", content=text), uuid.uuid4().hex
    )
    prober = as_(Actor.citizen(f"o_probe_{uuid.uuid4().hex[:8]}"))
    base = {"kind": "complaint", "department_id": 2}
    assert prober.similar_cases(base | {"accused": "交警支队", "content": "红绿灯红绿灯红绿灯"})["others"] == 0
    assert prober.similar_cases(base | {"content": text})["others"] >= 1
    assert prober.similar_cases(base | {"kind": "suggestion", "content": text})["others"] == 0


def test_a_phone_case_with_a_department_is_dispatched_at_once(as_):
    taken = as_(STAFF["dispatcher"]).create_case_for_citizen(
        complaint(channel="walk_in", department_id=2), uuid.uuid4().hex
    )
    assert taken["status"] == "assigned" and [s["action"] for s in taken["steps"]] == ["file", "accept", "assign"]
    assert taken["department_name"] == "部门2"
