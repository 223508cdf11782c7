"""Creating something once per request: a double submit of a form, or an API call retried after a lost answer,
returns what the first one made instead of making a second draft, material or send."""

from sqlalchemy import select, text

from libs.errors import Conflict
from libs.schemas import check_request_id


def made_before(session, model, account_id, request_id, actor_id, by="author_id"):
    """The row this request already created, or None (then nobody else creates with this key until this
    transaction ends). `request_id` None: the caller did not ask for this, and nothing is held."""
    if request_id is None:
        return None
    check_request_id(request_id)
    key = f"messaging.{model.__tablename__}:{account_id}:{request_id}"
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
    row = session.scalar(select(model).where(model.account_id == account_id, model.request_id == request_id))
    if row is not None and getattr(row, by) != actor_id:
        raise Conflict("request_id_reused", "该请求编号已被他人使用，请刷新页面后重试")
    return row
