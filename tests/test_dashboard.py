"""看板: each panel is a service's published figures, shown to those whose role may see them, scoped as their role
is (a department's staff see their department's cases); the figures are the ones the services hold."""

import html
import json
import re
import uuid
from datetime import datetime

import requests

from libs.clock import LOCAL_TZ
from libs.testing import wait_for

PANELS = ("todo", "daily", "rates", "overdue", "growth", "trend", "participation")


def dashboard(system, who):
    page = system.staff_browser(who).get(f"{system.gateway}/admin/dashboard/")
    assert page.status_code == 200, page.text[:300]
    return page.text


def figures(text, chart):
    found = re.search(rf"id=\"{chart}\" data-figures='([^']*)'", text)
    return json.loads(html.unescape(found.group(1))) if found else None


def panels(text):
    return {p for p in PANELS if f'id="panel-{p}"' in text}


def today_total(text):
    daily = figures(text, "chart-daily")
    return sum(s["values"][-1] for s in daily["series"])


def test_each_role_sees_the_panels_its_permissions_allow(system):
    assert panels(dashboard(system, "admin")) == set(PANELS)
    assert panels(dashboard(system, "huanbao")) == {"todo", "daily", "rates", "trend"}
    operator = dashboard(system, "yunying")
    assert panels(operator) == {"todo", "growth", "trend", "participation"}
    assert 'id="todo-inbox"' in operator and 'id="todo-approvals"' in operator
    assert panels(dashboard(system, "duban")) == {"todo", "daily", "rates", "overdue", "trend"}
    # the administrator's home is the dashboard; a clerk's stays their queues
    admin_home = system.staff_browser("admin").get(f"{system.gateway}/admin/")
    assert admin_home.url.startswith(f"{system.gateway}/admin/dashboard")
    assert "/admin/cases" in system.staff_browser("shouli").get(f"{system.gateway}/admin/").url


def test_a_departments_staff_see_their_departments_cases(system, file_case):
    before = {who: today_total(dashboard(system, who)) for who in ("huanbao", "shichang", "shouli")}
    file_case(department_id=2, content="环保局的案件：河道漂浮垃圾无人清理。")
    after = {who: today_total(dashboard(system, who)) for who in ("huanbao", "shichang", "shouli")}
    assert after["huanbao"] == before["huanbao"] + 1  # 环保局's own
    assert after["shichang"] == before["shichang"]  # not 市场监管局's
    assert after["shouli"] == before["shouli"] + 1  # the center sees every department's
    days = figures(dashboard(system, "huanbao"), "chart-daily")["x"]
    assert len(days) == 30 and days[-1] == datetime.now(LOCAL_TZ).date().isoformat()


def test_follower_growth_counts_each_channels_follows(system):
    api = system.staff_session("yunying")
    name = f"展会{uuid.uuid4().hex[:4]}"
    scene = f"expo-{uuid.uuid4().hex[:6]}"
    assert api.post(f"{system.gateway}/api/v1/wechat/qr-channels", json={"name": name, "scene": scene}).ok
    for _ in range(2):
        openid = f"o_growth_{uuid.uuid4().hex[:8]}"
        sent = requests.post(f"{system.sandbox}/sandbox/phone/{openid}/send", json={"event": "scan", "scene": scene})
        assert sent.status_code == 200

    def counted():
        growth = figures(dashboard(system, "yunying"), "chart-growth")
        series = {s["name"]: s["values"] for s in growth["series"]}
        return series.get(name, [0])[-1] == 2 and series

    series = wait_for(counted, timeout=10, message="the channel's two follows today")
    assert "其他途径" in series and all(len(v) == 30 for v in series.values())


def test_the_rating_trend_is_the_counted_ratings_mean(system):
    trend = figures(dashboard(system, "admin"), "chart-trend")
    month = datetime.now(LOCAL_TZ).strftime("%Y-%m")
    assert trend["x"][-1] == month and len(trend["x"]) == 6
    rows = system.sql(
        "SELECT department_id, month, round(avg(stars), 2) FROM ratings.ratings "
        "WHERE status = 'counted' AND NOT withdrawn AND month >= :m GROUP BY department_id, month",
        m=trend["x"][0],
    )
    expected = {(d, m): float(v) for d, m, v in rows}
    shown = {
        (s["department_id"], m): v
        for s in trend["series"]
        for m, v in zip(trend["x"], s["values"], strict=True)
        if v is not None
    }
    assert expected and shown == expected  # the demo's months of ratings, each department's mean per month


def test_what_waits_for_an_operators_approval_is_on_their_dashboard_and_inbox(system):
    author = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat/mass-sends"
    title = f"停水通知{uuid.uuid4().hex[:4]}"
    draft = author.post(base, json={"title": title, "content": "明日停水，请提前储水。", "target": {"kind": "all"}})
    assert draft.status_code == 201, draft.text
    assert author.post(f"{base}/{draft.json()['id']}/submit").json()["status"] == "pending"

    approver = dashboard(system, "shenhe")
    count = int(re.search(r'id="todo-approvals"><b>(\d+)</b>', approver).group(1))
    assert count >= 1
    inbox = system.staff_browser("shenhe").get(f"{system.gateway}/admin/wechat/inbox").text
    assert 'id="awaiting-approval"' in inbox and title in inbox
    # never to the author: they cannot approve their own
    assert title not in system.staff_browser("yunying").get(f"{system.gateway}/admin/wechat/inbox").text
    rejected = system.staff_session("shenhe").post(f"{base}/{draft.json()['id']}/reject", json={"reason": "测试完毕"})
    assert rejected.status_code == 200, rejected.text  # nothing of it is ever sent
