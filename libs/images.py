"""Images citizens and staff upload: checked by what they are, not by their name, and cleaned before storing.

- Pillow identifies the format from the bytes (a PNG renamed .jpg is a PNG; a text file named .jpg is refused).
- Size, pixel dimensions and decompression bombs are refused before the image is decoded in full.
- The kept image is re-encoded (metadata such as a phone's GPS position is not kept), with a thumbnail.
Storing is each service's own (content's media, cases' case files), addressed by the SHA-256 of the bytes.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from libs.errors import ValidationError

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 8000
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is the largest a phone takes; a bomb claims far more
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
ACCEPTED = {*FORMATS, "MPO"}  # MPO: the multi-picture JPEG many phones write; its first picture is kept
STORED_SIDE = 4096  # what citizens' phones need; also bounds what a re-encoded upload can weigh
THUMB_SIDE = 480
SHA = set("0123456789abcdef")


def refuse(message):
    return ValidationError("invalid_fields", "请检查上传的文件", {"fields": {"file": message}})


def open_image(data, accepted=ACCEPTED, max_bytes=MAX_BYTES, formats_said="JPEG、PNG、WebP 或 GIF"):
    """The image the bytes are, decoded after its size, format and dimensions passed; ValidationError otherwise.
    `accepted`: Pillow format names (WeChat's materials take their own set)."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise refuse("请选择要上传的图片")
    if len(data) > max_bytes:
        raise refuse(f"图片不能超过{max_bytes // 1024 // 1024}MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # refuse, do not just warn
            image = Image.open(io.BytesIO(data))
            if image.format not in accepted:
                raise refuse(f"只能上传 {formats_said} 图片")
            width, height = image.size  # read from the header: nothing is decoded yet
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise refuse(f"图片尺寸过大（最大{MAX_SIDE}×{MAX_SIDE}像素）")
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse("无法识别为图片，或图片尺寸异常") from None
    except (OSError, SyntaxError, ValueError):
        raise refuse("图片文件已损坏") from None
    return image


def encode(image, fmt):
    image.info = {}  # no comment, no ICC, no EXIF: nothing about the uploader's phone or person survives
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, fmt)
    return out.getvalue()


@dataclass(frozen=True)
class Prepared:
    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()


def prepare(data):
    """(image, thumbnail) as Prepared, checked and cleaned; ValidationError (field "file") with the reason."""
    image = open_image(data)
    fmt = "PNG" if image.format in ("PNG", "GIF") else "JPEG"  # GIF and WebP are re-encoded as PNG/JPEG
    image = ImageOps.exif_transpose(image)  # the photo the right way up, then no EXIF is kept
    image.thumbnail((STORED_SIDE, STORED_SIDE))
    original = encode(image, fmt)
    if len(original) > MAX_BYTES:
        raise refuse(f"图片压缩后仍超过{MAX_BYTES // 1024 // 1024}MB，请换一张")
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return (
        Prepared(original, FORMATS[fmt], *image.size),
        Prepared(encode(thumb, "JPEG"), "image/jpeg", *thumb.size),
    )


def is_sha256(value):
    return isinstance(value, str) and len(value) == 64 and set(value) <= SHA


PDF = "application/pdf"


def prepare_document(data):
    """A PDF a citizen attaches (a contract, a receipt): recognised by its header and trailer, kept as sent (it is
    only ever offered as a download, never shown inline). ValidationError (field "file") otherwise."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise refuse("请选择要上传的文件")
    if len(data) > MAX_BYTES:
        raise refuse(f"文件不能超过{MAX_BYTES // 1024 // 1024}MB")
    if not bytes(data[:8]).startswith(b"%PDF-1.") or b"%%EOF" not in bytes(data[-2048:]):
        raise refuse("文件已损坏，或不是 PDF 文件")
    return Prepared(bytes(data), PDF, 0, 0)


def prepare_attachment(data):
    """A photo (checked and cleaned, with its thumbnail) or a PDF (no thumbnail): (kept, thumbnail or None)."""
    if isinstance(data, bytes | bytearray) and bytes(data[:5]) == b"%PDF-":
        return prepare_document(data), None
    return prepare(data)


class StoredFile:
    """The columns of a table of files addressed by the SHA-256 of their bytes (content's media, cases' case files):
    `class Media(StoredFile, Base)`. Each service keeps its own table; only the shape is shared."""

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def store(session, model, prepared):
    """Keep `prepared` in the service's `model` table (once: the same bytes are the same row); returns its SHA-256."""
    values = {
        "sha256": prepared.sha256,
        "content_type": prepared.content_type,
        "data": prepared.data,
        "width": prepared.width,
        "height": prepared.height,
        "size": len(prepared.data),
        "created_at": datetime.now(UTC),
    }
    session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return prepared.sha256
