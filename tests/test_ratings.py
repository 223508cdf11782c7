"""市民印象 and 领导点评 through the gateway and the real ratings service (with content's departments copied in): a
citizen rates on the H5 page, comments on a leader; a moderator approves in the admin; citizens report; the leader's
department head answers once; strangers and other roles are refused."""

import re
import uuid

import requests

from libs.testing import wait_for
from tests.test_votes import csrf_of, h5

ENVIRONMENT = 2  # 市生态环境局 in content's demo data; its head is hbjz
LEADER = "张卫东"


def departments_copied(system):
    """ratings takes content's departments when it starts (and every 10 minutes)."""

    def ready():
        board = requests.get(f"{system.gateway}/api/v1/ratings/board").json()
        return any(d["department_id"] == ENVIRONMENT for d in board["departments"])

    wait_for(ready, timeout=40, message="ratings' copy of content's departments")


def test_a_citizen_rates_a_department_on_the_page(system):
    departments_copied(system)
    citizen = h5(system, f"o_rate_{uuid.uuid4().hex[:8]}")
    url = f"{system.gateway}/h5/ratings/{ENVIRONMENT}"
    page = citizen.get(url)
    assert page.status_code == 200 and "市生态环境局" in page.text and LEADER in page.text
    token = csrf_of(page)
    tags = {
        label: value for value, label in re.findall(r'name="tag_id" value="(\d+)"[^>]*><label[^>]*>([^<]+)<', page.text)
    }
    assert "办事高效" in tags
    for form, field, reason in [
        ({}, "stars", "请选择星级"),
        ({"stars": "9"}, "stars", "不能大于5"),
        ({"stars": "4", "tag_id": "99999"}, "tag_ids", "印象标签不存在"),
        ({"stars": "4", "comment": "你们都是傻逼"}, "comment", "不文明用语"),
    ]:
        resp = citizen.post(url, data={"csrf": token} | form)
        assert resp.status_code == 400, (form, resp.status_code)
        said = re.search(rf'data-error="{field}">([^<]+)<', resp.text)
        assert said and reason in said.group(1), (form, said and said.group(1))
    sent = citizen.post(url, data={"csrf": token, "stars": "4", "tag_id": tags["办事高效"], "comment": "窗口办事快"})
    assert sent.status_code == 200 and "评价成功" in sent.text and "您本月已评价（4星，办事高效）" in sent.text
    card = requests.get(f"{system.gateway}/api/v1/ratings/departments/{ENVIRONMENT}").json()
    assert card["ratings"] >= 1 and any(c["comment"] == "窗口办事快" for c in card["comments"])
    mine = citizen.get(f"{system.gateway}/h5/ratings/mine")
    rating_id = re.search(r'data-rating="(\d+)"', mine.text).group(1)
    withdrawn = citizen.post(f"{system.gateway}/h5/ratings/mine/{rating_id}/withdraw", data={"csrf": csrf_of(mine)})
    assert withdrawn.status_code == 200 and "评价已撤回" in withdrawn.text and 'data-rating="' not in withdrawn.text
    assert citizen.post(url, data={"csrf": "forged", "stars": "5"}).status_code == 400
    assert requests.post(url, data={"stars": "5"}, allow_redirects=False).status_code == 302  # off to OAuth
    assert citizen.get(f"{system.gateway}/h5/ratings/424242").status_code == 404


def test_a_leader_comment_goes_through_moderation_reports_and_one_response(system):
    departments_copied(system)
    author = h5(system, f"o_rate_{uuid.uuid4().hex[:8]}")
    url = f"{system.gateway}/h5/ratings/{ENVIRONMENT}/officials/{LEADER}"
    page = author.get(url)
    assert page.status_code == 200 and 'id="comment-form"' in page.text
    body = f"张局长带队整治河道，效果明显，点赞{uuid.uuid4().hex[:4]}"
    too_short = author.post(url, data={"csrf": csrf_of(page), "body": "好"})
    assert too_short.status_code == 400 and "至少需要5个字" in too_short.text
    sent = author.post(url, data={"csrf": csrf_of(page), "body": body})
    assert sent.status_code == 200 and "审核通过后会公开显示" in sent.text and body not in sent.text
    assert "待审核" in author.get(f"{system.gateway}/h5/ratings/mine").text
    # the moderator approves it in the admin
    moderator = system.staff_session("yunying")
    queue = moderator.get(f"{system.gateway}/admin/ratings")
    comment_id = re.search(rf'data-comment="(\d+)">\s*<p><b>{LEADER}</b>', queue.text).group(1)
    approved = moderator.post(
        f"{system.gateway}/admin/ratings/comments/{comment_id}",
        data={"csrf": csrf_of(queue), "decision": "approve", "shown_body": body},
    )
    assert approved.status_code == 200 and "已公开" in approved.text
    assert body in h5(system).get(url).text
    # three citizens report it: hidden from the page until looked at again
    for i in range(3):
        reporter = h5(system, f"o_rep_{uuid.uuid4().hex[:8]}")
        shown = reporter.get(url)
        done = reporter.post(
            f"{system.gateway}/h5/ratings/comments/{comment_id}/report",
            data={"csrf": csrf_of(shown), "department_id": str(ENVIRONMENT), "official_name": LEADER, "reason": "不实"},
        )
        assert done.status_code == 200 and ("举报已收到" in done.text), i
    assert body not in h5(system).get(url).text
    api = system.staff_session("yunying")
    restored = api.post(
        f"{system.gateway}/api/v1/ratings/comments/{comment_id}/moderation", json={"decision": "approve"}
    )
    assert restored.status_code == 200 and restored.json()["status"] == "published"
    # the department's head answers, once; a head of another department or a handler may not
    assert system.staff_session("huanbao").get(f"{system.gateway}/admin/ratings").status_code == 403
    assert system.staff_session("huanbao").get(f"{system.gateway}/api/v1/ratings/moderation").status_code == 403
    assert requests.get(f"{system.gateway}/api/v1/ratings/moderation").status_code == 401
    head = system.staff_session("hbjz")
    office = head.get(f"{system.gateway}/admin/ratings/office")
    assert office.status_code == 200 and body in office.text
    answer = "感谢您的肯定，我们将持续推进河道整治。"
    responded = head.post(
        f"{system.gateway}/admin/ratings/office/{comment_id}", data={"csrf": csrf_of(office), "body": answer}
    )
    assert responded.status_code == 200 and "回复已公开" in responded.text
    again = head.post(f"{system.gateway}/api/v1/ratings/comments/{comment_id}/response", json={"body": "再次感谢您"})
    assert again.status_code == 409
    assert answer in h5(system).get(url).text


def test_a_new_follower_is_known_to_ratings_through_messagings_event(system):
    """follower_subscribed crosses from messaging to ratings: the rating of someone who followed just now is marked
    as a new follower's (what burst detection counts)."""
    departments_copied(system)
    citizen = system.citizen(f"o_newfan_{uuid.uuid4().hex[:8]}")
    citizen.subscribe()
    wait_for(
        lambda: system.sql("SELECT 1 FROM ratings.followers WHERE openid = :o", o=citizen.openid),
        timeout=15,
        message="ratings' copy of the follow",
    )
    page = h5(system, citizen.openid)
    url = f"{system.gateway}/h5/ratings/{ENVIRONMENT}"
    page.post(url, data={"csrf": csrf_of(page.get(url)), "stars": "3"}).raise_for_status()
    (marked,) = system.sql("SELECT from_new_follower FROM ratings.ratings WHERE openid = :o", o=citizen.openid)
    assert marked == (True,)


def test_a_refused_moderation_is_shown_on_its_card_and_an_administrator_picks_the_office(system):
    departments_copied(system)
    author = h5(system, f"o_rate_{uuid.uuid4().hex[:8]}")
    url = f"{system.gateway}/h5/ratings/{ENVIRONMENT}/officials/{LEADER}"
    body = f"希望张局长多来社区看看{uuid.uuid4().hex[:4]}"
    author.post(url, data={"csrf": csrf_of(author.get(url)), "body": body}).raise_for_status()
    moderator = system.staff_session("yunying")
    queue = moderator.get(f"{system.gateway}/admin/ratings")
    before = queue.text.split(body)[0]
    comment_id = re.findall(r'data-comment="(\d+)"', before)[-1]  # the card holding this body
    refused = moderator.post(
        f"{system.gateway}/admin/ratings/comments/{comment_id}",
        data={"csrf": csrf_of(queue), "decision": "reject", "reason": ""},
    )
    card = refused.text.split(f'id="comment-{comment_id}"')[1].split('class="card"')[0]
    assert 'data-field="reason"' in card and "请填写不通过的理由" in card
    # the administrator answers for whichever department they pick
    admin = system.staff_session("admin")
    picker = admin.get(f"{system.gateway}/admin/ratings/office")
    assert picker.status_code == 200 and 'id="pick-department"' in picker.text
    chosen = admin.get(f"{system.gateway}/admin/ratings/office?department_id={ENVIRONMENT}")
    assert chosen.status_code == 200 and "张局长" in chosen.text


def test_the_moderators_board_and_settings_pages(system):
    departments_copied(system)
    moderator = system.staff_session("yunying")
    board = moderator.get(f"{system.gateway}/admin/ratings/board")
    assert board.status_code == 200 and f'data-department="{ENVIRONMENT}"' in board.text and "贝叶斯平均" in board.text
    settings = moderator.get(f"{system.gateway}/admin/ratings/settings")
    word = f"测{uuid.uuid4().hex[:4]}"
    added = moderator.post(
        f"{system.gateway}/admin/ratings/settings/words",
        data={"csrf": csrf_of(settings), "word": word, "action": "hold"},
    )
    assert added.status_code == 200 and "敏感词已添加" in added.text and f"<td>{word}</td>" in added.text
    refused = moderator.post(
        f"{system.gateway}/admin/ratings/settings/words",
        data={"csrf": csrf_of(settings), "word": word, "action": "hold"},
    )
    assert (
        'data-field="word"' in refused.text and "该词已在列表中" in refused.text and f'value="{word}"' in refused.text
    )
    assert system.staff_session("hbjz").get(f"{system.gateway}/admin/ratings/settings").status_code == 403


def test_follow_times_from_before_ratings_ran_are_copied_from_messaging(system):
    """ratings' timer asks messaging for its followers' follow times, as the service itself (a call from a timer
    carries the service as its actor): the copy completes, and a follower from before is not a new one."""
    wait_for(
        lambda: system.sql("SELECT 1 FROM ratings.follower_backfill WHERE done"),
        timeout=60,
        message="the follow-time backfill",
    )


def test_a_review_with_nothing_chosen_is_refused_on_the_page(system):
    moderator = system.staff_session("yunying")
    page = moderator.get(f"{system.gateway}/admin/ratings")
    for form in (
        {"decision": "count"},
        {"decision": "count", "rating_id": "x"},
        {"decision": "maybe", "rating_id": "1"},
    ):
        resp = moderator.post(f"{system.gateway}/admin/ratings/review", data={"csrf": csrf_of(page)} | form)
        assert resp.status_code == 200 and 'id="page-error"' in resp.text, form


def test_a_held_comment_changed_while_the_moderator_reads_it_is_not_decided_unseen(system):
    departments_copied(system)
    citizen = h5(system, f"o_rate_{uuid.uuid4().hex[:8]}")
    url = f"{system.gateway}/h5/ratings/{ENVIRONMENT}"
    first = f"窗口有黑幕{uuid.uuid4().hex[:4]}"
    citizen.post(url, data={"csrf": csrf_of(citizen.get(url)), "stars": "2", "comment": first}).raise_for_status()
    moderator = system.staff_session("yunying")
    queue = moderator.get(f"{system.gateway}/admin/ratings")

    def card_form(page, text):
        card = page.text.split(text)[0].split('data-impression="')[-1]
        rating_id = card.split('"')[0]
        seen = re.search(r'name="seen" value="([^"]+)"', page.text.split(text)[1]).group(1)
        return rating_id, seen

    rating_id, seen = card_form(queue, first)
    changed = first + "，保安还骂人"
    citizen.post(url, data={"csrf": csrf_of(citizen.get(url)), "stars": "2", "comment": changed}).raise_for_status()
    stale = moderator.post(
        f"{system.gateway}/admin/ratings/impressions/{rating_id}",
        data={"csrf": csrf_of(queue), "seen": seen, "show": "1"},
    )
    assert "已被市民修改或撤回" in stale.text
    card = requests.get(f"{system.gateway}/api/v1/ratings/departments/{ENVIRONMENT}").json()
    assert not any(first in c["comment"] for c in card["comments"])
    queue = moderator.get(f"{system.gateway}/admin/ratings")
    assert card_form(queue, changed)[0] == rating_id
    shown = moderator.post(
        f"{system.gateway}/admin/ratings/impressions/{rating_id}",
        data={"csrf": csrf_of(queue), "seen": card_form(queue, changed)[1], "show": "1"},
    )
    assert "留言已公开" in shown.text
    card = requests.get(f"{system.gateway}/api/v1/ratings/departments/{ENVIRONMENT}").json()
    assert any(c["comment"] == changed for c in card["comments"])
