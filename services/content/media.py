"""Images staff upload (album photos, posters): checked by what they are, not by their name, and stored in
PostgreSQL so that every replica of content (and so every gateway) serves the same bytes.

- Pillow identifies the format from the bytes (a PNG renamed .jpg is a PNG; a text file named .jpg is refused).
- Size, pixel dimensions and decompression bombs are refused before the image is decoded in full.
- The stored original is re-encoded (metadata such as a phone's GPS position is not kept), with a thumbnail.
- Files are addressed by the SHA-256 of their bytes: a URL never changes meaning, so it can be cached for ever.
"""

import hashlib
import io
import warnings
from datetime import UTC, datetime

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.dialects.postgresql import insert

from libs.errors import NotFound, ValidationError
from services.content.models import Media

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 8000
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is the largest a phone takes; a bomb claims far more
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
ACCEPTED = {*FORMATS, "MPO"}  # MPO: the multi-picture JPEG many phones write; its first picture is kept
STORED_SIDE = 4096  # what citizens' phones need; also bounds what a re-encoded upload can weigh
THUMB_SIDE = 480
SHA = set("0123456789abcdef")


def _refuse(message):
    return ValidationError("invalid_fields", "请检查上传的文件", {"fields": {"file": message}})


def _open(data):
    if not isinstance(data, bytes | bytearray) or not data:
        raise _refuse("请选择要上传的图片")
    if len(data) > MAX_BYTES:
        raise _refuse(f"图片不能超过{MAX_BYTES // 1024 // 1024}MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # refuse, do not just warn
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED:
                raise _refuse("只能上传 JPEG、PNG、WebP 或 GIF 图片")
            width, height = image.size  # read from the header: nothing is decoded yet
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise _refuse(f"图片尺寸过大（最大{MAX_SIDE}×{MAX_SIDE}像素）")
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("无法识别为图片，或图片尺寸异常") from None
    except (OSError, SyntaxError, ValueError):
        raise _refuse("图片文件已损坏") from None
    return image


def _encode(image, fmt):
    image.info = {}  # no comment, no ICC, no EXIF: nothing about the uploader's phone or person survives
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, fmt)
    return out.getvalue()


def _store(session, data, content_type, width, height):
    sha = hashlib.sha256(data).hexdigest()
    session.execute(
        insert(Media)
        .values(
            sha256=sha,
            content_type=content_type,
            data=data,
            width=width,
            height=height,
            size=len(data),
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )
    return sha


def store_image(session, data):
    """Check, clean and store an image and its thumbnail; returns {"sha256", "thumb", "width", "height"}."""
    image = _open(data)
    fmt = "PNG" if image.format in ("PNG", "GIF") else "JPEG"  # GIF and WebP are re-encoded as PNG/JPEG
    image = ImageOps.exif_transpose(image)  # the photo the right way up, then no EXIF is kept
    image.thumbnail((STORED_SIDE, STORED_SIDE))
    original = _encode(image, fmt)
    if len(original) > MAX_BYTES:
        raise _refuse(f"图片压缩后仍超过{MAX_BYTES // 1024 // 1024}MB，请换一张")
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    thumb_bytes = _encode(thumb, "JPEG")
    return {
        "sha256": _store(session, original, FORMATS[fmt], *image.size),
        "thumb": _store(session, thumb_bytes, "image/jpeg", *thumb.size),
        "width": image.size[0],
        "height": image.size[1],
    }


def get(session, sha256):
    if not isinstance(sha256, str) or len(sha256) != 64 or not set(sha256) <= SHA:
        raise NotFound("media_not_found", "文件不存在")
    media = session.get(Media, sha256)
    if media is None:
        raise NotFound("media_not_found", "文件不存在")
    return media
