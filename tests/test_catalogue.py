"""The public catalogue (微官网) through the gateway, with the demo data `make up` loads: readable without login,
404 for what is not there, answers that match the OpenAPI document."""

import re
import time
import uuid

import pytest
import requests

from libs.auth import Actor
from tests.test_api_contract import conforms


def test_windows_services_and_departments_through_the_api(system, spec):
    base = f"{system.gateway}/api/v1"
    windows = requests.get(f"{base}/windows")
    conforms(spec, "/api/v1/windows", "get", windows)
    social = next(w for w in windows.json() if w["name"] == "社会保障窗口")
    window = requests.get(f"{base}/windows/{social['id']}")
    conforms(spec, "/api/v1/windows/{window_id}", "get", window)
    names = [s["name"] for s in window.json()["services"]]
    assert "失业人员各项补贴" in names and "劳动仲裁" in names
    service_id = window.json()["services"][names.index("失业人员各项补贴")]["id"]
    service = requests.get(f"{base}/service-types/{service_id}")
    conforms(spec, "/api/v1/service-types/{service_type_id}", "get", service)
    assert service.json()["materials"] and service.json()["window_name"] == "社会保障窗口"
    department = requests.get(f"{base}/departments/{service.json()['department_id']}")
    conforms(spec, "/api/v1/departments/{department_id}", "get", department)
    assert department.json()["leaders"] and service_id in [s["id"] for s in department.json()["services"]]
    standalone = requests.get(f"{base}/service-types", params={"standalone": "true"})
    conforms(spec, "/api/v1/service-types", "get", standalone)
    assert standalone.json() and all(s["window_id"] is None for s in standalone.json())


def test_the_demo_catalogue_is_the_size_the_issue_asks_for(system):
    base = f"{system.gateway}/api/v1"
    windows = requests.get(f"{base}/windows").json()
    assert len(requests.get(f"{base}/departments").json()) >= 10
    assert len(windows) >= 4
    assert len(requests.get(f"{base}/service-types").json()) >= 30


@pytest.mark.parametrize("path", ["windows", "service-types", "departments"])
@pytest.mark.parametrize("bad", ["999999", "0", "2147483648", "9223372036854775808", "abc", "%00"])
def test_what_is_not_there_is_404(system, spec, path, bad):
    resp = requests.get(f"{system.gateway}/api/v1/{path}/{bad}")
    assert resp.status_code == 404 and resp.json()["error"]["code"].endswith("not_found")
    page = requests.get(f"{system.gateway}/h5/{ {'service-types': 'services'}.get(path, path) }/{bad}")
    assert page.status_code == 404 and re.search(r"[\u4e00-\u9fff]", page.text)


def test_catalogue_pages_need_no_login_and_may_be_cached(system):
    for path in ("/h5/services", "/h5/departments"):
        resp = requests.get(f"{system.gateway}{path}", allow_redirects=False)
        assert resp.status_code == 200 and resp.headers["Cache-Control"] == "public, max-age=60"
    personal = requests.get(f"{system.gateway}/h5/cases", allow_redirects=False)
    assert personal.status_code == 302  # personal pages still go through WeChat OAuth


def test_search_through_the_api_and_the_page(system, spec):
    resp = requests.get(f"{system.gateway}/api/v1/search", params={"q": "开饭店"})
    conforms(spec, "/api/v1/search", "get", resp)
    assert resp.json()[0]["title"] == "食品经营许可" and resp.json()[0]["kind"] == "service"
    page = requests.get(f"{system.gateway}/h5/search", params={"q": "失业金"})
    assert page.status_code == 200 and "失业人员各项补贴" in page.text
    nothing = requests.get(f"{system.gateway}/h5/search", params={"q": "zzzz"})
    assert nothing.status_code == 200 and "没有找到" in nothing.text


@pytest.mark.parametrize("query", ["a\x00b", "长" * 51, "\x1b[2J"])
def test_bad_searches_are_refused_clearly(system, spec, query):
    resp = requests.get(f"{system.gateway}/api/v1/search", params={"q": query})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_fields"
    conforms(spec, "/api/v1/search", "get", resp)
    page = requests.get(f"{system.gateway}/h5/search", params={"q": query})
    assert page.status_code == 400 and 'id="search-error"' in page.text


def test_bytes_that_are_not_utf8_in_a_search(system):
    for raw in ("%ED%A0%80", "%FF%FE", "%C0%AF"):
        assert requests.get(f"{system.gateway}/api/v1/search?q={raw}").status_code in (200, 400)
        assert requests.get(f"{system.gateway}/h5/search?q={raw}").status_code in (200, 400)


def test_news_through_the_api_and_the_pages(system, spec):
    listed = requests.get(f"{system.gateway}/api/v1/news", params={"limit": 50})
    conforms(spec, "/api/v1/news", "get", listed)
    items = listed.json()
    assert len(items) >= 12 and items[0]["pinned"] is True
    item = requests.get(f"{system.gateway}/api/v1/news/{items[-1]['id']}")
    conforms(spec, "/api/v1/news/{news_id}", "get", item)
    assert item.json()["body_html"].startswith("<p>")
    page = requests.get(f"{system.gateway}/h5/news/{items[0]['id']}")
    assert page.status_code == 200 and items[0]["title"] in page.text
    listing = requests.get(f"{system.gateway}/h5/news")
    assert listing.status_code == 200 and 'id="next-page"' in listing.text  # 14 items, 10 a page
    assert requests.get(f"{system.gateway}/h5/news", params={"page": "2"}).status_code == 200
    for bad in ("999999", "0", "9223372036854775808"):
        assert requests.get(f"{system.gateway}/api/v1/news/{bad}").status_code == 404


def test_the_home_page_leads_everywhere(system):
    page = requests.get(f"{system.gateway}/h5/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, max-age=60"
    for target in ("/h5/windows/", "/h5/services/", "/h5/news/", "/h5/departments", "/h5/complaints/new", "/h5/search"):
        assert target in page.text, target


def test_editing_through_the_api(system, spec):
    editor, base = system.staff_session("renshe"), f"{system.gateway}/api/v1"  # 人社局's editor (department 1)
    current = requests.get(f"{base}/departments/1").json()
    profile = {k: current[k] for k in ("remit", "description", "phone", "address", "hours")}
    profile["leaders"] = [{k: x[k] for k in ("name", "title", "duties")} for x in current["leaders"]]
    changed = editor.put(f"{base}/departments/1", json={**profile, "hours": "工作日 8:30-17:30"})
    conforms(spec, "/api/v1/departments/{department_id}", "put", changed)
    assert changed.status_code == 200 and requests.get(f"{base}/departments/1").json()["hours"] == "工作日 8:30-17:30"
    versions = editor.get(f"{base}/content/department/1/versions")
    conforms(spec, "/api/v1/content/{entity_type}/{entity_id}/versions", "get", versions)
    assert versions.json()[0]["changed"] == ["hours"] or "hours" in versions.json()[0]["changed"]

    other = editor.put(f"{base}/departments/2", json=profile)  # 生态环境局: not theirs
    conforms(spec, "/api/v1/departments/{department_id}", "put", other)
    assert other.status_code == 403
    bad = editor.put(f"{base}/departments/1", json={**profile, "phone": ""})
    assert bad.status_code == 400 and bad.json()["error"]["details"]["fields"]["phone"] == "请填写电话"
    assert requests.put(f"{base}/departments/1", json=profile).status_code == 401

    draft = editor.post(f"{base}/news", json={"title": "API草稿", "body_html": "<p>正文</p>", "department_id": 1})
    conforms(spec, "/api/v1/news", "post", draft)
    assert draft.status_code == 201 and requests.get(f"{base}/news/{draft.json()['id']}").status_code == 404
    preview = editor.get(f"{base}/staff/news/{draft.json()['id']}")
    conforms(spec, "/api/v1/staff/news/{news_id}", "get", preview)
    published = editor.put(
        f"{base}/news/{draft.json()['id']}",
        json={"title": "API草稿", "body_html": "<p>正文</p>", "department_id": 1, "status": "published"},
    )
    conforms(spec, "/api/v1/news/{news_id}", "put", published)
    assert requests.get(f"{base}/news/{draft.json()['id']}").json()["title"] == "API草稿"


def test_public_pages_are_cached_for_every_replica_and_dropped_when_content_changes(system, rpc):
    """Two gateway processes share the page cache; an edit on one drops the page on both within a second."""
    from libs.testing import wait_for

    page = "/h5/departments/5"
    first = requests.get(f"{system.gateway}{page}")
    assert first.headers["X-Cache"] in ("miss", "hit")
    assert requests.get(f"{system.gateway}{page}").headers["X-Cache"] == "hit"
    assert requests.get(f"{system.late_gateway}{page}").headers["X-Cache"] == "hit"  # the other process
    api = requests.get(f"{system.gateway}/api/v1/departments/5")
    current = api.json()
    profile = {k: current[k] for k in ("remit", "description", "phone", "address", "hours")}
    profile["leaders"] = [{k: x[k] for k in ("name", "title", "duties")} for x in current["leaders"]]
    new_hours = f"工作日 9:00-17:00（测试{uuid.uuid4().hex[:4]}）"
    # changed behind the gateways' backs (straight to content): only the content_changed event can tell them
    admin = Actor(kind="staff", id="ops", name="运维", roles=("admin",))
    changed_at = time.monotonic()
    rpc.call_as(admin, "content", "update_department", 5, {**profile, "hours": new_hours})

    def fresh_everywhere():
        return all(new_hours in requests.get(f"{url}{page}").text for url in (system.gateway, system.late_gateway))

    wait_for(fresh_everywhere, timeout=5, interval=0.05, message="the change on both gateways")
    assert time.monotonic() - changed_at < 1.0
    assert requests.get(f"{system.gateway}{page}").headers["X-Cache"] == "hit"  # cached again, new version


def test_pages_that_are_not_there_are_not_cached(system):
    for _ in range(2):
        resp = requests.get(f"{system.gateway}/h5/departments/999999")
        assert resp.status_code == 404 and resp.headers.get("X-Cache") is None


def test_albums_and_media_are_served_for_ever_cacheable(system, spec):
    listed = requests.get(f"{system.gateway}/api/v1/albums")
    conforms(spec, "/api/v1/albums", "get", listed)
    assert len(listed.json()) >= 3
    album = requests.get(f"{system.gateway}/api/v1/albums/{listed.json()[0]['id']}")
    conforms(spec, "/api/v1/albums/{album_id}", "get", album)
    photo = album.json()["photos"][0]
    image = requests.get(f"{system.gateway}/media/{photo['media']}")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert image.headers["ETag"] == f'"{photo["media"]}"' and "immutable" in image.headers["Cache-Control"]
    again = requests.get(f"{system.gateway}/media/{photo['media']}", headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304 and not again.content
    page = requests.get(f"{system.gateway}/h5/albums/{listed.json()[0]['id']}")
    assert page.status_code == 200 and photo["thumb"] in page.text
    for bad in ("0" * 64, "abc", "../../etc/passwd", "F" * 64):
        assert requests.get(f"{system.gateway}/media/{bad}").status_code == 404


def test_uploading_a_photo_through_the_api(system, spec):
    import io

    from PIL import Image

    admin, base = system.staff_session("admin"), f"{system.gateway}/api/v1"
    created = admin.post(f"{base}/albums", json={"title": f"上传测试{uuid.uuid4().hex[:6]}", "description": "测试"})
    conforms(spec, "/api/v1/albums", "post", created)
    album_id = created.json()["id"]
    out = io.BytesIO()
    Image.new("RGB", (2400, 1600), (30, 90, 160)).save(out, "PNG")
    url = f"{base}/albums/{album_id}/photos"
    added = admin.post(url, files={"file": ("photo.jpg", out.getvalue())}, data={"caption": "大图"})
    conforms(spec, "/api/v1/albums/{album_id}/photos", "post", added)
    assert added.status_code == 201 and added.json()["photos"][0]["width"] == 2400
    for name, payload in (("a.jpg", b"not an image"), ("big.png", b"\x89PNG" + b"0" * (9 * 1024 * 1024 + 10))):
        refused = admin.post(url, files={"file": (name, payload)})
        assert refused.status_code in (400, 413), refused.text[:200]
        conforms(spec, "/api/v1/albums/{album_id}/photos", "post", refused)
    assert requests.post(url, files={"file": ("a.png", out.getvalue())}).status_code == 401
    assert system.staff_session("renshe").post(url, files={"file": ("a.png", out.getvalue())}).status_code == 403
    assert len(requests.get(f"{base}/albums/{album_id}").json()["photos"]) == 1


def test_posters_on_the_home_page(system, spec):
    showing = requests.get(f"{system.gateway}/api/v1/posters")
    conforms(spec, "/api/v1/posters", "get", showing)
    titles = [p["title"] for p in showing.json()]
    assert titles[:3] == ["第三代社保卡申领指南", "社会保险缴费基数调整", "中国政府网"]
    assert not any("已结束" in t or "未开始" in t for t in titles)
    home = requests.get(f"{system.gateway}/h5/").text
    assert 'href="https://www.gov.cn/" rel="noopener noreferrer"' in home and "/h5/services/" in home

    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1200, 500), (250, 157, 59)).save(out, "JPEG")
    admin = system.staff_session("admin")
    created = admin.post(
        f"{system.gateway}/api/v1/posters",
        files={"file": ("p.jpg", out.getvalue())},
        data={"title": "测试海报", "sort_order": "9"},
    )
    conforms(spec, "/api/v1/posters", "post", created)
    assert created.status_code == 201
    assert "测试海报" in requests.get(f"{system.gateway}/h5/").text  # a gateway write drops the cached home page
    editor = system.staff_session("renshe")
    assert (
        editor.post(
            f"{system.gateway}/api/v1/posters", files={"file": ("p.jpg", out.getvalue())}, data={"title": "越权"}
        ).status_code
        == 403
    )


def test_windows_through_the_api(system, spec):
    admin, base = system.staff_session("admin"), f"{system.gateway}/api/v1"
    created = admin.post(f"{base}/windows", json={"name": f"测试窗口{uuid.uuid4().hex[:6]}", "description": "测试"})
    conforms(spec, "/api/v1/windows", "post", created)
    assert created.status_code == 201
    changed = admin.put(
        f"{base}/windows/{created.json()['id']}", json={"name": created.json()["name"], "sort_order": 99}
    )
    conforms(spec, "/api/v1/windows/{window_id}", "put", changed)
    refused = system.staff_session("renshe").put(f"{base}/windows/{created.json()['id']}", json={"name": "改名"})
    assert refused.status_code == 403


def test_a_service_types_form_fields_are_edited_as_lines_in_the_admin(system):
    http = system.staff_browser("renshe")
    page = http.get(f"{system.gateway}/admin/content/services/new")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="(\w+)"', page.text).group(1)
    name = f"表单测试事项{uuid.uuid4().hex[:6]}"
    form = {
        "csrf": csrf,
        "name": name,
        "department_id": "1",
        "summary": "测试",
        "keywords": "测试词、另一个词",
        "materials": "身份证\n户口本",
        "form_fields": "unit | 用人单位 | 文本 | 必填\nkind | 补贴类别 | 单选 | 选填 | a:失业保险金，b:医疗补助金",
    }
    saved = http.post(f"{system.gateway}/admin/content/services/new", data=form)
    assert saved.status_code == 200 and "已保存" in saved.text
    hits = requests.get(f"{system.gateway}/api/v1/search", params={"q": name}).json()
    detail = requests.get(f"{system.gateway}/api/v1/service-types/{hits[0]['id']}").json()
    assert detail["materials"] == ["身份证", "户口本"]
    assert [(f["code"], f["datatype"], f["required"]) for f in detail["form_fields"]] == [
        ("unit", "string", True),
        ("kind", "singlevaluelist", False),
    ]
    assert detail["form_fields"][1]["options"] == [
        {"key": "a", "name": "失业保险金"},
        {"key": "b", "name": "医疗补助金"},
    ]
    bad = http.post(
        f"{system.gateway}/admin/content/services/{detail['id']}",
        data={**form, "form_fields": "photo | 照片 | 图片 | 必填"},
    )
    assert bad.status_code == 200 and 'data-field="form_fields"' in bad.text
    again = requests.get(f"{system.gateway}/api/v1/service-types/{detail['id']}").json()
    assert len(again["form_fields"]) == 2  # the refused change stored nothing


def test_a_complaint_filed_from_a_service_page(system):
    from tests.test_slice import complaint, h5_login, submit

    services = requests.get(f"{system.gateway}/api/v1/service-types").json()
    labour = next(s for s in services if s["name"] == "劳动仲裁")
    service_page = requests.get(f"{system.gateway}/h5/services/{labour['id']}").text
    assert f"/h5/complaints/new?service_type_id={labour['id']}" in service_page
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    form = http.get(f"{system.gateway}/h5/complaints/new", params={"service_type_id": labour["id"]}).text
    assert 'id="about-service"' in form and "劳动仲裁" in form
    assert 'name="answers.dispute_type"' in form and 'name="answers.employer_name"' in form
    answers = {
        "answers.dispute_type": "wages",
        "answers.employer_name": "某某制造公司",
        "answers.facts": "拖欠三个月工资",
    }
    filed = complaint(request_id, department_id="", service_type_id=str(labour["id"])) | answers
    resp = submit(system, http, filed)
    assert resp.status_code == 303
    row = system.sql("SELECT department_id, service_type_name FROM cases.cases WHERE request_id = :r", r=request_id)[0]
    assert (row.department_id, row.service_type_name) == (labour["department_id"], "劳动仲裁")
    bad = submit(system, http, complaint(uuid.uuid4().hex, service_type_id="999999") | answers)
    assert bad.status_code == 400


def test_an_administrator_takes_a_poster_down_from_the_admin(system):
    http = system.staff_browser("admin")
    page = http.get(f"{system.gateway}/admin/content/posters")
    assert page.status_code == 200 and "展示中" in page.text
    csrf = re.search(r'name="csrf" value="(\w+)"', page.text).group(1)
    showing = requests.get(f"{system.gateway}/api/v1/posters").json()
    target = next(p for p in showing if p["title"] == "中国政府网")
    done = http.post(f"{system.gateway}/admin/content/posters/{target['id']}/end", data={"csrf": csrf})
    assert done.status_code == 200 and "已保存" in done.text
    assert target["id"] not in [p["id"] for p in requests.get(f"{system.gateway}/api/v1/posters").json()]
    renshe = system.staff_browser("renshe")
    assert renshe.get(f"{system.gateway}/admin/content/posters").status_code == 403


def test_an_inquiry_asked_from_a_service_page(system):
    from tests.test_slice import complaint, h5_login

    services = requests.get(f"{system.gateway}/api/v1/service-types").json()
    benefit = next(s for s in services if s["name"] == "失业人员各项补贴")
    assert (
        f"/h5/inquiries/new?service_type_id={benefit['id']}"
        in requests.get(f"{system.gateway}/h5/services/{benefit['id']}").text
    )
    citizen = system.citizen()
    http, _ = h5_login(system, citizen.openid)
    form = http.get(f"{system.gateway}/h5/inquiries/new", params={"service_type_id": benefit["id"]}).text
    assert "咨询求助" in form and 'name="accused"' not in form and 'name="occurred_on"' not in form
    request_id = re.search(r'name="request_id" value="(\w+)"', form).group(1)
    data = complaint(
        request_id,
        service_type_id=str(benefit["id"]),
        department_id="",
        content="请问领取失业保险金需要先办理失业登记吗？在哪里办？",
    )
    data.pop("accused")
    # the service's own questions are on the form, and checked
    assert 'name="answers.subsidy_type"' in form and 'name="answers.separation_date"' in form
    unanswered = http.post(f"{system.gateway}/h5/inquiries", data={"csrf": http.csrf, **data})
    assert unanswered.status_code == 400 and 'data-field="answers.subsidy_type"' in unanswered.text
    assert "请填写补贴类型" in unanswered.text and "请问领取失业保险金" in unanswered.text
    data |= {"answers.subsidy_type": "unemployment_benefit", "answers.separation_date": "2026-10-31"}
    resp = http.post(f"{system.gateway}/h5/inquiries", data={"csrf": http.csrf, **data}, allow_redirects=False)
    assert resp.status_code == 303 and re.search(r"ZX\d{12}", resp.headers["Location"])
    page = http.get(system.gateway + resp.headers["Location"]).text
    assert "失业保险金" in page and "2026-10-31" in page  # the answers shown back, as options' names
    row = system.sql("SELECT kind, department_id FROM cases.cases WHERE request_id = :r", r=request_id)[0]
    assert (row.kind, row.department_id) == ("inquiry", benefit["department_id"])
    refused = http.post(
        f"{system.gateway}/h5/inquiries",
        data={"csrf": http.csrf, **data, "content": "太短", "request_id": uuid.uuid4().hex},
    )
    assert refused.status_code == 400 and "咨询求助" in refused.text and "至少需要10个字" in refused.text


def test_made_up_query_strings_neither_bypass_nor_grow_the_cache(system):
    requests.get(f"{system.gateway}/h5/departments")
    for junk in ("a=1", f"x={uuid.uuid4().hex * 40}", "page=abc", "page=99999999", "limit=%C2%B2"):
        assert requests.get(f"{system.gateway}/h5/departments?{junk}").headers["X-Cache"] == "hit", junk
    requests.get(f"{system.gateway}/h5/news?page=2")
    assert requests.get(f"{system.gateway}/h5/news?page=02&utm=x").headers["X-Cache"] == "hit"
    # a value the key drops is a value the view drops too: page=0002000 shows (and is stored as) page 1, so it cannot
    # put an empty page where the first page belongs
    first = requests.get(f"{system.gateway}/h5/news").text
    assert requests.get(f"{system.gateway}/h5/news?page=0002000").text == first
    assert requests.get(f"{system.gateway}/h5/news").text == first
    listed = requests.get(f"{system.gateway}/api/v1/news").json()
    assert requests.get(f"{system.gateway}/api/v1/news?offset=10001").json() == listed
    assert requests.get(f"{system.gateway}/api/v1/news?limit=999999").json() == listed


@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A3", "99999999999999999999", "-1"])
def test_digits_of_other_scripts_and_huge_numbers_in_queries(system, value):
    for url in (f"/h5/news?page={value}", f"/api/v1/news?limit={value}", f"/api/v1/news?offset={value}"):
        assert requests.get(f"{system.gateway}{url}").status_code == 200, url
    from tests.test_slice import complaint, h5_login, submit

    http, request_id = h5_login(system, system.citizen().openid)
    assert http.get(f"{system.gateway}/h5/complaints/new?service_type_id={value}").status_code == 200
    resp = submit(system, http, complaint(request_id, service_type_id=requests.utils.unquote(value)))
    assert resp.status_code == 400


def test_two_editors_creating_the_same_name_at_once(system):
    import concurrent.futures

    admin = system.staff_session("admin")
    name = f"并发窗口{uuid.uuid4().hex[:6]}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: admin.post(f"{system.gateway}/api/v1/windows", json={"name": name}).status_code, range(8)
            )
        )
    assert sorted(statuses) == [201] + [400] * 7


def test_two_editors_on_one_page_the_second_is_told(system):
    def open_page(who):
        http = system.staff_browser(who)
        page = http.get(f"{system.gateway}/admin/content/departments/4").text
        fields = dict(re.findall(r'name="(csrf|base_version)" value="(\w*)"', page))
        return http, fields

    first, first_fields = open_page("admin")
    second, second_fields = open_page("admin")
    current = requests.get(f"{system.gateway}/api/v1/departments/4").json()
    form = {k: current[k] for k in ("remit", "description", "phone", "address", "hours")}
    form["leaders"] = "\n".join(f"{x['name']} | {x['title']} | {x['duties']}" for x in current["leaders"])
    saved = first.post(
        f"{system.gateway}/admin/content/departments/4", data={**form, **first_fields, "hours": "先保存的时间"}
    )
    assert "已保存" in saved.text
    late = second.post(
        f"{system.gateway}/admin/content/departments/4", data={**form, **second_fields, "hours": "后保存的时间"}
    )
    assert "已被他人修改" in late.text and "后保存的时间" in late.text  # told, and what they typed is kept
    assert requests.get(f"{system.gateway}/h5/departments/4").text.count("先保存的时间") == 1


def _admin_form(system, username, path):
    """A logged-in staff session, the page at `path` and its CSRF token."""
    http = system.staff_browser(username)
    page = http.get(f"{system.gateway}{path}")
    return http, page, re.search(r'name="csrf" value="(\w+)"', page.text).group(1)


def test_an_administrator_edits_a_posters_fields_and_keeps_its_image(system):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1200, 500), (20, 120, 80)).save(out, "JPEG")
    admin = system.staff_session("admin")
    title = f"编辑前{uuid.uuid4().hex[:6]}"
    created = admin.post(
        f"{system.gateway}/api/v1/posters", files={"file": ("p.jpg", out.getvalue())}, data={"title": title}
    )
    poster = created.json()
    http, page, csrf = _admin_form(system, "admin", f"/admin/content/posters/{poster['id']}")
    assert page.status_code == 200 and f'value="{title}"' in page.text and "更换图片" in page.text
    form = {"csrf": csrf, "title": "编辑后的海报", "link_kind": "url", "link_target": "https://www.gov.cn/zhengce/"}
    form |= {"active_from": "2026-01-01T08:00", "active_until": "", "sort_order": "7"}
    saved = http.post(f"{system.gateway}/admin/content/posters/{poster['id']}", data=form)
    assert saved.status_code == 200 and "已保存" in saved.text
    after = next(p for p in admin.get(f"{system.gateway}/api/v1/posters").json() if p["id"] == poster["id"])
    assert (after["title"], after["link_target"], after["sort_order"]) == (
        "编辑后的海报",
        "https://www.gov.cn/zhengce/",
        7,
    )
    assert after["media"] == poster["media"]  # no new file chosen: the image stays
    assert after["active_from"].startswith("2026-01-01T00:00")  # 08:00 Beijing time
    refused = http.post(
        f"{system.gateway}/admin/content/posters/{poster['id']}", data=form | {"link_target": "javascript:x"}
    )
    assert refused.status_code == 200 and 'data-field="link_target"' in refused.text and "javascript:x" in refused.text
    assert http.get(f"{system.gateway}/admin/content/posters/999999").status_code == 404


def test_photo_captions_are_edited_and_photos_removed(system, spec):
    import io

    from PIL import Image

    admin, base = system.staff_session("admin"), f"{system.gateway}/api/v1"
    album = admin.post(f"{base}/albums", json={"title": f"说明测试{uuid.uuid4().hex[:6]}"}).json()
    for colour in ((200, 0, 0), (0, 200, 0)):
        out = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(out, "PNG")
        photos = admin.post(f"{base}/albums/{album['id']}/photos", files={"file": ("a.png", out.getvalue())}).json()
    first, second = photos["photos"]
    changed = admin.put(f"{base}/photos/{first['id']}", json={"caption": "新的说明"})
    conforms(spec, "/api/v1/photos/{photo_id}", "put", changed)
    assert [p["caption"] for p in changed.json()["photos"]] == ["新的说明", ""]
    too_long = admin.put(f"{base}/photos/{first['id']}", json={"caption": "长" * 201})
    assert too_long.status_code == 400 and "caption" in too_long.json()["error"]["details"]["fields"]
    conforms(spec, "/api/v1/photos/{photo_id}", "put", too_long)
    editor = system.staff_session("renshe")  # one department's editor; this album is citywide
    assert editor.put(f"{base}/photos/{first['id']}", json={"caption": "越权"}).status_code == 403
    assert editor.delete(f"{base}/photos/{first['id']}").status_code == 403
    assert admin.put(f"{base}/photos/999999", json={"caption": "x"}).status_code == 404

    http, page, csrf = _admin_form(system, "admin", f"/admin/content/albums/{album['id']}")
    assert 'value="新的说明"' in page.text
    form = {"csrf": csrf, "album_id": str(album["id"]), "caption": "页面上改的"}
    assert "已保存" in http.post(f"{system.gateway}/admin/content/photos/{second['id']}", data=form).text
    removed = http.post(f"{system.gateway}/admin/content/photos/{first['id']}", data=form | {"remove": "1"})
    assert removed.status_code == 200 and "已保存" in removed.text
    left = requests.get(f"{base}/albums/{album['id']}").json()["photos"]
    assert [(p["id"], p["caption"]) for p in left] == [(second["id"], "页面上改的")]
    versions = admin.get(f"{base}/content/album/{album['id']}/versions").json()
    assert len(versions) == 6  # created, two photos, two captions, one removal: each a version
