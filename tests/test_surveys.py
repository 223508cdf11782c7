"""微调研 through the gateway and the real surveys (and messaging) services: the organiser's API and admin forms, a
citizen's response on the H5 page with show-if logic, and what bad forms, double taps and strangers get."""

import csv
import io
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests

from tests.test_votes import csrf_of, h5


def a_survey(**changes):
    return {
        "title": f"政务服务满意度调查{uuid.uuid4().hex[:4]}",
        "description": "请根据最近一次办事的体验作答",
        "sections": [
            {
                "title": "总体评价",
                "questions": [
                    {
                        "key": "q1",
                        "type": "single",
                        "title": "您对办事体验满意吗",
                        "options": [{"label": "满意"}, {"label": "一般"}, {"label": "不满意"}],
                    },
                    {
                        "key": "q2",
                        "type": "text",
                        "title": "哪里不满意",
                        "max_length": 100,
                        "show_if": {"question": "q1", "options": [3]},
                    },
                    {"key": "q3", "type": "scale", "title": "窗口服务打分", "min_label": "很差", "max_label": "很好"},
                ],
            },
            {
                "title": "改进",
                "questions": [
                    {
                        "key": "q4",
                        "type": "ranking",
                        "title": "请为改进事项排序",
                        "options": [{"label": "缩短等候"}, {"label": "简化材料"}],
                    },
                    {"key": "q5", "type": "number", "title": "等候了多少分钟", "number_min": 0, "integer_only": True},
                ],
            },
        ],
        "closes_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        "results_public": True,
    } | changes


def published_survey(system, **changes):
    api, base = system.staff_session("yunying"), f"{system.gateway}/api/v1/surveys"
    created = api.post(base, json=a_survey(**changes))
    assert created.status_code == 201, created.text
    published = api.post(f"{base}/{created.json()['id']}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    return published.json()


GOOD_FORM = {"q_q1": "1", "q_q3": "4", "q_q4_1": "2", "q_q4_2": "1", "q_q5": "15"}


def test_a_citizen_answers_on_the_page_once_and_sees_the_results(system):
    survey = published_survey(system)
    citizen = h5(system)
    url = f"{system.gateway}/h5/surveys/{survey['id']}"
    page = citizen.get(url)
    assert page.status_code == 200 and survey["title"] in page.text and 'id="survey-form"' in page.text
    # the conditional question is on the page, hidden until 不满意 is chosen
    assert re.search(r'id="question-q2"[^>]*data-show-if=\'\{"options": \[3\], "question": "q1"\}\' hidden', page.text)
    assert "提交后可以看到调研结果" in page.text
    form = {"csrf": csrf_of(page)} | GOOD_FORM | {"q_q1": "3", "q_q2": "排队时间太长"}
    sent = citizen.post(url, data=form, allow_redirects=False)
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/h5/surveys/{survey['id']}?done=1")
    after = citizen.get(f"{url}?done=1")
    assert "提交成功" in after.text and 'id="survey-form"' not in after.text and 'id="responded"' in after.text
    assert 'id="results"' in after.text and "data-chart" in after.text and "排队时间太长" not in after.text
    # the same form again (a double tap): refused with the reason, nothing kept twice
    again = citizen.post(url, data=form)
    assert again.status_code == 409 and "只能提交一次" in again.text
    staff = system.staff_session("yunying").get(f"{system.gateway}/api/v1/surveys/{survey['id']}").json()
    by_key = {q["key"]: q for q in staff["results"]["questions"]}
    assert staff["responses"] == 1 and [o["count"] for o in by_key["q1"]["options"]] == [0, 0, 1]
    assert by_key["q2"]["texts"] == ["排队时间太长"] and by_key["q4"]["options"][0]["label"] == "简化材料"
    assert survey["title"] in citizen.get(f"{system.gateway}/h5/surveys").text


def test_bad_forms_get_their_reasons_under_the_questions_and_keep_what_was_typed(system):
    survey = published_survey(system)
    citizen = h5(system)
    url = f"{system.gateway}/h5/surveys/{survey['id']}"
    token = csrf_of(citizen.get(url))
    for changes, key, reason in [
        ({"q_q1": ""}, "q1", "此题为必答题"),
        ({"q_q2": "不该填"}, "q2", "此题无需作答"),  # q1 is 满意: q2 stays hidden
        ({"q_q1": "3", "q_q2": ""}, "q2", "此题为必答题"),
        ({"q_q1": "3", "q_q2": "长" * 3000}, "q2", "不能超过100个字"),
        ({"q_q3": "9"}, "q3", "请选择1到5之间的分数"),
        ({"q_q4_2": "2"}, "q4", "名次不能重复"),
        ({"q_q5": "十五"}, "q5", "请填写数字"),
        ({"q_q5": "-3"}, "q5", "不能小于0"),
    ]:
        resp = citizen.post(url, data={"csrf": token} | GOOD_FORM | changes)
        assert resp.status_code == 400, (changes, resp.status_code)
        said = re.search(rf'data-error="{key}">([^<]+)<', resp.text)
        assert said and reason in said.group(1), (changes, said and said.group(1))
        typed = changes.get("q_q5", "15")
        assert f'value="{typed}"' in resp.text  # what was typed is still there, wrong or not
    kept = citizen.post(url, data={"csrf": token} | GOOD_FORM | {"q_q1": "3", "q_q2": "窗口太少", "q_q5": "abc"})
    assert "窗口太少</textarea>" in kept.text and 'value="abc"' in kept.text
    assert citizen.post(url, data={"csrf": "forged"} | GOOD_FORM).status_code == 400
    stranger = requests.post(url, data=GOOD_FORM, allow_redirects=False)
    assert stranger.status_code == 302  # no WeChat session: off to OAuth, nothing kept
    assert citizen.get(f"{system.gateway}/h5/surveys/424242").status_code == 404
    assert citizen.get(f"{system.gateway}/h5/surveys/99999999999999").status_code == 404
    staff = system.staff_session("yunying").get(f"{system.gateway}/api/v1/surveys/{survey['id']}").json()
    assert staff["responses"] == 0


def test_parallel_taps_by_one_citizen_keep_one_response(system):
    survey = published_survey(system)
    citizen = h5(system)
    url = f"{system.gateway}/h5/surveys/{survey['id']}"
    token = csrf_of(citizen.get(url))

    def tap(_):
        return citizen.post(url, data={"csrf": token} | GOOD_FORM, allow_redirects=False).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(tap, range(20)))
    assert codes.count(303) == 1 and codes.count(409) == 19, codes
    staff = system.staff_session("yunying").get(f"{system.gateway}/api/v1/surveys/{survey['id']}").json()
    assert staff["responses"] == 1


def test_the_organisers_api_checks_who_and_what_and_downloads_every_response(system):
    base = f"{system.gateway}/api/v1/surveys"
    operator = system.staff_session("yunying")
    bad = operator.post(base, json=a_survey(title="", sections=[{"questions": [{"key": "q1", "type": "single"}]}]))
    assert bad.status_code == 400
    fields = bad.json()["error"]["details"]["fields"]
    assert fields["title"] == "请填写标题" and fields["sections.0.questions.0.title"] == "请填写题目"
    no_options = operator.post(
        base, json=a_survey(sections=[{"questions": [{"key": "q1", "type": "single", "title": "?"}]}])
    )
    assert "需要至少2个选项" in no_options.json()["error"]["details"]["fields"]["sections.0.questions.0.options"]
    assert operator.post(base, data="{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert system.staff_session("huanbao").get(base).status_code == 403  # a case handler runs no surveys
    assert requests.get(base).status_code == 401
    survey = published_survey(system, anonymous=False)
    citizen = h5(system, f"o_srv_{uuid.uuid4().hex[:8]}")
    url = f"{system.gateway}/h5/surveys/{survey['id']}"
    citizen.post(url, data={"csrf": csrf_of(citizen.get(url))} | GOOD_FORM).raise_for_status()
    frozen = operator.put(f"{base}/{survey['id']}", json=a_survey(sections=a_survey()["sections"][:1]))
    assert frozen.status_code == 409 and frozen.json()["error"]["code"] == "survey_questions_locked"
    amended = operator.put(
        f"{base}/{survey['id']}", json={"title": "满意度调查（延期）", "closes_at": a_survey()["closes_at"]}
    )
    assert amended.status_code == 200 and amended.json()["title"] == "满意度调查（延期）"
    got = operator.get(f"{base}/{survey['id']}/responses?format=csv")
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[1][2] == "答卷人（openid）" and rows[2][2] == citizen.cookies["sandbox_openid"]
    assert rows[2][3:] == ["满意", "", "4", "简化材料 > 缩短等候", "15"]
    assert operator.get(f"{base}/{survey['id']}/responses?format=pdf").status_code == 400
    closed = operator.post(f"{base}/{survey['id']}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    public = requests.get(f"{system.gateway}/api/v1/public/surveys").json()
    assert any(s["id"] == survey["id"] and not s["open"] for s in public)
    late = h5(system).get(url)
    assert 'id="ended"' in late.text and 'id="survey-form"' not in late.text and 'id="results"' in late.text


def test_publishing_in_the_admin_can_draft_a_mass_send_announcing_it(system):
    operator = system.staff_session("yunying")
    created = operator.post(f"{system.gateway}/api/v1/surveys", json=a_survey()).json()
    page = operator.get(f"{system.gateway}/admin/surveys/{created['id']}")
    assert page.status_code == 200 and 'id="announce"' in page.text
    done = operator.post(
        f"{system.gateway}/admin/surveys/{created['id']}/publish", data={"csrf": csrf_of(page), "announce": "1"}
    )
    assert done.status_code == 200 and "已发布" in done.text and "已创建群发草稿" in done.text
    sends = operator.get(f"{system.gateway}/api/v1/wechat/mass-sends").json()
    draft = next(s for s in sends if s["title"] == f"微调研：{created['title']}")
    assert draft["status"] == "draft" and f"/h5/surveys/{created['id']}" in draft["content"]


def test_the_builders_document_when_it_is_not_a_survey(system):
    """What the builder posts is JSON: broken, too long, or not an object, the page says so and nothing is made."""
    operator = system.staff_session("yunying")
    page = operator.get(f"{system.gateway}/admin/surveys/new")
    before = len(operator.get(f"{system.gateway}/api/v1/surveys").json())
    for document, reason in [
        ("{not json", "调研内容格式不正确"),
        ("[1, 2]", "调研内容格式不正确"),
        ("{" + " " * 200_001 + "}", "调研内容过长"),
        ('{"title": "", "sections": []}', "请检查标红的内容"),
    ]:
        resp = operator.post(f"{system.gateway}/admin/surveys/new", data={"csrf": csrf_of(page), "document": document})
        assert resp.status_code == 200 and reason in resp.text, (document[:20], resp.status_code)
    assert operator.post(f"{system.gateway}/admin/surveys/new", data={"document": "{}"}).status_code in (400, 403)
    assert len(operator.get(f"{system.gateway}/api/v1/surveys").json()) == before
