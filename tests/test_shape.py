"""The shape every module copies, checked: one service registry that deploy files agree with, event contracts that
both sides keep, and models that match their migrations. None of these needs the system running."""

import importlib
import inspect
import re

import pytest
import yaml

from libs.migrate import check_all
from libs.testing import PG_BASE, ROOT, fresh_database
from services.registry import SCHEMAS, SERVICES

NAMEKO_RUN = re.compile(r"nameko run --config \S+ (services\.\w+\.service:\w+)")
ENTRIES = {s.entry for s in SERVICES}


def service_class(svc):
    module, cls = svc.entry.split(":")
    return getattr(importlib.import_module(module), cls)


def test_every_registered_service_is_a_package_with_the_same_name():
    for svc in SERVICES:
        cls = service_class(svc)
        assert cls.name == svc.name
        assert (ROOT / "services" / svc.name / "migrations" / "versions").is_dir()
        events = importlib.import_module(f"services.{svc.name}.events")
        assert isinstance(events.PUBLISHES, dict) and isinstance(events.CONSUMES, dict)
    assert set(SCHEMAS) == {"gateway", *(s.name for s in SERVICES)}


def test_the_procfile_runs_exactly_the_registered_services():
    procfile = (ROOT / "deploy" / "Procfile").read_text()
    assert set(NAMEKO_RUN.findall(procfile)) == ENTRIES
    assert len(NAMEKO_RUN.findall(procfile)) == len(ENTRIES)


def test_docker_compose_and_kubernetes_run_exactly_the_registered_services():
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    commands = [str(s.get("command", "")) for s in compose["services"].values()]
    assert {m for c in commands for m in NAMEKO_RUN.findall(c)} == ENTRIES
    deployments = [d for d in yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text()) if d]
    commands = [
        " ".join(c.get("command", []))
        for d in deployments
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    ]
    assert {m for c in commands for m in NAMEKO_RUN.findall(c)} == ENTRIES


def _published():
    for svc in SERVICES:
        for event_type, model in importlib.import_module(f"services.{svc.name}.events").PUBLISHES.items():
            yield svc.name, event_type, model


def _consumed():
    for svc in SERVICES:
        for (source, event_type), model in importlib.import_module(f"services.{svc.name}.events").CONSUMES.items():
            yield svc.name, source, event_type, model


def _json_type(schema):
    """The JSON shape of one property: its type and format (null allowed or not)."""
    options = schema.get("anyOf", [schema])
    return sorted((o.get("type", "object"), o.get("format", "")) for o in options)


@pytest.mark.parametrize("consumer, source, event_type, model", list(_consumed()), ids=lambda v: str(v))
def test_every_consumed_field_is_published_with_the_same_type(consumer, source, event_type, model):
    producer = dict(((s, t), m) for s, t, m in _published()).get((source, event_type))
    assert producer is not None, f"{consumer} handles {source}.{event_type}, which {source} does not publish"
    published, wanted = producer.model_json_schema(), model.model_json_schema()
    for name, field in wanted["properties"].items():
        assert name in published["properties"], f"{consumer} reads {event_type}.{name}, which {source} never sends"
        if name in wanted.get("required", []):
            assert name in published.get("required", []), f"{event_type}.{name} is optional for {source}"
        assert _json_type(field) == _json_type(published["properties"][name]), f"{event_type}.{name} changed type"


def test_every_handler_is_declared_and_every_declaration_handled():
    for svc in SERVICES:
        cls = service_class(svc)
        handlers = {
            member.consumes[:2]: member.consumes[2]
            for _, member in inspect.getmembers(cls)
            if hasattr(member, "consumes")
        }
        declared = importlib.import_module(f"services.{svc.name}.events").CONSUMES
        assert handlers == declared, svc.name
        if declared:
            assert cls.parked_events is not None and cls.processed_events is not None
        publishes = bool(importlib.import_module(f"services.{svc.name}.events").PUBLISHES)
        if publishes:
            assert cls.outbox is not None and cls.contract is not None
        # the outbox relay and its timer run only in services that publish
        assert hasattr(cls, "relay_pending_events") == publishes, svc.name


def test_models_match_their_migrations():
    """`alembic check` for every schema, on a freshly migrated database."""
    with fresh_database(PG_BASE) as url:
        check_all(url)


def test_no_gateway_module_imports_back_from_the_app_module():
    for path in (ROOT / "services" / "gateway").rglob("*.py"):
        if path.name != "app.py":
            # services.gateway.appointments is a feature, not the app module
            assert not re.search(r"\bservices\.gateway\.app\b", path.read_text()), path
