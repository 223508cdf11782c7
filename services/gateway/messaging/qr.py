"""A QR channel's code drawn for print, PNG or SVG (segno: pure Python, no image service), from what WeChat said it
encodes. Shared by the admin page and the API."""

import io

import segno
from flask import Response

from services.gateway.messaging import client

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def code_response(channel_id, fmt, scale=10):
    channel = client.qr_channel(channel_id)
    qr = segno.make(channel["url"], error="m")
    out = io.BytesIO()
    qr.save(out, kind=fmt, scale=scale, border=4)
    resp = Response(out.getvalue(), mimetype=FORMATS[fmt])
    # a file to print: named after the channel, in ASCII (its scene) so every browser keeps the name
    resp.headers["Content-Disposition"] = f'attachment; filename="qr-{channel["scene"]}.{fmt}"'
    return resp
