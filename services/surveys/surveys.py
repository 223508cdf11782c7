"""微调研: staff build a survey (sections of questions with show-if logic), publish it for a window, with or without
a cap on responses, anonymous or named; citizens answer once; staff read the results and download every response.

One response per citizen holds even for anonymous surveys: who has answered is kept apart (survey_respondents) as a
keyed hash per survey, with no time and no link to the response, so a second response is refused without anyone
being able to find the first. A response, its respondent row and the count move in one statement behind the
survey's row lock, so neither a double tap nor the last place under a cap can go over.

Once answers are collected, what a question asked cannot change (its type, options, rules, logic), nor whether the
survey is anonymous: only the title, description, closing time, cap and whether results are public.
"""

import hashlib
import hmac
import time
from datetime import UTC, datetime

from sqlalchemy import String, bindparam, cast, func, literal, select, text
from sqlalchemy.dialects.postgresql import JSONB

from libs.auth import require
from libs.clock import LOCAL_TZ
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from libs.schemas import MAX_INT, is_id, validate
from services.surveys import answers, schemas
from services.surveys.models import Survey, SurveyRespondent, SurveyResponse

STATE_LABELS = {"draft": "草稿", "not_yet": "未开始", "open": "进行中", "full": "已满额", "closed": "已结束"}
TEXTS_SHOWN = 50  # the latest text answers per question on the results page; the download has them all


def respondent(key, survey_id, openid):
    """A pseudonym per survey: one citizen's responses to two surveys cannot be linked by it."""
    return hmac.new(key.encode(), f"survey:{survey_id}:{openid}".encode(), hashlib.sha256).hexdigest()


def _state(survey, now=None):
    now = now or datetime.now(UTC)
    if survey.status == "draft":
        return "draft"
    if survey.status == "closed" or now >= survey.closes_at:
        return "closed"
    if survey.opens_at is not None and now < survey.opens_at:
        return "not_yet"
    if survey.max_responses is not None and survey.responses_count >= survey.max_responses:
        return "full"
    return "open"


def _survey(session, survey_id, lock=False):
    if not is_id(survey_id, MAX_INT):
        raise NotFound("survey_not_found", "调研不存在")
    query = select(Survey).where(Survey.id == survey_id)
    survey = session.scalar(query.with_for_update() if lock else query)
    if survey is None:
        raise NotFound("survey_not_found", "调研不存在")
    return survey


def _sections(sections):
    """The stored sections as pages show them: options numbered, each type named in Chinese."""
    shown = []
    for section in sections:
        qs = []
        for q in section["questions"]:
            options = [{"id": i, "label": o["label"]} for i, o in enumerate(q.get("options") or [], start=1)]
            qs.append(q | {"options": options, "type_label": schemas.QUESTION_TYPES[q["type"]]})
        shown.append(section | {"questions": qs})
    return shown


def _common(survey):
    state = _state(survey)
    return {
        "id": survey.id,
        "title": survey.title,
        "description": survey.description,
        "anonymous": survey.anonymous,
        "opens_at": survey.opens_at.isoformat() if survey.opens_at else None,
        "closes_at": survey.closes_at.isoformat(),
        "max_responses": survey.max_responses,
        "responses": survey.responses_count,
        "results_public": survey.results_public,
        "state": state,
        "state_label": STATE_LABELS[state],
        "open": state == "open",
        "sections": _sections(survey.sections),
    }


def staff_view(survey):
    return _common(survey) | {
        "status": survey.status,
        "status_label": schemas.SURVEY_STATUS_LABELS[survey.status],
        "created_at": survey.created_at.isoformat(),
        "published_at": survey.published_at.isoformat() if survey.published_at else None,
    }


# -- staff --------------------------------------------------------------------------------------------------------
def create(uow, data):
    uow.require("survey.manage")
    clean = validate(schemas.SurveyIn, data)
    now = datetime.now(UTC)
    survey = Survey(status="draft", created_by=uow.actor.id, created_at=now, updated_at=now, responses_count=0)
    _apply(survey, clean)
    uow.session.add(survey)
    uow.session.flush()
    uow.audit("survey.created", "survey", survey.id, detail={"title": survey.title})
    return staff_view(survey)


def _apply(survey, clean):
    survey.title, survey.description = clean.title, clean.description
    survey.sections = [s.model_dump(mode="json") for s in clean.sections]
    survey.anonymous, survey.opens_at, survey.closes_at = clean.anonymous, clean.opens_at, clean.closes_at
    survey.max_responses, survey.results_public = clean.max_responses, clean.results_public


def edit(uow, survey_id, data):
    """A draft changes freely. A published survey keeps its questions and anonymity (answers were given to those);
    its title, description, closing time, cap and results' visibility may change."""
    uow.require("survey.manage")
    survey = _survey(uow.session, survey_id, lock=True)
    if survey.status == "closed":
        raise Conflict("survey_closed", "调研已结束，不能再修改")
    if survey.status == "draft":
        _apply(survey, validate(schemas.SurveyIn, data))
        action = "survey.edited"
    else:
        clean = validate(schemas.AmendIn, data)
        if not isinstance(data, dict):
            raise ValidationError("invalid_body", "提交的数据格式不正确")
        if "sections" in data and _frozen_changed(survey, data):
            raise Conflict(
                "survey_questions_locked", "调研已发布，题目、选项和显示逻辑不能再修改，以免已收集的答卷失真"
            )
        if "anonymous" in data and data["anonymous"] != survey.anonymous:
            raise Conflict("survey_questions_locked", "调研已发布，不能再更改匿名或实名方式")
        given = {k: getattr(clean, k) for k in clean.model_fields_set}
        fields = {}
        cap = given.get("max_responses")
        if cap is not None and cap < survey.responses_count:
            fields["max_responses"] = f"已收到{survey.responses_count}份答卷，上限不能低于这个数"
        if given.get("closes_at") and given["closes_at"] <= datetime.now(UTC):
            fields["closes_at"] = "截止时间应晚于现在（要立即结束，请点“结束”）"
        elif given.get("closes_at") and survey.opens_at and given["closes_at"] <= survey.opens_at:
            fields["closes_at"] = "截止时间应晚于开始时间"
        if fields:
            raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": fields})
        for name, value in given.items():  # null means "no cap" for max_responses; other fields cannot be null
            setattr(survey, name, value)
        action = "survey.amended"
    survey.updated_at = datetime.now(UTC)
    uow.session.flush()
    uow.audit(action, "survey", survey.id, detail={"title": survey.title})
    return staff_view(survey)


def _frozen_changed(survey, data):
    try:
        sections = validate(schemas.SurveyIn, {**data, "closes_at": survey.closes_at}).sections
    except ValidationError:
        return True
    return [s.model_dump(mode="json") for s in sections] != survey.sections


def publish(uow, survey_id):
    uow.require("survey.manage")
    survey = _survey(uow.session, survey_id, lock=True)
    if survey.status == "published":
        return staff_view(survey)  # a second click
    if survey.status != "draft":
        raise Conflict("survey_closed", "调研已结束，不能再发布")
    now = datetime.now(UTC)
    if survey.closes_at <= now:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"closes_at": "截止时间应晚于现在"}})
    survey.status, survey.published_at, survey.updated_at = "published", now, now
    uow.audit("survey.published", "survey", survey.id)
    return staff_view(survey)


def close(uow, survey_id):
    uow.require("survey.manage")
    survey = _survey(uow.session, survey_id, lock=True)
    if survey.status == "closed":
        return staff_view(survey)
    if survey.status != "published":
        raise Conflict("survey_not_published", "调研尚未发布")
    now = datetime.now(UTC)
    survey.status, survey.updated_at, survey.closes_at = "closed", now, min(survey.closes_at, now)
    uow.audit("survey.closed", "survey", survey.id, detail={"responses": survey.responses_count})
    return staff_view(survey)


def staff_list(session, actor):
    require(actor, "survey.manage")
    rows = session.scalars(select(Survey).order_by(Survey.id.desc()).limit(200)).all()
    return [_summary(s) for s in rows]


def staff_get(session, actor, survey_id, key):
    """The survey with its results as they stand (staff see them whatever citizens are shown)."""
    require(actor, "survey.manage")
    survey = _survey(session, survey_id)
    return staff_view(survey) | {"results": results(session, survey, with_texts=True, key=key)}


def _summary(survey, now=None):
    state = _state(survey, now)
    return {
        "id": survey.id,
        "title": survey.title,
        "open": state == "open",
        "state_label": STATE_LABELS[state],
        "closes_at": survey.closes_at.isoformat(),
        "responses": survey.responses_count,
        "anonymous": survey.anonymous,
    }


# -- results ------------------------------------------------------------------------------------------------------
ANSWERED = text(
    "SELECT e.key, count(*) FROM surveys.survey_responses r CROSS JOIN LATERAL jsonb_object_keys(r.answers) e(key)"
    " WHERE r.survey_id = :s GROUP BY 1"
)
# each chosen option (or scale value, or date) with its place in the answer (a ranking's rank), counted
ELEMENTS = text(
    """
    SELECT e.key, x.value #>> '{}', x.n, count(*)
    FROM surveys.survey_responses r
    CROSS JOIN LATERAL jsonb_each(r.answers) e
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(e.value) = 'array' THEN e.value ELSE jsonb_build_array(e.value) END
    ) WITH ORDINALITY x(value, n)
    WHERE r.survey_id = :s AND e.key = ANY(:keys)
    GROUP BY 1, 2, 3
    """
)
NUMBERS = text(
    """
    SELECT e.key, count(*), avg(v), min(v), max(v), percentile_cont(0.5) WITHIN GROUP (ORDER BY v)
    FROM surveys.survey_responses r
    CROSS JOIN LATERAL jsonb_each(r.answers) e
    CROSS JOIN LATERAL CAST(e.value #>> '{}' AS numeric) v
    WHERE r.survey_id = :s AND e.key = ANY(:keys)
    GROUP BY 1
    """
)
TEXTS = text(
    """
    SELECT key, value FROM (
        SELECT e.key, e.value #>> '{}' AS value, row_number() OVER (
            -- an anonymous survey's answers in a keyed shuffle, a named one's latest first: the order a response
            -- came in could be matched with the time a citizen was seen on the page
            PARTITION BY e.key ORDER BY CASE WHEN :shuffle THEN md5(:salt || CAST(r.id AS text)) END, r.id DESC
        ) AS n
        FROM surveys.survey_responses r CROSS JOIN LATERAL jsonb_each(r.answers) e
        WHERE r.survey_id = :s AND e.key = ANY(:keys)
    ) latest WHERE n <= :limit
    """
)


def _pct(part, whole):
    return round(part * 100 / whole, 1) if whole else 0.0


def _number(value):
    if value is None:
        return None
    value = float(value)
    return int(value) if value.is_integer() else round(value, 2)


def _salt(key, survey):
    return hmac.new(key.encode(), f"order:{survey.id}".encode(), hashlib.sha256).hexdigest()


def results(session, survey, with_texts, key=None):
    """Per question: how many answered it, and counts and shares of options (or scale values), average ranks, the
    spread of numbers and dates; text answers only for staff (with_texts, which needs the key: an anonymous
    survey's are listed in a keyed shuffle, a named one's latest first)."""
    qs = answers.questions(survey.sections)
    s = survey.id
    answered = dict(session.execute(ANSWERED, {"s": s}).all()) if survey.responses_count else {}
    counted = [q["key"] for q in qs if q["type"] in ("single", "multiple", "ranking", "scale", "date")]
    elements = {}
    if answered and counted:
        for key, value, place, count in session.execute(ELEMENTS, {"s": s, "keys": counted}):
            elements.setdefault(key, []).append((value, place, count))
    numbers = {}
    wanted = [q["key"] for q in qs if q["type"] == "number"]
    if answered and wanted:
        numbers = {row[0]: row[1:] for row in session.execute(NUMBERS, {"s": s, "keys": wanted})}
    texts = {}
    wanted = [q["key"] for q in qs if q["type"] == "text"]
    if answered and wanted and with_texts:
        order = {"shuffle": survey.anonymous, "salt": _salt(key, survey)}
        for question, value in session.execute(TEXTS, {"s": s, "keys": wanted, "limit": TEXTS_SHOWN} | order):
            texts.setdefault(question, []).append(value)
    return {
        "responses": survey.responses_count,
        "questions": [_question_result(q, answered.get(q["key"], 0), elements, numbers, texts, with_texts) for q in qs],
    }


def _question_result(q, answered, elements, numbers, texts, with_texts):
    row = {
        "key": q["key"],
        "title": q["title"],
        "type": q["type"],
        "type_label": schemas.QUESTION_TYPES[q["type"]],
        "answered": answered,
    }
    found = elements.get(q["key"], [])
    if q["type"] in ("single", "multiple"):
        counts = {}
        for value, _place, count in found:
            counts[value] = counts.get(value, 0) + count
        row["options"] = [
            {
                "id": i,
                "label": o["label"],
                "count": counts.get(str(i), 0),
                "percent": _pct(counts.get(str(i), 0), answered),
            }
            for i, o in enumerate(q["options"], start=1)
        ]
    elif q["type"] == "scale":
        counts = {}
        for value, _place, count in found:
            counts[value] = counts.get(value, 0) + count
        values = range(q.get("scale_min", 1), q.get("scale_max", 5) + 1)
        row["options"] = [
            {"id": v, "label": str(v), "count": counts.get(str(v), 0), "percent": _pct(counts.get(str(v), 0), answered)}
            for v in values
        ]
        total = sum(int(v) * c for v, c in counts.items())
        row["average"] = round(total / answered, 2) if answered else None
    elif q["type"] == "ranking":
        rank_sum, first = {}, {}
        for value, place, count in found:
            rank_sum[value] = rank_sum.get(value, 0) + place * count
            if place == 1:
                first[value] = count
        options = [
            {
                "id": i,
                "label": o["label"],
                "average_rank": round(rank_sum.get(str(i), 0) / answered, 2) if answered else None,
                "first": first.get(str(i), 0),
            }
            for i, o in enumerate(q["options"], start=1)
        ]
        row["options"] = sorted(options, key=lambda o: (o["average_rank"] is None, o["average_rank"] or 0, o["id"]))
    elif q["type"] == "date":
        by_day = sorted(((v, c) for v, _p, c in found), key=lambda vc: (-vc[1], vc[0]))
        days = sorted(v for v, _p, _c in found)
        row["earliest"], row["latest"] = (days[0], days[-1]) if days else (None, None)
        row["top"] = [{"value": v, "count": c} for v, c in by_day[:10]]
    elif q["type"] == "number":
        _count, avg, low, high, median = numbers.get(q["key"], (0, None, None, None, None))
        row |= {"average": _number(avg), "min": _number(low), "max": _number(high), "median": _number(median)}
    elif q["type"] == "text" and with_texts:
        row["texts"] = texts.get(q["key"], [])
    return row


def response_rows(session, survey, key):
    """Every response as (number, submitted_at, openid or None, answers), for the download: a named survey's in the
    order they came, an anonymous one's in a keyed shuffle (the order could be matched with who was on the page)."""
    order = (
        func.md5(literal(_salt(key, survey)) + cast(SurveyResponse.id, String))
        if survey.anonymous
        else SurveyResponse.id
    )
    query = (
        select(SurveyResponse.id, SurveyResponse.submitted_at, SurveyResponse.openid, SurveyResponse.answers)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(order)
        .execution_options(yield_per=1000)
    )
    for number, (_id, at, openid, given) in enumerate(session.execute(query), start=1):
        yield number, at, openid, given


def export_audited(uow, survey_id):
    """A download of every response is recorded: for a named survey it carries who answered."""
    uow.require("survey.manage")
    survey = _survey(uow.session, survey_id)
    uow.audit("survey.responses_exported", "survey", survey.id, detail={"named": not survey.anonymous})
    return survey


# -- citizens -----------------------------------------------------------------------------------------------------
def public_list(session):
    rows = session.scalars(
        select(Survey).where(Survey.status != "draft").order_by(Survey.published_at.desc()).limit(50)
    ).all()
    now = datetime.now(UTC)
    return [_summary(s, now) for s in rows]


def public_get(session, survey_id, key, openid):
    """The survey, whether this citizen has answered, and the results if the organiser made them public and the
    citizen has answered or the survey is over (text answers are never shown to citizens)."""
    survey = _survey(session, survey_id)
    if survey.status == "draft":
        raise NotFound("survey_not_found", "调研不存在")
    view = _common(survey)
    responded = bool(openid) and _responded(session, survey.id, key, openid)
    shown = survey.results_public and (responded or view["state"] == "closed")
    return view | {"responded": responded, "results": _public_results(session, survey) if shown else None}


# Citizens' view of the results: every page view (two per response) would scan all responses; they are taken
# once per PUBLIC_SECONDS per process instead (staff always see them as they stand).
PUBLIC_RESULTS = {}
PUBLIC_SECONDS = 10.0


def recount(survey_id):
    """After a response is committed: this process's pages count it at once (others within PUBLIC_SECONDS)."""
    PUBLIC_RESULTS.pop(survey_id, None)


def _public_results(session, survey):
    now = time.monotonic()
    kept = PUBLIC_RESULTS.get(survey.id)
    if kept is None or now - kept[0] > PUBLIC_SECONDS:
        if len(PUBLIC_RESULTS) >= MAX_DEFINITIONS:
            PUBLIC_RESULTS.clear()
        kept = PUBLIC_RESULTS[survey.id] = (now, results(session, survey, with_texts=False))
    return kept[1]


def _responded(session, survey_id, key, openid):
    who = respondent(key, survey_id, openid)
    found = select(SurveyRespondent.survey_id).where(
        SurveyRespondent.survey_id == survey_id, SurveyRespondent.respondent == who
    )
    return session.scalar(found) is not None


# A published survey's questions never change (edit() refuses): each process keeps them after the first read.
# Whether the survey is open, not full, and the citizen's first response, is checked in the statement itself.
DEFINITIONS = {}
MAX_DEFINITIONS = 200

RESPOND = text(
    """
    WITH open_survey AS (
        -- locked: responses to one survey queue here, so the cap is exact and a close committed meanwhile is seen
        SELECT id FROM surveys.surveys
        WHERE id = :s AND status = 'published' AND closes_at > now() AND (opens_at IS NULL OR opens_at <= now())
          AND (max_responses IS NULL OR responses_count < max_responses)
        FOR NO KEY UPDATE
    ), first AS (
        INSERT INTO surveys.survey_respondents (survey_id, respondent)
        SELECT id, :who FROM open_survey
        ON CONFLICT DO NOTHING
        RETURNING survey_id
    ), kept AS (
        INSERT INTO surveys.survey_responses (survey_id, answers, submitted_at, openid)
        SELECT survey_id, :answers, :at, :openid FROM first
        RETURNING survey_id
    ), counted AS (
        UPDATE surveys.surveys SET responses_count = responses_count + 1 WHERE id IN (SELECT survey_id FROM kept)
        RETURNING id
    )
    SELECT (SELECT count(*) FROM open_survey), (SELECT count(*) FROM counted)
    """
).bindparams(bindparam("answers", type_=JSONB))


def _definition(session, survey_id):
    """(sections, anonymous) of a survey citizens can see; NotFound for none or a draft."""
    found = DEFINITIONS.get(survey_id)
    if found is None:
        survey = _survey(session, survey_id)
        if survey.status == "draft":
            raise NotFound("survey_not_found", "调研不存在")
        found = (survey.sections, survey.anonymous)
        if len(DEFINITIONS) >= MAX_DEFINITIONS:
            DEFINITIONS.clear()
        DEFINITIONS[survey_id] = found
    return found


def respond(uow, survey_id, given, key):
    """A citizen's one response: checked against the questions and their logic, then kept in one statement."""
    actor = uow.actor
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以填写调研")
    if not is_id(survey_id, MAX_INT):
        raise NotFound("survey_not_found", "调研不存在")
    session = uow.session
    sections, anonymous = _definition(session, survey_id)
    clean = answers.check(sections, given)
    now = datetime.now(UTC)
    # an anonymous response keeps the day only: a time to the second could be matched with the access log
    at = now.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0) if anonymous else now
    who = respondent(key, survey_id, actor.id)
    params = {"s": survey_id, "who": who, "answers": clean, "at": at, "openid": None if anonymous else actor.id}
    is_open, counted = session.execute(RESPOND, params).one()
    if not counted:
        if is_open or _responded(session, survey_id, key, actor.id):
            raise Conflict("already_responded", "您已经提交过本次调研，每人只能提交一次，感谢参与")
        state = _state(_survey(session, survey_id))
        reasons = {"not_yet": "调研尚未开始", "full": "本次调研的答卷已满额，感谢关注"}
        raise Conflict(f"survey_{state}", reasons.get(state, "调研已结束"))
    return {"survey_id": survey_id, "responded": True}
