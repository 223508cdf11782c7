"""Publishing a vote or a survey may announce it: a text mass-send draft in messaging, written as the publisher, that
links to the citizens' page. It goes through 群发消息 like any other: the publisher previews and submits it, and
another operator approves it (the 4-a-month limit and the blacklist apply), so nothing is sent from here."""

from flask import current_app
from nameko.exceptions import RpcTimeout, UnknownService

from libs.errors import Conflict, DeadlineExceeded, Forbidden, ValidationError
from services.gateway.surveys import client

SUMMARY = 80  # characters of the description in the message


def draft(kind, title, description, path):
    """The draft's sentence for the confirmation: created (with where to find it), or why not."""
    base = current_app.config["WZW"]["GATEWAY"]["PUBLIC_URL"].rstrip("/")
    summary = description[:SUMMARY] + ("…" if len(description) > SUMMARY else "")
    lines = [f"【{kind}】{title}", *([summary] if summary else []), f'<a href="{base}{path}">点击参与</a>']
    try:
        made = client.draft_announcement(f"{kind}：{title}", "\n".join(lines))
    except Forbidden:
        return "未创建群发草稿：您的账号没有编写群发的权限。"
    except (ValidationError, Conflict) as exc:
        return "未创建群发草稿：" + ("；".join((exc.details.get("fields") or {}).values()) or exc.message)
    except (RpcTimeout, UnknownService, DeadlineExceeded):
        return "未能创建群发草稿（系统繁忙），请到“群发消息”中手动编写。"
    return f"已创建群发草稿《{made['title']}》，请到“公众号 → 群发消息”预览并提交审核。"
