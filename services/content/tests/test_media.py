"""Uploads are checked by what they are: type from the bytes, size, dimensions, decompression bombs; metadata gone."""

import io
import uuid

import pytest
from PIL import Image

from libs import images
from libs.auth import Actor
from libs.errors import Forbidden, NotFound, ValidationError
from services.content import media
from services.content.models import Media
from services.content.service import ContentService

ADMIN = Actor(kind="staff", id="a1", name="管理员", roles=("admin",))


def picture(fmt="PNG", size=(64, 48), exif=False):
    out = io.BytesIO()
    image = Image.new("RGB", size, (10, 120, 200))
    if exif:
        data = image.getexif()
        data[0x8825] = {2: (30.0, 16.0, 12.0)}  # a GPS position, as phones write it
        data[0x010F] = "TestPhone"
        image.save(out, fmt, exif=data)
    else:
        image.save(out, fmt)
    return out.getvalue()


def noisy():
    out = io.BytesIO()
    Image.frombytes("RGB", (256, 256), bytes((i * 7919) % 251 for i in range(256 * 256 * 3))).save(out, "PNG")
    return out.getvalue()


def bomb():
    """A PNG whose header claims 30000×30000 pixels (900 MP), a few kilobytes on the wire."""
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, "PNG")
    return out.getvalue()


def test_a_good_image_is_stored_once_with_a_thumbnail(db_session):
    data = picture(size=(1600, 1200))
    first = media.store_image(db_session, data)
    again = media.store_image(db_session, data)
    assert first == again and (first["width"], first["height"]) == (1600, 1200)
    thumb = db_session.get(Media, first["thumb"])
    assert max(thumb.width, thumb.height) == images.THUMB_SIDE and thumb.content_type == "image/jpeg"
    db_session.rollback()


def test_a_png_named_jpg_is_a_png_and_metadata_does_not_survive(db_session):
    stored = media.store_image(db_session, picture("JPEG", exif=True))
    kept = db_session.get(Media, stored["sha256"])
    assert kept.content_type == "image/jpeg"
    assert not Image.open(io.BytesIO(kept.data)).getexif()  # no GPS, no camera
    png = media.store_image(db_session, picture("PNG"))  # whatever the upload was called
    assert db_session.get(Media, png["sha256"]).content_type == "image/png"
    db_session.rollback()


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "请选择"),
        (b"just text, named photo.jpg", "无法识别"),
        (b"%PDF-1.4 not an image", "无法识别"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "无法识别"),  # a PNG signature and nothing behind it
        (noisy()[: len(noisy()) // 2], "损坏"),  # truncated halfway
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "无法识别"),
        (picture("BMP"), "只能上传"),
        (picture("PNG", size=(9000, 10)), "尺寸过大"),
        (bomb(), "尺寸"),
        (b"\xff" * (images.MAX_BYTES + 1), "不能超过"),
    ],
    ids=["empty", "text", "pdf", "fake-png", "truncated", "svg", "bmp", "too-wide", "bomb", "too-big"],
)
def test_what_is_not_a_usable_image_is_refused_with_the_reason(db_session, data, reason):
    with pytest.raises(ValidationError) as err:
        media.store_image(db_session, data)
    assert reason in err.value.details["fields"]["file"]


def test_albums_get_photos_from_their_editors_only(worker, db_session):
    admin = worker(ContentService, ADMIN)
    album = admin.create_album({"title": f"测试相册{uuid.uuid4().hex[:6]}", "description": "说明"})
    import base64

    photo = base64.b64encode(picture()).decode()
    updated = admin.add_photo(album["id"], {"caption": "现场照片"}, photo)
    assert [p["caption"] for p in updated["photos"]] == ["现场照片"]
    assert admin.get_media(updated["photos"][0]["thumb"])["content_type"] == "image/jpeg"
    editor = worker(ContentService, Actor(kind="staff", id="e", name="编辑", roles=("editor",), department_id=1))
    with pytest.raises(Forbidden):  # a citywide album is not a department editor's
        editor.add_photo(album["id"], {}, photo)
    with pytest.raises(ValidationError):
        admin.add_photo(album["id"], {}, "not base64!!")
    for bad in ("0" * 64, "../etc/passwd", 42, "A" * 64):
        with pytest.raises(NotFound):
            admin.get_media(bad)


def test_comments_do_not_survive_and_huge_photos_are_stored_at_a_phones_size(db_session):
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, "JPEG", comment=b"Owner: Zhang San 13800000000")
    kept = db_session.get(Media, media.store_image(db_session, out.getvalue())["sha256"])
    assert b"Zhang San" not in kept.data and b"13800000000" not in kept.data
    big = io.BytesIO()
    Image.new("RGB", (6000, 3000), (9, 9, 9)).save(big, "PNG")
    stored = media.store_image(db_session, big.getvalue())
    assert (stored["width"], stored["height"]) == (4096, 2048)
    db_session.rollback()
