"""What crosses the bus for ratings: a citizen's 市民印象 and 领导点评, a report, a moderator's decision, an office's
response, the tags and words staff keep, and the views of scores and comments."""

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from libs.schemas import MAX_INT, Choice, Id, Input, Text

MAX_TAGS = 5


class RatingIn(Input):
    department_id: Id("部门", MAX_INT)
    stars: int = Field(ge=1, le=5, title="评分")
    tag_ids: list[int] = Field(default_factory=list, max_length=MAX_TAGS, title="印象标签")
    comment: Text("留言", 300, min_len=0) = ""


class CommentIn(Input):
    department_id: Id("部门", MAX_INT)
    official_name: Text("领导姓名", 32)
    body: Text("点评内容", 500, min_len=5)


class ReportIn(Input):
    reason: Text("举报理由", 100, min_len=0) = ""


class ModerationIn(Input):
    decision: Choice("审核结果", "approve", "reject")
    reason: Text("不通过的理由", 200, min_len=0) = ""
    # a moderator may publish the comment with words masked; the citizen's own text is kept as written
    shown_body: Text("公开内容", 500, min_len=0) = ""

    @model_validator(mode="after")
    def _reasoned(self):
        if self.decision == "reject" and not self.reason:
            raise PydanticCustomError("missing", "a rejection needs its reason", {"field": "reason"})
        return self


class ResponseIn(Input):
    body: Text("回复内容", 500, min_len=5)


class TagIn(Input):
    label: Text("标签", 10)
    tone: Choice("褒贬", "positive", "negative")
    active: bool = True


class WordIn(Input):
    word: Text("敏感词", 20)
    action: Choice("处理方式", "hold", "reject")


STATUS_LABELS = {"pending": "待审核", "published": "已公开", "rejected": "未通过", "reported": "被举报待复核"}
TONE_LABELS = {"positive": "好评", "negative": "差评"}
