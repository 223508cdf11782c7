"""Fixtures of messaging's service tests: the sandbox in-process, and a messaging container pointed at it."""

import eventlet
import eventlet.wsgi
import pytest

from libs.config import load_config
from libs.wechat.accounts import sandbox_accounts
from libs.wechat.sandbox.server import create_app
from services.conftest import TEST_CONFIG
from services.messaging.service import MessagingService


@pytest.fixture
def sandbox():
    """The sandbox on an eventlet WSGI server inside the test process; yields (base URL, the main account's recorded
    state, every account's state by code)."""
    config = load_config(TEST_CONFIG)
    config["WECHAT"]["ACCOUNTS"] = sandbox_accounts()
    app = create_app(config)
    listener = eventlet.listen(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = eventlet.spawn(eventlet.wsgi.server, listener, app, log_output=False)
    yield f"http://127.0.0.1:{port}", app.extensions["sandbox"], app.extensions["sandbox_accounts"]
    server.kill()
    listener.close()


@pytest.fixture
def messaging(container_factory, service_config, sandbox):
    service_config["WECHAT"]["API_BASE"] = sandbox[0]
    container = container_factory(MessagingService, service_config)
    container.start()
    return container


def taken(sandbox, api=None):
    """The sandbox WeChat's calls made with a token it issued (a call with an earlier test's token is refused by
    WeChat and retried by wechatpy: not counted), of one API or all."""
    state = sandbox[1]
    return [
        c for c in state.calls if c["params"].get("access_token") in state.tokens and (api is None or c["api"] == api)
    ]
