"""/h5 for the account itself: 我的留言 (what the citizen wrote and what staff answered; a staff answer sent after
WeChat's 48 h window arrives as a template message that points here) and 个人资料 (gender and district, which WeChat
no longer gives, stated by the citizen and used only to address notices to them)."""

from flask import Blueprint, redirect, render_template, request, url_for

from libs.errors import Conflict, ValidationError
from services.gateway.core.auth import citizen_csrf_token, citizen_page
from services.gateway.messaging import client

bp = Blueprint("messaging_h5", __name__, url_prefix="/h5")


@bp.get("/messages")
@citizen_page
def my_messages():
    return render_template("h5/my_messages.html", messages=client.my_messages())


@bp.get("/profile")
@citizen_page
def profile():
    return render_template(
        "h5/profile.html",
        p=client.my_profile(),
        saved=request.args.get("saved") == "1",
        errors={},
        csrf=citizen_csrf_token(),
    )


@bp.post("/profile")
@citizen_page
def profile_save():
    data = {
        "gender": request.form.get("gender", ""),
        "region": request.form.get("region", ""),
        "location_consent": request.form.get("location_consent") == "1",
    }
    try:
        client.save_my_profile(data)
    except (ValidationError, Conflict) as exc:
        shown = client.my_profile() | data
        errors = exc.details.get("fields") or {"_": exc.message}
        page = render_template("h5/profile.html", p=shown, saved=False, errors=errors, csrf=citizen_csrf_token())
        return page, 409 if isinstance(exc, Conflict) else 400
    return redirect(url_for("messaging_h5.profile", saved=1), code=303)
