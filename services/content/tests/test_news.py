"""News: citizens see what is published by now, pinned first; bodies are sanitised before they are stored."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from libs import richtext
from libs.auth import Actor
from libs.errors import NotFound
from services.content.models import News
from services.content.service import ContentService


@pytest.fixture
def content(worker):
    return worker(ContentService, Actor.anonymous())


def add(db_session, **over):
    now = datetime.now(UTC)
    values = dict(
        title=f"通知{uuid.uuid4().hex[:6]}",
        summary="摘要",
        body_html="<p>正文</p>",
        status="published",
        publish_at=now - timedelta(hours=1),
        pinned=False,
        created_at=now,
        updated_at=now,
    )
    values.update(over)
    item = News(**values)
    db_session.add(item)
    db_session.commit()
    return item


def test_only_published_news_reaches_citizens(content, db_session):
    published = add(db_session)
    draft = add(db_session, status="draft")
    scheduled = add(db_session, publish_at=datetime.now(UTC) + timedelta(days=1))
    pinned = add(db_session, pinned=True, publish_at=datetime.now(UTC) - timedelta(days=30))
    listed = [n["id"] for n in content.list_news(limit=50)]
    assert published.id in listed and pinned.id in listed
    assert draft.id not in listed and scheduled.id not in listed
    assert listed.index(pinned.id) < listed.index(published.id)  # pinned first, however old
    assert content.get_news(published.id)["body_html"] == "<p>正文</p>"
    for hidden in (draft.id, scheduled.id, 0, 2**40, "1", True):
        with pytest.raises(NotFound):
            content.get_news(hidden)


def test_paging_is_bounded(content, db_session):
    add(db_session)
    assert len(content.list_news(limit=10_000)) <= 50
    assert content.list_news(limit="many", offset=-5)  # nonsense falls back to the first page


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("<p>办理<script>alert(1)</script>时间</p>", "<p>办理时间</p>"),
        ('<p onclick="steal()">点击</p>', "<p>点击</p>"),
        ('<a href="javascript:alert(1)">链接</a>', '<a rel="noopener noreferrer">链接</a>'),
        (
            '<a href="https://www.gov.cn/">政府网</a>',
            '<a href="https://www.gov.cn/" rel="noopener noreferrer">政府网</a>',
        ),
        ('<iframe src="https://evil.example"></iframe><p style="color:red">红</p>', "<p>红</p>"),
        ('<img src=x onerror="alert(1)">', ""),
    ],
)
def test_rich_text_is_sanitised(dirty, clean):
    assert richtext.clean(dirty) == clean


def test_plain_text_becomes_safe_paragraphs():
    assert richtext.from_plain("第一段<b>\n继续\n\n第二段") == "<p>第一段&lt;b&gt;<br>继续</p><p>第二段</p>"


def test_drafts_leave_no_trace_in_search(content, db_session):
    """Not even a count: a draft's words are not in the index until it is out."""
    from services.content import search

    secret = add(db_session, title="内部草稿", body_html="<p>青藤路拆迁补偿方案</p>", status="draft")
    search.index_item(db_session, "news", secret.id)
    db_session.commit()
    assert content.search("青藤路拆迁") == []
    from services.content.models import SearchTerm

    assert (
        db_session.query(SearchTerm).filter(SearchTerm.item_type == "news", SearchTerm.item_id == secret.id).count()
        == 0
    )
