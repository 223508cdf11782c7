"""The WeChat callback protocol, checked strictly: signatures in constant time with a clock-skew window, AES
decryption, and XML parsing that refuses entities (xmltodict >= 1.0, which wechatpy parses with).

wechatpy compares signatures with `!=` and never looks at the timestamp, so the checks live here.
"""

import base64
import hashlib
import hmac
import secrets
import time

import xmltodict
from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import to_binary


class CallbackRejected(Exception):
    """Raised with the HTTP status the gateway answers (403 forged/stale, 400 malformed)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def nonce():
    return secrets.token_urlsafe(8)


def signature(*parts):
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()


def check_signature(token, sig, timestamp, nonce, skew_seconds, now=None, extra=None):
    if not sig or not timestamp or not nonce:
        raise CallbackRejected(403, "missing signature")
    try:
        ts = int(timestamp)
    except ValueError:
        raise CallbackRejected(403, "bad timestamp") from None
    expected = signature(token, timestamp, nonce, *([extra] if extra is not None else []))
    if not hmac.compare_digest(expected.encode(), str(sig).encode()):
        raise CallbackRejected(403, "bad signature")
    if abs((now or time.time()) - ts) > skew_seconds:
        raise CallbackRejected(403, "stale timestamp")


def parse_xml(body: bytes) -> dict:
    try:
        text = body.decode("utf-8")
        doc = xmltodict.parse(text, disable_entities=True)
    except UnicodeDecodeError:
        raise CallbackRejected(400, "body is not UTF-8") from None
    except Exception:
        raise CallbackRejected(400, "malformed XML") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("xml"), dict):
        raise CallbackRejected(400, "no <xml> root")
    return doc["xml"]


def decrypt(body: bytes, args, token, aes_key, app_id, skew_seconds):
    """Safe (AES) mode: check msg_signature over the Encrypt element, then decrypt it."""
    outer = parse_xml(body)
    encrypted = outer.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise CallbackRejected(400, "no Encrypt element")
    check_signature(
        token,
        args.get("msg_signature"),
        args.get("timestamp"),
        args.get("nonce"),
        skew_seconds,
        extra=encrypted,
    )
    try:
        key = base64.b64decode(to_binary(aes_key + "="))
        plain = PrpCrypto(key).decrypt(encrypted, app_id)
    except InvalidAppIdException:
        raise CallbackRejected(403, "wrong AppId") from None
    except Exception:
        raise CallbackRejected(400, "cannot decrypt") from None
    return plain if isinstance(plain, bytes) else plain.encode("utf-8")


def check_fields(fields: dict):
    """The fields every message and event carries; without them there is no citizen to answer."""
    for name in ("ToUserName", "FromUserName", "MsgType", "CreateTime"):
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            raise CallbackRejected(400, f"missing {name}")
    if not fields["CreateTime"].isdigit():
        raise CallbackRejected(400, "bad CreateTime")
    if len(fields["FromUserName"]) > 64:
        raise CallbackRejected(400, "bad FromUserName")
    return fields


def dedupe_key(fields: dict) -> str:
    """WeChat retries carry the same MsgId (messages) or FromUserName+CreateTime (events)."""
    if fields.get("MsgId"):
        return f"msg:{fields['MsgId']}"
    return f"evt:{fields['FromUserName']}:{fields['CreateTime']}:{fields.get('Event', '')}"
