"""messaging: the only service that talks to the WeChat API. Answers callbacks, tells citizens about their cases."""

import base64
import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta

import eventlet
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.rpc import RpcProxy
from nameko.timer import timer

from libs import errors
from libs.auth import can, may_operate, require
from libs.batches import batches
from libs.clock import local_minute
from libs.service import ConsumesEvents, PublishesEvents, ServiceBase, handles, rpc
from libs.wechat import answers
from libs.wechat.client import oauth_openid
from services.messaging import (
    articles,
    assistant,
    caches,
    catalogue,
    channels,
    domain,
    events,
    followers,
    inbox,
    mass,
    materials,
    media,
    menus,
    replies,
    stats,
)
from services.messaging.models import (
    CaseTrack,
    Follower,
    audit_log,
    outbox,
    parked_events,
    processed_events,
)
from services.messaging.schemas import ANSWERED_EXCHANGE, ANSWERED_QUEUE, AnsweredMessage
from services.messaging.wechat import WeChatApi

log = logging.getLogger(__name__)
CONTENT_TIMEOUT = 10  # seconds messaging waits for content's catalogue
SYNC_ROUND = 5  # seconds of follower-sync pages per timer round (a stopping container waits for it)


def _answered_id(body):
    key = body.get("key") if isinstance(body, dict) else None
    return hashlib.sha256(str(key).encode()).hexdigest()[:32]


def _tag(tag_id):
    if tag_id is None or (isinstance(tag_id, int) and not isinstance(tag_id, bool) and 0 <= tag_id < 2**31):
        return tag_id
    raise errors.NotFound("tag_not_found", "分组不存在")


class MessagingService(PublishesEvents, ConsumesEvents, ServiceBase):
    name = "messaging"
    audit_log = audit_log
    outbox = outbox
    contract = events.PUBLISHES
    processed_events = processed_events
    parked_events = parked_events

    wechat = WeChatApi()
    answer_stamps = caches.Stamps()  # tells the gateways when an account's answers change
    content = RpcProxy("content")

    def _in_steps(self, step, what):
        """A timer's background work, one committed step after another (each returns whether it did one), for up to
        SYNC_ROUND seconds; a failing step is logged and the next round tries again."""
        until = time.monotonic() + SYNC_ROUND
        try:
            while time.monotonic() < until and step(self.db, self.wechat):
                pass
        except Exception:
            self.db.rollback()
            log.exception("%s failed a step; the next round tries again", what)

    def _base(self):
        return self.config["GATEWAY"]["PUBLIC_URL"].rstrip("/")

    @property
    def account_id(self):
        """The Official Account an operator acts on: the one the gateway says they chose, if they may operate it."""
        code = self.actor.account
        account_id = self.wechat.provider.accounts.by_code.get(code)
        if account_id is None:
            raise errors.NotFound("wechat_account_not_found", "公众号不存在")
        if not may_operate(self.actor, code):
            raise errors.Forbidden("wechat_account_forbidden", "您没有管理该公众号的权限")
        return account_id

    @rpc
    def receive(self, dedupe_key, fields, deadline, account="main"):
        """A citizen's message or event from the callback of Official Account `account` (its code), when the gateway
        could not answer it itself (libs/wechat/answers.py: ASK, or its table was not current). Returns the passive
        reply if it is ready before `deadline` (epoch seconds); past it, the gateway has already answered WeChat, so
        the reply goes out as a customer-service message instead."""
        openid = fields["FromUserName"]
        account_id = self._account_of(account)
        client = self.wechat.of(account_id)
        command = None
        with self.unit_of_work() as uow:
            if not self._record(uow, dedupe_key, fields, account_id):
                return {"reply": None, "duplicate": True}
            event = (fields.get("Event") or "").lower()
            scene = (fields.get("EventKey") or "").removeprefix("qrscene_")
            if event in ("subscribe", "scan") and assistant.is_binding_scene(scene):
                reply = assistant.bind(uow.session, openid, scene, account_id)
                domain.log_outbound(uow.session, openid, "passive", reply, dedupe_key, "sent", account_id=account_id)
                return {"reply": reply}
            command = assistant.command_of(self.db, openid, fields, account_id)
            if event == "masssendjobfinish":
                mass.job_finished(uow.session, fields, account_id)
                return {"reply": None}
            if event == "publishjobfinish":
                articles.publish_finished(uow.session, fields, account_id)
                return {"reply": None}
            reply = None if command else self._compose_reply(fields, account_id, account)
            passive = reply is not None and time.time() <= deadline
            if passive:
                # the common case: inbound, follower, event and the passive reply in one transaction
                text = replies.as_text(reply)
                domain.log_outbound(uow.session, openid, "passive", text, dedupe_key, "sent", account_id=account_id)
        if command is not None:
            # a bound operator's command acts as them, in a unit of work of its own
            staff, text = command
            with self.unit_of_work(staff) as uow:
                reply = assistant.run(uow, text, account_id)
            passive = time.time() <= deadline
            if passive:
                with self.unit_of_work() as uow:
                    domain.log_outbound(
                        uow.session, openid, "passive", reply, dedupe_key, "sent", account_id=account_id
                    )
        if reply is None:
            return {"reply": None}
        if passive:
            return {"reply": reply}
        # too late for a passive reply: the gateway has answered WeChat `success` already
        with self.unit_of_work() as uow:
            if isinstance(reply, dict) and "image" in reply:
                domain.send_custom_image(uow.session, uow.checkpoint, client, openid, reply["image"], dedupe_key)
            else:
                text = replies.as_text(reply)
                domain.send_custom_text(uow.session, uow.checkpoint, client, openid, text, dedupe_key)
        return {"reply": None, "sent_async": True}

    def _account_of(self, code):
        account_id = self.wechat.provider.accounts.by_code.get(code)
        if account_id is None:
            raise errors.NotFound("wechat_account_not_found", "公众号不存在")
        return account_id

    def _record(self, uow, dedupe_key, fields, account_id):
        """Store a message once and keep the follower up to date; False for a repeat."""
        version = domain.record_inbound(uow, dedupe_key, fields, account_id)
        if version is None:
            return False
        caches.observe(account_id, version)  # a change saved on another replica is answered with at once
        if (fields.get("Event") or "").lower() == "location":
            city = self.config["CITY"]
            followers.keep_location(
                uow.session, fields["FromUserName"], fields, city["REGIONS"], float(city["RADIUS_KM"])
            )
        return True

    def _compose_reply(self, fields, account_id, code):
        base = self._base()
        source = replies.Answers(self.db, account_id, self.wechat.provider.accounts.by_id[account_id].name)
        reply = answers.compose(fields, source, base, code)
        if reply != answers.ASK:
            return reply
        # what only messaging's own data answers: a click on an action (我的办件 …), a case number's status
        openid = fields["FromUserName"]
        if fields.get("MsgType") == "event":
            reply = menus.click_reply(self.db, (fields.get("EventKey") or "").strip(), openid, base)
        else:
            reply = domain.case_status_text(self.db, (fields.get("Content") or "").strip(), openid, base)
        return answers.for_account(reply, code)

    # -- messages the gateway answered itself ----------------------------------------------------------------------
    @rpc
    def answer_table(self, account="main", known_cards=None):
        """What account `account` answers with by itself (answers.Table on the wire), for the gateways' callbacks;
        its version also goes to their stamp in Redis (a stamp lost to a Redis blip is put back here)."""
        account_id = self._account_of(account)
        name = self.wechat.provider.accounts.by_id[account_id].name
        table = replies.table(self.db, account_id, name, known_cards)
        self.db.rollback()
        caches.raise_stamp(account, table["version"])
        return table

    @batches(ANSWERED_EXCHANGE, ANSWERED_QUEUE)
    def record_answered(self, bodies):
        """The messages the gateways answered themselves, several in one transaction; a message that fails alone is
        parked (ops can replay it), the rest are kept."""
        try:
            with self.unit_of_work() as uow:
                for body in bodies:
                    self._record_answered(uow, body)
            return
        except Exception:  # noqa: BLE001 - the batch is tried again one message at a time
            log.warning("a batch of %d answered messages failed; recording them one by one", len(bodies), exc_info=True)
        for body in bodies:
            try:
                with self.unit_of_work() as uow:
                    self._record_answered(uow, body)
            except Exception as exc:  # noqa: BLE001 - parked with its reason, not lost
                payload = {"event_id": _answered_id(body), "data": body}
                self._park("record_answered", "gateway", "wechat_message_answered", payload, repr(exc), attempts=1)

    def _record_answered(self, uow, body):
        message = AnsweredMessage.model_validate(body)
        account_id = self._account_of(message.account)
        if self._record(uow, message.key, message.fields, account_id) and message.reply is not None:
            text = replies.as_text(message.reply)
            openid = message.fields["FromUserName"]
            domain.log_outbound(uow.session, openid, "passive", text, message.key, "sent", account_id=account_id)

    def _replay_answered(self, uow, delivery):
        self._record_answered(uow, delivery.data.model_dump())

    record_answered.replays = (AnsweredMessage, _replay_answered)  # ops replay what it parked (libs/service.py)

    # -- 回复设置 (operators) ------------------------------------------------------------------------------------
    @rpc
    def reply_rules(self):
        require(self.actor, "wechat.replies")
        account_id = self.account_id
        return {"rules": replies.rules(self.db, account_id), "settings": replies.settings(self.db, account_id)}

    @rpc
    def save_reply_rule(self, rule_id, data):
        with self.unit_of_work() as uow:
            # every replica (this one too) answers with it from its next message on: caches.py
            return replies.save_rule(uow, rule_id, data, self.account_id)

    @rpc
    def delete_reply_rule(self, rule_id):
        with self.unit_of_work() as uow:
            return replies.delete_rule(uow, rule_id, self.account_id)

    @rpc
    def save_reply_settings(self, data):
        with self.unit_of_work() as uow:
            return replies.save_settings(uow, data, self.account_id)

    # -- 自定义菜单 (operators) -----------------------------------------------------------------------------------
    # tag_id: None is everyone's menu, a group's id that group's conditional menu
    @rpc
    def menu(self, tag_id=None):
        require(self.actor, "wechat.menu")
        return menus.view(self.db, self.account_id, tag_id=_tag(tag_id))

    @rpc
    def save_menu(self, data, tag_id=None):
        with self.unit_of_work() as uow:
            return menus.save(uow, data, self.account_id, tag_id=_tag(tag_id))

    @rpc
    def publish_menu(self, tag_id=None):
        with self.unit_of_work() as uow:
            return menus.publish(uow, self.wechat, self.account_id, tag_id=_tag(tag_id))

    @rpc
    def withdraw_menu(self, tag_id=None):
        with self.unit_of_work() as uow:
            return menus.withdraw(uow, self.wechat, self.account_id, tag_id=_tag(tag_id))

    # -- the inbox (operators) ------------------------------------------------------------------------------------
    @rpc
    def inbox(self, which="unanswered", after=None):
        require(self.actor, "wechat.inbox")
        return inbox.conversations(self.db, which, after, self.account_id)

    @rpc
    def conversation(self, openid):
        with self.unit_of_work() as uow:
            return inbox.conversation(uow, openid, self.account_id)

    @rpc
    def answer_citizen(self, openid, data, request_id):
        template_id = self.config["WECHAT"]["ANSWER_TEMPLATE_ID"]
        with self.unit_of_work() as uow:
            return inbox.answer(
                uow, uow.checkpoint, self.wechat, openid, data, request_id, template_id, self._base(), self.account_id
            )

    @rpc
    def media_file(self, sha256):
        """A file a citizen sent (staff reading the inbox): its type and bytes (base64: the bus carries JSON)."""
        with self.unit_of_work() as uow:
            uow.require("wechat.inbox")
            row = media.file(uow.session, sha256, self.account_id)
            uow.audit("wechat.media_viewed", "media_file", sha256)
        return {"content_type": row.content_type, "data": base64.b64encode(row.data).decode()}

    @timer(interval=2)
    def download_media_periodically(self):
        """What citizens sent as image, voice or video, fetched before WeChat forgets it (3 days)."""
        self._in_steps(media.download_step, "a media download")

    @rpc
    def failed_sends(self, offset=0):
        with self.unit_of_work() as uow:
            return inbox.failed_sends(uow, offset, self.account_id)

    @rpc
    def resend(self, outbound_id):
        with self.unit_of_work() as uow:
            return inbox.resend(uow, uow.checkpoint, self.wechat, outbound_id, self.account_id)

    @rpc
    def my_messages(self):
        """我的留言: the citizen acting, their messages and the answers staff sent them."""
        if self.actor.kind != "citizen":
            raise errors.Forbidden("citizens_only", "只有市民本人可以查看")
        return inbox.my_messages(self.db, self.actor.id)

    # -- 用户管理 (operators) ---------------------------------------------------------------------------------------
    @rpc
    def followers(self, query=None):
        require(self.actor, "wechat.followers")
        return followers.search(self.db, query or {}, self.account_id)

    @rpc
    def follow_times(self, after="", limit=5000):
        """Current followers' follow times, a page at a time (for services' copies; system or wechat.followers)."""
        if self.actor.kind != "system":
            require(self.actor, "wechat.followers")
        if not isinstance(after, str) or len(after) > 64 or not isinstance(limit, int) or not 1 <= limit <= 10000:
            raise errors.ValidationError("invalid_page", "分页参数不正确")
        return followers.follow_times(self.db, after, limit, self.account_id)

    @rpc
    def follower_tags(self):
        require(self.actor, "wechat.followers")
        return followers.tags(self.db, self.account_id)

    @rpc
    def save_follower_tag(self, tag_id, data):
        with self.unit_of_work() as uow:
            return followers.save_tag(uow, self.wechat, tag_id, data, self.account_id)

    @rpc
    def delete_follower_tag(self, tag_id):
        with self.unit_of_work() as uow:
            return followers.delete_tag(uow, self.wechat, tag_id, self.account_id)

    @rpc
    def tag_followers(self, tag_id, data, add=True):
        with self.unit_of_work() as uow:
            return followers.tag_followers(uow, self.wechat, tag_id, data, add=bool(add), account_id=self.account_id)

    @rpc
    def blacklist_followers(self, data, on=True):
        with self.unit_of_work() as uow:
            return followers.set_blacklisted(uow, self.wechat, data, on=bool(on), account_id=self.account_id)

    @rpc
    def set_follower_remark(self, openid, data):
        with self.unit_of_work() as uow:
            return followers.set_remark(uow, self.wechat, openid, data, self.account_id)

    @rpc
    def follower_sync(self):
        require(self.actor, "wechat.followers")
        return followers.latest_sync(self.db, self.account_id)

    @rpc
    def start_follower_sync(self):
        with self.unit_of_work() as uow:
            return followers.start_sync(uow, self.account_id)

    @rpc
    def stop_follower_sync(self):
        with self.unit_of_work() as uow:
            return followers.stop_sync(uow, self.account_id)

    @timer(interval=2)
    def follower_sync_periodically(self):
        """Pages of a running sync, for up to SYNC_ROUND seconds a round (a million followers is 100 pages)."""
        self._in_steps(followers.sync_step, "the follower sync")

    # -- 二维码 (operators) -----------------------------------------------------------------------------------------
    @rpc
    def qr_channels(self):
        require(self.actor, "wechat.channels")
        return channels.channels(self.db, self.account_id)

    @rpc
    def follower_growth(self, days=30):
        """New followers per day by QR channel (wechat.stats): the dashboards' figure."""
        require(self.actor, "wechat.stats")
        return channels.growth(self.db, days, self.account_id)

    @rpc
    def qr_channel(self, channel_id):
        require(self.actor, "wechat.channels")
        return channels.channel(self.db, channel_id, self.account_id)

    @rpc
    def create_qr_channel(self, data):
        with self.unit_of_work() as uow:
            return channels.create(uow, self.wechat, data, self.account_id)

    # -- 群发消息 (operators; a second one approves) -----------------------------------------------------------------
    @rpc
    def mass_sends(self):
        require(self.actor, "wechat.mass")
        return mass.sends(self.db, self.account_id)

    @rpc
    def mass_send(self, send_id):
        require(self.actor, "wechat.mass")
        return mass.one(self.db, send_id, self.account_id)

    @rpc
    def save_mass_send(self, send_id, data, request_id=None):
        with self.unit_of_work() as uow:
            return mass.save(uow, send_id, data, self.account_id, request_id)

    @rpc
    def preview_mass_send(self, send_id):
        """To the operator's own bound WeChat only."""
        with self.unit_of_work() as uow:
            return mass.preview(uow, self.wechat, send_id, self.account_id)

    @rpc
    def submit_mass_send(self, send_id):
        with self.unit_of_work() as uow:
            return mass.submit(uow, send_id, self.account_id)

    @rpc
    def approve_mass_send(self, send_id):
        with self.unit_of_work() as uow:
            return mass.approve(uow, send_id, self.account_id)

    @rpc
    def reject_mass_send(self, send_id, reason):
        with self.unit_of_work() as uow:
            return mass.reject(uow, send_id, reason, self.account_id)

    @timer(interval=1)
    def mass_send_periodically(self):
        """Batches of approved sends, for up to SYNC_ROUND seconds a round."""
        self._in_steps(mass.send_step, "a mass-send batch")

    # -- 素材管理 (operators) -----------------------------------------------------------------------------------------
    @rpc
    def pending_approvals(self):
        """What waits for this staff member to approve (someone else's mass sends and articles), for the nav."""
        if not can(self.actor, "wechat.mass_approve"):
            return {"mass": 0, "articles": 0}
        account_id = self.account_id
        return {
            "mass": mass.pending_for(self.db, account_id, not_by=self.actor.id),
            "articles": articles.pending_for(self.db, account_id, not_by=self.actor.id),
        }

    @rpc
    def materials(self, kind=None, offset=0):
        require(self.actor, "wechat.materials")
        return materials.listing(self.db, kind, offset, self.account_id)

    @rpc
    def ready_materials(self, kind):
        require(self.actor, "wechat.materials")
        return materials.ready(self.db, kind, self.account_id)

    @rpc
    def material(self, material_id):
        require(self.actor, "wechat.materials")
        return materials.one(self.db, material_id, self.account_id)

    @rpc
    def upload_material(self, data, file_base64, request_id=None):
        """A new image, voice or video (bytes as base64: the bus carries JSON), checked and given to WeChat."""
        try:
            file_bytes = base64.b64decode(file_base64 or "", validate=True) if isinstance(file_base64, str) else b""
        except ValueError:
            file_bytes = b""
        with self.unit_of_work() as uow:
            return materials.upload(uow, self.wechat, data, file_bytes, self.account_id, request_id)

    @rpc
    def retry_material(self, material_id):
        with self.unit_of_work() as uow:
            return materials.retry(uow, self.wechat, material_id, self.account_id)

    @rpc
    def delete_material(self, material_id):
        with self.unit_of_work() as uow:
            return materials.delete(uow, self.wechat, material_id, self.account_id)

    @rpc
    def material_file(self, material_id):
        require(self.actor, "wechat.materials")
        row = materials.file(self.db, material_id, self.account_id)
        return {"content_type": row.content_type, "data": base64.b64encode(row.data).decode()}

    @rpc
    def articles(self, offset=0):
        require(self.actor, "wechat.materials")
        return articles.listing(self.db, offset, self.account_id)

    @rpc
    def article_choices(self):
        require(self.actor, "wechat.materials")
        return articles.choices(self.db, self.account_id)

    @rpc
    def article(self, article_id):
        require(self.actor, "wechat.materials")
        return articles.one(self.db, article_id, self.account_id)

    @rpc
    def save_article(self, article_id, data, request_id=None):
        with self.unit_of_work() as uow:
            return articles.save(uow, article_id, data, self.account_id, request_id)

    @rpc
    def delete_article(self, article_id):
        with self.unit_of_work() as uow:
            return articles.delete(uow, self.wechat, article_id, self.account_id)

    @rpc
    def preview_article(self, article_id):
        """To the author's own bound WeChat only."""
        with self.unit_of_work() as uow:
            return articles.preview(uow, self.wechat, article_id, self.account_id)

    @rpc
    def submit_article(self, article_id):
        with self.unit_of_work() as uow:
            return articles.submit(uow, article_id, self.account_id)

    @rpc
    def approve_article(self, article_id):
        with self.unit_of_work() as uow:
            return articles.approve(uow, self.wechat, article_id, self.account_id)

    @rpc
    def reject_article(self, article_id, reason):
        with self.unit_of_work() as uow:
            return articles.reject(uow, article_id, reason, self.account_id)

    @timer(interval=15)
    def poll_publishing_periodically(self):
        """Articles whose PUBLISHJOBFINISH has not come: WeChat asked (freepublish/get)."""
        self._in_steps(articles.poll_step, "a publish status query")

    # -- 公众号助手: staff members' own WeChat -------------------------------------------------------------------
    @rpc
    def binding(self):
        return assistant.status(self.db, self.actor, self.account_id)

    @rpc
    def create_binding_code(self):
        with self.unit_of_work() as uow:
            return assistant.create_code(uow, self.wechat, self.account_id)

    @rpc
    def end_staff_bindings(self, staff_id, reason=""):
        """A staff member's WeChat no longer acts for them (账号管理 disabled or changed them)."""
        with self.unit_of_work() as uow:
            return assistant.end_staff_bindings(uow, staff_id, reason)

    @rpc
    def unbind(self):
        with self.unit_of_work() as uow:
            return assistant.unbind(uow, self.account_id)

    # -- 数据统计 -----------------------------------------------------------------------------------------------------
    @rpc
    def wechat_stats(self, days=30):
        require(self.actor, "wechat.stats")
        return stats.report(self.db, days, self.account_id)

    @rpc
    def pull_wechat_stats(self):
        """Fetch the days due now instead of at the next round (an operator's 立即更新)."""
        require(self.actor, "wechat.stats")
        return stats.pull(self.db, self.wechat, self.account_id)

    @timer(interval=60)
    def pull_wechat_stats_periodically(self):
        try:
            for account_id in self.wechat.provider.accounts.by_id:
                stats.pull(self.db, self.wechat.of(account_id), account_id)
        except Exception:
            self.db.rollback()
            log.exception("WeChat's figures were not pulled; next round in a minute")

    # -- content's catalogue, kept for answering messages --------------------------------------------------------
    @timer(interval=15, eager=True)
    def refresh_catalogue(self):
        """The whole catalogue every REFRESH_SECONDS (a change whose event was missed is caught here), and every 15 s
        until the first copy is taken (content may start after messaging)."""
        if not catalogue.refresh_due():
            return
        try:
            # bounded: a content that took the request and stopped must not hold this worker (nor a shutdown)
            with eventlet.Timeout(CONTENT_TIMEOUT, RpcTimeout):
                services = self.content.list_service_types()
        except (UnknownService, RpcTimeout) as exc:
            log.warning("content did not answer for the catalogue copy (%s); trying again in 15 s", type(exc).__name__)
            return
        try:
            catalogue.replace_all(self.db, services)
            self.db.commit()
        except Exception:
            self.db.rollback()
            log.exception("the catalogue copy was not kept; trying again in 15 s")
            return
        catalogue.refreshed()

    @handles("content", "content_changed", events.ContentChangedNotice)
    def handle_content_changed(self, uow, delivery):
        change = delivery.data
        if change.entity_type != "service":
            return
        try:
            with eventlet.Timeout(CONTENT_TIMEOUT, RpcTimeout):
                service = self.content.get_service_type(change.entity_id)
        except errors.NotFound:
            catalogue.forget(uow.session, change.entity_id)
        else:
            catalogue.keep(uow.session, [service])
        # every replica answers with the change within catalogue.CACHE_SECONDS

    # -- the citizen's own profile (H5) -----------------------------------------------------------------------------
    def _citizen(self):
        if self.actor.kind != "citizen":
            raise errors.Forbidden("citizens_only", "只有市民本人可以查看")
        return self.actor.id

    @rpc
    def my_profile(self):
        return followers.profile(self.db, self._citizen(), self.config["CITY"]["REGIONS"])

    @rpc
    def save_my_profile(self, data):
        return followers.save_profile(self.db, self._citizen(), data, self.config["CITY"]["REGIONS"])

    @rpc
    def oauth_openid(self, code, account="main"):
        """OAuth2 snsapi_base: the H5 page's code -> the citizen's openid at that Official Account."""
        if not isinstance(code, str) or not 0 < len(code) <= 128:
            raise errors.ValidationError("invalid_code", "授权码无效")
        accounts = self.wechat.provider.accounts
        found = accounts.by_id.get(accounts.by_code.get(account))
        if found is None:
            raise errors.NotFound("wechat_account_not_found", "公众号不存在")
        try:
            return oauth_openid(found.wechat_config(self.config["WECHAT"]), code)
        except Exception as exc:
            log.warning("oauth exchange failed: %s", exc)
            raise errors.Unauthenticated("oauth_failed", "微信授权失败，请重新打开页面") from None

    @rpc
    def follows(self):
        """Whether the citizen acting follows the account (so that WeChat lets us tell them about their cases)."""
        if self.actor.kind != "citizen":
            raise errors.Forbidden("citizens_only", "只有市民本人可以查看")
        return domain.follows(self.db, self.actor.id)

    @rpc
    def retry_failed_notifications(self, min_age_seconds=30):
        """Operators (and the timer) resend failed notifications; returns how each one went."""
        self.actor_may_operate()  # operators: the same permission as replaying parked events
        with self.unit_of_work() as uow:
            return domain.retry_failed(
                uow.session, uow.checkpoint, self.wechat, timedelta(seconds=float(min_age_seconds))
            )

    @timer(interval=30)
    def retry_failed_notifications_periodically(self):
        try:
            with self.unit_of_work() as uow:
                domain.retry_failed(uow.session, uow.checkpoint, self.wechat)
        except Exception:
            log.exception("retrying failed notifications failed; next round in 30 s")

    def _case_link(self, number):
        return f"{self._base()}/h5/cases/{number}"

    def _case_template(self, case, headline, remark):
        """The case-progress template message (used outside the 48 h customer-service window)."""
        return {
            "template_id": self.config["WECHAT"]["CASE_TEMPLATE_ID"],
            "url": self._case_link(case.number),
            "data": {
                "first": f"{case.kind_label}{headline}",
                "keyword1": case.number,
                "keyword2": case.status_label,
                "remark": remark,
            },
        }

    @handles("cases", "case_created", events.CaseNotice)
    def handle_case_created(self, uow, delivery):
        case = delivery.data
        text = (
            f"您的{case.kind_label}已提交。\n编号：{case.number}\n"
            f"提交时间：{local_minute(case.created_at.isoformat())}\n"
            f'发送编号可随时查询进度，或<a href="{self._case_link(case.number)}">点击查看</a>。'
        )
        self._tell(uow, delivery, text, self._case_template(case, "已提交", "点击查看详情"))

    def _reply_text(self, kind_label, number, reply, when):
        """Labelled lines, the answer itself included: the citizen reads it without opening anything."""
        return (
            f"您的{kind_label} {number} 有了新的答复：\n状态：已答复\n答复：{reply}\n"
            f"时间：{local_minute(when.isoformat())}\n"
            f'<a href="{self._case_link(number)}">查看详情</a>'
        )

    @handles("cases", "case_replied", events.CaseReplyNotice)
    def handle_case_replied(self, uow, delivery):
        case = delivery.data
        text = self._reply_text(case.kind_label, case.number, case.reply, case.updated_at)
        self._tell(uow, delivery, text, self._case_template(case, "有新答复", "点击查看答复内容"))

    @rpc
    def preview_reply(self, kind_label, number, reply):
        """What the citizen will receive for this reply, by the channel WeChat allows for them now: the whole
        answer (customer-service message), a template message pointing to the case page, or nothing (not a
        follower: the clerk should phone). Staff preview it before sending."""
        if not self.actor.is_staff:
            raise errors.Forbidden("staff_only", "仅限工作人员")
        kind_label, number = str(kind_label)[:16], str(number)[:24]
        now = datetime.now(UTC)  # the message is dated when it is sent: the preview shows now
        text = self._reply_text(kind_label, number, str(reply)[:2000], now)
        track = self.db.get(CaseTrack, number.upper())
        follower = self.db.get(Follower, track.openid) if track is not None and track.openid else None
        if follower is not None and domain.custom_message_allowed(self.db, follower):
            return {"channel": "custom", "text": text}
        if follower is not None and follower.subscribed:
            fields = domain.template_values(
                {"first": f"{kind_label}有新答复", "keyword1": number, "keyword2": "已答复"}
            )
            shown = f"{fields['first']}\n编号：{fields['keyword1']}\n状态：{fields['keyword2']}\n点击查看答复内容"
            return {"channel": "template", "text": shown}
        return {"channel": "none", "text": ""}

    def _tell_step(self, uow, delivery, progress, closing="查看详情"):
        """A workflow step in labelled lines: number, status, what happened, when; readable without opening it."""
        case = delivery.data
        text = (
            f"【{case.kind_label}】{case.number}\n状态：{case.status_label}\n进展：{progress}\n"
            f"时间：{local_minute(case.updated_at.isoformat())}\n"
            f'<a href="{self._case_link(case.number)}">{closing}</a>'
        )
        self._tell(uow, delivery, text, self._case_template(case, case.status_label, progress))

    @handles("cases", "case_accepted", events.CaseStepNotice)
    def handle_case_accepted(self, uow, delivery):
        self._tell_step(uow, delivery, "12345受理中心已受理，正在分派办理部门")

    @handles("cases", "case_assigned", events.CaseStepNotice)
    def handle_case_assigned(self, uow, delivery):
        self._tell_step(uow, delivery, f"已转交{delivery.data.department_name}办理")

    @handles("cases", "case_rejected", events.CaseStepNotice)
    def handle_case_rejected(self, uow, delivery):
        self._tell_step(uow, delivery, f"不予受理。原因：{delivery.data.note}")

    @handles("cases", "case_merged", events.CaseStepNotice)
    def handle_case_merged(self, uow, delivery):
        self._tell_step(uow, delivery, delivery.data.note or "已与相同诉求合并办理")

    @handles("cases", "case_closed", events.CaseStepNotice)
    def handle_case_closed(self, uow, delivery):
        self._tell_step(uow, delivery, "已办结。请对办理结果进行评价，不满意可申请重新办理一次", "去评价")

    @handles("cases", "case_reopened", events.CaseStepNotice)
    def handle_case_reopened(self, uow, delivery):
        self._tell_step(uow, delivery, f"已重新交由{delivery.data.department_name or '办理部门'}办理")

    @handles("cases", "case_started", events.CaseStepNotice)
    def handle_case_started(self, uow, delivery):
        self._tell_step(uow, delivery, f"{delivery.data.department_name or '办理部门'}已签收，正在办理")

    @handles("cases", "case_returned", events.CaseStepNotice)
    def handle_case_returned(self, uow, delivery):
        # the department's reason is between offices: the citizen hears what happens next
        self._tell_step(uow, delivery, "办理部门调整中，12345受理中心将重新派单")

    @handles("cases", "case_escalated", events.CaseStepNotice)
    def handle_case_escalated(self, uow, delivery):
        self._tell_step(uow, delivery, "已超过答复期限，12345受理中心已督办，请耐心等待答复")

    @handles("cases", "case_extended", events.CaseStepNotice)
    def handle_case_extended(self, uow, delivery):
        self._tell_step(uow, delivery, delivery.data.note)

    def _tell(self, uow, delivery, text, template):
        case = delivery.data
        domain.track_case(uow.session, case)
        # the intent (and this event's processed mark) is committed before WeChat is called: a database failure
        # after the send cannot make a retry send it again
        channel = domain.notify(
            uow.session, uow.checkpoint, self.wechat, case.openid, text, template, delivery.event_id
        )
        log.info("case %s: the filer told by %s", case.number, channel)

    @handles("cases", "inquiry_refused", events.InquiryRefusedNotice)
    def handle_inquiry_refused(self, uow, delivery):
        """The "咨询 …" we said was received could not be filed: say why, and where else to ask."""
        notice = delivery.data
        text = (
            f"抱歉，您的咨询未能登记：{notice.reason}\n"
            f'您也可以<a href="{self._base()}/h5/inquiries/new">在线提交咨询</a>，或拨打12345热线。'
        )
        channel = domain.notify(uow.session, uow.checkpoint, self.wechat, notice.openid, text, None, delivery.event_id)
        log.info("a refused inquiry: the citizen told by %s", channel)

    # -- 服务预约 ----------------------------------------------------------------------------------------------
    def _appointment_text(self, a, headline, closing):
        """Labelled lines a citizen reads without opening anything else."""
        weekday = "一二三四五六日"[a.day.weekday()]
        place = f"{a.window_name}（{a.location}）" if a.location else a.window_name
        return (
            f"{headline}\n预约编号：{a.number}\n办理事项：{a.service_type_name}\n"
            f"预约时间：{a.day:%Y-%m-%d} 周{weekday} {a.starts_at}-{a.ends_at}\n办理地点：{place}\n"
            f"{closing}\n"
            f'<a href="{self._base()}/h5/appointments/{a.number}">查看预约</a>'
        )

    def _tell_appointment(self, uow, delivery, headline, closing):
        a = delivery.data
        template = {
            "template_id": self.config["WECHAT"]["APPOINTMENT_TEMPLATE_ID"],
            "url": f"{self._base()}/h5/appointments/{a.number}",
            "data": {
                "first": headline,
                "keyword1": a.number,
                "keyword2": a.service_type_name,
                "keyword3": f"{a.day:%m-%d} {a.starts_at}-{a.ends_at}",
                "keyword4": a.window_name,
                "remark": closing,
            },
        }
        text = self._appointment_text(a, headline, closing)
        channel = domain.notify(uow.session, uow.checkpoint, self.wechat, a.openid, text, template, delivery.event_id)
        log.info("appointment %s: the citizen told by %s", a.number, channel)

    @handles("cases", "appointment_booked", events.AppointmentNotice)
    def handle_appointment_booked(self, uow, delivery):
        self._tell_appointment(uow, delivery, "您已预约成功。", "请带齐材料按时到场；不能前往请提前取消。")

    @handles("cases", "appointment_cancelled", events.AppointmentNotice)
    def handle_appointment_cancelled(self, uow, delivery):
        reason = delivery.data.reason  # the office cancelled it (a closed day): say so
        closing = reason or "该时段已释放，如需办理可重新预约。"
        self._tell_appointment(uow, delivery, "您的预约已取消。", closing)

    @handles("cases", "appointment_reminder", events.AppointmentNotice)
    def handle_appointment_reminder(self, uow, delivery):
        self._tell_appointment(
            uow, delivery, "预约提醒：您明天有一个预约。", "请带齐材料按时到场；不能前往请提前取消。"
        )

    @handles("cases", "appointment_no_show", events.AppointmentNoShowNotice)
    def handle_appointment_no_show(self, uow, delivery):
        a = delivery.data
        closing = (
            f"您未在预约时段到场，预约已失效。近90天内未到{a.no_show_count}次，"
            f"满{a.no_show_limit}次将暂停网上预约30天。"
        )
        self._tell_appointment(uow, delivery, "预约未到提醒", closing)
