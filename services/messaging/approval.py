"""审核: what a second staff member approves before the account speaks — mass sends and articles. Its author never
approves it (editing or submitting it makes you its author), and a rejection says why."""

from datetime import UTC, datetime

from libs.errors import Conflict, Forbidden, ValidationError


def decidable(uow, row, what, statuses, codes):
    """`row` (a send or an article) may be approved or rejected by the actor: it waits, and they did not write it.
    `codes`: the error codes (not pending, own) the API documents for it."""
    if row.status != "pending":
        raise Conflict(codes[0], f"该{what}{statuses[row.status]}，不在待审核状态")
    if row.author_id == uow.actor.id:
        raise Forbidden(codes[1], f"不能审核自己提交的{what}，请由另一位工作人员审核")


def submitted(uow, row):
    """Who asks for approval answers for it: they become its author, so someone else must approve."""
    row.author_id, row.author_name = uow.actor.id, uow.actor.name or uow.actor.id


def decided(uow, row, now=None):
    row.approver_id, row.approver_name, row.decided_at = uow.actor.id, uow.actor.name, now or datetime.now(UTC)


def reject(uow, row, why):
    """Back to its author with the reason (required, ≤ 200 characters)."""
    why = str(why or "").strip()[:200]
    if not why:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"reason": "请写明驳回原因"}})
    row.status, row.reject_reason = "rejected", why
    decided(uow, row)
    return why
