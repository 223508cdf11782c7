"""What crosses the bus for content (its published contract with the gateway and the other services): the
catalogue as each reader gets it, and the shape of a service type's online form fields."""

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from libs.clock import LOCAL_TZ
from libs.schemas import CONTROL_CHARS, MAX_INT, Choice, Input, OptionalId, Text, View

DATATYPES = ("string", "text", "number", "date", "singlevaluelist", "multivaluelist")


class FieldOption(Input):
    key: Text("选项代码", 32)
    name: Text("选项名称", 32)


class FormField(Input):
    """One extra question of a service type's online forms, after Open311 GeoReport v2 service attributes."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", title="字段代码")
    label: Text("字段名称", 32)
    datatype: Literal[DATATYPES] = Field(title="字段类型")
    required: bool = False
    options: list[FieldOption] = Field(default_factory=list, max_length=30, title="选项")


class Faq(Input):
    q: Text("问题", 200)
    a: Text("回答", 2000)


def _unique_codes(fields):
    codes = [f.code for f in fields]
    if len(codes) != len(set(codes)):
        raise PydanticCustomError("duplicate_codes", "duplicate codes")
    for f in fields:
        if (f.datatype in ("singlevaluelist", "multivaluelist")) != bool(f.options):
            raise PydanticCustomError("options_mismatch", "options mismatch")
    return fields


def _sanitised(value):
    from libs import richtext

    if not isinstance(value, str):
        raise PydanticCustomError("text_type", "not text")
    if CONTROL_CHARS.search(value):
        raise PydanticCustomError("control_chars", "control characters")
    return richtext.clean(value)


class LeaderIn(Input):
    name: Text("姓名", 32)
    title: Text("职务", 32)
    duties: Text("分工", 200, min_len=0) = ""


class DepartmentIn(Input):
    # the version the editor started from (the admin forms send it): a save on top of someone else's newer one is
    # refused instead of silently undoing it
    base_version: int | None = Field(None, ge=0, exclude=True)

    remit: Text("职责简介", 100)
    description: Text("部门介绍", 2000, min_len=0) = ""
    phone: Text("电话", 32)
    address: Text("地址", 200)
    hours: Text("办公时间", 100)
    leaders: list[LeaderIn] = Field(default_factory=list, max_length=12, title="领导班子")


class ServiceTypeIn(Input):
    # the version the editor started from (the admin forms send it): a save on top of someone else's newer one is
    # refused instead of silently undoing it
    base_version: int | None = Field(None, ge=0, exclude=True)

    name: Text("事项名称", 64)
    window_id: OptionalId("服务窗口", MAX_INT) = None
    department_id: OptionalId("办理部门", MAX_INT) = None
    summary: Text("一句话说明", 200)
    description: Text("事项说明", 4000, min_len=0) = ""
    eligibility: Text("申请条件", 2000, min_len=0) = ""
    materials: list[Text("材料", 200)] = Field(default_factory=list, max_length=30, title="所需材料")
    fees: Text("收费标准", 200, min_len=0) = ""
    time_limit: Text("办理时限", 100, min_len=0) = ""
    location: Text("办理地点", 200, min_len=0) = ""
    hours: Text("办理时间", 100, min_len=0) = ""
    bookable: bool = False
    keywords: list[Text("关键词", 20)] = Field(default_factory=list, max_length=20, title="关键词")
    faq: list[Faq] = Field(default_factory=list, max_length=20, title="常见问题")
    form_fields: Annotated[list[FormField], AfterValidator(_unique_codes)] = Field(
        default_factory=list, max_length=20, title="在线表单字段"
    )


def _beijing(value):
    """A time typed without a zone (an HTML datetime-local field) is Beijing time."""
    return value.replace(tzinfo=LOCAL_TZ) if value is not None and value.tzinfo is None else value


# a time typed in a form: empty means none; without a zone it is Beijing time
LocalDateTime = Annotated[datetime | None, BeforeValidator(lambda v: None if v == "" else v), AfterValidator(_beijing)]


class NewsIn(Input):
    # the version the editor started from (the admin forms send it): a save on top of someone else's newer one is
    # refused instead of silently undoing it
    base_version: int | None = Field(None, ge=0, exclude=True)

    title: Text("标题", 100)
    summary: Text("摘要", 200, min_len=0) = ""
    body_html: Annotated[str, BeforeValidator(_sanitised)] = Field("", max_length=50_000, title="正文")
    department_id: OptionalId("发布部门", MAX_INT) = None
    status: Choice("状态", "draft", "published") = "draft"
    publish_at: LocalDateTime = Field(None, title="发布时间")  # empty: now
    pinned: bool = False


class Leader(View):
    name: str
    title: str
    duties: str
    photo: str | None = Field(None, validation_alias="photo_sha256")  # its thumbnail's SHA-256, served at /media/


class Department(View):
    """A department as lists show it (and as cases checks department ids against)."""

    id: int
    name: str
    remit: str
    phone: str
    address: str
    hours: str


class ServiceTypeSummary(View):
    id: int
    name: str
    summary: str
    keywords: list[str]  # what citizens call it (messaging matches their messages against these)
    window_id: int | None
    department_id: int | None
    bookable: bool


class DepartmentDetail(Department):
    description: str
    latitude: float | None
    longitude: float | None
    leaders: list[Leader]
    services: list[ServiceTypeSummary]


class WindowSummary(View):
    id: int
    name: str
    description: str
    service_count: int


class WindowDetail(WindowSummary):
    services: list[ServiceTypeSummary]


class ServiceTypeDetail(ServiceTypeSummary):
    window_name: str | None
    department_name: str | None
    description: str
    eligibility: str
    materials: list[str]
    fees: str
    time_limit: str
    location: str
    hours: str
    faq: list[Faq]
    form_fields: list[FormField]


class SearchHit(View):
    kind: Literal["service", "department", "window", "news"]
    id: int
    title: str
    summary: str


class WindowIn(Input):
    # the version the editor started from (the admin forms send it): a save on top of someone else's newer one is
    # refused instead of silently undoing it
    base_version: int | None = Field(None, ge=0, exclude=True)

    name: Text("窗口名称", 64)
    description: Text("窗口说明", 500, min_len=0) = ""
    sort_order: int = Field(0, ge=0, le=999, title="排序")


class PosterView(View):
    id: int
    title: str
    media: str
    link_kind: str
    link_target: str
    active_from: datetime
    active_until: datetime | None
    sort_order: int


class PosterIn(Input):
    title: Text("海报标题", 64)
    link_kind: Choice("链接类型", "none", "service", "news", "url") = "none"
    link_target: Text("链接目标", 512, min_len=0) = ""
    active_from: LocalDateTime = Field(None, title="开始展示")
    active_until: LocalDateTime = Field(None, title="结束展示")
    sort_order: int = Field(0, ge=0, le=999, title="排序")

    @model_validator(mode="after")
    def _target_and_window(self):
        if self.link_kind in ("service", "news") and not re.fullmatch(r"[1-9][0-9]{0,8}", self.link_target):
            raise PydanticCustomError("link_target", "a service or news id", {"field": "link_target"})
        if self.link_kind == "url" and not (self.link_target.startswith("https://") and " " not in self.link_target):
            raise PydanticCustomError("link_url", "https only", {"field": "link_target"})
        if self.active_from and self.active_until and self.active_until <= self.active_from:
            raise PydanticCustomError("window", "ends before it starts", {"field": "active_until"})
        return self


class PhotoView(View):
    id: int
    caption: str
    media: str  # SHA-256 of the image (the gateway serves it at /media/<sha256>)
    thumb: str
    width: int
    height: int


class AlbumSummary(View):
    id: int
    title: str
    description: str
    department_id: int | None
    photo_count: int
    cover: str | None  # the first photo's thumbnail


class AlbumDetail(AlbumSummary):
    photos: list[PhotoView]


class AlbumIn(Input):
    title: Text("相册名称", 64)
    description: Text("相册说明", 500, min_len=0) = ""
    department_id: OptionalId("部门", MAX_INT) = None


class PhotoIn(Input):
    caption: Text("图片说明", 200, min_len=0) = ""


class NewsSummary(View):
    id: int
    title: str
    summary: str
    department_id: int | None
    publish_at: datetime
    pinned: bool


class NewsDetail(NewsSummary):
    department_name: str | None
    body_html: str  # sanitised when stored (richtext.clean)


class StaffNews(NewsDetail):
    status: str
    updated_at: datetime


class VersionView(View):
    version: int
    changed: list[str]
    actor_name: str
    at: datetime


def department_view(d):
    return Department.model_validate(d).model_dump(mode="json")


def service_summary(s):
    return ServiceTypeSummary.model_validate(s).model_dump(mode="json")


def department_detail(d, services):
    return DepartmentDetail(
        **Department.model_validate(d).model_dump(),
        description=d.description,
        latitude=d.latitude,
        longitude=d.longitude,
        leaders=[Leader.model_validate(x) for x in d.leaders],
        services=[ServiceTypeSummary.model_validate(s) for s in services],
    ).model_dump(mode="json")


def window_summary(w):
    return WindowSummary(id=w.id, name=w.name, description=w.description, service_count=len(w.services)).model_dump(
        mode="json"
    )


def window_detail(w):
    return WindowDetail(
        **WindowSummary(id=w.id, name=w.name, description=w.description, service_count=len(w.services)).model_dump(),
        services=[ServiceTypeSummary.model_validate(s) for s in w.services],
    ).model_dump(mode="json")


def service_detail(s, department_name):
    return ServiceTypeDetail(
        **ServiceTypeSummary.model_validate(s).model_dump(),
        window_name=s.window.name if s.window else None,
        department_name=department_name,
        description=s.description,
        eligibility=s.eligibility,
        materials=s.materials,
        fees=s.fees,
        time_limit=s.time_limit,
        location=s.location,
        hours=s.hours,
        faq=[Faq.model_validate(x) for x in s.faq],
        form_fields=[FormField.model_validate(x) for x in s.form_fields],
    ).model_dump(mode="json")
