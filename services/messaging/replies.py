"""回复设置: what the account answers by itself — the follow reply, keyword rules, the default reply.

Rules are read on every text message, so each process keeps them for a few seconds (`CACHE_SECONDS`); the replica
where staff saved a change drops its copy at once, the others within those seconds.

WeChat's own limits are checked when a rule is saved, not when a citizen writes: a passive text reply of at most
2048 bytes, one article card in a passive news reply (WeChat has allowed only one since 2018), keywords of at
most 30 characters.
"""

import re
import threading
import time
from datetime import UTC, datetime

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from libs.errors import NotFound
from libs.schemas import Choice, Input, Text, View, validate
from services.messaging.models import MAIN_ACCOUNT, ReplyRule, ReplySettings

CACHE_SECONDS = 5.0
REPLY_BYTES = 2048
KEYWORD_MAX, KEYWORDS_MAX = 30, 10
MATCHES = {"exact": "完全匹配", "contains": "包含关键词"}
REPLY_KINDS = {"text": "文字", "news": "图文卡片"}
SEPARATORS = re.compile(r"[,，;；\n]+")


def _within_reply_bytes(model, *names):
    for name in names:
        if len(getattr(model, name).encode("utf-8")) > REPLY_BYTES:
            raise PydanticCustomError("reply_bytes", "too long for a passive reply", {"field": name})


class ArticleIn(Input):
    title: Text("图文标题", 64)
    description: Text("图文摘要", 120, min_len=0) = ""
    url: Text("图文链接", 512)
    image: Text("封面图片地址", 512, min_len=0) = ""

    @model_validator(mode="after")
    def _https(self):
        for name in ("url", "image"):
            value = getattr(self, name)
            if value and not (value.startswith("https://") and " " not in value):
                raise PydanticCustomError("article_url", "https only", {"field": name})
        return self


class RuleIn(Input):
    name: Text("规则名称", 60)
    keywords: list[str] | str = Field(title="关键词")
    match: Choice("匹配方式", *MATCHES) = "contains"
    priority: int = Field(0, ge=0, le=100, title="优先级")
    enabled: bool = True
    reply_kind: Choice("回复类型", *REPLY_KINDS) = "text"
    text: Text("回复内容", 2048, min_len=0) = ""
    article: ArticleIn | None = None

    @model_validator(mode="after")
    def _shape(self):
        words = SEPARATORS.split(self.keywords) if isinstance(self.keywords, str) else self.keywords
        words = list(dict.fromkeys(w.strip() for w in words if isinstance(w, str) and w.strip()))
        if not 1 <= len(words) <= KEYWORDS_MAX or any(len(w) > KEYWORD_MAX for w in words):
            raise PydanticCustomError("keywords", "1-10 keywords of at most 30 characters", {"field": "keywords"})
        object.__setattr__(self, "keywords", words)
        if self.reply_kind == "text":
            if not self.text:
                raise PydanticCustomError("reply_missing", "a text reply needs its text", {"field": "text"})
            _within_reply_bytes(self, "text")
        elif self.article is None:
            raise PydanticCustomError("reply_missing", "a news reply needs its card", {"field": "article.title"})
        return self


class SettingsIn(Input):
    follow_reply: Text("关注回复", 2048, min_len=0) = ""
    default_reply: Text("默认回复", 2048, min_len=0) = ""

    @model_validator(mode="after")
    def _bytes(self):
        _within_reply_bytes(self, "follow_reply", "default_reply")
        return self


class RuleView(View):
    id: int
    name: str
    keywords: list[str]
    match: str
    priority: int
    enabled: bool
    reply_kind: str
    text: str
    article: dict | None
    updated_at: datetime


class _Cache:
    """account id → (read at, rules in the order they are tried, settings) for CACHE_SECONDS."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = {}

    def get(self, session, account_id):
        entry = self.entries.get(account_id)
        if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS:
            return entry[1], entry[2]
        rules = session.scalars(
            select(ReplyRule)
            .where(ReplyRule.account_id == account_id, ReplyRule.enabled.is_(True))
            .order_by(ReplyRule.priority.desc(), ReplyRule.id)
        ).all()
        kept = [(r.match, [w.casefold() for w in r.keywords], _answer(r)) for r in rules]
        settings = session.get(ReplySettings, account_id)
        texts = {"follow": settings.follow_reply, "default": settings.default_reply} if settings else {}
        with self.lock:
            self.entries[account_id] = (time.monotonic(), kept, texts)
        return kept, texts

    def drop(self, account_id):
        with self.lock:
            self.entries.pop(account_id, None)


cache = _Cache()


def _answer(rule):
    if rule.reply_kind == "news":
        return {"articles": [dict(rule.article)]}
    return rule.text


def keyword_reply(session, content, account_id=MAIN_ACCOUNT):
    """The reply of the first enabled rule (highest priority, then oldest) that `content` matches, or None.
    A text reply is a str; a news reply {"articles": [{title, description, url, image}]}."""
    rules, _ = cache.get(session, account_id)
    said = content.strip().casefold()
    for match, words, answer in rules:
        if any(said == w for w in words) if match == "exact" else any(w in said for w in words):
            return answer
    return None


def as_text(reply):
    """A reply as one text message: what the outbound log keeps, and what a late reply sends (a customer-service
    text, with the card as a link)."""
    if isinstance(reply, str):
        return reply
    article = reply["articles"][0]
    summary = f"\n{article['description']}" if article.get("description") else ""
    return f'{article["title"]}{summary}\n<a href="{article["url"]}">点击查看</a>'


def configured(session, which, account_id=MAIN_ACCOUNT):
    """The account's own follow or default reply ("follow" | "default"), or "" for the built-in one."""
    return cache.get(session, account_id)[1].get(which, "")


# -- staff -----------------------------------------------------------------------------------------------------
def rules(session, account_id=MAIN_ACCOUNT):
    rows = session.scalars(
        select(ReplyRule).where(ReplyRule.account_id == account_id).order_by(ReplyRule.priority.desc(), ReplyRule.id)
    )
    return [RuleView.model_validate(r).model_dump(mode="json") for r in rows]


def save_rule(uow, rule_id, data, account_id=MAIN_ACCOUNT):
    uow.require("wechat.replies")
    clean = validate(RuleIn, data)
    now = datetime.now(UTC)
    if rule_id is None:
        row = ReplyRule(account_id=account_id, created_at=now)
        uow.session.add(row)
    else:
        row = _rule(uow.session, rule_id, account_id)
    values = clean.model_dump()
    values["article"] = values["article"] if clean.reply_kind == "news" else None
    values["text"] = values["text"] if clean.reply_kind == "text" else ""
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
    uow.session.flush()
    uow.audit("wechat.reply_rule_saved", "reply_rule", row.id, detail={"name": row.name, "keywords": row.keywords})
    cache.drop(account_id)
    return RuleView.model_validate(row).model_dump(mode="json")


def delete_rule(uow, rule_id, account_id=MAIN_ACCOUNT):
    uow.require("wechat.replies")
    row = _rule(uow.session, rule_id, account_id)
    uow.audit("wechat.reply_rule_deleted", "reply_rule", row.id, detail={"name": row.name, "keywords": row.keywords})
    uow.session.delete(row)
    cache.drop(account_id)
    return {"deleted": rule_id}


def settings(session, account_id=MAIN_ACCOUNT):
    row = session.get(ReplySettings, account_id)
    return {"follow_reply": row.follow_reply if row else "", "default_reply": row.default_reply if row else ""}


def save_settings(uow, data, account_id=MAIN_ACCOUNT):
    uow.require("wechat.replies")
    clean = validate(SettingsIn, data)
    row = uow.session.get(ReplySettings, account_id, with_for_update=True)
    if row is None:
        row = ReplySettings(account_id=account_id)
        uow.session.add(row)
    row.follow_reply, row.default_reply, row.updated_at = clean.follow_reply, clean.default_reply, datetime.now(UTC)
    uow.audit("wechat.reply_settings_saved", "reply_settings", account_id, detail=clean.model_dump())
    cache.drop(account_id)
    return settings(uow.session, account_id)


def _rule(session, rule_id, account_id):
    row = session.get(ReplyRule, rule_id) if isinstance(rule_id, int) and 0 < rule_id < 2**31 else None
    if row is None or row.account_id != account_id:
        raise NotFound("reply_rule_not_found", "回复规则不存在")
    return row
