"""Demo catalogue (services/content/demo_data.py): `python -m services.content.demo`. Safe to run twice: rows are
matched by id (departments) or name (windows, service types) and brought up to date."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from libs import richtext
from libs.clock import LOCAL_TZ
from libs.config import load_config
from libs.db import make_engine
from services.content import demo_data, media, search
from services.content.models import Album, Department, Leader, News, Photo, Poster, ServiceType, Window
from services.content.schemas import Faq, FormField

SERVICE_FIELDS = ("summary", "description", "eligibility", "fees", "time_limit", "location", "hours", "bookable")


def _news(session):
    """Published at 9:00 Beijing time on their dates; matched by title."""
    for item in demo_data.NEWS:
        day = date.fromisoformat(item["published"])
        at = datetime.combine(day, time(9, 0), tzinfo=LOCAL_TZ)
        values = dict(
            title=item["title"],
            summary=item["summary"],
            body_html=richtext.from_plain(item["body"]),
            department_id=item["department_id"],
            status="published",
            publish_at=at,
            pinned=item["pinned"],
            created_at=at,
            updated_at=at,
        )
        existing = session.scalar(select(News).where(News.title == item["title"]))
        if existing is None:
            session.add(News(**values))
        else:
            for key, value in values.items():
                setattr(existing, key, value)


def _picture(seed):
    """A generated photo (no binary files in the repository): a sky, a horizon and a building's outline."""
    import io

    from PIL import Image, ImageDraw

    hue = (seed * 47) % 255
    image = Image.new("RGB", (1200, 800), (200, 220, 240))
    draw = ImageDraw.Draw(image)
    for y in range(0, 500, 4):
        draw.rectangle([0, y, 1200, y + 4], fill=(120 + y // 8, 170 + y // 12, 230 - (hue % 40)))
    draw.rectangle([0, 500, 1200, 800], fill=(90 + hue % 60, 140, 90))
    left = 150 + (seed * 91) % 500
    draw.rectangle([left, 260, left + 420, 520], fill=(235, 230, 220), outline=(120, 110, 100), width=6)
    for i in range(6):
        x = left + 30 + i * 65
        draw.rectangle([x, 300, x + 40, 360], fill=(110, 150, 190))
        draw.rectangle([x, 400, x + 40, 460], fill=(110, 150, 190))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _banner(seed):
    """A generated poster image: a wide band of colour with a few shapes."""
    import io

    from PIL import Image, ImageDraw

    colours = [(0, 122, 204), (7, 193, 96), (250, 157, 59)]
    image = Image.new("RGB", (1200, 500), colours[seed % 3])
    draw = ImageDraw.Draw(image)
    for i in range(5):
        r = 60 + 30 * i
        draw.ellipse([900 - r, 250 - r, 900 + r, 250 + r], outline=(255, 255, 255), width=4)
    draw.rectangle([80, 180, 620, 320], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _posters(session):
    """Three showing now (a service, a notice, an outside link), one ended, one not yet started."""
    if session.scalar(select(Poster.id).limit(1)) is not None:
        return
    now = datetime.now(LOCAL_TZ)
    card = session.scalar(select(ServiceType.id).where(ServiceType.name == "社保卡申领"))
    notice = session.scalar(select(News.id).where(News.pinned).order_by(News.id).limit(1))
    day = timedelta(days=1)
    for i, (title, kind, target, start, end) in enumerate(
        [
            ("第三代社保卡申领指南", "service", str(card), now - day, now + 30 * day),
            ("社会保险缴费基数调整", "news", str(notice), now - day, None),
            ("中国政府网", "url", "https://www.gov.cn/", now - day, None),
            ("国庆假期办事提示（已结束）", "none", "", now - 60 * day, now - 30 * day),
            ("元旦假期办事提示（未开始）", "none", "", now + 20 * day, None),
        ]
    ):
        stored = media.store_image(session, _banner(i))
        session.add(
            Poster(
                title=title,
                media_sha256=stored["sha256"],
                link_kind=kind,
                link_target=target,
                active_from=start,
                active_until=end,
                sort_order=i,
                updated_at=now,
            )
        )


def _albums(session):
    """Albums with generated photos, stored through media.py like an upload; an existing album is left alone."""
    for order, item in enumerate(demo_data.ALBUMS):
        if session.scalar(select(Album.id).where(Album.title == item["title"])) is not None:
            continue
        album = Album(
            title=item["title"], description=item["description"], sort_order=order, created_at=datetime.now(LOCAL_TZ)
        )
        session.add(album)
        session.flush()
        for i, photo in enumerate(item["photos"]):
            stored = media.store_image(session, _picture(order * 10 + i))
            session.add(
                Photo(
                    album_id=album.id,
                    media_sha256=stored["sha256"],
                    thumb_sha256=stored["thumb"],
                    caption=photo["caption"],
                    width=stored["width"],
                    height=stored["height"],
                    sort_order=i,
                )
            )


def load(session):
    for order, dep in enumerate(demo_data.DEPARTMENTS):
        values = {k: dep[k] for k in ("id", "name", "remit", "description", "phone", "address", "hours")}
        values.update(latitude=dep.get("latitude"), longitude=dep.get("longitude"), sort_order=order)
        stmt = insert(Department).values(**values)
        session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={k: stmt.excluded[k] for k in values}))
        session.execute(delete(Leader).where(Leader.department_id == dep["id"]))
        for i, leader in enumerate(dep.get("leaders", [])):
            session.add(Leader(department_id=dep["id"], sort_order=i, **leader))
    windows = [(w, w["services"]) for w in demo_data.WINDOWS] + [(None, demo_data.UNGROUPED_SERVICES)]
    for order, (win, services) in enumerate(windows):
        window_id = None
        if win is not None:
            stmt = insert(Window).values(name=win["name"], description=win["description"], sort_order=order)
            stmt = stmt.on_conflict_do_update(
                index_elements=["name"], set_={"description": stmt.excluded.description, "sort_order": order}
            ).returning(Window.id)
            window_id = session.execute(stmt).scalar_one()
        for i, svc in enumerate(services):
            values = {k: svc[k] for k in SERVICE_FIELDS}
            values.update(
                name=svc["name"],
                window_id=window_id,
                department_id=svc["department_id"],
                materials=list(svc["materials"]),
                keywords=list(svc.get("keywords", [])),
                # checked as staff input will be: a malformed demo form field fails here, not on a citizen's page
                faq=[Faq.model_validate(x).model_dump() for x in svc.get("faq", [])],
                form_fields=[FormField.model_validate(x).model_dump() for x in svc.get("form_fields", [])],
                sort_order=i,
            )
            stmt = insert(ServiceType).values(**values)
            session.execute(
                stmt.on_conflict_do_update(index_elements=["name"], set_={k: stmt.excluded[k] for k in values})
            )
    _news(session)
    _albums(session)
    session.flush()
    _posters(session)
    search.reindex(session)
    session.commit()
    return {
        "departments": len(demo_data.DEPARTMENTS),
        "windows": len(demo_data.WINDOWS),
        "service types": sum(len(s) for _, s in windows),
        "news items": len(demo_data.NEWS),
        "albums": len(demo_data.ALBUMS),
    }


if __name__ == "__main__":
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    with Session(engine) as session:
        counts = load(session)
    print("content: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
