"""微投票 through the gateway and the real surveys service: the organiser's API, a citizen's ballot on the H5 page
(their WeChat session, the form's CSRF token), and what a second tap, a forged form or a stranger gets."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests


def h5(system, openid=None):
    http = requests.Session()
    http.cookies.set("sandbox_openid", openid or f"o_vote_{uuid.uuid4().hex[:8]}", domain="127.0.0.1")
    return http


def csrf_of(page):
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def published_vote(system, **changes):
    api, base = system.staff_session("yunying"), f"{system.gateway}/api/v1/votes"
    data = {
        "title": f"最美社区评选{uuid.uuid4().hex[:4]}",
        "options": [{"label": "东湖社区"}, {"label": "西溪社区"}, {"label": "南山社区"}],
        "closes_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    } | changes
    created = api.post(base, json=data)
    assert created.status_code == 201, created.text
    published = api.post(f"{base}/{created.json()['id']}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    return published.json()


def test_a_citizen_votes_on_the_page_once_and_sees_the_results(system):
    vote = published_vote(system)
    citizen = h5(system)
    page = citizen.get(f"{system.gateway}/h5/votes/{vote['id']}")
    assert page.status_code == 200 and vote["title"] in page.text and 'id="vote-form"' in page.text
    west = vote["options"][1]["id"]
    cast = citizen.post(
        f"{system.gateway}/h5/votes/{vote['id']}",
        data={"csrf": csrf_of(page), "option_id": str(west)},
        allow_redirects=False,
    )
    assert cast.status_code == 303 and cast.headers["Location"].endswith(f"/h5/votes/{vote['id']}?voted=1")
    after = citizen.get(f"{system.gateway}/h5/votes/{vote['id']}?voted=1")
    assert "投票成功" in after.text and "我的选择" in after.text and 'id="vote-form"' not in after.text
    back = citizen.get(f"{system.gateway}/h5/votes/{vote['id']}")  # coming back later: told they voted
    assert "您已经投过票了，感谢参与" in back.text
    # the same form sent again (a double tap): nothing counted twice, and the citizen is told why
    url = f"{system.gateway}/h5/votes/{vote['id']}"
    again = citizen.post(url, data={"csrf": csrf_of(page), "option_id": str(west)})
    assert again.status_code == 409 and "您已经投过票了" in again.text
    staff = system.staff_session("yunying").get(f"{system.gateway}/api/v1/votes/{vote['id']}").json()
    assert staff["results"]["ballots"] == 1 and [o["votes"] for o in staff["results"]["options"]] == [0, 1, 0]
    listed = citizen.get(f"{system.gateway}/h5/votes")
    assert vote["title"] in listed.text


def test_bad_ballots_get_a_reason_in_chinese_and_count_nothing(system):
    vote = published_vote(system, max_choices=2, results="live")
    citizen = h5(system)
    url = f"{system.gateway}/h5/votes/{vote['id']}"
    token = csrf_of(citizen.get(url))
    ids = [str(o["id"]) for o in vote["options"]]
    for data, status, reason in [
        ({}, 400, "请选择投票选项"),
        ({"option_id": "x"}, 400, "选项不存在"),
        ({"option_id": ids}, 400, "最多只能选择2项"),
        ({"option_id": "99999999"}, 400, "选项不存在或有重复"),
        ({"option_id": [ids[0], ids[0]]}, 400, "选项不存在或有重复"),
    ]:
        resp = citizen.post(url, data={"csrf": token} | data)
        assert resp.status_code == status and reason in resp.text, (data, resp.status_code)
    forged = citizen.post(url, data={"csrf": "forged", "option_id": ids[0]})
    assert forged.status_code == 400
    stranger = requests.post(url, data={"option_id": ids[0]}, allow_redirects=False)
    assert stranger.status_code == 302  # no WeChat session: off to OAuth, nothing cast
    assert citizen.get(f"{system.gateway}/h5/votes/424242").status_code == 404
    staff = system.staff_session("yunying").get(f"{system.gateway}/api/v1/votes/{vote['id']}").json()
    assert staff["results"]["ballots"] == 0


def test_parallel_taps_by_one_citizen_count_once(system):
    vote = published_vote(system)
    citizen = h5(system)
    url = f"{system.gateway}/h5/votes/{vote['id']}"
    token = csrf_of(citizen.get(url))
    option = str(vote["options"][0]["id"])

    def tap(_):
        return citizen.post(url, data={"csrf": token, "option_id": option}, allow_redirects=False).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(tap, range(20)))
    assert codes.count(303) == 1 and codes.count(409) == 19, codes
    staff = system.staff_session("yunying").get(f"{system.gateway}/api/v1/votes/{vote['id']}").json()
    assert staff["results"]["ballots"] == 1


def test_the_organisers_api_checks_who_and_what(system):
    base = f"{system.gateway}/api/v1/votes"
    operator = system.staff_session("yunying")
    bad = operator.post(base, json={"title": "", "options": [{"label": "甲"}], "closes_at": "明天"})
    assert bad.status_code == 400 and set(bad.json()["error"]["details"]["fields"]) >= {"title", "options", "closes_at"}
    assert operator.post(base, data="not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert system.staff_session("huanbao").get(base).status_code == 403  # a case handler runs no votes
    assert requests.get(base).status_code == 401
    vote = published_vote(system)
    frozen = operator.put(f"{base}/{vote['id']}", json={"title": "改名", "options": vote["options"]})
    assert frozen.status_code == 409
    closed = operator.post(f"{base}/{vote['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    public = requests.get(f"{system.gateway}/api/v1/public/votes").json()
    assert any(v["id"] == vote["id"] and not v["open"] for v in public)
    late = h5(system)
    page = late.get(f"{system.gateway}/h5/votes/{vote['id']}")
    assert "已截止" in page.text and 'id="vote-form"' not in page.text and 'id="results"' in page.text


def test_a_citizen_cannot_vote_again_through_a_departments_account(system):
    """WeChat gives a person an openid per Official Account: the vote pages sign them in through the city's, so a
    department's account is not one more ballot."""
    vote = published_vote(system)
    person = requests.Session()
    person.cookies.set("sandbox_person", f"p_{uuid.uuid4().hex[:8]}", domain="127.0.0.1")
    url = f"{system.gateway}/h5/votes/{vote['id']}"
    first = person.get(url)
    option = str(vote["options"][0]["id"])
    assert person.post(url, data={"csrf": csrf_of(first), "option_id": option}).status_code == 200  # voted, shown
    # the same person, now through 市生态环境局's account (another openid at WeChat)
    person.get(f"{system.gateway}/h5/complaints/new?wx=hbj").raise_for_status()
    again = person.get(f"{url}?wx=hbj")
    assert "wx=main" in again.url and "我的选择" in again.text and 'id="vote-form"' not in again.text
    staff = system.staff_session("yunying").get(f"{system.gateway}/api/v1/votes/{vote['id']}").json()
    assert staff["results"]["ballots"] == 1


def test_the_results_download_as_csv_and_xlsx_with_formulas_kept_as_text(system):
    import io

    from openpyxl import load_workbook

    vote = published_vote(system, options=[{"label": '=HYPERLINK("http://x")'}, {"label": "西溪社区"}])
    citizen = h5(system)
    url = f"{system.gateway}/h5/votes/{vote['id']}"
    token = csrf_of(citizen.get(url))
    citizen.post(url, data={"csrf": token, "option_id": str(vote["options"][1]["id"])}).raise_for_status()
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/votes/{vote['id']}/results"
    as_csv = api.get(base, params={"format": "csv"})
    assert as_csv.status_code == 200 and "attachment" in as_csv.headers["Content-Disposition"]
    text = as_csv.content.decode("utf-8-sig")
    assert "西溪社区,1,100.0%" in text and "'=HYPERLINK" in text and "参与人数：1" in text
    as_xlsx = api.get(base, params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["西溪社区", 1, 1.0] in rows and rows[3][0].startswith("'=")
    assert api.get(base, params={"format": "pdf"}).status_code == 400
    assert system.staff_session("huanbao").get(base, params={"format": "csv"}).status_code == 403
    assert api.get(f"{system.gateway}/api/v1/votes/424242/results", params={"format": "csv"}).status_code == 404
    admin_page = system.staff_browser("yunying").get(f"{system.gateway}/admin/votes/{vote['id']}/results.xlsx")
    assert admin_page.status_code == 200 and admin_page.content[:2] == b"PK"


def test_publishing_a_vote_in_the_admin_can_draft_a_mass_send(system):
    api = system.staff_session("yunying")
    data = {
        "title": f"最美街道评选{uuid.uuid4().hex[:4]}",
        "description": "选出您心中最干净整洁的街道",
        "options": [{"label": "湖滨街道"}, {"label": "西湖街道"}],
        "closes_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    }
    vote = api.post(f"{system.gateway}/api/v1/votes", json=data).json()
    page = api.get(f"{system.gateway}/admin/votes")
    done = api.post(f"{system.gateway}/admin/votes/{vote['id']}/publish", data={"csrf": csrf_of(page), "announce": "1"})
    assert done.status_code == 200 and "已发布" in done.text and "已创建群发草稿" in done.text
    sends = api.get(f"{system.gateway}/api/v1/wechat/mass-sends").json()
    draft = next(s for s in sends if s["title"] == f"微投票：{vote['title']}")
    assert draft["status"] == "draft" and f"/h5/votes/{vote['id']}" in draft["content"]
    assert "选出您心中最干净整洁的街道" in draft["content"]
