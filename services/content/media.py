"""Images staff upload (album photos, posters), checked and cleaned by libs/images.py, stored in PostgreSQL so that
every replica of content (and so every gateway) serves the same bytes, addressed by their SHA-256: a URL never
changes meaning, so it can be cached for ever.
"""

from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert

from libs import images
from libs.errors import NotFound
from services.content.models import Media


def _store(session, prepared):
    session.execute(
        insert(Media)
        .values(
            sha256=prepared.sha256,
            content_type=prepared.content_type,
            data=prepared.data,
            width=prepared.width,
            height=prepared.height,
            size=len(prepared.data),
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )
    return prepared.sha256


def store_image(session, data):
    """Check, clean and store an image and its thumbnail; returns {"sha256", "thumb", "width", "height"}."""
    image, thumb = images.prepare(data)
    return {
        "sha256": _store(session, image),
        "thumb": _store(session, thumb),
        "width": image.width,
        "height": image.height,
    }


def get(session, sha256):
    if not images.is_sha256(sha256):
        raise NotFound("media_not_found", "文件不存在")
    media = session.get(Media, sha256)
    if media is None:
        raise NotFound("media_not_found", "文件不存在")
    return media
