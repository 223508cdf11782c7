"""服务预约 through the running system: the H5 booking a citizen makes from a service page, its WeChat notices, the
last place booked by many citizens at once on two cases replicas, the window's check-in, and the API."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import text

from libs.auth import Actor
from libs.errors import Conflict
from libs.testing import wait_for
from tests.test_api_contract import conforms
from tests.test_slice import h5_login


def _service(system, name):
    services = requests.get(f"{system.gateway}/api/v1/service-types").json()
    return next(s for s in services if s["name"] == name)


def _open_day(system, service_id):
    days = requests.get(f"{system.gateway}/api/v1/service-types/{service_id}/availability").json()["days"]
    return next(d["day"] for d in days if d["open"] and d["free"] > 0)


def test_a_citizen_books_from_the_service_page_is_told_in_wechat_and_cancels(system):
    card = _service(system, "社保卡申领")
    page = requests.get(f"{system.gateway}/h5/services/{card['id']}").text
    assert f'href="/h5/appointments/new?service_type_id={card["id"]}" id="book"' in page
    not_bookable = _service(system, "失业人员各项补贴")
    assert 'id="book"' not in requests.get(f"{system.gateway}/h5/services/{not_bookable['id']}").text

    citizen = system.citizen()
    citizen.subscribe()
    citizen.send_text("预约")  # the 48 h window is open: the notices come as customer-service messages
    http, _ = h5_login(system, citizen.openid)
    form = http.get(f"{system.gateway}/h5/appointments/new", params={"service_type_id": card["id"]})
    assert form.status_code == 200 and "社会保障窗口" in form.text and 'id="pick-a-day"' in form.text
    day = _open_day(system, card["id"])
    form = http.get(f"{system.gateway}/h5/appointments/new", params={"service_type_id": card["id"], "day": day})
    slot = re.search(r'name="starts_at" value="(\d\d:\d\d)"', form.text).group(1)
    fields = {
        "csrf": re.search(r'name="csrf" value="(\w+)"', form.text).group(1),
        "request_id": re.search(r'name="request_id" value="(\w+)"', form.text).group(1),
        "service_type_id": str(card["id"]),
        "day": day,
        "starts_at": slot,
        "contact_name": "王小明",
        "contact_phone": "13812345678",
    }
    refused = http.post(f"{system.gateway}/h5/appointments", data=fields | {"contact_phone": "123"})
    assert refused.status_code == 400 and 'data-field="contact_phone"' in refused.text and "王小明" in refused.text
    done = http.post(f"{system.gateway}/h5/appointments", data=fields, allow_redirects=False)
    assert done.status_code == 303
    again = http.post(f"{system.gateway}/h5/appointments", data=fields, allow_redirects=False)  # a double tap
    assert again.headers["Location"] == done.headers["Location"]
    page = http.get(system.gateway + done.headers["Location"])
    number = re.search(r'id="number">(YY\d+)<', page.text).group(1)
    assert "预约成功" in page.text and 'id="will-notify"' in page.text and slot in page.text
    assert system.count("cases.appointments", "number = :n", n=number) == 1

    def told(word):
        sent = system.sandbox_calls("custom_send", citizen.openid)
        return [c["body"]["text"]["content"] for c in sent if word in c["body"]["text"]["content"]]

    wait_for(lambda: told("预约成功"), timeout=10, message="the booking notice")
    notice = told("预约成功")[0]
    assert f"预约编号：{number}" in notice and "办理事项：社保卡申领" in notice and f"{day}" in notice
    assert "办理地点：社会保障窗口" in notice

    mine = http.get(f"{system.gateway}/h5/appointments").text
    assert f"/h5/appointments/{number}" in mine and "社保卡申领" in mine and "已预约" in mine
    assert 'id="my-appointments"' in http.get(f"{system.gateway}/h5/cases").text  # 我的 leads to bookings

    stranger, _ = h5_login(system, f"o_other_{uuid.uuid4().hex[:6]}")
    assert stranger.get(f"{system.gateway}/h5/appointments/{number}").status_code == 404
    assert (
        stranger.post(f"{system.gateway}/h5/appointments/{number}/cancel", data={"csrf": stranger.csrf}).status_code
        == 404
    )
    assert http.post(f"{system.gateway}/h5/appointments/{number}/cancel", data={}).status_code == 400  # no CSRF token
    cancelled = http.post(f"{system.gateway}/h5/appointments/{number}/cancel", data={"csrf": fields["csrf"]})
    assert cancelled.status_code == 200 and 'id="cancelled-note"' in cancelled.text and "已取消" in cancelled.text
    wait_for(lambda: told("预约已取消"), timeout=10, message="the cancellation notice")


def test_the_last_place_goes_to_one_citizen_only_across_two_replicas(system, rpc):
    rule = {"weekdays": "1234567", "periods": [["09:00", "09:30"]], "slot_minutes": 30, "counters": 2}
    service = system.bookable_service(rule)
    day = _open_day(system, service["id"])

    def attempt(n):
        data = {"service_type_id": service["id"], "day": day, "starts_at": "09:00"}
        data |= {"contact_name": f"市民{n}", "contact_phone": "13800000000"}
        try:
            actor = Actor.citizen(f"o_race_{uuid.uuid4().hex[:8]}")
            return rpc.call_as(actor, "cases", "book_appointment", data, uuid.uuid4().hex)["number"]
        except Conflict as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(attempt, range(24)))
    booked = [o for o in outcomes if o.startswith("YY")]
    assert len(booked) == 2 and outcomes.count("slot_full") == 22, outcomes
    (slot,) = system.sql(
        "SELECT booked, capacity FROM cases.appointment_slots WHERE window_id = :w AND day = :d",
        w=service["window_id"],
        d=day,
    )
    assert (slot.booked, slot.capacity) == (2, 2)
    assert system.count("cases.appointments", "window_id = :w AND status = 'booked'", w=service["window_id"]) == 2
    # both replicas took part
    assert "book_appointment" in system.log("cases") and "book_appointment" in system.log("cases-2")


def test_the_window_checks_citizens_in_and_sees_no_more_than_it_should(system, rpc):
    card = _service(system, "社保卡申领")
    day = _open_day(system, card["id"])
    data = {"service_type_id": card["id"], "day": day, "starts_at": "09:00"}
    data |= {"contact_name": "欧阳娜娜", "contact_phone": "13912345678"}
    booked = rpc.call_as(
        Actor.citizen(f"o_ck_{uuid.uuid4().hex[:8]}"), "cases", "book_appointment", data, uuid.uuid4().hex
    )
    # the booking is for a later day; check-in happens on the day, so bring the day to it
    today = "(now() AT TIME ZONE 'Asia/Shanghai')::date"
    with system.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE cases.appointments SET day = {today}, starts_at = '23:59' WHERE number = :n"),
            {"n": booked["number"]},
        )

    clerk = system.staff_browser("chuangkou")
    page = clerk.get(f"{system.gateway}/admin/appointments", params={"q": booked["number"]})
    assert page.status_code == 200 and booked["number"] in page.text
    assert (
        "欧***" in page.text
        and "139****5678" in page.text
        and "欧阳娜娜" not in page.text
        and "13912345678" not in page.text
    )
    csrf = re.search(r'name="csrf" value="(\w+)"', page.text).group(1)
    appointment_id = re.search(r"/admin/appointments/(\d+)/check-in", page.text).group(1)
    back = f"/admin/appointments?q={booked['number']}"
    done = clerk.post(
        f"{system.gateway}/admin/appointments/{appointment_id}/check-in", data={"csrf": csrf, "back": back}
    )
    assert done.status_code == 200 and "已签到，请叫号办理" in done.text
    assert (
        system.sql("SELECT status FROM cases.appointments WHERE id = :i", i=int(appointment_id))[0].status
        == "checked_in"
    )
    audit = system.sql(
        "SELECT action, actor_id FROM cases.audit_log WHERE target_type = 'appointment' AND target_id = :i",
        i=appointment_id,
    )
    assert "appointment.checked_in" in [a.action for a in audit]

    other = system.staff_session("shichang")  # 市场监管局: not this window's department
    assert other.post(f"{system.gateway}/api/v1/appointments/{appointment_id}/check-in").status_code == 404
    listed = other.get(f"{system.gateway}/api/v1/appointments", params={"q": booked["number"]}).json()
    assert listed["appointments"] == []
    assert requests.get(f"{system.gateway}/api/v1/appointments").status_code == 401
    assert clerk.get(f"{system.gateway}/admin/appointments/rules").status_code == 403  # rules: administrators


def test_the_booking_api_and_its_bad_input(system, spec):
    card = _service(system, "社保卡申领")
    base = f"{system.gateway}/api/v1"
    availability = requests.get(f"{base}/service-types/{card['id']}/availability")
    conforms(spec, "/api/v1/service-types/{service_type_id}/availability", "get", availability)
    assert availability.json()["bookable"] and len(availability.json()["days"]) == 14
    day = _open_day(system, card["id"])
    slots = requests.get(f"{base}/service-types/{card['id']}/slots", params={"day": day})
    conforms(spec, "/api/v1/service-types/{service_type_id}/slots", "get", slots)
    assert slots.json()[0]["starts_at"] == "09:00"
    for bad in ("", "2026-13-45", "明天", "x" * 11):
        refused = requests.get(f"{base}/service-types/{card['id']}/slots", params={"day": bad})
        assert refused.status_code == 400, bad
        conforms(spec, "/api/v1/service-types/{service_type_id}/slots", "get", refused)
    assert requests.get(f"{base}/service-types/999999/availability").status_code == 404
    calendar = requests.get(f"{base}/calendar", params={"year": "2026"})
    conforms(spec, "/api/v1/calendar", "get", calendar)
    assert {"day": "2026-10-10", "kind": "workday", "name": "国庆节调休上班"} in calendar.json()
    assert requests.get(f"{base}/calendar", params={"year": "abc"}).status_code == 400
    admin = system.staff_session("admin")
    rules = admin.get(f"{base}/booking-rules")
    conforms(spec, "/api/v1/booking-rules", "get", rules)
    assert card["window_id"] in [r["window_id"] for r in rules.json()]
    bad_rule = admin.put(f"{base}/windows/{card['window_id']}/booking-rule", json={"periods": [["12:00", "09:00"]]})
    assert bad_rule.status_code == 400 and "periods" in bad_rule.json()["error"]["details"]["fields"]
    conforms(spec, "/api/v1/windows/{window_id}/booking-rule", "put", bad_rule)
    assert system.staff_session("chuangkou").get(f"{base}/booking-rules").status_code == 403
    listed = system.staff_session("chuangkou").get(f"{base}/appointments", params={"day": "not-a-day"})
    assert listed.status_code == 400
