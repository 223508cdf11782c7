"""messaging: the only service that talks to the WeChat API. Answers callbacks, tells citizens about their cases."""

import logging
import re
import time
from datetime import timedelta

from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.timer import timer

from libs import errors
from libs.clock import local_minute
from libs.events import first_time
from libs.service import ServiceBase
from libs.wechat.client import oauth_openid
from services.messaging import domain
from services.messaging.models import outbox, processed_events
from services.messaging.wechat import WeChatApi

log = logging.getLogger(__name__)
# what a case number looks like (cases owns the format; this only decides whether a message is a lookup)
CASE_NUMBER = re.compile(r"(?i)(TS|ZX|JY)\d{12,}")


class MessagingService(ServiceBase):
    name = "messaging"
    outbox = outbox

    wechat = WeChatApi()

    def _base(self):
        return self.config["GATEWAY"]["PUBLIC_URL"].rstrip("/")

    @rpc
    def receive(self, dedupe_key, fields, deadline):
        """A citizen's message or event from the callback. Returns the passive reply text if it is ready before
        `deadline` (epoch seconds); past it, the gateway has already answered WeChat, so the reply goes out
        as a customer-service message instead."""
        if not domain.record_inbound(self.db, dedupe_key, fields):
            self.db.rollback()
            return {"reply": None, "duplicate": True}
        openid = fields["FromUserName"]
        reply = self._compose_reply(fields)
        if reply is not None and time.time() <= deadline:
            # the common case: inbound, follower, event and the passive reply in one transaction
            domain.log_outbound(self.db, openid, "passive", reply, dedupe_key, "sent")
            self.db.commit()
            self.relay_events()
            return {"reply": reply}
        self.db.commit()
        self.relay_events()
        if reply is None:
            return {"reply": None}
        # too late for a passive reply: the gateway has answered WeChat `success` already
        domain.send_custom_text(self.db, self.wechat, openid, reply, dedupe_key)
        self.db.commit()
        return {"reply": None, "sent_async": True}

    def _compose_reply(self, fields):
        base = self._base()
        msg_type = fields.get("MsgType")
        event = (fields.get("Event") or "").lower()
        if msg_type == "event":
            return domain.WELCOME.format(base=base) if event == "subscribe" else None
        if msg_type == "text":
            content = (fields.get("Content") or "").strip()
            if CASE_NUMBER.fullmatch(content):
                return domain.case_status_text(self.db, content, fields["FromUserName"], base)
        return domain.HELP.format(base=base)

    @rpc
    def oauth_openid(self, code):
        """OAuth2 snsapi_base: the H5 page's code -> the citizen's openid."""
        if not isinstance(code, str) or not 0 < len(code) <= 128:
            raise errors.ValidationError("invalid_code", "授权码无效")
        try:
            return oauth_openid(self.config["WECHAT"], code)
        except Exception as exc:
            log.warning("oauth exchange failed: %s", exc)
            raise errors.Unauthenticated("oauth_failed", "微信授权失败，请重新打开页面") from None

    @rpc
    def retry_failed_notifications(self, min_age_seconds=30):
        """Operators (and the timer) resend failed notifications; returns how each one went."""
        return domain.retry_failed(self.db, self.wechat, timedelta(seconds=float(min_age_seconds)))

    @timer(interval=30)
    def retry_failed_notifications_periodically(self):
        try:
            self.retry_failed_notifications()
        except Exception:
            self.db.rollback()
            log.exception("retrying failed notifications failed; next round in 30 s")

    def _case_link(self, number):
        return f"{self._base()}/h5/cases/{number}"

    def _case_template(self, case, headline, remark):
        """The case-progress template message (used outside the 48 h customer-service window)."""
        return {
            "template_id": self.config["WECHAT"]["CASE_TEMPLATE_ID"],
            "url": self._case_link(case["number"]),
            "data": {
                "first": f"{case['kind_label']}{headline}",
                "keyword1": case["number"],
                "keyword2": case["status_label"],
                "remark": remark,
            },
        }

    @event_handler("cases", "case_created")
    def handle_case_created(self, payload):
        case = payload["data"]
        text = (
            f"您的{case['kind_label']}已受理。\n编号：{case['number']}\n"
            f"受理时间：{local_minute(case['created_at'])}\n"
            f'发送编号可随时查询进度，或<a href="{self._case_link(case["number"])}">点击查看</a>。'
        )
        template = self._case_template(case, "已受理", "点击查看详情")
        self._notify_once(payload, "case_created", case["openid"], text, template)

    @event_handler("cases", "case_replied")
    def handle_case_replied(self, payload):
        case = payload["data"]
        text = (
            f"您的{case['kind_label']} {case['number']} 有了新的答复：\n{case['reply']}\n"
            f'<a href="{self._case_link(case["number"])}">查看详情</a>'
        )
        template = self._case_template(case, "有新答复", "点击查看答复内容")
        self._notify_once(payload, "case_replied", case["openid"], text, template)

    def _notify_once(self, payload, handler, openid, text, template):
        # an acked event is gone if we raise, so every failure is logged and recorded instead
        try:
            if not first_time(self.db, processed_events, payload["event_id"], handler):
                return
            domain.track_case(self.db, payload["data"])
            channel = domain.notify(self.db, self.wechat, openid, text, template, payload["event_id"])
            self.db.commit()
            log.info("%s for %s told by %s", handler, openid, channel)
        except Exception:
            self.db.rollback()
            log.exception("%s notification failed for event %s", handler, payload.get("event_id"))
