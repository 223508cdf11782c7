"""ratings: 市民印象 (impressions.py), 领导点评 (comments.py), scores and scorecards (scores.py), the sensitive words
(words.py), and the copies of others' facts it rates by (copies.py). Citizens act as themselves; moderators need
rating.moderate, an official's office rating.respond for its own department."""

import logging
from datetime import UTC, datetime

import eventlet
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.rpc import RpcProxy
from nameko.timer import timer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from libs import errors
from libs.auth import require
from libs.schemas import MAX_INT, is_id, validate
from libs.service import ConsumesEvents, ServiceBase, handles, rpc
from services.ratings import comments, copies, events, impressions, schemas, scores, words
from services.ratings.models import ImpressionTag, SensitiveWord, audit_log, parked_events, processed_events

log = logging.getLogger(__name__)
CONTENT_TIMEOUT = 10  # seconds ratings waits for content's departments
REFRESH_SECONDS = 600


def _flush_unique(session, field, message):
    try:
        session.flush()
    except IntegrityError:
        raise errors.ValidationError("invalid_fields", "请检查填写的内容", {"fields": {field: message}}) from None


class RatingsService(ConsumesEvents, ServiceBase):
    name = "ratings"
    audit_log = audit_log
    processed_events = processed_events
    parked_events = parked_events

    content = RpcProxy("content")
    messaging = RpcProxy("messaging")

    def _setting(self, key, default):
        return int((self.config.get("RATINGS") or {}).get(key) or default)

    # -- citizens -----------------------------------------------------------------------------------------------------
    @rpc
    def rate(self, data):
        with self.unit_of_work() as uow:
            return impressions.rate(uow, data, self._setting("BURST_SIZE", 5))

    @rpc
    def my_ratings(self):
        return impressions.mine(self.db, self.actor)

    @rpc
    def withdraw_rating(self, rating_id):
        with self.unit_of_work() as uow:
            return impressions.withdraw(uow, rating_id)

    @rpc
    def comment(self, data):
        with self.unit_of_work() as uow:
            return comments.submit(uow, data)

    @rpc
    def my_comments(self):
        return comments.mine(self.db, self.actor)

    @rpc
    def report_comment(self, comment_id, data):
        with self.unit_of_work() as uow:
            return comments.report(uow, comment_id, data, self._setting("REPORTS_TO_HIDE", 3))

    # -- public -------------------------------------------------------------------------------------------------------
    @rpc
    def board(self):
        return scores.board(self.db, self._setting("PRIOR_WEIGHT", 10))

    @rpc
    def rating_trend(self, months=6):
        """Mean stars per department and month: the dashboards' rating trends (public figures)."""
        return scores.trend(self.db, months)

    @rpc
    def scorecard(self, department_id):
        return scores.scorecard(self.db, department_id, self._setting("PRIOR_WEIGHT", 10))

    @rpc
    def official_comments(self, department_id, official_name):
        dept = copies.department(self.db, department_id)
        titles = dict(copies.leaders(dept))
        if not isinstance(official_name, str) or official_name not in titles:
            raise errors.NotFound("official_not_found", "该部门没有这位领导")
        return {
            "department_id": dept.id,
            "department_name": dept.name,
            "official_name": official_name,
            "official_title": titles[official_name],
            "comments": comments.public(self.db, dept.id, official_name),
        }

    @rpc
    def tags(self):
        return impressions.tags(self.db)

    # -- moderators and offices ---------------------------------------------------------------------------------------
    @rpc
    def moderation_queue(self):
        return {"comments": comments.queue(self.db, self.actor)} | impressions.review_queue(self.db, self.actor)

    @rpc
    def moderate_comment(self, comment_id, data):
        with self.unit_of_work() as uow:
            return comments.moderate(uow, comment_id, data)

    @rpc
    def moderate_impression_comment(self, rating_id, show, seen):
        with self.unit_of_work() as uow:
            return impressions.moderate_comment(uow, rating_id, bool(show), seen)

    @rpc
    def review_ratings(self, rating_ids, decision):
        with self.unit_of_work() as uow:
            return impressions.review(uow, rating_ids, decision)

    @rpc
    def office_comments(self, department_id=None):
        return comments.for_office(self.db, self.actor, department_id)

    @rpc
    def respond_comment(self, comment_id, data):
        with self.unit_of_work() as uow:
            return comments.respond(uow, comment_id, data)

    @rpc
    def settings(self):
        """The impression tags (retired ones too) and the sensitive words, for moderators."""
        require(self.actor, "rating.moderate")
        words_ = self.db.scalars(select(SensitiveWord).order_by(SensitiveWord.action, SensitiveWord.word))
        return {
            "tags": impressions.tags(self.db, active_only=False),
            "words": [{"id": w.id, "word": w.word, "action": w.action} for w in words_],
        }

    @rpc
    def save_tag(self, tag_id, data):
        with self.unit_of_work() as uow:
            uow.require("rating.moderate")
            clean = validate(schemas.TagIn, data)
            clash = uow.session.scalar(select(ImpressionTag.id).where(ImpressionTag.label == clean.label))
            if clash is not None and clash != tag_id:
                raise errors.ValidationError(
                    "invalid_fields", "请检查填写的内容", {"fields": {"label": "已有同名标签"}}
                )
            if tag_id is None:
                tag = ImpressionTag(sort_order=100)
                uow.session.add(tag)
            else:
                tag = uow.session.get(ImpressionTag, tag_id) if is_id(tag_id, MAX_INT) else None
                if tag is None:
                    raise errors.NotFound("tag_not_found", "标签不存在")
            tag.label, tag.tone, tag.active = clean.label, clean.tone, clean.active
            _flush_unique(uow.session, "label", "已有同名标签")  # the same label saved twice at once
            uow.audit("rating.tag_saved", "impression_tag", tag.id, detail=clean.model_dump())
            return {"id": tag.id, "label": tag.label, "tone": tag.tone, "active": tag.active}

    @rpc
    def add_word(self, data):
        with self.unit_of_work() as uow:
            uow.require("rating.moderate")
            clean = validate(schemas.WordIn, data)
            if uow.session.scalar(select(SensitiveWord.id).where(SensitiveWord.word == clean.word)) is not None:
                raise errors.ValidationError(
                    "invalid_fields", "请检查填写的内容", {"fields": {"word": "该词已在列表中"}}
                )
            word = SensitiveWord(word=clean.word, action=clean.action)
            uow.session.add(word)
            _flush_unique(uow.session, "word", "该词已在列表中")  # the same word added twice at once
            uow.audit("rating.word_added", "sensitive_word", word.id, detail=clean.model_dump())
        words.forget()
        return {"id": word.id, "word": word.word, "action": word.action}

    @rpc
    def remove_word(self, word_id):
        with self.unit_of_work() as uow:
            uow.require("rating.moderate")
            gone = (
                uow.session.execute(
                    delete(SensitiveWord).where(SensitiveWord.id == word_id).returning(SensitiveWord.word)
                ).scalar()
                if is_id(word_id, MAX_INT)
                else None
            )
            if gone is None:
                raise errors.NotFound("word_not_found", "敏感词不存在")
            uow.audit("rating.word_removed", "sensitive_word", word_id, detail={"word": gone})
        words.forget()
        return {"removed": word_id}

    # -- the copies ---------------------------------------------------------------------------------------------------
    _refreshed_at = None

    @timer(interval=15, eager=True)
    def refresh_departments(self):
        """content's departments and leaders every REFRESH_SECONDS (a change whose event was missed is caught here),
        and every 15 s until the first copy is taken (content may start after ratings)."""
        now = eventlet.hubs.get_hub().clock()
        last = RatingsService._refreshed_at
        if last is not None and now - last < REFRESH_SECONDS:
            return
        try:
            with eventlet.Timeout(CONTENT_TIMEOUT, RpcTimeout):
                details = self.content.list_officials()
        except (UnknownService, RpcTimeout) as exc:
            log.warning("content did not answer for the departments (%s); trying again in 15 s", type(exc).__name__)
            return
        try:
            copies.keep_departments(self.db, details)
            self.db.commit()
        except Exception:
            self.db.rollback()
            log.exception("the departments were not kept; trying again in 15 s")
            return
        RatingsService._refreshed_at = now

    @timer(interval=30, eager=True)
    def backfill_followers(self):
        """Follow times of those who followed before ratings ran, from messaging, a page at a time until all are
        copied (afterwards follower_subscribed keeps the copy): without them every rater would count as new."""
        for _ in range(20):
            state = copies.backfill_state(self.db)
            if state.done:
                self.db.commit()
                return
            try:
                with eventlet.Timeout(CONTENT_TIMEOUT, RpcTimeout):
                    page = self.messaging.follow_times(state.after, copies.BACKFILL_PAGE)
            except (UnknownService, RpcTimeout, errors.AppError) as exc:
                self.db.rollback()
                log.warning("messaging did not give follow times (%r); trying again in 30 s", exc)
                return
            try:
                copies.keep_follow_times(self.db, state, page)
                self.db.commit()
            except Exception:
                self.db.rollback()
                log.exception("follow times were not kept; trying again in 30 s")
                return

    @handles("content", "content_changed", events.ContentChangedNotice)
    def handle_content_changed(self, uow, delivery):
        if delivery.data.entity_type != "department":
            return
        with eventlet.Timeout(CONTENT_TIMEOUT, RpcTimeout):
            detail = next((d for d in self.content.list_officials() if d["id"] == delivery.data.entity_id), None)
        if detail is None:
            copies.forget_department(uow.session, delivery.data.entity_id)
        else:
            copies.keep_department(uow.session, detail)

    @handles("messaging", "follower_subscribed", events.FollowerSubscribedNotice)
    def handle_follower_subscribed(self, uow, delivery):
        try:
            at = datetime.fromisoformat(delivery.occurred_at)
        except ValueError:
            at = datetime.now(UTC)
        copies.followed(uow.session, delivery.data.openid, at)

    @handles("cases", "case_stats_published", events.CaseStatsNotice)
    def handle_case_stats(self, uow, delivery):
        copies.keep_case_stats(uow.session, delivery.data)
