"""A citizen, as WeChat presents them to our callback: signed (and in safe mode AES-encrypted) XML posts.

Built on wechatpy's own crypto so that what the gateway accepts is what real WeChat sends.
"""

import itertools
import random
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

from libs.wechat.callback import nonce, signature

_msg_ids = itertools.count(int(time.time() * 1000) * 1000 + random.randint(0, 999))


def _elements(fields):
    def one(name, value):
        if isinstance(value, dict):
            return f"<{name}>{_elements(value)}</{name}>"
        if isinstance(value, list):
            return "".join(one(name, v) for v in value)
        return f"<{name}><![CDATA[{value}]]></{name}>"

    return "".join(one(k, v) for k, v in fields.items())


@dataclass
class Reply:
    status: int
    text: str  # the raw body the gateway answered
    fields: dict | None = None  # the passive reply, decrypted and parsed, if there was one
    headers: dict = field(default_factory=dict)  # the HTTP response's (WeChat reads none of them)

    @property
    def content(self):
        return (self.fields or {}).get("Content")

    @property
    def image(self):
        """An image reply's MediaId, else None."""
        if (self.fields or {}).get("MsgType") != "image":
            return None
        return (self.fields.get("Image") or {}).get("MediaId")

    @property
    def articles(self):
        """A news reply's article cards as [{Title, Description, PicUrl, Url}], else []."""
        if (self.fields or {}).get("MsgType") != "news":
            return []
        items = (self.fields.get("Articles") or {}).get("item") or []
        return items if isinstance(items, list) else [items]


@dataclass
class Citizen:
    openid: str
    callback_url: str
    token: str
    app_id: str
    aes_key: str | None = None  # set: safe mode (AES); None: plain mode
    account: str = "gh_wzw_sandbox"
    http: requests.Session = field(default_factory=requests.Session)

    # -- what the citizen does -------------------------------------------------------------------------
    def send_text(self, content, msg_id=None):
        return self.post(self.text_xml(content, msg_id=msg_id))

    def send_image(self, media_id, pic_url="", msg_id=None):
        """An image message: WeChat passes its MediaId (the account downloads it within 3 days) and a PicUrl."""
        msg_id = msg_id or next(_msg_ids)
        return self.post(
            self._xml(
                int(time.time()),
                f"<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[{pic_url}]]></PicUrl>"
                f"<MediaId><![CDATA[{media_id}]]></MediaId><MsgId>{msg_id}</MsgId>",
            )
        )

    def subscribe(self, scene=None):
        return self.post(self.event_xml("subscribe", f"qrscene_{scene}" if scene else ""))

    def unsubscribe(self):
        return self.post(self.event_xml("unsubscribe"))

    def click(self, key):
        return self.post(self.event_xml("CLICK", key))

    def event(self, event, **fields):
        """Any event with its own fields (MASSSENDJOBFINISH's MsgID and counts, LOCATION's coordinates...); a dict
        value nests (PUBLISHJOBFINISH's PublishEventInfo)."""
        extra = _elements(fields)
        return self.post(
            self._xml(
                int(time.time()), f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{extra}"
            )
        )

    # -- building the XML WeChat sends -----------------------------------------------------------------
    def _xml(self, create_time, body):
        return (
            f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
            f"<FromUserName><![CDATA[{self.openid}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime>{body}</xml>"
        )

    def text_xml(self, content, msg_id=None, create_time=None):
        msg_id = msg_id or next(_msg_ids)
        return self._xml(
            create_time or int(time.time()),
            f"<MsgType><![CDATA[text]]></MsgType><Content>{escape(content)}</Content><MsgId>{msg_id}</MsgId>",
        )

    def event_xml(self, event, key="", create_time=None):
        return self._xml(
            create_time or int(time.time()),
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey>",
        )

    # -- the wire --------------------------------------------------------------------------------------
    def signed_request(self, xml, timestamp=None):
        """(query params, body bytes) for `xml` as WeChat would post it."""
        timestamp = str(timestamp or int(time.time()))
        n = nonce()
        params = {
            "signature": signature(self.token, timestamp, n),
            "timestamp": timestamp,
            "nonce": n,
            "openid": self.openid,
        }
        if not self.aes_key:
            return params, xml.encode("utf-8")
        crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
        outer = xmltodict.parse(crypto.encrypt_message(xml, n, timestamp))["xml"]
        params.update(encrypt_type="aes", msg_signature=outer["MsgSignature"])
        # the body as WeChat posts it in safe mode: the account's id and the ciphertext (the signature rides the URL)
        envelope = (
            f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
            f"<Encrypt><![CDATA[{outer['Encrypt']}]]></Encrypt></xml>"
        )
        return params, envelope.encode("utf-8")

    def post(self, xml, timestamp=None, params=None, body=None, timeout=10):
        signed_params, signed_body = self.signed_request(xml, timestamp)
        resp = self.http.post(
            self.callback_url,
            params=params if params is not None else signed_params,
            data=body if body is not None else signed_body,
            headers={"Content-Type": "text/xml"},
            timeout=timeout,
        )
        return Reply(resp.status_code, resp.text, self._read_reply(resp), dict(resp.headers))

    def _read_reply(self, resp):
        if resp.status_code != 200 or not resp.text.strip().startswith("<xml"):
            return None
        doc = xmltodict.parse(resp.text)["xml"]
        if "Encrypt" in doc:
            crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
            plain = crypto.decrypt_message(resp.text, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"])
            doc = xmltodict.parse(plain)["xml"]
        return doc

    def verify_url(self, echostr="sandbox-echo"):
        """The GET WeChat sends when the account's server URL is saved."""
        timestamp, n = str(int(time.time())), nonce()
        params = {
            "signature": signature(self.token, timestamp, n),
            "timestamp": timestamp,
            "nonce": n,
            "echostr": echostr,
        }
        return self.http.get(self.callback_url, params=params, timeout=10)
