"""What citizens send as image, voice or video is fetched from the sandbox WeChat into our storage, off the
callback's path, and shown to staff from there."""

import base64
import hashlib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from libs.errors import Forbidden, NotFound
from libs.testing import wait_for
from services.conftest import rpc_proxy
from services.messaging import media
from services.messaging.models import InboundMedia
from services.messaging.tests.test_replies import HANDLER, OPERATOR

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def send_media(service_config, openid, media_id, kind="image"):
    fields = {
        "ToUserName": "gh",
        "FromUserName": openid,
        "CreateTime": "1",
        "MsgType": kind,
        "MediaId": media_id,
        "MsgId": str(uuid.uuid4().int % 10**15),
    }
    with rpc_proxy("messaging", service_config) as proxy:
        proxy.receive(f"msg:{fields['MsgId']}", fields, 0)  # past the deadline: no passive reply to wait for


def outcome(db_session, openid):
    def settled():
        db_session.expire_all()
        row = db_session.scalar(select(InboundMedia).where(InboundMedia.openid == openid))
        return row if row is not None and row.status != "pending" else None

    return wait_for(settled, timeout=20, interval=0.2, message="the download")


def test_an_image_is_downloaded_and_shown_to_staff(messaging, service_config, sandbox, db_session):
    openid = f"o_pic_{uuid.uuid4().hex[:8]}"
    sandbox[1].media["m-photo"] = (PNG, "image/png")
    send_media(service_config, openid, "m-photo")
    row = outcome(db_session, openid)
    assert row.status == "stored" and row.sha256 == hashlib.sha256(PNG).hexdigest()
    with rpc_proxy("messaging", service_config, OPERATOR) as operator:
        found = operator.media_file(row.sha256)
        assert found["content_type"] == "image/png" and base64.b64decode(found["data"]) == PNG
        (message,) = [m for m in operator.conversation(openid)["messages"] if m["from"] == "citizen"]
        assert message["media"] == {"kind": "image", "status": "stored", "sha256": row.sha256, "error": ""}
        with pytest.raises(NotFound):
            operator.media_file("../" + "0" * 61)
    with rpc_proxy("messaging", service_config, HANDLER) as handler, pytest.raises(Forbidden):
        handler.media_file(row.sha256)


def test_what_wechat_no_longer_has_is_tried_again_then_said_lost(
    messaging, service_config, sandbox, db_session, monkeypatch
):
    monkeypatch.setattr(media, "RETRY_AFTER", timedelta(0))
    openid = f"o_lost_{uuid.uuid4().hex[:8]}"
    send_media(service_config, openid, "m-expired", kind="voice")
    row = outcome(db_session, openid)
    assert row.status == "failed" and row.attempts == media.MAX_ATTEMPTS and "40007" in row.error


def test_a_file_that_is_not_media_is_refused(messaging, service_config, sandbox, db_session):
    openid = f"o_html_{uuid.uuid4().hex[:8]}"
    sandbox[1].media["m-html"] = (b"<script>alert(1)</script>", "text/html")
    send_media(service_config, openid, "m-html")
    row = outcome(db_session, openid)
    assert row.status == "failed" and "text/html" in row.error and row.sha256 is None
