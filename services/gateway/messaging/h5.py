"""/h5/messages, 我的留言: what the citizen wrote to the account and what staff answered. A staff answer sent after
WeChat's 48 h window arrives as a template message that points here, so the whole answer is always readable."""

from flask import Blueprint, render_template

from services.gateway.core.auth import citizen_page
from services.gateway.messaging import client

bp = Blueprint("messaging_h5", __name__, url_prefix="/h5")


@bp.get("/messages")
@citizen_page
def my_messages():
    return render_template("h5/my_messages.html", messages=client.my_messages())
