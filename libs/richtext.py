"""Rich text staff write (content's news, messaging's WeChat articles): sanitised with nh3 (the Ammonia sanitiser)
to what a government notice needs. No scripts, event handlers, styles, iframes or javascript: links reach a
citizen's page, whatever is pasted."""

import html

import nh3

TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}


URL_SCHEMES = {"http", "https", "tel", "mailto"}


def clean(markup, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES):
    return nh3.clean(
        markup or "",
        tags=tags,
        attributes=attributes,
        url_schemes=url_schemes,
        link_rel="noopener noreferrer",
    )


def from_plain(text):
    """Plain text with blank lines between paragraphs → safe paragraphs."""
    paragraphs = [p.strip() for p in (text or "").split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
