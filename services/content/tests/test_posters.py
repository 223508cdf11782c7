"""Posters show between their dates, in order, link only to what exists (or to https pages); admins change them."""

import base64
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from libs.auth import Actor
from libs.errors import Forbidden, ValidationError
from services.content.service import ContentService

ADMIN = Actor(kind="staff", id="a1", name="管理员", roles=("admin",))
EDITOR = Actor(kind="staff", id="e1", name="编辑", roles=("editor",), department_id=1)


def image():
    out = io.BytesIO()
    Image.new("RGB", (600, 250), (0, 122, 204)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def when(days):
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_only_posters_in_their_window_show_in_order(worker):
    admin = worker(ContentService, ADMIN)
    showing = admin.save_poster(None, {"title": "展示中", "sort_order": 5, "active_from": when(-1)}, image())
    first = admin.save_poster(None, {"title": "排在前面", "sort_order": 1, "active_from": when(-1)}, image())
    ended = admin.save_poster(None, {"title": "已结束", "active_from": when(-9), "active_until": when(-1)}, image())
    later = admin.save_poster(None, {"title": "未开始", "active_from": when(3)}, image())
    ids = [p["id"] for p in worker(ContentService, Actor.anonymous()).list_posters()]
    assert ids.index(first["id"]) < ids.index(showing["id"])
    assert ended["id"] not in ids and later["id"] not in ids
    moved = admin.save_poster(later["id"], {"title": "未开始", "active_from": when(-1)})  # no deploy, no new image
    assert moved["media"] == later["media"]
    assert later["id"] in [p["id"] for p in worker(ContentService, Actor.anonymous()).list_posters()]


@pytest.mark.parametrize(
    "data",
    [
        {"title": ""},
        {"title": "坏链接", "link_kind": "url", "link_target": "javascript:alert(1)"},
        {"title": "坏链接", "link_kind": "url", "link_target": "http://plain.example"},
        {"title": "坏链接", "link_kind": "service", "link_target": "abc"},
        {"title": "坏链接", "link_kind": "service", "link_target": "99999"},
        {"title": "坏链接", "link_kind": "news", "link_target": "2147483647"},
        {"title": "倒序", "active_from": when(2), "active_until": when(1)},
        {"title": "排序", "sort_order": -1},
    ],
)
def test_bad_posters_are_refused(worker, data):
    with pytest.raises(ValidationError):
        worker(ContentService, ADMIN).save_poster(None, data, image())


def test_posters_are_for_citywide_editors_and_need_an_image(worker):
    with pytest.raises(Forbidden):
        worker(ContentService, EDITOR).save_poster(None, {"title": "部门海报"}, image())
    with pytest.raises(ValidationError) as err:
        worker(ContentService, ADMIN).save_poster(None, {"title": "没有图片"})
    assert "file" in err.value.details["fields"]


def test_scheduled_moments_are_announced_once(db_session):
    """A notice going out or a poster starting/ending is a change nobody saves: the timer announces it (once)."""
    import uuid

    from sqlalchemy import select

    from libs.unit_of_work import UnitOfWork
    from services.content import editing, events
    from services.content.models import News, ScheduleClock, outbox

    def uow():
        return UnitOfWork(db_session, Actor.system("content"), outbox=outbox, contract=events.PUBLISHES)

    start = datetime.now(UTC) + timedelta(days=400)  # a moment of its own, far from other tests' rows
    clock = db_session.get(ScheduleClock, 1)
    if clock is None:
        with uow() as work:
            assert editing.announce_schedule(work) == 0  # the first run only starts the clock
        clock = db_session.get(ScheduleClock, 1)
    clock.checked_at = start
    title = f"定时通知{uuid.uuid4().hex[:6]}"
    db_session.add(
        News(
            title=title,
            summary="",
            body_html="",
            status="published",
            publish_at=start + timedelta(seconds=10),
            pinned=False,
            created_at=start,
            updated_at=start,
        )
    )
    db_session.commit()
    with uow() as work:
        assert editing.announce_schedule(work, now=start + timedelta(seconds=20)) == 1
    with uow() as work:
        assert editing.announce_schedule(work, now=start + timedelta(seconds=40)) == 0  # not twice
    news_id = db_session.scalar(select(News.id).where(News.title == title))
    announced = [
        r.payload["data"]
        for r in db_session.execute(select(outbox)).all()
        if r.payload["data"].get("entity_type") == "news" and r.payload["data"].get("entity_id") == news_id
    ]
    assert announced == [{"entity_type": "news", "entity_id": news_id, "department_id": None, "version": 0}]
    db_session.get(ScheduleClock, 1).checked_at = datetime.now(UTC)  # leave the clock where the timer expects it
    db_session.commit()
