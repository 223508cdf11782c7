"""The WeChat callback protocol, checked strictly: signatures in constant time with a clock-skew window, AES
decryption, and XML parsing that refuses entities (xmltodict >= 1.0, which wechatpy parses with).

wechatpy compares signatures with `!=` and never looks at the timestamp, so the checks live here.
"""

import base64
import functools
import hashlib
import hmac
import re
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


# The envelope as WeChat sends it (and as wechatpy builds it): read by this pattern without an XML parser, since
# the message inside is parsed anyway; anything else (other elements, another order, entities) is parsed in full.
ENVELOPE = re.compile(
    rb"\s*<xml>\s*(?:<ToUserName><!\[CDATA\[[^\]<>&]{1,64}\]\]></ToUserName>\s*)?"
    rb"<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]{1,1000000})\]\]></Encrypt>\s*"
    rb"(?:<ToUserName><!\[CDATA\[[^\]<>&]{1,64}\]\]></ToUserName>\s*)?</xml>\s*"
)


@functools.lru_cache(maxsize=64)
def _prp(aes_key):
    """The account's AES key and cipher, built once per process (wechatpy builds them on every call)."""
    return PrpCrypto(base64.b64decode(to_binary(aes_key + "=")))


REPLY = (
    "<xml>\n<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
    "<TimeStamp>{timestamp}</TimeStamp>\n<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>"
)


def encrypt_reply(xml, token, aes_key, app_id, timestamp=None):
    """A passive reply in safe mode, as wechatpy's WeChatCrypto.encrypt_message writes it, with the cipher kept."""
    timestamp, n = str(timestamp or int(time.time())), nonce()
    encrypted = _prp(aes_key).encrypt(xml, app_id).decode("ascii")
    return REPLY.format(
        encrypt=encrypted, signature=signature(token, timestamp, n, encrypted), timestamp=timestamp, nonce=n
    )


def decrypt(body: bytes, args, token, aes_key, app_id, skew_seconds):
    """Safe (AES) mode: check msg_signature over the Encrypt element, then decrypt it."""
    plain_envelope = ENVELOPE.fullmatch(body)
    outer = {"Encrypt": plain_envelope.group(1).decode("ascii")} if plain_envelope else parse_xml(body)
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
        plain = _prp(aes_key).decrypt(encrypted, app_id)
    except InvalidAppIdException:
        raise CallbackRejected(403, "wrong AppId") from None
    except Exception:
        raise CallbackRejected(400, "cannot decrypt") from None
    return plain if isinstance(plain, bytes) else plain.encode("utf-8")


# The root's children WeChat defines as single text values. Anything else under <xml> is kept as xmltodict gives it
# (real events nest: ScanCodeInfo, SendPicsInfo/PicList/item, SendLocationInfo, CopyrightCheckResult/ResultList/item,
# ArticleUrlResult, ...), within MAX_DEPTH and MAX_ELEMENTS.
SCALARS = (
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "MsgId",
    "MsgDataId",
    "Idx",
    "Content",
    "Event",
    "EventKey",
    "Ticket",
    "Latitude",
    "Longitude",
    "Precision",
    "PicUrl",
    "MediaId",
    "Format",
    "Recognition",
    "ThumbMediaId",
    "Location_X",
    "Location_Y",
    "Scale",
    "Label",
    "Title",
    "Description",
    "Url",
    "Status",
    "MsgID",
    "TotalCount",
    "FilterCount",
    "SentCount",
    "ErrorCount",
)
REQUIRED = ("ToUserName", "FromUserName", "MsgType", "CreateTime")
MAX_DEPTH = 5  # levels below <xml>; the deepest real event, CopyrightCheckResult/ResultList/item/X, uses 4
MAX_ELEMENTS = 500  # a mass-send result for 8 articles has about 90
MAX_NAME = 64  # element names; WeChat's longest are about 25 characters
# Content is limited in characters, not bytes: WeChat caps a text message at 2048 bytes (683 CJK characters), so a
# character limit never refuses a real message, and the TEXT column it lands in has no byte limit to protect.
MAX_CONTENT = 2048
# A VIEW event's EventKey is the menu's URL, which WeChat allows up to 1024 bytes (an OAuth-wrapped link easily
# passes 256); a CLICK key is at most 128 bytes. Nothing stores EventKey in a bounded column.
MAX_EVENT_KEY = 1024
MAX_KEY = 128  # the dedupe key columns are VARCHAR(128)

_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # PostgreSQL TEXT refuses NUL; the rest is never text
_USER = re.compile(r"[^\s\x00-\x1f\x7f-\x9f]{1,64}")  # OpenIDs and gh_ ids: no whitespace, no controls
_CREATE_TIME = re.compile(r"[0-9]{1,11}")  # ASCII only: str.isdigit() also takes "²" and "١"
_MSG_ID = re.compile(r"[0-9]{1,20}")  # a 64-bit integer
# MsgType and Event are ASCII identifiers in every WeChat message; ASCII also keeps the lower-cased Event that
# messaging stores in VARCHAR(32) at 32 characters ("İ".lower() is two characters).
_WORD = re.compile(r"[\x21-\x7e]{1,32}")


def _reject(reason):
    raise CallbackRejected(400, reason)


def _check_tree(root: dict):
    """Every element below <xml>, without recursion (the input may nest 10,000 deep): no attributes, no mixed
    content, no control characters, at most MAX_DEPTH levels and MAX_ELEMENTS elements."""
    count = 0
    stack = [(root, 1)]  # (a dict of children, the depth of those children)
    while stack:
        node, depth = stack.pop()
        for name, value in node.items():
            if not isinstance(name, str) or not name:
                _reject("bad element name")
            if name.startswith("@"):
                _reject("attributes are not allowed")
            if name.startswith("#"):
                _reject("mixed content is not allowed")
            if len(name) > MAX_NAME or _C0.search(name):
                _reject("bad element name")
            for item in value if isinstance(value, list) else (value,):
                count += 1
                if count > MAX_ELEMENTS:
                    _reject("too many elements")
                if item is None:
                    continue
                if isinstance(item, str):
                    if _C0.search(item):
                        _reject("control character in text")
                elif isinstance(item, dict):
                    if item and depth >= MAX_DEPTH:
                        _reject("too deeply nested")
                    stack.append((item, depth + 1))
                else:
                    _reject("bad element value")


def check_fields(fields: dict):
    """The fields every message and event carries, refused (400) unless shaped as WeChat sends them, since they go
    on to bounded columns, JSON and PostgreSQL text. Returns a copy with the scalar fields as str."""
    if not isinstance(fields, dict):
        _reject("no <xml> root")
    _check_tree(fields)
    checked = dict(fields)
    for name in SCALARS:
        if name not in checked:
            continue
        value = checked[name]
        if isinstance(value, list):
            _reject(f"{name} repeated")
        if value is None:
            checked[name] = ""
        elif not isinstance(value, str):
            _reject(f"{name} is not text")
    for name in REQUIRED:
        if not checked.get(name, "").strip():
            _reject(f"missing {name}")
    if not _CREATE_TIME.fullmatch(checked["CreateTime"]):
        _reject("bad CreateTime")
    for name in ("FromUserName", "ToUserName"):
        if not _USER.fullmatch(checked[name]):
            _reject(f"bad {name}")
    if not _WORD.fullmatch(checked["MsgType"]):
        _reject("bad MsgType")
    if checked.get("Event") and not _WORD.fullmatch(checked["Event"]):
        _reject("bad Event")
    for name in ("MsgId", "MsgID"):
        if checked.get(name) and not _MSG_ID.fullmatch(checked[name]):
            _reject(f"bad {name}")
    if len(checked.get("EventKey", "")) > MAX_EVENT_KEY:
        _reject("EventKey too long")
    if len(checked.get("Content", "")) > MAX_CONTENT:
        _reject("Content too long")
    return checked


def dedupe_key(fields: dict, account=None) -> str:
    """WeChat retries carry the same MsgId (messages) or FromUserName+CreateTime (events). An event's key also
    carries a digest of its EventKey (a retry repeats it): two different menu clicks within one second are two
    clicks, not a retry. Another Official Account's keys carry its code (its MsgIds are its own)."""
    if fields.get("MsgId"):
        key = f"msg:{fields['MsgId']}"
    else:
        key = f"evt:{fields['FromUserName']}:{fields['CreateTime']}:{fields.get('Event', '')}"
        # what tells two events of one second apart: a click's key, or the job a report is about (WeChat's job
        # reports all come from one sender)
        info = fields.get("PublishEventInfo")
        told = (
            fields.get("EventKey") or fields.get("MsgID") or (info.get("publish_id") if isinstance(info, dict) else "")
        )
        if told:
            key += ":" + hashlib.blake2s(str(told).encode(), digest_size=4).hexdigest()
    # check_fields bounds these to "msg:" + 20 or "evt:" + 64 + ":" + 11 + ":" + 32 + ":" + 8 = 122 characters
    if len(key) > MAX_KEY:
        raise CallbackRejected(400, "dedupe key too long")
    if account:
        key = f"{account}:{key}"
        if len(key) > MAX_KEY:  # a long event key: its tail kept as a digest, still one key per retry
            key = key[:96] + hashlib.blake2s(key.encode(), digest_size=16).hexdigest()
    return key
