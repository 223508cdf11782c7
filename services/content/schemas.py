"""What crosses the bus for content (its published contract with the gateway and the other services): the
catalogue as each reader gets it, and the shape of a service type's online form fields."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from libs.schemas import Input, Text, View

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


class Leader(View):
    name: str
    title: str
    duties: str


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
    kind: Literal["service", "department", "window"]
    id: int
    title: str
    summary: str


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
