"""/h5 for 微投票: the list of votes, one vote with its options (a radio or checkboxes, one form, no script
needed), the citizen's ballot, and the results when the organiser lets them show."""

from flask import Blueprint, redirect, render_template, request, url_for
from nameko.exceptions import RpcTimeout, UnknownService

from libs.errors import Conflict, DeadlineExceeded, NotFound, ValidationError
from libs.logs import request_id_var
from libs.schemas import MAX_INT
from services.gateway.core.auth import citizen_csrf_token, citizen_page, city_account
from services.gateway.surveys import client

bp = Blueprint("votes_h5", __name__, url_prefix="/h5/votes")
MAX_CHOSEN = 30


def _page(vote, error=None, notice=None, status=200):
    return render_template("h5/vote.html", vote=vote, error=error, notice=notice, csrf=citizen_csrf_token()), status


def _not_found(exc):
    back = url_for("votes_h5.votes")
    return render_template("h5/not_found.html", title="未找到投票", message=exc.message, back=back), 404


@bp.get("")
@city_account
@citizen_page
def votes():
    return render_template("h5/votes.html", votes=client.public_votes())


@bp.get("/<id:vote_id>")
@city_account
@citizen_page
def vote(vote_id):
    try:
        shown = client.public_vote(vote_id)
    except NotFound as exc:
        return _not_found(exc)
    thanked = request.args.get("voted") == "1" and shown["voted"]
    return _page(shown, notice="投票成功，感谢您的参与！" if thanked else None)


@bp.post("/<id:vote_id>")
@city_account
@citizen_page
def cast(vote_id):
    chosen = request.form.getlist("option_id")[: MAX_CHOSEN + 1]
    ids = [int(c) for c in chosen if c.isascii() and c.isdigit() and len(c) <= 10 and int(c) <= MAX_INT]
    if not ids or len(ids) != len(chosen):
        error = "请选择投票选项" if not chosen else "选项不存在，请刷新页面后重试"
        try:
            return _page(client.public_vote(vote_id), error=error, status=400)
        except NotFound as exc:
            return _not_found(exc)
    try:
        client.cast(vote_id, {"option_ids": ids})
    except NotFound as exc:
        return _not_found(exc)
    except (ValidationError, Conflict) as exc:
        # a second tap, a second try today, a closed vote, too many choices: the page as it is now, with why
        reason = (exc.details.get("fields") or {}).get("option_ids") or exc.message
        return _page(client.public_vote(vote_id), error=reason, status=exc.http_status)
    except (RpcTimeout, UnknownService, DeadlineExceeded):
        # the ballot may have been taken all the same: the citizen looks again rather than voting blind
        message = f"系统繁忙，投票可能未成功，请稍后刷新页面查看。错误编号：{request_id_var.get()}"
        back = url_for("votes_h5.vote", vote_id=vote_id)
        return render_template("h5/not_found.html", title="系统繁忙", message=message, back=back), 503
    return redirect(url_for("votes_h5.vote", vote_id=vote_id, voted=1), code=303)
