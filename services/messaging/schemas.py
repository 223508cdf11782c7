"""messaging's contract with the gateway: what operators send for 回复设置 and what they get back.

WeChat's limits, checked when staff save, not when a citizen writes: a passive text reply of at most 2048 bytes,
one article card in a passive news reply (WeChat has allowed only one since 2018), keywords of at most 30
characters.
"""

import re
from datetime import datetime

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from libs.schemas import Choice, Input, Text, View

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
