"""What crosses the bus for 微投票 (a vote as staff write it, a ballot) and 微调研 (a survey's sections and
questions as staff build them), and the views of both."""

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from libs.clock import LOCAL_TZ
from libs.schemas import Choice, Input, Text, View

MAX_OPTIONS = 30
MAX_OPEN = timedelta(days=730)  # a vote closes within two years
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
PERIOD_LABELS = {"once": "每人一次", "daily": "每人每天一次"}
RESULTS_LABELS = {"live": "随时可见", "after_vote": "投票后可见", "after_close": "截止后公布"}
STATUS_LABELS = {"draft": "草稿", "published": "进行中", "closed": "已截止"}


def _in_window(value):
    # a time without a zone is Beijing's, as the admin's form shows it
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # the year 1 or 9999 in some zone: not a time anyone waits for
        raise PydanticCustomError("vote_closes_range", "out of range") from None
    if not EARLIEST < value < datetime.now(UTC) + MAX_OPEN:
        raise PydanticCustomError("vote_closes_range", "out of range")
    return value


class VoteOptionIn(Input):
    label: Text("选项", 40)
    image_url: Text("选项图片", 500, min_len=0) = ""

    @field_validator("image_url")
    @classmethod
    def _https(cls, value):
        if value and (not value.startswith("https://") or " " in value):
            raise PydanticCustomError("image_url", "https only")
        return value


class VoteIn(Input):
    title: Text("标题", 60)
    description: Text("说明", 2000, min_len=0) = ""
    options: list[VoteOptionIn] = Field(min_length=2, max_length=MAX_OPTIONS, title="选项")
    max_choices: int = Field(1, ge=1, le=MAX_OPTIONS, title="最多可选")
    period: Choice("投票周期", "once", "daily") = "once"
    results: Choice("结果公开方式", "live", "after_vote", "after_close") = "after_vote"
    closes_at: datetime = Field(title="截止时间")

    _window = field_validator("closes_at")(classmethod(lambda cls, v: _in_window(v)))

    @model_validator(mode="after")
    def _consistent(self):
        if self.max_choices > len(self.options):
            raise PydanticCustomError("vote_max_choices", "more than options", {"field": "max_choices"})
        labels = [o.label for o in self.options]
        if len(set(labels)) != len(labels):
            raise PydanticCustomError("vote_labels", "duplicate labels", {"field": "options"})
        return self


class BallotIn(Input):
    option_ids: list[int] = Field(min_length=1, max_length=MAX_OPTIONS, title="投票选项")


# -- views (what the API documents) ----------------------------------------------------------------------------
class VoteOptionView(View):
    id: int
    label: str
    image_url: str
    position: int


class OptionResult(View):
    option_id: int
    label: str
    votes: int
    percent: float


class VoteResults(View):
    ballots: int
    options: list[OptionResult]


class VoteView(View):
    """What staff and citizens both see of a vote."""

    id: int
    title: str
    description: str
    max_choices: int
    period: str
    period_label: str
    results_label: str
    open: bool
    closes_at: str
    options: list[VoteOptionView]


class StaffVoteView(VoteView):
    results_visibility: str
    status: str
    status_label: str
    published_at: str | None
    created_at: str
    results: VoteResults


class CitizenVoteView(VoteView):
    voted: bool
    my_choices: list[int]
    results: VoteResults | None


class VoteSummary(View):
    id: int
    title: str
    open: bool
    closes_at: str
    ballots: int


# -- 微调研: a survey as staff build it ------------------------------------------------------------------------
QUESTION_TYPES = {
    "single": "单选题",
    "multiple": "多选题",
    "text": "填空题",
    "scale": "量表题",
    "number": "数字题",
    "date": "日期题",
    "ranking": "排序题",
}
WITH_OPTIONS = ("single", "multiple", "ranking")
MAX_QUESTIONS = 100
MAX_TEXT = 2000
MAX_NUMBER = 1e12
SURVEY_STATUS_LABELS = {"draft": "草稿", "published": "已发布", "closed": "已结束"}


class SurveyOptionIn(Input):
    label: Text("选项", 60)


class ShowIfIn(Input):
    """Show a question only when an earlier single or multiple choice question was answered with one of these
    options (their ids are their positions, from 1)."""

    question: str = Field(pattern=r"^[a-z][a-z0-9_]{0,15}$", title="关联题目")
    options: list[int] = Field(min_length=1, max_length=30, title="关联选项")


class QuestionIn(Input):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,15}$", title="题目代码")
    type: Literal[tuple(QUESTION_TYPES)] = Field(title="题型")
    title: Text("题目", 200)
    description: Text("题目说明", 500, min_len=0) = ""
    required: bool = True
    options: list[SurveyOptionIn] = Field(default_factory=list, max_length=30, title="选项")
    min_choices: int | None = Field(None, ge=1, le=30, title="最少选择")
    max_choices: int | None = Field(None, ge=1, le=30, title="最多选择")
    min_length: int = Field(0, ge=0, le=MAX_TEXT, title="最少字数")
    max_length: int = Field(500, ge=1, le=MAX_TEXT, title="最多字数")
    scale_min: int = Field(1, ge=0, le=1, title="量表起点")
    scale_max: int = Field(5, ge=2, le=10, title="量表终点")
    min_label: Text("最低分说明", 20, min_len=0) = ""
    max_label: Text("最高分说明", 20, min_len=0) = ""
    number_min: float | None = Field(None, ge=-MAX_NUMBER, le=MAX_NUMBER, title="最小值")
    number_max: float | None = Field(None, ge=-MAX_NUMBER, le=MAX_NUMBER, title="最大值")
    integer_only: bool = False
    date_min: date | None = Field(None, title="最早日期")
    date_max: date | None = Field(None, title="最晚日期")
    show_if: ShowIfIn | None = None

    @model_validator(mode="after")
    def _consistent(self):
        def wrong(kind, field):
            return PydanticCustomError(kind, "inconsistent", {"field": field})

        if (self.type in WITH_OPTIONS) != bool(self.options):
            raise wrong("question_options", "options")
        if self.type in WITH_OPTIONS and len(self.options) < 2:
            raise wrong("question_options", "options")
        labels = [o.label for o in self.options]
        if len(set(labels)) != len(labels):
            raise wrong("vote_labels", "options")
        if self.type == "multiple":
            low, high = self.min_choices or 1, self.max_choices or len(self.options)
            if not low <= high <= len(self.options):
                raise wrong("question_choices", "max_choices")
        if self.type == "text" and self.min_length > self.max_length:
            raise wrong("question_length", "min_length")
        if self.type == "number" and None not in (self.number_min, self.number_max):
            if self.number_min > self.number_max:
                raise wrong("question_range", "number_min")
        if self.type == "date" and None not in (self.date_min, self.date_max):
            if self.date_min > self.date_max:
                raise wrong("question_range", "date_min")
        return self


class SectionIn(Input):
    title: Text("分节标题", 60, min_len=0) = ""
    description: Text("分节说明", 500, min_len=0) = ""
    questions: list[QuestionIn] = Field(min_length=1, max_length=MAX_QUESTIONS, title="题目")


class SurveyIn(Input):
    title: Text("标题", 60)
    description: Text("说明", 2000, min_len=0) = ""
    sections: list[SectionIn] = Field(min_length=1, max_length=20, title="分节")
    anonymous: bool = True
    opens_at: datetime | None = Field(None, title="开始时间")
    closes_at: datetime = Field(title="截止时间")
    max_responses: int | None = Field(None, ge=1, le=1_000_000, title="答卷上限")
    results_public: bool = False

    _window = field_validator("opens_at", "closes_at")(classmethod(lambda cls, v: _in_window(v)))

    @model_validator(mode="after")
    def _consistent(self):
        if self.opens_at is not None and self.opens_at >= self.closes_at:
            raise PydanticCustomError("window", "closes before it opens", {"field": "closes_at"})
        seen = {}  # key → (position, question): show-if may only look back
        for s, section in enumerate(self.sections):
            for q, question in enumerate(section.questions):
                path = f"sections.{s}.questions.{q}"
                if question.key in seen:
                    raise PydanticCustomError("question_keys", "duplicate keys", {"field": f"{path}.key"})
                rule = question.show_if
                if rule is not None:
                    target = seen.get(rule.question)
                    if target is None or target.type not in ("single", "multiple"):
                        raise PydanticCustomError("show_if_question", "bad reference", {"field": f"{path}.show_if"})
                    if not all(1 <= o <= len(target.options) for o in rule.options):
                        raise PydanticCustomError("show_if_options", "bad options", {"field": f"{path}.show_if"})
                seen[question.key] = question
        if len(seen) > MAX_QUESTIONS:
            raise PydanticCustomError("too_many_questions", "too many", {"field": "sections"})
        return self


class AmendIn(Input):
    """What may change once answers are being collected: nothing that changes what a question asked. A field left
    out keeps its value."""

    title: Text("标题", 60) = None
    description: Text("说明", 2000, min_len=0) = None
    closes_at: datetime = Field(None, title="截止时间")
    max_responses: int | None = Field(None, ge=1, le=1_000_000, title="答卷上限")
    results_public: bool = False

    _window = field_validator("closes_at")(classmethod(lambda cls, v: _in_window(v)))


# -- views --------------------------------------------------------------------------------------------------------
class SurveySummary(View):
    id: int
    title: str
    open: bool
    state_label: str
    closes_at: str
    responses: int
    anonymous: bool


class SurveyView(View):
    """A survey as citizens and staff both see it: its questions (options numbered from 1) and its window."""

    id: int
    title: str
    description: str
    anonymous: bool
    opens_at: str | None
    closes_at: str
    max_responses: int | None
    responses: int
    results_public: bool
    state: str  # draft, not_yet, open, full, closed
    state_label: str
    open: bool
    sections: list[dict]


class StaffSurveyView(SurveyView):
    status: str
    status_label: str
    created_at: str
    published_at: str | None


class CitizenSurveyView(SurveyView):
    responded: bool
    results: dict | None
