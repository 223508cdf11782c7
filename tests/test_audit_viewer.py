"""审计: one viewer over every service's audit rows (permission `audit.read`): filtered by person, department,
action, case and time, paged without gaps, downloadable; reading it is audited; citizens are never named."""

import csv
import io
import re
import uuid

import requests
from openpyxl import load_workbook

from tests.test_staff_access import api_login, new_staff


def auditor(system):
    username = new_staff(system, roles=("auditor",), department_id=None)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {api_login(system, username, 'right-password').json()['token']}"
    return http, username


def entries(http, system, **params):
    resp = http.get(f"{system.gateway}/api/v1/audit", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_an_auditor_reads_every_services_rows_by_person_department_action_and_case(system, file_case):
    reader, reader_name = auditor(system)
    # a handler of 环保局 (department 2) reveals a case's contact (cases) and signs in (gateway)
    handler = new_staff(system, roles=("handler",), department_id=2)
    handler_api = requests.Session()
    handler_api.headers["Authorization"] = f"Bearer {api_login(system, handler, 'right-password').json()['token']}"
    case = file_case(accused="某化工厂", content="化工厂夜间排放刺鼻气体。", contact_phone="13700000000")
    dispatcher = system.staff_session("shouli")
    dispatcher.post(f"{system.gateway}/api/v1/cases/{case['id']}/assignment", json={"department_id": 2})
    shown = handler_api.post(f"{system.gateway}/api/v1/cases/{case['id']}/contact", json={"reason": "核实"})
    assert shown.status_code == 200

    mine = entries(reader, system, person=handler)["entries"]
    assert {(e["service"], e["action"]) for e in mine} >= {
        ("cases", "case.contact_viewed"),
        ("gateway", "staff.logged_in"),
    }
    assert {e["label"] for e in mine} >= {"查看联系方式", "登录"}
    reveal = next(e for e in mine if e["action"] == "case.contact_viewed")
    assert reveal["reason"] == "核实" and reveal["target_id"] == str(case["id"])

    by_case = entries(reader, system, case_number=case["number"])["entries"]
    assert by_case and {e["target_id"] for e in by_case} == {str(case["id"])}
    assert {"case.filed", "case.assigned", "case.contact_viewed"} <= {e["action"] for e in by_case}
    # the citizen who filed it is 市民, never their openid
    filed = next(e for e in by_case if e["action"] == "case.filed")
    assert filed["actor_kind"] == "citizen" and filed["actor_id"] == "" and filed["actor_name"] == ""

    department = entries(reader, system, department_id=2, action="case.")["entries"]
    assert department and all(e["action"].startswith("case.") for e in department)
    assert reveal["id"] in {e["id"] for e in department if e["service"] == "cases"}
    assert entries(reader, system, person="nobody-at-all")["entries"] == []

    future = entries(reader, system, since="2099-01-01")
    assert future == {"entries": [], "older": None}

    # reading is itself audited, with what was asked
    reads = entries(reader, system, person=reader_name, action="audit.read")["entries"]
    assert any(e["detail"]["filters"].get("case_number") == case["number"] for e in reads)


def test_pages_follow_each_other_without_gaps_or_repeats(system):
    reader, _ = auditor(system)
    busy = new_staff(system)
    for _ in range(56):
        assert api_login(system, busy, "right-password").status_code == 200
    first = entries(reader, system, person=busy)
    assert len(first["entries"]) == 50 and first["older"]
    second = entries(reader, system, person=busy, before=first["older"])
    assert len(second["entries"]) == 6 and second["older"] is None
    ids = [e["id"] for e in first["entries"] + second["entries"]]
    assert len(set(ids)) == 56 and ids == sorted(ids, reverse=True)  # every one once, newest first


def test_the_audit_log_is_for_auditors_and_bad_filters_are_refused(system):
    for who in ("huanbao", "shouli", "yunying"):
        assert system.staff_session(who).get(f"{system.gateway}/api/v1/audit").status_code == 403
    assert requests.get(f"{system.gateway}/api/v1/audit").status_code == 401
    reader, _ = auditor(system)
    for params, field in (
        ({"since": "2026-13-45"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"department_id": "二"}, "department_id"),
        ({"department_id": "²"}, "department_id"),
        ({"until": "9999-12-31"}, "until"),
        ({"person": "a\x00"}, "person"),
        ({"case_number": "TS\x00"}, "case_number"),
        ({"before": "not-a-time"}, "before"),
    ):
        resp = reader.get(f"{system.gateway}/api/v1/audit", params=params)
        assert resp.status_code == 400 and field in resp.json()["error"]["details"]["fields"], params
    long = reader.get(f"{system.gateway}/api/v1/audit", params={"action": "x" * 65})
    assert long.status_code == 200  # cut to the column's length, matching nothing
    # an auditor reads the audit log and nothing else
    assert reader.get(f"{system.gateway}/api/v1/cases").status_code == 403
    assert reader.get(f"{system.gateway}/api/v1/staff").status_code == 403


def test_an_auditor_downloads_what_the_filters_select_and_the_download_is_audited(system):
    username = new_staff(system, roles=("auditor",), department_id=None)
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = f"10.88.{uuid.uuid4().int % 250}.1"
    home = browser.post(f"{system.gateway}/admin/login", data={"username": username, "password": "right-password"})
    assert home.url.startswith(f"{system.gateway}/admin/audit") and "审计" in home.text  # an auditor's home
    assert 'href="/admin/cases"' not in home.text  # and nothing else in the navigation

    page = browser.get(f"{system.gateway}/admin/audit/", params={"action": "staff.logged_in"})
    assert page.status_code == 200 and username in page.text
    sheet = browser.get(f"{system.gateway}/admin/audit/export.csv", params={"action": "staff.logged_in"})
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间", "人员类型", "人员", "操作"] and len(rows) > 1
    assert all(r[3] == "登录" for r in rows[1:])
    xlsx = browser.get(f"{system.gateway}/admin/audit/export.xlsx", params={"action": "staff.logged_in"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.active.title == "审计记录" and book.active.max_row == len(rows)
    exported = system.sql(
        "SELECT detail FROM gateway.audit_log WHERE action = 'audit.exported' "
        "AND actor_id = (SELECT id::text FROM gateway.staff WHERE username = :u) ORDER BY id",
        u=username,
    )
    assert len(exported) >= 2 and exported[-1][0]["filters"] == {"action": "staff.logged_in"}
    assert re.search(r"没有符合条件的审计记录", browser.get(f"{system.gateway}/admin/audit/?person=nobody").text)
