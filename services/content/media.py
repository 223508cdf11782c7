"""Images staff upload (album photos, posters), checked and cleaned by libs/images.py, stored in PostgreSQL so that
every replica of content (and so every gateway) serves the same bytes, addressed by their SHA-256: a URL never
changes meaning, so it can be cached for ever.
"""

from libs import images
from libs.errors import NotFound
from services.content.models import Media


def store_image(session, data):
    """Check, clean and store an image and its thumbnail; returns {"sha256", "thumb", "width", "height"}."""
    image, thumb = images.prepare(data)
    return {
        "sha256": images.store(session, Media, image),
        "thumb": images.store(session, Media, thumb),
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
