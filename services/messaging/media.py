"""What citizens send as image, voice or video: WeChat keeps it 3 days, so a timer downloads it (media/get) into
our own storage, content-addressed; the inbox shows it from there. The callback only records that there is
something to fetch (`inbound_media`), so a message costs no download on its way in."""

import hashlib
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from wechatpy.exceptions import WeChatClientException

from libs.errors import NotFound
from services.messaging.models import MAIN_ACCOUNT, InboundMedia, MediaFile
from services.messaging.wechat import reason

log = logging.getLogger(__name__)
KINDS = ("image", "voice", "video", "shortvideo")
MAX_BYTES = 10 * 1024 * 1024  # WeChat's own largest (a video); anything bigger is not what it sent
# what WeChat delivers (photos; voice as AMR or Speex, sometimes MP3; video as MP4): nothing a browser would run
# (an SVG is an image that runs scripts)
ALLOWED = frozenset(
    ("image/jpeg", "image/png", "image/gif", "audio/amr", "audio/speex", "audio/mpeg", "audio/mp3", "video/mp4")
)
EXPIRES = timedelta(days=3)
RETRY_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 6
SHA256 = frozenset("0123456789abcdef")


def note(session, inbound_key, openid, fields, account_id=MAIN_ACCOUNT):
    """Called as a media message is stored: remember to fetch it."""
    kind, media_id = fields.get("MsgType", ""), str(fields.get("MediaId") or "")
    if kind not in KINDS or not 0 < len(media_id) <= 128:
        return
    now = datetime.now(UTC)
    session.execute(
        insert(InboundMedia)
        .values(
            account_id=account_id,
            inbound_key=inbound_key,
            openid=openid,
            media_id=media_id,
            kind=kind,
            status="pending",
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )


def download_step(session, client):
    """Fetch one waiting media file; True when one was tried."""
    now = datetime.now(UTC)
    item = session.scalar(
        select(InboundMedia)
        .where(
            InboundMedia.status == "pending",
            (InboundMedia.attempts == 0) | (InboundMedia.updated_at < now - RETRY_AFTER),
            InboundMedia.account_id.in_(list(client.provider.accounts.by_id)),  # an account still served
        )
        .order_by(InboundMedia.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if item is None:
        return False
    item.attempts += 1
    item.updated_at = now
    client = client.of(item.account_id)  # WeChat gives a media file to the account it was sent to
    try:
        resp = client.media.download(item.media_id)
        if isinstance(resp, dict):  # a video: WeChat answers with where to fetch it
            url = str(resp.get("video_url") or resp.get("down_url") or "")
            if not url.startswith("https://"):
                raise ValueError("WeChat gave no address for the video")
            resp = client._http.get(url, timeout=30)
            resp.raise_for_status()
        data, kind = resp.content, resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if len(data) > MAX_BYTES or kind not in ALLOWED:
            raise ValueError(f"not a media file WeChat would send ({kind or 'no type'}, {len(data)} bytes)")
        sha = hashlib.sha256(data).hexdigest()
        session.execute(
            insert(MediaFile)
            .values(sha256=sha, content_type=kind[:64], size=len(data), data=data, created_at=now)
            .on_conflict_do_nothing()
        )
        item.status, item.sha256, item.error = "stored", sha, ""
    except (WeChatClientException, OSError, ValueError) as exc:
        item.error = reason(exc) if isinstance(exc, (WeChatClientException, OSError)) else str(exc)[:200]
        # WeChat forgets it after 3 days: past that, or after enough tries, it stays lost (and says why)
        if item.attempts >= MAX_ATTEMPTS or now - item.created_at >= EXPIRES or isinstance(exc, ValueError):
            item.status = "failed"
        log.warning("media %s of %s not downloaded: %s", item.media_id, item.inbound_key, item.error)
    session.commit()
    return True


def of_messages(session, keys):
    """inbound key → {"kind", "status", "sha256", "error"} for a thread's media messages."""
    if not keys:
        return {}
    rows = session.scalars(select(InboundMedia).where(InboundMedia.inbound_key.in_(keys)))
    return {r.inbound_key: {"kind": r.kind, "status": r.status, "sha256": r.sha256, "error": r.error} for r in rows}


def file(session, sha256, account_id=MAIN_ACCOUNT):
    """What a citizen of this account sent (media_files also holds other accounts' and the materials' bytes)."""
    row = (
        session.get(MediaFile, sha256)
        if isinstance(sha256, str) and len(sha256) == 64 and set(sha256) <= SHA256
        else None
    )
    sent_here = row is not None and session.scalar(
        select(InboundMedia.id).where(InboundMedia.sha256 == sha256, InboundMedia.account_id == account_id).limit(1)
    )
    if not sent_here:
        raise NotFound("media_not_found", "文件不存在")
    return row
