"""What a validly signed callback body may contain: hostile shapes are refused with a 400, real WeChat shapes pass.

`HOSTILE_CALLBACKS` and `VALID_CALLBACKS` are lists of (id, xml) meant to be reused: a system test can post each
hostile body signed through the real gateway and expect 400 with nothing recorded. Every hostile body is at most
GATEWAY_SAFE_BYTES, so it reaches `check_fields` instead of the gateway's 413, even once AES-encrypted.
`OVERSIZED_CALLBACKS` holds the same attacks at full size (10,000 levels, 100,000 siblings), which cannot fit in
64 KiB: the gateway answers them 413 before parsing, and `check_fields` refuses them too.
"""

import json
import re

import pytest
from wechatpy.crypto import WeChatCrypto

from libs.wechat.callback import MAX_KEY, SCALARS, CallbackRejected, check_fields, dedupe_key, parse_xml

GATEWAY_LIMIT = 65_536  # MAX_CALLBACK_BYTES in deploy/config/*.yaml
GATEWAY_SAFE_BYTES = 48_000  # the AES envelope grows a body by a third
OPENID = "oMgHVjngRipVsoxg6TuX3vz6glDg"  # 28 characters, as real OpenIDs are
ACCOUNT = "gh_e136c6e50636"
NOW = "1700000000"


def _xml(body="", *, to=ACCOUNT, sender=OPENID, create_time=NOW, msg_type="text", root="<xml>"):
    return (
        f"{root}<ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}</xml>"
    )


def _text(content, msg_id="23000000000000000"):
    return _xml(f"<Content>{content}</Content><MsgId>{msg_id}</MsgId>")


def _event(event, rest=""):
    return _xml(f"<Event><![CDATA[{event}]]></Event>{rest}", msg_type="event")


def _without(name):
    """A text message lacking one of the four fields every callback carries."""
    return re.sub(f"<{name}>.*?</{name}>", "", _xml("<Content>hi</Content>"))


def _nest(levels, leaf="x", name="a"):
    return f"<{name}>" * levels + leaf + f"</{name}>" * levels


def _fill(unit, budget=GATEWAY_SAFE_BYTES):
    """As many copies of `unit` as fit in a text message within `budget` bytes."""
    room = budget - len(_text("").encode())
    return room // len(unit.encode())


_DEEPEST = _fill("<a></a>")
_MOST_SIBLINGS = _fill("<a/>")
_HUGE = "A" * 40_000

HOSTILE_CALLBACKS = [
    # -- scalar fields that are not one string -------------------------------------------------------------------
    ("content-as-element", _text("<a>x</a>")),
    ("content-as-nested-elements", _text("<a><b><c>x</c></b></a>")),
    ("content-repeated", _xml("<Content>a</Content><Content>b</Content><MsgId>1</MsgId>")),
    ("content-with-attribute", _text("<![CDATA[hi]]>").replace("<Content>", '<Content type="html">')),
    ("content-mixed", _text("a<b/>c")),
    ("content-cdata-then-element", _text("<![CDATA[hi]]><x/>")),
    ("msgtype-repeated", _xml("<MsgType>image</MsgType><MsgId>1</MsgId>")),
    ("fromusername-repeated", _xml("<FromUserName>oOther</FromUserName><Content>hi</Content>")),
    ("tousername-as-element", _xml("", to="<x>gh_1</x>").replace("<![CDATA[<x>gh_1</x>]]>", "<x>gh_1</x>")),
    ("createtime-repeated", _xml("<CreateTime>1700000001</CreateTime><Content>hi</Content>")),
    ("createtime-as-element", _xml(create_time="<t>1700000000</t>")),
    ("event-as-element", _xml("<Event><e>subscribe</e></Event>", msg_type="event")),
    ("event-repeated", _xml("<Event>subscribe</Event><Event>unsubscribe</Event>", msg_type="event")),
    ("eventkey-as-element", _event("CLICK", "<EventKey><k>1</k></EventKey>")),
    ("msgid-as-element", _text("hi", msg_id="<n>1</n>")),
    ("msgid-repeated", _xml("<Content>hi</Content><MsgId>1</MsgId><MsgId>2</MsgId>")),
    ("picurl-as-element", _xml("<PicUrl><u>http://x</u></PicUrl><MsgId>1</MsgId>", msg_type="image")),
    ("status-repeated", _event("TEMPLATESENDJOBFINISH", "<MsgID>1</MsgID><Status>a</Status><Status>b</Status>")),
    # -- scalar fields out of range -------------------------------------------------------------------------------
    ("msgid-200-digits", _text("hi", msg_id="9" * 200)),
    ("msgid-21-digits", _text("hi", msg_id="1" * 21)),
    ("msgid-200-digits-in-cdata", _text("hi", msg_id=f"<![CDATA[{'7' * 200}]]>")),
    ("msgid-negative", _text("hi", msg_id="-1")),
    ("msgid-hex", _text("hi", msg_id="0x1F")),
    ("msgid-fullwidth-digits", _text("hi", msg_id="１２３")),
    ("msgid-words", _text("hi", msg_id="drop table")),
    ("massmsgid-200-digits", _event("MASSSENDJOBFINISH", f"<MsgID>{'9' * 200}</MsgID><Status>sendsuccess</Status>")),
    ("createtime-200-digits", _xml("<Content>hi</Content>", create_time="1" * 200)),
    ("createtime-12-digits", _xml("<Content>hi</Content>", create_time="170000000000")),
    ("createtime-negative", _xml("<Content>hi</Content>", create_time="-1700000000")),
    ("createtime-float", _xml("<Content>hi</Content>", create_time="1700000000.5")),
    ("createtime-exponent", _xml("<Content>hi</Content>", create_time="1.7e9")),
    ("createtime-plus-sign", _xml("<Content>hi</Content>", create_time="+1700000000")),
    ("createtime-fullwidth-digits", _xml("<Content>hi</Content>", create_time="１７００００００００")),
    ("createtime-superscript-digit", _xml("<Content>hi</Content>", create_time="²")),
    ("createtime-arabic-indic-digits", _xml("<Content>hi</Content>", create_time="١٧٠٠٠٠٠٠٠٠")),
    ("createtime-words", _xml("<Content>hi</Content>", create_time="soon")),
    ("fromusername-with-spaces", _xml("<Content>hi</Content>", sender="o Mg HVjng")),
    ("fromusername-with-tab", _xml("<Content>hi</Content>", sender="oMg\tHVjng")),
    ("fromusername-with-newline", _xml("<Content>hi</Content>", sender="oMg\nHVjng")),
    ("fromusername-with-ideographic-space", _xml("<Content>hi</Content>", sender="oMg\u3000HVjng")),
    ("fromusername-with-del", _xml("<Content>hi</Content>", sender="oMg\x7fHVjng")),
    ("fromusername-65-chars", _xml("<Content>hi</Content>", sender="o" * 65)),
    ("fromusername-40000-chars", _xml("<Content>hi</Content>", sender="o" * 40_000)),
    ("tousername-65-chars", _xml("<Content>hi</Content>", to="g" * 65)),
    ("tousername-with-space", _xml("<Content>hi</Content>", to="gh_ 1")),
    ("msgtype-33-chars", _xml("<Content>hi</Content>", msg_type="t" * 33)),
    ("msgtype-non-ascii", _xml("<Content>hi</Content>", msg_type="文本")),
    ("msgtype-with-space", _xml("<Content>hi</Content>", msg_type="text message")),
    ("event-33-chars", _event("e" * 33)),
    ("event-that-grows-when-lowercased", _event("İ" * 20)),  # "İ".lower() is two characters
    ("event-with-space", _event("sub scribe")),
    ("eventkey-1025-chars", _event("VIEW", f"<EventKey><![CDATA[https://x.gov.cn/{'a' * 1008}]]></EventKey>")),
    ("eventkey-40000-chars", _event("CLICK", f"<EventKey>{'k' * 40_000}</EventKey>")),
    ("content-2049-chars", _text("字" * 2049)),
    ("content-40000-chars", _text("a" * 40_000)),
    # -- required fields ------------------------------------------------------------------------------------------
    ("missing-tousername", _without("ToUserName")),
    ("missing-fromusername", _without("FromUserName")),
    ("missing-createtime", _without("CreateTime")),
    ("missing-msgtype", _without("MsgType")),
    ("empty-fromusername", _xml("<Content>hi</Content>", sender="")),
    ("blank-fromusername", _xml("<Content>hi</Content>", sender="   ")),
    ("empty-xml", "<xml/>"),
    ("text-only-xml", "<xml>hello</xml>"),
    ("other-root", f"<root><FromUserName>{OPENID}</FromUserName></root>"),
    # -- nesting and size -----------------------------------------------------------------------------------------
    ("nested-6-levels", _event("scancode_waitmsg", f"<ScanCodeInfo>{_nest(5)}</ScanCodeInfo>")),
    ("nested-6-levels-in-content", _text(_nest(5))),
    (f"nested-{_DEEPEST}-levels", _text("", msg_id="1").replace("</xml>", _nest(_DEEPEST) + "</xml>")),
    ("siblings-501", _xml("<Content>hi</Content>" + "<MenuId/>" * 497)),
    ("distinct-siblings-501", _xml("<Content>hi</Content>" + "".join(f"<e{i}/>" for i in range(497)))),
    (f"siblings-{_MOST_SIBLINGS}", _xml("<a/>" * _MOST_SIBLINGS)),
    ("items-501-in-piclist", _event("pic_sysphoto", f"<SendPicsInfo><PicList>{'<i/>' * 501}</PicList></SendPicsInfo>")),
    ("element-name-65-chars", _xml(f"<{'N' * 65}>x</{'N' * 65}>")),
    # -- control characters (PostgreSQL TEXT refuses NUL) ---------------------------------------------------------
    ("nul-as-char-ref", _text("a&#0;b")),
    ("nul-as-hex-char-ref", _text("a&#x0;b")),
    ("nul-raw", _text("a\x00b")),
    ("nul-raw-in-cdata", _text("<![CDATA[a\x00b]]>")),
    ("nul-in-fromusername", _xml("<Content>hi</Content>").replace(f"<![CDATA[{OPENID}]]>", "oMg&#0;HV")),
    ("nul-in-attribute", _xml("<Content>hi</Content>", root='<xml a="&#0;">')),
    ("nul-in-nested-scanresult", _event("scancode_push", "<ScanCodeInfo><ScanResult>&#0;</ScanResult></ScanCodeInfo>")),
    ("escape-raw", _text("\x1b[31mred")),
    ("escape-as-char-ref", _text("&#x1b;[31mred")),
    ("bell-raw-in-cdata", _text("<![CDATA[\x07]]>")),
    ("vertical-tab-raw", _text("a\x0bb")),
    ("form-feed-as-char-ref", _text("a&#12;b")),
    ("backspace-in-event", _xml("<Event>CLICK&#8;</Event>", msg_type="event")),
    ("surrogate-as-char-ref", _text("&#xD800;")),
    ("noncharacter-fffe-as-char-ref", _text("&#xFFFE;")),
    ("noncharacter-ffff-raw", _text("\uffff")),
    # -- attributes, namespaces, DTD tricks -----------------------------------------------------------------------
    ("attribute-on-xml", _xml("<Content>hi</Content>", root='<xml id="1">')),
    ("xmlns-on-xml", _xml("<Content>hi</Content>", root='<xml xmlns="urn:evil">')),
    ("namespaced-content", _xml('<w:Content xmlns:w="urn:w">hi</w:Content>')),
    ("huge-attribute-on-xml", _xml("<Content>hi</Content>", root=f'<xml a="{_HUGE}">')),
    ("huge-attribute-on-content", _text("hi").replace("<Content>", f'<Content a="{_HUGE}">')),
    (
        "huge-attribute-in-nested",
        _event("scancode_push", f'<ScanCodeInfo><ScanType t="{_HUGE}">q</ScanType></ScanCodeInfo>'),
    ),
    ("many-attributes-on-xml", _xml(root="<xml " + " ".join(f'a{i}="1"' for i in range(2000)) + ">")),
    ("dtd-default-attribute-on-xml", '<!DOCTYPE xml [<!ATTLIST xml injected CDATA "yes">]>' + _text("hi")),
    ("dtd-default-attribute-on-content", '<!DOCTYPE xml [<!ATTLIST Content t CDATA "x">]>' + _text("hi")),
    (
        "billion-laughs",
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' + _text("&c;"),
    ),
    ("xxe-file", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + _text("&e;")),
    ("xxe-parameter-entity", '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x">%p;]>' + _text("hi")),
    ("undefined-entity", _text("&nbsp;")),
    # -- CDATA and well-formedness tricks -------------------------------------------------------------------------
    ("cdata-unterminated", _text("<![CDATA[hi")),
    ("cdata-closing-a-different-element", _text("<![CDATA[hi]]></Content><Content>again")),
    ("cdata-hiding-repeated-msgid", _xml("<Content>x</Content><MsgId>1</MsgId><MsgId><![CDATA[2]]></MsgId>")),
    ("cdata-negative-createtime", _xml("<Content>hi</Content>", create_time="<![CDATA[-5]]>")),
    ("mixed-text-in-xml-root", _xml("<Content>hi</Content>", root="<xml>junk")),
    ("truncated", _text("hi")[:-10]),
    ("two-roots", _text("hi") + _text("again")),
    ("not-xml", "这不是XML"),
    ("empty-body", ""),
    ("mismatched-tags", _text("hi").replace("</Content>", "</content>")),
]

VALID_CALLBACKS = [
    (
        "text",
        _xml(
            "<Content><![CDATA[您好，我想投诉小区噪音]]></Content><MsgId>23500000000000000</MsgId>"
            "<MsgDataId><![CDATA[2247483650]]></MsgDataId><Idx><![CDATA[1]]></Idx>"
        ),
    ),
    (
        "image",
        _xml(
            "<PicUrl><![CDATA[http://mmbiz.qpic.cn/mmbiz_jpg/abc/0]]></PicUrl>"
            "<MediaId><![CDATA[media_id_abcdefghijklmnopqrstuvwxyz]]></MediaId><MsgId>1234567890123456</MsgId>",
            msg_type="image",
        ),
    ),
    (
        "voice-with-recognition",
        _xml(
            "<MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[amr]]></Format>"
            "<Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>1234567890123456</MsgId>",
            msg_type="voice",
        ),
    ),
    (
        "voice-with-empty-recognition",
        _xml(
            "<MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[amr]]></Format>"
            "<Recognition><![CDATA[]]></Recognition><MsgId>1234567890123457</MsgId>",
            msg_type="voice",
        ),
    ),
    (
        "video",
        _xml(
            "<MediaId><![CDATA[media_id]]></MediaId><ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>"
            "<MsgId>1234567890123456</MsgId>",
            msg_type="video",
        ),
    ),
    (
        "location",
        _xml(
            "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale>"
            "<Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId>",
            msg_type="location",
        ),
    ),
    (
        "link",
        _xml(
            "<Title><![CDATA[公众平台官网链接]]></Title><Description><![CDATA[公众平台官网链接]]></Description>"
            "<Url><![CDATA[https://mp.weixin.qq.com/s/abcdef]]></Url><MsgId>1234567890123456</MsgId>",
            msg_type="link",
        ),
    ),
    ("subscribe", _event("subscribe")),
    ("unsubscribe", _event("unsubscribe", "<EventKey><![CDATA[]]></EventKey>")),
    (
        "subscribe-with-qrscene",
        _event(
            "subscribe",
            "<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[gQH47joAAAAAAAAAAS5o]]></Ticket>",
        ),
    ),
    ("scan", _event("SCAN", "<EventKey><![CDATA[123123]]></EventKey><Ticket><![CDATA[gQH47jo]]></Ticket>")),
    ("click", _event("CLICK", "<EventKey><![CDATA[V1001_TODAY_MUSIC]]></EventKey>")),
    ("view", _event("VIEW", "<EventKey><![CDATA[http://www.qq.com/]]></EventKey><MenuId>208379533</MenuId>")),
    (
        "view-oauth-link",
        _event(
            "VIEW",
            "<EventKey><![CDATA[https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387&"
            "redirect_uri=https%3A%2F%2Fwzw.example.gov.cn%2Fh5%2Fcomplaints%2Fnew%3Ffrom%3Dmenu%26channel%3D"
            "wechat%26lang%3Dzh_CN%26v%3D20260101&response_type=code&scope=snsapi_base&"
            "state=complaints_new_from_menu_button_two#wechat_redirect]]></EventKey><MenuId>208379533</MenuId>",
        ),
    ),
    (
        "location-event",
        _event(
            "LOCATION", "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.38</Precision>"
        ),
    ),
    (
        "scancode-push",
        _event(
            "scancode_push",
            "<EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>"
            "<ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>",
        ),
    ),
    (
        "scancode-waitmsg",
        _event(
            "scancode_waitmsg",
            "<EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>"
            "<ScanResult><![CDATA[2]]></ScanResult></ScanCodeInfo>",
        ),
    ),
    (
        "pic-sysphoto",
        _event(
            "pic_sysphoto",
            "<EventKey><![CDATA[6]]></EventKey><SendPicsInfo><Count>1</Count>"
            "<PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList>"
            "</SendPicsInfo>",
        ),
    ),
    (
        "pic-photo-or-album-two-pictures",
        _event(
            "pic_photo_or_album",
            "<EventKey><![CDATA[6]]></EventKey><SendPicsInfo><Count>2</Count><PicList>"
            "<item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item>"
            "<item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>"
            "</PicList></SendPicsInfo>",
        ),
    ),
    (
        "location-select",
        _event(
            "location_select",
            "<EventKey><![CDATA[6]]></EventKey><SendLocationInfo><Location_X><![CDATA[23]]></Location_X>"
            "<Location_Y><![CDATA[113]]></Location_Y><Scale><![CDATA[15]]></Scale>"
            "<Label><![CDATA[ 广州市海珠区客村艺苑路 106号]]></Label><Poiname><![CDATA[]]></Poiname>"
            "</SendLocationInfo>",
        ),
    ),
    (
        "masssendjobfinish",
        _event(
            "MASSSENDJOBFINISH",
            "<MsgID>1000001625</MsgID><Status><![CDATA[err(30003)]]></Status><TotalCount>100</TotalCount>"
            "<FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>"
            "<CopyrightCheckResult><Count>2</Count><ResultList>"
            + "".join(
                f"<item><ArticleIdx>{i}</ArticleIdx><UserDeclareState>0</UserDeclareState><AuditState>2</AuditState>"
                f"<OriginalArticleUrl><![CDATA[Url_{i}]]></OriginalArticleUrl><OriginalArticleType>1</OriginalArticleType>"
                "<CanReprint>1</CanReprint><NeedReplaceContent>1</NeedReplaceContent>"
                "<NeedShowReprintSource>1</NeedShowReprintSource></item>"
                for i in (1, 2)
            )
            + "</ResultList><CheckState>2</CheckState></CopyrightCheckResult>"
            "<ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
            "<ArticleUrl><![CDATA[http://mp.weixin.qq.com/s/abcdef]]></ArticleUrl></item></ResultList>"
            "</ArticleUrlResult>",
        ),
    ),
    (
        "templatesendjobfinish",
        _event("TEMPLATESENDJOBFINISH", "<MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>"),
    ),
    (
        "templatesendjobfinish-blocked",
        _event("TEMPLATESENDJOBFINISH", "<MsgID>200163840</MsgID><Status><![CDATA[failed:user block]]></Status>"),
    ),
]

# Legal though unusual: these must pass too.
TRICKY_BUT_FINE = [
    ("unicode-line-separators", _text("第一行\u2028第二行\u2029第三段")),
    ("line-separators-as-char-refs", _text("a&#x2028;b&#x2029;c&#x85;d")),
    ("tab-newline-cr", _text("a\tb\nc&#13;d")),
    ("emoji-and-rtl", _text("👍🏽 مرحبا \u202e")),
    ("content-2048-cjk-chars", _text("字" * 2048)),
    ("content-2048-ascii-chars", _text("a" * 2048)),
    ("escaped-markup-in-content", _text("&lt;Content&gt;&amp;&#60;&#x3e;")),
    ("char-ref-text-inside-cdata", _text("<![CDATA[a&#0;b]]>")),
    ("cdata-containing-end-marker", _text("<![CDATA[a]]]]><![CDATA[>b]]>")),
    ("xml-declaration-and-bom", '\ufeff<?xml version="1.0" encoding="utf-8"?>' + _text("hi")),
    ("declared-encoding-ignored", '<?xml version="1.0" encoding="gbk"?>' + _text("中文")),
    ("comments-and-processing-instructions", _text("<!-- note -->hi<?pi x?>")),
    ("msgid-20-digits", _text("hi", msg_id="18446744073709551615")),
    ("createtime-11-digits", _xml("<Content>hi</Content>", create_time="99999999999")),
    ("fromusername-64-chars", _xml("<Content>hi</Content>", sender="o" * 64)),
    ("event-32-chars", _event("e" * 32)),
    ("eventkey-1024-chars", _event("VIEW", f"<EventKey><![CDATA[https://x.gov.cn/{'a' * 1007}]]></EventKey>")),
    ("nested-5-levels", _event("scancode_waitmsg", f"<ScanCodeInfo>{_nest(4)}</ScanCodeInfo>")),
    ("exactly-500-elements", _xml("<Content>hi</Content>" + "<MenuId/>" * 495)),
    ("unknown-empty-element", _event("view_miniprogram", "<EventKey><![CDATA[pages/index]]></EventKey><MenuId/>")),
]

_ACCEPTED = VALID_CALLBACKS + TRICKY_BUT_FINE

OVERSIZED_CALLBACKS = [
    ("nested-10000-levels", _text("hi").replace("</xml>", _nest(10_000) + "</xml>")),
    ("siblings-100000", _xml("<a/>" * 100_000)),
]


def _parse(body: str) -> dict:
    return check_fields(parse_xml(body.encode("utf-8")))


def _ids(corpus):
    return [name for name, _ in corpus]


@pytest.mark.parametrize("body", [b for _, b in HOSTILE_CALLBACKS], ids=_ids(HOSTILE_CALLBACKS))
def test_hostile_callback_is_refused_with_400(body):
    with pytest.raises(CallbackRejected) as refused:
        _parse(body)
    assert refused.value.status == 400
    assert refused.value.reason.isascii() and 0 < len(refused.value.reason) <= 40


@pytest.mark.parametrize("body", [b for _, b in OVERSIZED_CALLBACKS], ids=_ids(OVERSIZED_CALLBACKS))
def test_oversized_attacks_are_refused_too(body):
    assert len(body.encode()) > GATEWAY_LIMIT  # the gateway answers 413 before parsing
    with pytest.raises(CallbackRejected) as refused:
        _parse(body)
    assert refused.value.status == 400


@pytest.mark.parametrize("body", [b for _, b in _ACCEPTED], ids=_ids(_ACCEPTED))
def test_what_wechat_sends_is_accepted(body):
    fields = _parse(body)
    for name in SCALARS:
        if name in fields:
            assert isinstance(fields[name], str), name
    key = dedupe_key(fields)
    assert len(key) <= MAX_KEY
    assert key.startswith("msg:" if fields.get("MsgId") else "evt:")
    json.dumps(fields)  # what the RPC to messaging does with it


def test_corpora_are_well_formed_for_reuse():
    for corpus in (HOSTILE_CALLBACKS, VALID_CALLBACKS, TRICKY_BUT_FINE, OVERSIZED_CALLBACKS):
        names = _ids(corpus)
        assert len(names) == len(set(names))
        assert all(isinstance(body, str) and re.fullmatch(r"[a-z0-9-]+", name) for name, body in corpus)


def test_every_hostile_body_reaches_check_fields_through_the_gateway_in_both_modes():
    crypto = WeChatCrypto("token", "a" * 43, "wx0123456789abcdef")
    for name, body in HOSTILE_CALLBACKS:
        assert len(body.encode()) <= GATEWAY_SAFE_BYTES, name
        assert len(crypto.encrypt_message(body, "nonce", NOW).encode()) <= GATEWAY_LIMIT, name


def test_the_big_attacks_are_as_big_as_the_gateway_allows():
    assert _DEEPEST > 6_000 and _MOST_SIBLINGS > 11_000  # far past json's recursion limit and MAX_ELEMENTS


def test_valid_corpus_covers_every_shape_asked_for():
    kinds = {(f.get("MsgType"), f.get("Event")) for f in (_parse(b) for _, b in VALID_CALLBACKS)}
    for msg_type in ("text", "image", "voice", "location", "link"):
        assert (msg_type, None) in kinds
    for event in ("subscribe", "SCAN", "CLICK", "VIEW", "LOCATION", "scancode_waitmsg", "pic_sysphoto"):
        assert ("event", event) in kinds
    for event in ("location_select", "MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH"):
        assert ("event", event) in kinds


def test_nested_events_keep_their_structure():
    fields = _parse(dict(VALID_CALLBACKS)["pic-photo-or-album-two-pictures"])
    assert [i["PicMd5Sum"] for i in fields["SendPicsInfo"]["PicList"]["item"]][1] == "1b5f7c23b5bf75682a53e7b6d163e185"
    fields = _parse(dict(VALID_CALLBACKS)["masssendjobfinish"])
    assert fields["CopyrightCheckResult"]["ResultList"]["item"][1]["OriginalArticleUrl"] == "Url_2"
    assert fields["MsgID"] == "1000001625" and dedupe_key(fields).startswith("evt:")


def test_empty_optional_fields_become_empty_strings():
    fields = _parse(dict(VALID_CALLBACKS)["voice-with-empty-recognition"])
    assert fields["Recognition"] == ""
    fields = _parse(dict(VALID_CALLBACKS)["unsubscribe"])
    assert fields["EventKey"] == ""


def test_unicode_line_separators_survive_in_content():
    assert _parse(dict(TRICKY_BUT_FINE)["unicode-line-separators"])["Content"] == "第一行\u2028第二行\u2029第三段"


@pytest.mark.parametrize(
    "body",
    [_text("a&#0;b"), _text("a\x00b"), _text("\x1b"), _text("&#x1f;"), _text("<![CDATA[\x01]]>"), _text("&#xFFFE;")],
    ids=["nul-ref", "nul-raw", "esc-raw", "us-ref", "soh-in-cdata", "fffe-ref"],
)
def test_expat_already_refuses_c0_controls_raw_and_as_references(body):
    with pytest.raises(CallbackRejected) as refused:
        parse_xml(body.encode())
    assert (refused.value.status, refused.value.reason) == (400, "malformed XML")


def test_expat_lets_del_and_c1_controls_through_and_so_do_we():
    assert _parse(_text("a\x7fb&#x85;c"))["Content"] == "a\x7fb\x85c"


def _fields(**extra):
    return {"ToUserName": ACCOUNT, "FromUserName": OPENID, "CreateTime": NOW, "MsgType": "text", **extra}


@pytest.mark.parametrize(
    "fields",
    [
        _fields(Content="a\x00b"),
        _fields(Content="\x1b[2J"),
        _fields(Label="\x0c"),
        _fields(ScanCodeInfo={"ScanResult": "x\x00"}),
        _fields(SendPicsInfo={"PicList": {"item": [{"PicMd5Sum": "a"}, {"PicMd5Sum": "\x08"}]}}),
        _fields(**{"Bad\x00Name": "x"}),
        _fields(FromUserName="o\x00"),
    ],
    ids=["content-nul", "content-esc", "label-ff", "nested-nul", "list-item-bs", "name-nul", "sender-nul"],
)
def test_check_fields_refuses_controls_that_reach_it_without_expat(fields):
    with pytest.raises(CallbackRejected) as refused:
        check_fields(fields)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    "fields",
    [_fields(Content=1), _fields(Content=["a", ["b"]]), _fields(Content=("a",)), {1: "x"}, "not a dict", None],
    ids=["int", "nested-list", "tuple", "int-key", "str", "none"],
)
def test_check_fields_refuses_what_xmltodict_never_gives(fields):
    with pytest.raises(CallbackRejected) as refused:
        check_fields(fields)
    assert refused.value.status == 400


def test_the_deep_document_is_checked_without_recursion():
    deep = {}
    node = deep
    for _ in range(100_000):  # a recursive walk would overflow long before this
        node["a"] = {}
        node = node["a"]
    node["a"] = "x"
    with pytest.raises(CallbackRejected, match="too deeply nested"):
        check_fields(_fields(ScanCodeInfo=deep))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_without("ToUserName"), "missing ToUserName"),
        (_without("FromUserName"), "missing FromUserName"),
        (_without("MsgType"), "missing MsgType"),
        (_without("CreateTime"), "missing CreateTime"),
        (_xml(create_time="soon"), "bad CreateTime"),
        (_xml(create_time="1" * 200), "bad CreateTime"),
        (_xml(create_time="²"), "bad CreateTime"),
        (_xml(sender="o" * 65), "bad FromUserName"),
        (_text("hi", msg_id="9" * 200), "bad MsgId"),
        (_text("<a>x</a>"), "Content is not text"),
        (_xml("<Content>a</Content><Content>b</Content>"), "Content repeated"),
        (_text("字" * 2049), "Content too long"),
        (_xml("<Content>hi</Content>", root='<xml a="1">'), "attributes are not allowed"),
        (_text("&#0;"), "malformed XML"),
    ],
)
def test_reasons(body, reason):
    with pytest.raises(CallbackRejected) as refused:
        _parse(body)
    assert (refused.value.status, refused.value.reason) == (400, reason)


def test_dedupe_key_fits_its_column_at_every_limit():
    longest_event = check_fields(
        _fields(FromUserName="o" * 64, CreateTime="9" * 11, MsgType="event", Event="E" * 32, EventKey="k" * 1024)
    )
    assert len(dedupe_key(longest_event)) == len("evt:") + 64 + 1 + 11 + 1 + 32 + 1 + 8 == 122 <= MAX_KEY
    longest_message = check_fields(_fields(MsgId="9" * 20))
    assert len(dedupe_key(longest_message)) == 24


def test_dedupe_key_refuses_fields_that_skipped_check_fields():
    with pytest.raises(CallbackRejected) as refused:
        dedupe_key({"MsgId": "9" * 200})
    assert refused.value.status == 400


def test_check_fields_returns_a_copy():
    fields = _fields(Recognition=None)
    checked = check_fields(fields)
    assert checked["Recognition"] == "" and fields["Recognition"] is None
