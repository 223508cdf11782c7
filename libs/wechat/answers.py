"""What an Official Account answers to a citizen's message by itself, decided one way wherever it is decided.

messaging owns every input (回复设置's rules and texts, the blacklist, operators' bindings, its copy of the
catalogue). It decides here when a message reaches it by RPC; the gateway's callback decides here too, without
asking messaging, whenever it holds the account's current `Table` (services/gateway/wechat/edge.py), and hands the
message to messaging to record afterwards. What needs messaging's data or acts on something (a case number's
status, 我的办件, a binding scan, a bound operator's command, WeChat's job reports) is `ASK`: only messaging answers it.

A reply is a str (text), {"articles": [{title, description, url, image}]} (one card) or {"image": media_id}.
"""

import re
from dataclasses import dataclass, field

from libs.wechat.commands import inquiry_question

ASK = "ask"  # only messaging can answer this message

CASE_NUMBER = re.compile(r"(?i)(TS|ZX|JY)\d{12,16}")
COMMAND = re.compile(r"^\s*群发\s*[:：]?\s*(?P<text>\S.*)$", re.S)  # 公众号助手: a bound operator's mass send
BINDING_SCENE = "bind-"  # a QR scene that binds a staff member's WeChat
JOB_EVENTS = ("masssendjobfinish", "templatesendjobfinish", "publishjobfinish")

WELCOME = (
    "欢迎关注{name}！\n"
    '· 微官网：<a href="{base}/h5/">办事指南、政务信息</a>\n'
    '· 投诉举报：<a href="{base}/h5/complaints/new">在线提交</a>\n'
    "· 咨询：发送“咨询+您的问题”，如：咨询 社保卡丢了怎么补办？\n"
    "· 查询办理进度：直接发送案件编号（如 TS202611260001）\n"
    '· 我的案件：<a href="{base}/h5/cases">点击查看</a>'
)
INQUIRY_TAKEN = "您的咨询已收到，正在登记，受理编号稍后发送给您。答复会通过本公众号通知您。"
INQUIRY_TOO_SHORT = "请在“咨询”后写下您的问题（至少10个字），例如：咨询 社保卡丢了怎么补办？"
HELP = (
    # the message waits in the operators' inbox; what it will not do (become a case) is said too
    "您好！留言已收到，工作人员会在工作时间查看并通过本公众号回复您"
    '（<a href="{base}/h5/messages">我的留言</a>）。\n'
    "留言不作为正式诉求登记：发送案件编号可查询办理进度；发送“咨询+您的问题”可直接提交咨询；"
    '如需投诉举报，请<a href="{base}/h5/complaints/new">在线提交</a>。'
)


# -- 回复设置's keyword rules ------------------------------------------------------------------------------------
def match_rule(rules, content):
    """The answer of the first rule (they come in the order they are tried) that `content` matches, or None.
    A rule is (match: "exact" | "contains", casefolded keywords, answer)."""
    said = content.strip().casefold()
    for match, words, answer in rules:
        if any(said == w for w in words) if match == "exact" else any(w in said for w in words):
            return answer
    return None


# -- the catalogue's best service card --------------------------------------------------------------------------
THRESHOLD = 4.0  # one keyword of two characters found, or two shared pairs with the name
RUNS = re.compile(r"[\u4e00-\u9fff]+")  # Chinese only: digits in names (事项12) must not match a number


def pairs(text):
    found = set()
    for run in RUNS.findall(text.lower()):
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


class Catalogue:
    """content's service types indexed by two-character runs of Chinese: a message is scored only against the cards
    that share a pair with it (10,000 services cost ~2 ms a message). Built from cards {id, name, summary,
    keywords}."""

    def __init__(self, cards=()):
        self.kept, self.index = [], {}
        for i, c in enumerate(cards):
            keywords = [k.lower() for k in c.get("keywords") or () if len(k) >= 2]
            entry = ({"id": c["id"], "name": c["name"], "summary": c.get("summary") or ""}, keywords)
            self.kept.append((*entry, pairs(c["name"]), pairs(c.get("summary") or "")))
            # a keyword found in a message brings its pairs with it: every card that can score shares a pair
            for pair in self.kept[-1][2] | self.kept[-1][3] | pairs(" ".join(keywords)):
                self.index.setdefault(pair, []).append(i)

    def best_card(self, text, base):
        """The article card of the service that matches `text` best, or None when none matches well enough."""
        said = text.lower()
        wanted = pairs(said)
        if not wanted:
            return None
        best, best_score = None, THRESHOLD - 0.001
        candidates = {i for pair in wanted for i in self.index.get(pair, ())}
        for card, keywords, name, summary in (self.kept[i] for i in sorted(candidates)):
            score = (
                sum(3 * len(k) for k in keywords if k in said) + 2 * len(name & wanted) + 0.5 * len(summary & wanted)
            )
            if score > best_score:
                best, best_score = card, score
        if best is None:
            return None
        return {
            "articles": [
                {
                    "title": f"办事指南：{best['name']}",
                    "description": f"{best['summary'][:60]}\n您的留言也已转给工作人员。",
                    "url": f"{base}/h5/services/{best['id']}",
                    "image": "",
                }
            ]
        }


# -- a department's own account --------------------------------------------------------------------------------
H5_LINK = re.compile(r"https?://[^\s\"<>]*/h5/[^\s\"<>]*")


def with_account(text, code):
    """Links to our pages in `text` carry the account they were sent from (?wx=<code>)."""
    return H5_LINK.sub(lambda m: f"{m.group(0)}{'&' if '?' in m.group(0) else '?'}wx={code}", text)


def for_account(reply, code):
    """A reply as another Official Account sends it: its links to the pages carry the account."""
    if code == "main" or reply is None or reply == ASK:
        return reply
    if isinstance(reply, str):
        return with_account(reply, code)
    if "articles" in reply:
        return reply | {"articles": [a | {"url": with_account(a.get("url", ""), code)} for a in reply["articles"]]}
    return reply


def stamp_key(prefix, code):
    """Where messaging stamps the version of an account's answers in Redis, for the gateways to compare."""
    return f"{prefix}:wx:answers:{code}"


# -- deciding ----------------------------------------------------------------------------------------------------
@dataclass
class Table:
    """Everything an account answers with by itself, as messaging holds it at `version` (accounts.version: every
    change to rules, texts, blacklist, bindings or the catalogue copy moves it)."""

    version: int
    name: str
    rules: list = field(default_factory=list)  # [(match, keywords, answer)] in the order they are tried
    texts: dict = field(default_factory=dict)  # the operators' own "follow" and "default" replies ("" = built-in)
    blacklist: frozenset = frozenset()
    bound: frozenset = frozenset()  # openids bound to staff (公众号助手): their 群发 is a command
    catalogue: Catalogue = field(default_factory=Catalogue)
    actions: frozenset = frozenset()  # click keys that name an action on messaging's data (MY_CASES …)

    def to_wire(self, cards):
        """As it crosses the bus (cards: the catalogue's rows, from which the receiver builds its own index)."""
        return {
            "version": self.version,
            "name": self.name,
            "rules": [list(r) for r in self.rules],
            "texts": self.texts,
            "blacklist": sorted(self.blacklist),
            "bound": sorted(self.bound),
            "cards": cards,
            "actions": sorted(self.actions),
        }

    @classmethod
    def from_wire(cls, data, catalogue=None):
        """`catalogue`: the index the receiver already holds, used when the wire carries no cards (unchanged)."""
        return cls(
            version=int(data["version"]),
            name=data["name"],
            rules=[tuple(r) for r in data["rules"]],
            texts=dict(data["texts"]),
            blacklist=frozenset(data["blacklist"]),
            bound=frozenset(data["bound"]),
            catalogue=Catalogue(data["cards"]) if data["cards"] is not None else catalogue or Catalogue(),
            actions=frozenset(data["actions"]),
        )

    # the questions compose() asks; messaging answers them from its per-replica caches instead (service.py)
    def is_blacklisted(self, openid):
        return openid in self.blacklist

    def is_bound(self, openid):
        return openid in self.bound

    def rule_reply(self, content):
        return match_rule(self.rules, content)

    def configured(self, which):
        return self.texts.get(which, "")

    def best_card(self, content, base):
        return self.catalogue.best_card(content, base)

    def is_action(self, key):
        return key in self.actions


def compose(fields, source, base, code="main"):
    """The reply to a message (str or dict), None when the account says nothing, or ASK when only messaging can
    answer it. `source` answers is_blacklisted, is_bound, rule_reply, configured, best_card, is_action and has a
    `name` (a Table, or messaging's own view of the same data)."""
    msg_type = fields.get("MsgType")
    event = (fields.get("Event") or "").lower()
    openid = fields.get("FromUserName", "")
    content = (fields.get("Content") or "").strip() if msg_type == "text" else ""
    if msg_type == "event":
        scene = (fields.get("EventKey") or "").removeprefix("qrscene_")
        if event in JOB_EVENTS or (event in ("subscribe", "scan") and scene.startswith(BINDING_SCENE)):
            return ASK
    elif msg_type == "text" and COMMAND.match(fields.get("Content") or "") and source.is_bound(openid):
        return ASK
    # a blacklisted follower's messages are kept, but the account says nothing back
    if source.is_blacklisted(openid):
        return None
    return for_account(_reply(msg_type, event, fields, content, source, base), code)


def _reply(msg_type, event, fields, content, source, base):
    if msg_type == "event":
        if event == "subscribe":
            return source.configured("follow") or WELCOME.format(base=base, name=source.name)
        if event != "click":
            return None
        key = (fields.get("EventKey") or "").strip()
        if source.is_action(key):
            return ASK
        # a key that names no action is answered as if its text had been sent (回复设置's rules)
        answer = source.rule_reply(key)
        if answer is not None:
            return answer
    if msg_type == "text":
        if CASE_NUMBER.fullmatch(content):
            return ASK
        question = inquiry_question(content)
        if question is not None:
            # cases files it (messaging announces it when recording the message); its number follows
            return INQUIRY_TAKEN if question else INQUIRY_TOO_SHORT
        # the operators' keyword rules come after what the account itself must understand
        answer = source.rule_reply(content)
        if answer is not None:
            return answer
        # no rule: the catalogue's best service, if one matches well enough
        answer = source.best_card(content, base)
        if answer is not None:
            return answer
    return source.configured("default") or HELP.format(base=base)
