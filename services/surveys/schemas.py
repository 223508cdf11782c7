"""What crosses the bus for 微投票: a vote as staff write it, a ballot, and the views of both."""

from datetime import UTC, datetime, timedelta

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

    @field_validator("closes_at")
    @classmethod
    def _aware(cls, value):
        # a time without a zone is Beijing's, as the admin's form shows it
        if value.tzinfo is None:
            value = value.replace(tzinfo=LOCAL_TZ)
        try:
            value = value.astimezone(UTC)
        except OverflowError:  # the year 1 or 9999 in some zone: not a time anyone votes until
            raise PydanticCustomError("vote_closes_range", "out of range") from None
        if not EARLIEST < value < datetime.now(UTC) + MAX_OPEN:
            raise PydanticCustomError("vote_closes_range", "out of range")
        return value

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
