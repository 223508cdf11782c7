"""Intake through the gateway: a complaint with photos, anonymous; a suggestion; a phone call taken down."""

import io
import re
import uuid

import requests
from PIL import Image

from libs.auth import Actor
from tests.test_slice import complaint, h5_login

NUMBER = re.compile(r"(TS|ZX|JY)\d{12}")


def jpeg(colour=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "JPEG")
    return out.getvalue()


def test_an_anonymous_complaint_with_photos_from_the_phone(system):
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    form = complaint(request_id, anonymous="1", contact_name="", contact_phone="", location="解放路88号")
    form["confirm_duplicate"] = "1"  # the same text as other tests' complaints: past the hints
    files = [("photos", ("a.jpg", jpeg(), "image/jpeg")), ("photos", ("b.jpg", jpeg((0, 90, 200)), "image/jpeg"))]
    done = http.post(
        f"{system.gateway}/h5/complaints", data={"csrf": http.csrf, **form}, files=files, allow_redirects=False
    )
    assert done.status_code == 303, done.text[:300]
    number = NUMBER.search(done.headers["Location"]).group(0)
    page = http.get(system.gateway + done.headers["Location"]).text
    assert "解放路88号" in page and "匿名" in page
    photos = re.findall(rf"/h5/cases/{number}/photos/([0-9a-f]{{64}})", page)
    assert len(photos) == 4  # two photos, each with its thumbnail
    got = http.get(f"{system.gateway}/h5/cases/{number}/photos/{photos[0]}")
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
    assert "private" in got.headers["Cache-Control"]
    stranger, _ = h5_login(system, f"o_stranger_{uuid.uuid4().hex[:6]}")
    assert stranger.get(f"{system.gateway}/h5/cases/{number}/photos/{photos[0]}").status_code == 404

    case_id = system.sql("SELECT id FROM cases.cases WHERE number = :n", n=number)[0].id
    staff = system.staff_session("huanbao")  # the form chose 环保 (department 2)
    detail = staff.get(f"{system.gateway}/api/v1/cases/{case_id}").json()
    assert detail["anonymous"] and not detail["contact_available"] and len(detail["photos"]) == 2
    refused = staff.post(f"{system.gateway}/api/v1/cases/{case_id}/contact", json={})
    assert refused.status_code == 409 and "匿名" in refused.json()["error"]["message"]
    other = system.staff_session("shichang")
    assert other.get(f"{system.gateway}/api/v1/cases/{case_id}").status_code == 404
    row = system.sql("SELECT contact_name, contact_phone, anonymous FROM cases.cases WHERE id = :i", i=case_id)[0]
    assert (row.contact_name, row.contact_phone, row.anonymous) == ("", "", True)
    # nothing of the filer in the events either (they carry the openid, which only messaging uses)
    events = system.sql("SELECT payload::text AS p FROM cases.outbox WHERE payload::text LIKE :n", n=f"%{number}%")
    assert events and all("13800138000" not in e.p and "张先生" not in e.p for e in events)
    # and nothing in the logs ties the report to the citizen's WeChat account
    from libs.testing import wait_for

    wait_for(lambda: f"case {number}: the filer told" in system.service_log("messaging"), message="the notice")
    logs = "".join(system.log(name) for name in ("gateway", "cases", "cases-2", "messaging"))
    assert citizen.openid not in logs


def test_a_bad_photo_is_refused_with_the_reason_and_the_text_kept(system):
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    files = [("photos", ("fake.jpg", b"this is not a picture", "image/jpeg"))]
    refused = http.post(
        f"{system.gateway}/h5/complaints",
        data={"csrf": http.csrf, "confirm_duplicate": "1", **complaint(request_id)},
        files=files,
    )
    assert refused.status_code == 400 and 'data-field="file"' in refused.text and "无法识别" in refused.text
    assert "城东某某烧烤店" in refused.text
    assert system.count("cases.cases", "request_id = :r", r=request_id) == 0


def test_a_suggestion_from_the_home_page(system):
    assert "/h5/suggestions/new" in requests.get(f"{system.gateway}/h5/").text
    citizen = system.citizen()
    http, _ = h5_login(system, citizen.openid)
    form = http.get(f"{system.gateway}/h5/suggestions/new").text
    assert "建议献策" in form and 'name="accused"' not in form and 'name="photos"' not in form
    request_id = re.search(r'name="request_id" value="(\w+)"', form).group(1)
    data = {"csrf": http.csrf, "request_id": request_id, "content": "建议延长市民中心周六的办理时间到下午五点。"}
    done = http.post(
        f"{system.gateway}/h5/suggestions", data=data | {"contact_phone": "13700001111"}, allow_redirects=False
    )
    assert done.status_code == 303 and "/h5/cases/JY" in done.headers["Location"]


def test_the_center_registers_a_phone_call(system):
    http = system.staff_browser("shouli")
    page = http.get(f"{system.gateway}/admin/cases/new")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="(\w+)"', page.text).group(1)
    request_id = re.search(r'name="request_id" value="(\w+)"', page.text).group(1)
    form = {"csrf": csrf, "request_id": request_id, "channel": "phone", "kind": "complaint", "accused": "某建筑工地"}
    form |= {"content": "工地夜间施工噪音扰民，已持续一周。", "contact_name": "王先生", "contact_phone": "1380000"}
    refused = http.post(f"{system.gateway}/admin/cases/new", data=form)
    assert 'data-field="contact_phone"' in refused.text and "某建筑工地" in refused.text
    saved = http.post(f"{system.gateway}/admin/cases/new", data=form | {"contact_phone": "13800001234"})
    assert saved.status_code == 200 and "已登记并受理" in saved.text and "来电" in saved.text
    assert "已受理" in saved.text
    again = http.post(f"{system.gateway}/admin/cases/new", data=form | {"contact_phone": "13800001234"})
    assert system.count("cases.cases", "request_id = :r", r=request_id) == 1 and again.status_code == 200
    handler = system.staff_browser("huanbao")
    own = handler.get(f"{system.gateway}/admin/cases/new").text
    token = re.search(r'name="csrf" value="(\w+)"', own).group(1)
    denied = handler.post(
        f"{system.gateway}/admin/cases/new", data=form | {"csrf": token, "request_id": uuid.uuid4().hex}
    )
    assert "没有权限" in denied.text  # taking down cases is the center's


def test_the_form_shows_duplicate_hints_before_filing(system):
    from tests.test_slice import submit

    text = f"和平小区{uuid.uuid4().hex[:4]}号楼下水道堵塞污水外溢，已经一个星期了，气味很大。"
    first, request_id = h5_login(system, system.citizen().openid)
    assert submit(system, first, complaint(request_id, content=text), confirm=False).status_code == 303
    again_id = re.search(r'name="request_id" value="(\w+)"', first.get(f"{system.gateway}/h5/complaints/new").text)
    shown = submit(system, first, complaint(again_id.group(1), content=text), confirm=False)
    assert shown.status_code == 200 and 'id="duplicates"' in shown.text and "您已提交过类似" in shown.text
    other, other_id = h5_login(system, system.citizen().openid)
    hinted = submit(system, other, complaint(other_id, content=text), confirm=False)
    assert "已有 1 件相似的诉求正在办理中" in hinted.text and "仍然提交" in hinted.text
    assert text not in hinted.text.replace(f">{text}</textarea>", "")  # the other filing's text is not shown
    assert system.count("cases.cases", "request_id = :r", r=other_id) == 0
    filed = submit(system, other, complaint(other_id, content=text), confirm=True)
    assert filed.status_code == 303


def test_an_inquiry_sent_as_a_wechat_message(system):
    from libs.testing import wait_for

    citizen = system.citizen()
    citizen.subscribe()
    short = citizen.send_text("咨询 社保")
    assert "至少10个字" in short.content
    answer = citizen.send_text("咨询：社保卡丢了怎么补办？需要带什么材料？")
    assert "您的咨询已收到" in answer.content

    def filed():
        return system.sql("SELECT number, kind, channel, content FROM cases.cases WHERE openid = :o", o=citizen.openid)

    (row,) = wait_for(filed, timeout=10, message="the inquiry filed by cases")
    assert (row.kind, row.channel, row.content) == ("inquiry", "wechat", "社保卡丢了怎么补办？需要带什么材料？")
    told = wait_for(
        lambda: [
            c for c in system.sandbox_calls("custom_send", citizen.openid) if row.number in c["body"]["text"]["content"]
        ],
        timeout=10,
        message="the number sent back",
    )
    assert "已提交" in told[0]["body"]["text"]["content"]
    assert system.count("cases.cases", "openid = :o", o=citizen.openid) == 1  # "咨询 社保" filed nothing


def test_case_statistics_as_a_page_csv_xlsx_and_api(system, spec, file_case):
    import io

    from openpyxl import load_workbook

    from tests.test_api_contract import conforms

    file_case(department_id=2)  # at least one case this month
    staff = system.staff_browser("shouli")
    page = staff.get(f"{system.gateway}/admin/reports")
    assert page.status_code == 200 and "按时办结率" in page.text and 'id="stats"' in page.text
    xlsx = staff.get(f"{system.gateway}/admin/reports", params={"format": "xlsx"})
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(xlsx.content)).active["A2"].value == "部门"
    csv = staff.get(f"{system.gateway}/admin/reports", params={"format": "csv"})
    assert csv.content.decode("utf-8").startswith("\ufeff部门,受理量")
    bad = staff.get(f"{system.gateway}/admin/reports", params={"start": "2026-12-01", "end": "2025-12-31"})
    assert bad.status_code == 400 and "一年以内" in bad.text
    api = system.staff_session("shouli")
    from libs.clock import today

    this_year = {"start": f"{today().year}-01-01", "end": today().isoformat()}
    answer = api.get(f"{system.gateway}/api/v1/reports/cases", params=this_year)
    assert "市生态环境局" in [d["department_name"] for d in answer.json()["departments"]]
    conforms(spec, "/api/v1/reports/cases", "get", answer)
    assert answer.status_code == 200 and answer.json()["departments"]
    refused = api.get(f"{system.gateway}/api/v1/reports/cases", params={"start": "x", "end": "y"})
    conforms(spec, "/api/v1/reports/cases", "get", refused)
    assert refused.status_code == 400
    assert requests.get(f"{system.gateway}/api/v1/reports/cases").status_code == 401


def test_an_oversized_photo_is_refused_in_chinese(system):
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    huge = b"\xff\xd8\xff\xe0" + b"0" * (9 * 1024 * 1024)  # past the 8 MB a photo may weigh
    refused = http.post(
        f"{system.gateway}/h5/complaints",
        data={"csrf": http.csrf, "confirm_duplicate": "1", **complaint(request_id)},
        files=[("photos", ("big.jpg", huge, "image/jpeg"))],
    )
    assert refused.status_code in (400, 413) and ("8MB" in refused.text or "过大" in refused.text), refused.text[:300]
    assert system.count("cases.cases", "request_id = :r", r=request_id) == 0
    too_much = [("photos", (f"{i}.jpg", b"x" * (9 * 1024 * 1024), "image/jpeg")) for i in range(4)]
    flood = http.post(
        f"{system.gateway}/h5/complaints", data={"csrf": http.csrf, **complaint(request_id)}, files=too_much
    )
    assert flood.status_code == 413 and system.count("cases.cases", "request_id = :r", r=request_id) == 0


def test_an_inquiry_message_that_cannot_be_filed_is_answered_with_why(system, file_case):
    from libs.testing import wait_for

    citizen = system.citizen()
    citizen.subscribe()
    for _ in range(10):  # the hour's filings used up
        file_case(openid=citizen.openid)
    assert "您的咨询已收到" in citizen.send_text("咨询 公积金贷款可以提前还款吗？需要什么手续？").content

    def told():
        sent = system.sandbox_calls("custom_send", citizen.openid)
        return [c["body"]["text"]["content"] for c in sent if "未能登记" in c["body"]["text"]["content"]]

    (notice,) = wait_for(told, timeout=10, message="the refusal told")
    assert "太频繁" in notice and "12345" in notice
    assert system.count("cases.cases", "openid = :o AND channel = 'wechat'", o=citizen.openid) == 0


def test_every_step_reaches_the_citizen_in_wechat(system, rpc):
    from libs.testing import wait_for

    citizen = system.citizen()
    citizen.subscribe()
    citizen.send_text("你好")  # the 48 h window is open: each step comes as a message of its own
    filed = rpc.call_as(
        Actor.citizen(citizen.openid),
        "cases",
        "create_case",
        {
            "kind": "complaint",
            "accused": "某商店",
            "content": "商店门口长期堆放杂物，堵塞消防通道。",
            "contact_phone": "13800000000",
        },
        uuid.uuid4().hex,
    )
    center = Actor(kind="staff", id="1", name="受理员", roles=("dispatcher",))
    handler = Actor(kind="staff", id="2", name="环保办理人", roles=("handler",), department_id=2)
    rpc.call_as(center, "cases", "act_on_case", filed["id"], "accept", {})
    rpc.call_as(center, "cases", "act_on_case", filed["id"], "assign", {"department_id": 2})
    rpc.call_as(handler, "cases", "act_on_case", filed["id"], "start", {})
    rpc.call_as(handler, "cases", "act_on_case", filed["id"], "return", {"reason": "应由消防部门处理"})

    def progress():
        sent = [c["body"]["text"]["content"] for c in system.sandbox_calls("custom_send", citizen.openid)]
        return [t for t in sent if filed["number"] in t]

    expected = ("已提交", "已受理", "已转交", "已签收", "重新派单")
    told = wait_for(lambda: len(progress()) >= 5 and progress(), timeout=15, message="every step told")
    assert all(any(word in t for t in told) for word in expected), told
    assert not any("消防部门" in t for t in told)  # the return's reason stays between offices
