"""素材管理: images, voice and video kept as WeChat permanent material, for mass sends, keyword replies and article
covers and bodies.

WeChat's limits are checked here, before anything is sent, from the bytes (not the file name): an image of at most
10 MB in BMP/PNG/JPEG/GIF, a voice of at most 2 MB and 60 s in MP3/WMA/WAV/AMR, a video of at most 10 MB in MP4; and
how many of each the account may keep. Our own copy is stored first (media_files, by SHA-256) and the intent
committed before WeChat is called, so a refused or interrupted upload is listed with WeChat's reason and can be
sent again from our copy; WeChat's media_id and address are kept once it has taken the file.
"""

import hashlib
import io
import logging
import struct
from datetime import UTC, datetime, timedelta

import mutagen
from sqlalchemy import func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from wechatpy.exceptions import WeChatClientException

from libs import images
from libs.errors import Conflict, NotFound, UpstreamFailed, ValidationError
from libs.schemas import is_id, validate
from services.messaging import once
from services.messaging.models import MAIN_ACCOUNT, Article, MassSend, Material, MediaFile, ReplyRule
from services.messaging.schemas import (
    INLINE_IMAGE_BYTES,
    MATERIAL_BYTES,
    MATERIAL_COUNT_MAX,
    MATERIAL_FORMATS,
    MATERIAL_KINDS,
    MATERIAL_STATUS,
    VOICE_SECONDS_MAX,
    MaterialIn,
    MaterialView,
)
from services.messaging.wechat import reason

log = logging.getLogger(__name__)
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif")}
IMAGE_FORMATS["BMP"] = ("image/bmp", "bmp")
MUTAGEN_TYPES = {"wav": ("WAVE",), "wma": ("ASF",), "mp3": ("MP3", "EasyMP3")}  # what the bytes said they are
ASF = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")  # the header every WMA file starts with
# AMR-NB frame sizes in bytes (with the TOC byte) by frame type; each frame is 20 ms
AMR_FRAME = (13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1)
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"MSNV", b"mmp4"}
STALE_UPLOAD = timedelta(minutes=2)  # an upload still "uploading" after this was interrupted: it may be sent again


refuse = images.refuse


def _image(data):
    # sent to WeChat as it is (a public material, the operator's own choice); only WeChat's formats are taken
    said = "BMP、PNG、JPEG 或 GIF"  # WeChat's permanent image formats
    image = images.open_image(data, accepted=IMAGE_FORMATS, max_bytes=MATERIAL_BYTES["image"], formats_said=said)
    content_type, ext = IMAGE_FORMATS[image.format]
    return content_type, ext, None


def _amr_seconds(data):
    """AMR-NB: "#!AMR\\n", then frames of 20 ms whose size the first byte's frame type gives."""
    pos, frames = 6, 0
    while pos < len(data):
        size = AMR_FRAME[(data[pos] >> 3) & 0x0F]
        pos += size
        frames += 1
    if pos != len(data) or frames == 0:
        raise refuse("语音文件已损坏")
    return frames * 0.02


def _voice(data):
    if data.startswith(b"#!AMR\n"):
        return "audio/amr", "amr", _amr_seconds(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        kind = ("audio/wav", "wav")
    elif data[:16] == ASF:
        kind = ("audio/x-ms-wma", "wma")
    elif data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        kind = ("audio/mpeg", "mp3")
    else:
        raise refuse(f"语音只能是{MATERIAL_FORMATS['voice']}格式（微信的要求）")
    try:
        parsed = mutagen.File(io.BytesIO(data))
    except (mutagen.MutagenError, struct.error, ValueError, IndexError, EOFError):
        parsed = None
    if parsed is None or not getattr(parsed.info, "length", 0) or type(parsed).__name__ not in MUTAGEN_TYPES[kind[1]]:
        raise refuse("语音文件已损坏，无法读出时长")
    return *kind, float(parsed.info.length)


def _video(data):
    # an MP4 file starts with its size and the "ftyp" box, whose major brand says which kind of ISO media it is
    # (HEIC pictures, M4A sound and QuickTime films share the box, not the brand)
    if len(data) < 12 or data[4:8] != b"ftyp" or data[8:12] not in MP4_BRANDS:
        raise refuse(f"视频只能是{MATERIAL_FORMATS['video']}格式（微信的要求）")
    return "video/mp4", "mp4", None


CHECKS = {"image": _image, "voice": _voice, "video": _video}


def check_file(kind, data):
    """(content type, extension, seconds or None) of an upload WeChat will take as `kind`; ValidationError with the
    reason (field "file") otherwise."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise refuse("请选择要上传的文件")
    limit = MATERIAL_BYTES[kind]
    if len(data) > limit:
        raise refuse(f"{MATERIAL_KINDS[kind]}不能超过{limit // 1024 // 1024}MB（微信的要求）")
    content_type, ext, seconds = CHECKS[kind](bytes(data))
    if seconds is not None and seconds > VOICE_SECONDS_MAX:
        raise refuse(f"语音不能超过{VOICE_SECONDS_MAX}秒（这一段约{seconds:.0f}秒）")
    return content_type, ext, seconds


def view(row):
    return MaterialView.model_validate(
        {
            **{c: getattr(row, c) for c in MaterialView.model_fields if hasattr(row, c)},
            "kind_label": MATERIAL_KINDS[row.kind],
            "status_label": MATERIAL_STATUS[row.status],
        }
    ).model_dump(mode="json")


def listing(session, kind=None, offset=0, account_id=MAIN_ACCOUNT):
    """The newest 50 of a kind (all kinds with kind None) from `offset`, and how many of each the account keeps."""
    where = [Material.account_id == account_id]
    if kind is not None:
        if kind not in MATERIAL_KINDS:
            raise NotFound("material_kind_not_found", "素材类型不存在")
        where.append(Material.kind == kind)
    offset = min(offset, 10**9) if isinstance(offset, int) and offset > 0 else 0  # past the end: an empty page
    rows = session.scalars(select(Material).where(*where).order_by(Material.id.desc()).offset(offset).limit(50))
    return {"materials": [view(r) for r in rows], "counts": counts(session, account_id), "limits": MATERIAL_COUNT_MAX}


def ready(session, kind, account_id=MAIN_ACCOUNT):
    """Every material of a kind WeChat has, newest first, as a form's choice: [{"id", "title"}] (no page limit: a
    rule, article or send keeps showing the one it chose)."""
    if kind not in MATERIAL_KINDS:
        raise NotFound("material_kind_not_found", "素材类型不存在")
    rows = session.execute(
        select(Material.id, Material.title)
        .where(Material.account_id == account_id, Material.kind == kind, Material.status == "ready")
        .order_by(Material.id.desc())
    )
    return [{"id": i, "title": t} for i, t in rows]


def counts(session, account_id=MAIN_ACCOUNT):
    found = dict(
        session.execute(
            select(Material.kind, func.count()).where(Material.account_id == account_id).group_by(Material.kind)
        )
        .tuples()
        .all()
    )
    return {kind: found.get(kind, 0) for kind in MATERIAL_KINDS}


def material(session, material_id, account_id=MAIN_ACCOUNT, lock=False):
    row = session.get(Material, material_id, with_for_update=lock) if is_id(material_id, 2**31 - 1) else None
    if row is None or row.account_id != account_id:
        raise NotFound("material_not_found", "素材不存在")
    return row


def one(session, material_id, account_id=MAIN_ACCOUNT):
    return view(material(session, material_id, account_id))


def usable(session, material_id, kinds, field, account_id=MAIN_ACCOUNT):
    """The material a send, reply or article names, if it is of one of `kinds` and WeChat has it; else the reason
    at `field`."""
    row = session.get(Material, material_id) if is_id(material_id, 2**31 - 1) else None
    why = None
    if row is None or row.account_id != account_id:
        why = "素材不存在"
    elif row.kind not in kinds:
        why = f"请选择{'或'.join(MATERIAL_KINDS[k] for k in kinds)}素材"
    elif row.status != "ready":
        why = "该素材尚未上传到微信，请先在素材管理中重新上传"
    if why:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {field: why}})
    return row


def upload(uow, client, data, file_bytes, account_id=MAIN_ACCOUNT, request_id=None):
    """A new material (once per `request_id`): checked, kept, then given to WeChat. Returns its view; a WeChat
    refusal leaves it listed as failed with the reason (status "failed"), to be sent again."""
    uow.require("wechat.materials")
    session = uow.session
    if earlier := once.made_before(session, Material, account_id, request_id, uow.actor.id, by="created_by"):
        return view(earlier)
    clean = validate(MaterialIn, data)
    content_type, ext, seconds = check_file(clean.kind, file_bytes)
    # uploads of one kind count and insert in turn (the lock lasts until the checkpoint before WeChat is called),
    # so two at once cannot both take the last place
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"messaging.materials:{account_id}:{clean.kind}"}
    )
    if counts(session, account_id)[clean.kind] >= MATERIAL_COUNT_MAX[clean.kind]:
        limit = MATERIAL_COUNT_MAX[clean.kind]
        raise Conflict(
            "material_limit", f"{MATERIAL_KINDS[clean.kind]}素材已达微信上限（{limit}个），请先删除不用的素材"
        )
    now = datetime.now(UTC)
    sha = hashlib.sha256(file_bytes).hexdigest()
    session.execute(
        insert(MediaFile)
        .values(sha256=sha, content_type=content_type, size=len(file_bytes), data=bytes(file_bytes), created_at=now)
        .on_conflict_do_nothing()
    )
    row = Material(
        account_id=account_id,
        request_id=request_id,
        kind=clean.kind,
        title=clean.title,
        introduction=clean.introduction,
        sha256=sha,
        content_type=content_type,
        size=len(file_bytes),
        seconds=seconds,
        status="uploading",
        created_by=uow.actor.id,
        created_by_name=uow.actor.name or uow.actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    uow.audit("wechat.material_uploaded", "material", row.id, detail={"kind": row.kind, "title": row.title})
    _to_wechat(session, uow.checkpoint, client, row, bytes(file_bytes), ext)
    return view(row)


def retry(uow, client, material_id, account_id=MAIN_ACCOUNT):
    """A failed (or interrupted) upload sent to WeChat again from our copy."""
    uow.require("wechat.materials")
    row = material(uow.session, material_id, account_id, lock=True)
    stale = row.status == "uploading" and row.updated_at < datetime.now(UTC) - STALE_UPLOAD
    if row.status != "failed" and not stale:
        if row.status == "ready":
            return view(row)  # a second click: it is there
        raise Conflict("material_uploading", "该素材正在上传，请稍后刷新查看")
    data = uow.session.get(MediaFile, row.sha256).data
    _, ext, _ = check_file(row.kind, data)
    row.status, row.updated_at = "uploading", datetime.now(UTC)
    uow.audit("wechat.material_retried", "material", row.id)
    _to_wechat(uow.session, uow.checkpoint, client, row, data, ext)
    return view(row)


def _to_wechat(session, checkpoint, client, row, data, ext):
    checkpoint()  # our copy and the intent are on record before WeChat is called
    try:
        # WeChat tells the type by the file name's extension
        made = client.material.add(
            row.kind,
            (f"{row.kind}{row.id}.{ext}", data, row.content_type),
            title=row.title if row.kind == "video" else None,
            introduction=row.introduction if row.kind == "video" else None,
        )
        row.media_id, row.url = str(made.get("media_id") or "")[:128], str(made.get("url") or "")[:512]
        if not row.media_id:
            raise ValueError("WeChat answered without a media_id")
        row.status, row.error = "ready", ""
    except (WeChatClientException, OSError, ValueError) as exc:
        row.status = "failed"
        row.error = reason(exc) if not isinstance(exc, ValueError) else str(exc)
        log.warning("material %s not taken by WeChat: %s", row.id, row.error)
    row.updated_at = datetime.now(UTC)


def _uses(session, row):
    """What still needs this material: reply rules, articles (cover or body), mass sends (a sent one keeps it as the
    record of what went out)."""

    def named(what, titles):  # the page says which, so the operator can find them
        titles = list(titles)
        return f"{what}《{'》《'.join(titles[:3])}》{'等' if len(titles) > 3 else ''}" if titles else None

    rules = session.scalars(select(ReplyRule.name).where(ReplyRule.material_id == row.id).limit(4))
    articles = session.scalars(
        select(Article.title)
        .where(
            Article.account_id == row.account_id,
            or_(Article.cover_id == row.id, Article.body.contains(f'src="material:{row.id}"')),
        )
        .limit(4)
    )
    sends = session.scalars(select(MassSend.title).where(MassSend.material_id == row.id).limit(4))
    return [u for u in (named("关键词回复", rules), named("图文", articles), named("群发", sends)) if u]


def delete(uow, client, material_id, account_id=MAIN_ACCOUNT):
    """Deleted here and at WeChat, unless something still uses it (then nothing is deleted, and the page says what)."""
    uow.require("wechat.materials")
    row = material(uow.session, material_id, account_id, lock=True)
    uses = _uses(uow.session, row)
    if uses:
        raise Conflict(
            "material_in_use", f"该素材已被{'、'.join(uses)}使用，不能删除（请先修改它们；群发过的素材保留作为记录）"
        )
    if row.status == "uploading" and row.updated_at >= datetime.now(UTC) - STALE_UPLOAD:
        raise Conflict("material_uploading", "该素材正在上传，请稍后再删除")
    uow.audit("wechat.material_deleted", "material", row.id, detail={"kind": row.kind, "title": row.title})
    uow.session.delete(row)
    uow.session.flush()  # anything that still refers to it is found before WeChat deletes its copy
    if row.media_id:
        try:
            client.material.delete(row.media_id)
        except WeChatClientException as exc:
            if getattr(exc, "errcode", None) != 40007:  # 40007: WeChat no longer has it, which is what was asked
                raise UpstreamFailed("wechat_refused", f"微信未能删除该素材：{reason(exc)}") from None
        except OSError as exc:
            raise UpstreamFailed("wechat_refused", f"微信未能删除该素材：{reason(exc)}") from None
    return {"deleted": material_id}


def file(session, material_id, account_id=MAIN_ACCOUNT):
    """Our copy of a material's bytes (staff see what they uploaded)."""
    row = material(session, material_id, account_id)
    return session.get(MediaFile, row.sha256)


def inline_problem(row):
    """Why this image cannot stand in an article body (WeChat: JPG or PNG under 1 MB), or None."""
    if row.content_type not in ("image/jpeg", "image/png") or row.size >= INLINE_IMAGE_BYTES:
        return f"正文中的图片“{row.title}”须为1MB以下的JPG或PNG（微信的要求），请换一张"
    return None


def inline_url(session, client, row):
    """The address an article body may show this image at (media/uploadimg, once per image): WeChat filters any
    other. JPG or PNG under 1 MB only, WeChat's rule for it."""
    if row.inline_url:
        return row.inline_url
    problem = inline_problem(row)
    if problem:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"body": problem}})
    data = session.get(MediaFile, row.sha256).data
    ext = "png" if row.content_type == "image/png" else "jpg"
    try:
        url = client.media.upload_image((f"inline{row.id}.{ext}", data, row.content_type))
    except (WeChatClientException, OSError) as exc:
        raise UpstreamFailed("wechat_refused", f"正文图片上传到微信失败：{reason(exc)}") from None
    row.inline_url = str(url)[:512]
    return row.inline_url
