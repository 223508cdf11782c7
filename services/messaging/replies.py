"""回复设置: what the account answers by itself — the follow reply, keyword rules, the default reply.

Rules are read on every text message, so each process keeps them for a few seconds (`CACHE_SECONDS`); the replica
where staff saved a change drops its copy once the change is committed (service.py), the others within those
seconds. WeChat's own limits are checked when a rule is saved (schemas.py), not when a citizen writes.
"""

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from libs.errors import NotFound
from libs.schemas import validate
from libs.wechat import answers
from services.messaging import assistant, caches, catalogue, followers, materials
from services.messaging.models import (
    MAIN_ACCOUNT,
    Account,
    Follower,
    Material,
    OperatorBinding,
    ReplyRule,
    ReplySettings,
)
from services.messaging.schemas import MENU_ACTIONS, RuleIn, RuleView, SettingsIn

CACHE_SECONDS = 5.0


class _Cache:
    """account id → (read at, rules in the order they are tried, settings) for CACHE_SECONDS."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = {}

    def get(self, session, account_id):
        entry, version = self.entries.get(account_id), caches.current(account_id)
        if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS and entry[3] == version:
            return entry[1], entry[2]
        rules = session.scalars(
            select(ReplyRule)
            .where(ReplyRule.account_id == account_id, ReplyRule.enabled.is_(True))
            .order_by(ReplyRule.priority.desc(), ReplyRule.id)
        ).all()
        images = dict(
            session.execute(
                select(Material.id, Material.media_id).where(
                    Material.id.in_([r.material_id for r in rules if r.material_id])
                )
            )
            .tuples()
            .all()
        )
        kept = [(r.match, [w.casefold() for w in r.keywords], _answer(r, images)) for r in rules]
        settings = session.get(ReplySettings, account_id)
        texts = {"follow": settings.follow_reply, "default": settings.default_reply} if settings else {}
        with self.lock:
            self.entries[account_id] = (time.monotonic(), kept, texts, version)
        return kept, texts

    def drop(self, account_id):
        with self.lock:
            self.entries.pop(account_id, None)


cache = _Cache()


def _answer(rule, images):
    if rule.reply_kind == "news":
        return {"articles": [dict(rule.article)]}
    if rule.reply_kind == "image":
        return {"image": images.get(rule.material_id, "")}
    return rule.text


def keyword_reply(session, content, account_id=MAIN_ACCOUNT):
    """The reply of the first enabled rule (highest priority, then oldest) that `content` matches, or None.
    A text reply is a str; a news reply {"articles": [{title, description, url, image}]}; an image reply
    {"image": WeChat's media_id}."""
    return answers.match_rule(cache.get(session, account_id)[0], content)


class Answers:
    """answers.compose's questions about an account, answered from this replica's caches."""

    actions = frozenset(MENU_ACTIONS)

    def __init__(self, session, account_id, name):
        self.session, self.account_id, self.name = session, account_id, name

    def is_blacklisted(self, openid):
        return followers.blacklist_cache.holds(self.session, openid, self.account_id)

    def is_bound(self, openid):
        return assistant.bindings.staff_for(self.session, openid, self.account_id) is not None

    def rule_reply(self, content):
        return keyword_reply(self.session, content, self.account_id)

    def configured(self, which):
        return configured(self.session, which, self.account_id)

    def best_card(self, content, base):
        return catalogue.best_card(self.session, content, base)

    def is_action(self, key):
        return key in self.actions


def table(session, account_id, name, known_cards=None):
    """Everything the account answers with by itself, for a gateway to answer from (answers.Table on the wire).
    The version is read first: contents read after it are as new or newer, so a table is never newer than it says.
    The catalogue's cards come only when the gateway does not hold this copy already (`known_cards`)."""
    version = session.scalar(select(Account.version).where(Account.id == account_id))
    caches.observe(account_id, version)  # this replica's caches, if older, are not handed out
    rules, texts = cache.get(session, account_id)
    blacklist = session.scalars(
        select(Follower.openid).where(Follower.account_id == account_id, Follower.blacklisted.is_(True))
    ).all()
    bound = session.scalars(
        select(OperatorBinding.openid).where(
            OperatorBinding.account_id == account_id,
            OperatorBinding.openid.is_not(None),
            OperatorBinding.expires_at > datetime.now(UTC),
        )
    ).all()
    fingerprint = catalogue.fingerprint(session)
    wire = answers.Table(
        version=version,
        name=name,
        rules=rules,
        texts=texts,
        blacklist=frozenset(blacklist),
        bound=frozenset(bound),
        actions=Answers.actions,
    ).to_wire(None if fingerprint == known_cards else catalogue.rows(session))
    return wire | {"cards_fingerprint": fingerprint}


def as_text(reply):
    """A reply as one text message: what the outbound log keeps, and what a late reply sends (a customer-service
    text, with the card as a link)."""
    if isinstance(reply, str):
        return reply
    if "image" in reply:
        return "[图片]"
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
    if clean.reply_kind == "image":
        materials.usable(uow.session, clean.material_id, ("image",), "material_id", account_id)
    now = datetime.now(UTC)
    if rule_id is None:
        row = ReplyRule(account_id=account_id, created_at=now)
        uow.session.add(row)
    else:
        row = _rule(uow.session, rule_id, account_id)
    values = clean.model_dump()
    values["article"] = values["article"] if clean.reply_kind == "news" else None
    values["text"] = values["text"] if clean.reply_kind == "text" else ""
    values["material_id"] = values["material_id"] if clean.reply_kind == "image" else None
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
    uow.session.flush()
    caches.changed(uow.session, account_id)
    uow.audit("wechat.reply_rule_saved", "reply_rule", row.id, detail={"name": row.name, "keywords": row.keywords})
    return RuleView.model_validate(row).model_dump(mode="json")


def delete_rule(uow, rule_id, account_id=MAIN_ACCOUNT):
    uow.require("wechat.replies")
    row = _rule(uow.session, rule_id, account_id)
    uow.audit("wechat.reply_rule_deleted", "reply_rule", row.id, detail={"name": row.name, "keywords": row.keywords})
    uow.session.delete(row)
    caches.changed(uow.session, account_id)
    return {"deleted": rule_id}


def settings(session, account_id=MAIN_ACCOUNT):
    row = session.get(ReplySettings, account_id)
    return {"follow_reply": row.follow_reply if row else "", "default_reply": row.default_reply if row else ""}


def save_settings(uow, data, account_id=MAIN_ACCOUNT):
    uow.require("wechat.replies")
    clean = validate(SettingsIn, data)
    values = clean.model_dump() | {"updated_at": datetime.now(UTC)}
    # one upsert: two first saves at once both land (the later one wins), neither fails on the key
    stmt = insert(ReplySettings).values(account_id=account_id, **values)
    uow.session.execute(stmt.on_conflict_do_update(index_elements=["account_id"], set_=values))
    caches.changed(uow.session, account_id)
    uow.audit("wechat.reply_settings_saved", "reply_settings", account_id, detail=clean.model_dump())
    return settings(uow.session, account_id)


def _rule(session, rule_id, account_id):
    row = session.get(ReplyRule, rule_id) if isinstance(rule_id, int) and 0 < rule_id < 2**31 else None
    if row is None or row.account_id != account_id:
        raise NotFound("reply_rule_not_found", "回复规则不存在")
    return row
