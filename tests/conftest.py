"""Cross-service tests: the real system, started as real processes.

Real: PostgreSQL (a fresh database per run), RabbitMQ (a fresh vhost per run), every nameko service via
`nameko run` (cases twice, to test two replicas), two gateway instances via gunicorn, and the WeChat sandbox.
Replaced: WeChat itself, by the sandbox, which speaks its protocol (signed/AES callbacks through wechatpy's
crypto; its API endpoints for messaging's wechatpy client). Nothing of ours is mocked.
"""

import os
import uuid

import pytest
import requests

from libs.auth import Actor
from libs.rpc_pool import RpcPool
from libs.testing import running_system


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    logdir = os.environ.get("WZW_TEST_LOGS") or tmp_path_factory.mktemp("system-logs")
    with running_system(logdir) as system:
        yield system


@pytest.fixture(scope="session")
def rpc(system):
    pool = RpcPool({"AMQP_URI": system.amqp_uri}, size=12, timeout=10)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def spec(system):
    """The gateway's OpenAPI document, to check real responses against (tests/test_api_contract.py: conforms)."""
    return requests.get(f"{system.gateway}/api/openapi.json").json()


@pytest.fixture
def file_case(rpc):
    """Files a case straight through cases (no H5 form) for tests about what staff do with it; returns the case."""

    def file(openid=None, **fields):
        data = {
            "kind": "complaint",
            "accused": "某商户",
            "content": "商户占道经营，影响行人通行。",
            "contact_phone": "13500000000",
        }
        data.update(fields)
        actor = Actor.citizen(openid or f"o_file_{uuid.uuid4().hex[:8]}")
        return rpc.call_as(actor, "cases", "create_case", data, uuid.uuid4().hex)

    return file


@pytest.fixture
def replies_operator(system):
    """An operator's API session for 回复设置; every rule and custom text is removed afterwards (the system outlives
    each module: none may answer other tests' citizens)."""
    api = system.staff_session("yunying")
    yield api
    for rule in api.get(f"{system.gateway}/api/v1/wechat/replies").json()["rules"]:
        api.delete(f"{system.gateway}/api/v1/wechat/replies/rules/{rule['id']}").raise_for_status()
    api.put(f"{system.gateway}/api/v1/wechat/replies/settings", json={}).raise_for_status()
