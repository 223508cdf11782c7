"""content's catalogue on a real database session (the worker fixture) and over RabbitMQ."""

import uuid

import pytest

from libs.auth import Actor
from libs.errors import NotFound, ValidationError
from libs.schemas import validate
from services.conftest import rpc_proxy
from services.content.models import Department, Leader, ServiceType, Window
from services.content.schemas import FormField
from services.content.service import ContentService

ANYONE = Actor.anonymous()


@pytest.fixture
def catalogue(db_session):
    """A department with leaders, a window with two services and one service standing alone (names made unique)."""
    tag = uuid.uuid4().hex[:6]
    dep = Department(id=int(uuid.uuid4().int % 1_000_000) + 1000, name=f"测试局{tag}", remit="测试职责", sort_order=99)
    db_session.add(dep)
    db_session.flush()
    db_session.add_all([Leader(department_id=dep.id, name="王建国", title="局长", duties="主持全面工作", sort_order=0)])
    window = Window(name=f"测试窗口{tag}", description="测试用窗口", sort_order=99)
    db_session.add(window)
    db_session.flush()
    fields = [{"code": "where", "label": "发生地点", "datatype": "string", "required": True, "options": []}]
    services = [
        ServiceType(
            name=f"失业补贴{tag}",
            window_id=window.id,
            department_id=dep.id,
            summary="领取失业保险金",
            materials=["身份证"],
            keywords=["失业金"],
            faq=[{"q": "多久到账？", "a": "15个工作日"}],
            form_fields=fields,
            bookable=True,
            sort_order=1,
        ),
        ServiceType(
            name=f"劳动仲裁{tag}",
            window_id=window.id,
            department_id=dep.id,
            summary="劳动争议仲裁",
            materials=[],
            keywords=[],
            faq=[],
            form_fields=[],
            bookable=False,
            sort_order=2,
        ),
        ServiceType(
            name=f"独立事项{tag}",
            window_id=None,
            department_id=None,
            summary="不属于任何窗口",
            materials=[],
            keywords=[],
            faq=[],
            form_fields=[],
            bookable=False,
            sort_order=3,
        ),
    ]
    db_session.add_all(services)
    db_session.commit()
    return dep, window, services


@pytest.fixture
def content(worker):
    return worker(ContentService, ANYONE)


def test_a_window_lists_its_services_in_order(content, catalogue):
    _, window, services = catalogue
    detail = content.get_window(window.id)
    assert [s["name"] for s in detail["services"]] == [services[0].name, services[1].name]
    assert detail["service_count"] == 2 and detail["services"][0]["bookable"] is True
    assert any(w["id"] == window.id for w in content.list_windows())


def test_a_service_type_says_everything_a_citizen_needs(content, catalogue):
    dep, window, services = catalogue
    detail = content.get_service_type(services[0].id)
    assert detail["window_name"] == window.name and detail["department_name"] == dep.name
    assert detail["materials"] == ["身份证"] and detail["faq"] == [{"q": "多久到账？", "a": "15个工作日"}]
    assert detail["form_fields"][0]["code"] == "where" and detail["form_fields"][0]["required"] is True
    standalone = content.list_service_types(standalone=True)
    assert services[2].id in [s["id"] for s in standalone] and services[0].id not in [s["id"] for s in standalone]


def test_a_department_page_has_its_leaders_and_services(content, catalogue):
    dep, _, services = catalogue
    detail = content.department_detail(dep.id)
    assert [x["name"] for x in detail["leaders"]] == ["王建国"]
    assert {s["id"] for s in detail["services"]} == {services[0].id, services[1].id}


@pytest.mark.parametrize("bad", [0, -1, 2**31, 2**63, True, "1", None, 1.5])
def test_unknown_or_malformed_ids_are_not_found(content, bad):
    for method in (content.get_window, content.get_service_type, content.department_detail, content.get_department):
        with pytest.raises(NotFound):
            method(bad)
    if bad is not None:  # no window given: every service type
        with pytest.raises(NotFound):
            content.list_service_types(window_id=bad)


@pytest.mark.parametrize(
    "field",
    [
        {"code": "Where", "label": "地点", "datatype": "string"},  # codes are lowercase
        {"code": "where", "label": "", "datatype": "string"},
        {"code": "where", "label": "地点", "datatype": "picture"},
        {"code": "where", "label": "地点\x00", "datatype": "string"},
        {"code": "kind", "label": "类别", "datatype": "singlevaluelist", "options": [{"key": "", "name": "甲"}]},
    ],
)
def test_form_fields_are_checked_like_any_input(field):
    with pytest.raises(ValidationError):
        validate(FormField, field)


def test_the_catalogue_over_rabbitmq(container_factory, service_config, catalogue):
    _, window, _ = catalogue
    container_factory(ContentService, service_config).start()
    with rpc_proxy("content", service_config) as proxy:
        assert proxy.get_window(window.id)["name"] == window.name
        with pytest.raises(NotFound):
            proxy.get_service_type(2**40)
