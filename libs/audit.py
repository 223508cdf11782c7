"""The audit trail: who did what, to which record, when and why, written in the same transaction as the change.

Every service keeps an `audit_log` table in its own schema (`audit_table(metadata)`), so an audit row can
never be committed without its change, nor the change without its row.
"""

from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy import JSON, BigInteger, Column, DateTime, Identity, String, Table, Text, and_, insert, or_, select

from libs.logs import request_id_var

# how staff pages name each audited action; a service adding an action adds its label here
ACTION_LABELS = {
    "case.filed": "提交",
    "case.contact_viewed": "查看联系方式",
    "case.replied": "答复",
    "case.assigned": "派单",
    "case.accepted": "受理",
    "case.started": "签收办理",
    "case.returned": "退单",
    "case.rejected": "不予受理",
    "case.merged": "合并",
    "case.closed": "办结",
    "case.reopened": "重新办理",
    "case.rated": "市民评价",
    "case.escalated": "超期督办",
    "case.noted": "内部备注",
    "case.extension_requested": "申请延期",
    "case.extension_approved": "批准延期",
    "case.extension_denied": "驳回延期",
    "case.deadline_set": "设置办理时限",
    "case.template_saved": "保存答复模板",
    "appointment.booked": "预约",
    "appointment.cancelled": "取消预约",
    "appointment.checked_in": "预约签到",
    "appointment.no_show": "预约未到",
    "appointment.rule_saved": "保存预约规则",
    "calendar.day_set": "设置节假日",
    "staff.logged_in": "登录",
    "staff.login_failed": "登录失败",
    "staff.login_locked": "登录被锁定",
    "staff.code_failed": "动态口令错误",
    "staff.recovery_code_used": "使用恢复码登录",
    "staff.second_factor_enrolled": "设置动态口令",
    "staff.password_changed": "修改密码",
    "staff.created": "新建工作人员账号",
    "staff.updated": "修改工作人员账号",
    "staff.disabled": "停用工作人员账号",
    "staff.enabled": "启用工作人员账号",
    "staff.password_reset": "重置工作人员密码",
    "staff.second_factor_reset": "清除工作人员动态口令",
    "staff.sessions_ended": "结束工作人员的全部登录",
    "staff.role_saved": "保存角色",
    "staff.role_deleted": "删除角色",
    "staff.unlocked": "解除登录暂停",
    "ops.event_replayed": "重放事件",
    "content.department_updated": "修改部门简介",
    "content.service_saved": "保存服务事项",
    "content.news_saved": "保存政务信息",
    "content.album_saved": "保存相册",
    "content.poster_saved": "保存海报",
    "content.window_saved": "保存服务窗口",
    "wechat.reply_rule_saved": "保存自动回复规则",
    "wechat.reply_rule_deleted": "删除自动回复规则",
    "wechat.reply_settings_saved": "修改关注回复和默认回复",
    "wechat.menu_saved": "保存自定义菜单草稿",
    "wechat.menu_published": "发布自定义菜单",
    "wechat.menu_withdrawn": "撤下自定义菜单",
    "wechat.conversation_read": "查看市民留言",
    "wechat.message_answered": "回复市民留言",
    "wechat.message_resent": "重发消息",
    "wechat.tag_saved": "保存粉丝分组",
    "wechat.tag_deleted": "删除粉丝分组",
    "wechat.followers_tagged": "将粉丝加入分组",
    "wechat.followers_untagged": "将粉丝移出分组",
    "wechat.blacklisted": "拉黑粉丝",
    "wechat.unblacklisted": "将粉丝移出黑名单",
    "wechat.remark_set": "修改粉丝备注名",
    "wechat.sync_started": "开始同步粉丝",
    "wechat.sync_stopped": "停止同步粉丝",
    "wechat.qr_created": "生成渠道二维码",
    "wechat.mass_saved": "保存群发草稿",
    "wechat.mass_previewed": "预览群发",
    "wechat.mass_submitted": "提交群发审核",
    "wechat.mass_approved": "审核通过群发",
    "wechat.mass_rejected": "驳回群发",
    "wechat.binding_code_created": "生成微信绑定二维码",
    "wechat.operator_bound": "绑定工作人员微信",
    "wechat.operator_unbound": "解除工作人员微信绑定",
    "wechat.command": "通过公众号助手发出指令",
    "wechat.media_viewed": "查看市民发来的图片或语音",
    "wechat.article_saved": "保存图文",
    "wechat.article_deleted": "删除图文",
    "wechat.article_previewed": "预览图文",
    "wechat.article_submitted": "提交图文发布审核",
    "wechat.article_approved": "审核通过图文发布",
    "wechat.article_rejected": "驳回图文发布",
    "wechat.material_uploaded": "上传素材",
    "wechat.material_retried": "重新上传素材",
    "wechat.material_deleted": "删除素材",
    "vote.created": "新建微投票",
    "vote.edited": "修改微投票",
    "vote.published": "发布微投票",
    "vote.closed": "结束微投票",
    "survey.created": "新建微调研",
    "survey.published": "发布微调研",
    "survey.closed": "结束微调研",
    "survey.responses_exported": "下载调研答卷",
    "rating.comment_approved": "通过领导点评",
    "rating.comment_rejected": "不予发布领导点评",
    "rating.comment_responded": "公开回复领导点评",
    "rating.comment_shown": "恢复被举报隐藏的点评",
    "rating.comment_hidden": "点评被举报后隐藏",
    "rating.burst_counted": "计入疑似刷分的评价",
    "rating.burst_discarded": "剔除疑似刷分的评价",
    "rating.tag_saved": "保存印象标签",
    "rating.word_added": "添加敏感词",
    "rating.word_removed": "删除敏感词",
    "audit.read": "查阅审计记录",
    "audit.exported": "下载审计记录",
}
ACTOR_KIND_LABELS = {"staff": "工作人员", "citizen": "市民", "system": "系统", "anonymous": "匿名"}


class AuditEntry(BaseModel):
    """One audit row as readers get it, with the action's and the actor kind's Chinese labels."""

    at: datetime
    actor_kind: str
    actor_id: str
    actor_name: str
    action: str
    label: str
    target_type: str
    target_id: str
    reason: str
    detail: dict
    request_id: str


class AuditQuery(BaseModel):
    """What the audit viewer asks every service for (each answers from its own audit_log): rows matching every
    filter given, newest first, older than the cursor (`before_at`, `before_id`) when paging on."""

    actor_ids: list[str] | None = Field(None, max_length=1000)  # staff ids: a person, or a department's staff
    action: str | None = Field(None, max_length=64)  # an action, or a family ending in "." ("case.")
    target_type: str | None = Field(None, max_length=32)
    target_id: str | None = Field(None, max_length=64)
    case_number: str | None = Field(None, max_length=32)  # resolved by cases into its case's id
    since: datetime | None = None
    until: datetime | None = None
    before_at: datetime | None = None
    before_id: int | None = None
    limit: int = Field(50, ge=1, le=10_001)  # a page, or a download (10,000 rows and one to know there are more)


def search(session, table, query: AuditQuery, service):
    """The rows of one service's audit_log that match `query`, as the viewer lists them (each with its service and
    id, which with `at` is the cursor)."""
    t = table.c
    stmt = select(table).order_by(t.at.desc(), t.id.desc()).limit(query.limit)
    if query.actor_ids is not None:
        stmt = stmt.where(t.actor_kind == "staff", t.actor_id.in_(query.actor_ids))
    if query.action:
        stmt = stmt.where(t.action.startswith(query.action) if query.action.endswith(".") else t.action == query.action)
    if query.target_type:
        stmt = stmt.where(t.target_type == query.target_type)
    if query.target_id is not None:
        stmt = stmt.where(t.target_id == query.target_id)
    if query.since:
        stmt = stmt.where(t.at >= query.since)
    if query.until:
        stmt = stmt.where(t.at < query.until)
    if query.before_at is not None:
        stmt = stmt.where(or_(t.at < query.before_at, and_(t.at == query.before_at, t.id < (query.before_id or 0))))
    return [{**_entry(row), "id": row.id, "service": service} for row in session.execute(stmt)]


def audit_table(metadata):
    return Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor_kind", String(16), nullable=False),
        Column("actor_id", String(64), nullable=False),
        Column("actor_name", String(64), nullable=False, default=""),
        Column("action", String(64), nullable=False, index=True),
        Column("target_type", String(32), nullable=False),
        Column("target_id", String(64), nullable=False, index=True),
        Column("reason", Text, nullable=False, default=""),
        Column("detail", JSON, nullable=False, default=dict),
        Column("request_id", String(64), nullable=False, default="-"),
    )


def record(session, table, actor, action, target_type, target_id, reason="", detail=None):
    # the values as parameters of a plain INSERT: SQLAlchemy compiles it once, not once per row written
    session.execute(
        insert(table),
        {
            "at": datetime.now(UTC),
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "actor_name": actor.name or "",
            "action": action,
            "target_type": target_type,
            "target_id": str(target_id),
            "reason": reason or "",
            "detail": detail or {},
            "request_id": request_id_var.get(),
        },
    )


def entries(session, table, target_type=None, target_id=None, limit=200):
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if target_type:
        query = query.where(table.c.target_type == target_type)
    if target_id is not None:
        query = query.where(table.c.target_id == str(target_id))
    return [_entry(row) for row in session.execute(query)]


def _entry(row):
    data = row._asdict()
    if data["actor_kind"] == "citizen":
        # a citizen's openid ties their cases together (a whistleblower's included): staff reading the trail see
        # that a citizen acted, not which one
        data["actor_id"] = data["actor_name"] = ""
    return AuditEntry(**data, label=ACTION_LABELS.get(row.action, row.action)).model_dump(mode="json")
