"""Who is acting, and what they may do: one permission catalogue and one `can()` for every service.

The gateway authenticates and puts the actor in nameko's context data (`actor`, a JSON header that rides every
RPC and the calls those make in turn); services read it with libs.service's `CurrentActor` and check it with
`can()`. A call without an actor is anonymous and may do nothing that needs a permission; timers and event
handlers act as the service itself (`Actor.system`).

Roles are data: the gateway keeps them (`gateway.roles`, edited by administrators, seeded from `ROLES` below) and
resolves a staff member's roles into grants, permission → scope, which the actor carries. Services check the
grants and never need the role table. An actor built without grants (tests, tools) gets those of `ROLES`.
"""

import json
from dataclasses import asdict, dataclass, field

from libs.errors import Forbidden, Unauthenticated

# permission -> what it allows (the catalogue later modules extend)
PERMISSIONS = {
    "case.read": "查看本部门的案件",
    "case.reply": "答复案件",
    "case.read_contact": "查看案件当事人的联系方式（每次访问都记入审计）",
    "case.assign": "受理、分派、退回、合并案件，不予受理",
    "case.close": "审核答复并办结案件，重新启动已办结的案件",
    "case.extend": "批准或驳回延期申请",
    "case.supervise": "查看超期督办清单",
    "audit.read": "查看审计记录",
    "ops.events": "查看并重放处理失败的事件（运维）",
    "content.edit": "编辑部门简介、服务事项和政务信息（部门编辑仅限本部门）",
    "appointment.manage": "查看本部门的预约、为到场市民签到",
    "appointment.rules": "设置各窗口的预约时段和节假日安排",
    "wechat.replies": "设置公众号的关注回复、关键词回复和默认回复",
    "wechat.menu": "编辑并发布公众号的自定义菜单",
    "wechat.inbox": "查看并回复市民发给公众号的留言，重发微信拒收的消息",
    "wechat.followers": "管理粉丝：同步、分组、黑名单和备注名",
    "wechat.channels": "生成渠道二维码并查看各渠道的扫码、关注和办事人数",
    "wechat.mass": "编写、预览群发消息并提交审核",
    "wechat.mass_approve": "审核他人提交的群发消息和图文发布（不能审核自己的）",
    "wechat.materials": "管理素材（图片、语音、视频）和图文，预览并提交图文发布审核",
    "wechat.stats": "查看公众号的数据统计",
    "survey.manage": "创建、发布和关闭微投票、微调研，查看实时结果，下载答卷",
    "rating.moderate": "审核领导点评、处理举报，复核疑似刷分的评价，维护印象标签和敏感词",
    "rating.respond": "以本部门名义公开回复市民对本部门领导的点评（每条一次）",
    "staff.manage": "管理工作人员账号和角色：新建、停用、重置密码和动态口令",
}

# the roles a new install starts with (gateway migration seeds them; administrators edit them from then on):
# role -> (permissions, scope); scope "all" reaches every department, "own" only the actor's department
ROLES = {
    "admin": (set(PERMISSIONS), "all"),
    "dispatcher": (
        {"case.read", "case.reply", "case.read_contact", "case.assign", "case.close", "appointment.manage"},
        "all",
    ),
    # 督办: follows every department's overdue cases and decides extensions; reads, never handles
    "supervisor": ({"case.read", "case.supervise", "case.extend"}, "all"),
    # 部门负责人: the department's overdue cases escalate to them; they decide its extensions
    "head": (
        {
            "case.read",
            "case.reply",
            "case.read_contact",
            "case.supervise",
            "case.extend",
            "appointment.manage",
            "rating.respond",  # the office of the officials citizens comment on
        },
        "own",
    ),
    "handler": ({"case.read", "case.reply", "case.read_contact", "appointment.manage"}, "own"),
    "auditor": ({"audit.read"}, "all"),
    "editor": ({"content.edit"}, "own"),
    # 公众号运营: the Official Account's own voice: replies, menu, inbox, followers, QR channels, mass sends, materials
    "operator": (
        {
            "wechat.replies",
            "wechat.menu",
            "wechat.inbox",
            "wechat.followers",
            "wechat.channels",
            "wechat.mass",
            "wechat.mass_approve",
            "wechat.materials",
            "wechat.stats",
            "survey.manage",  # 微投票 and 微调研 are run with the account that announces them
            "rating.moderate",  # what citizens publish on the account's pages is theirs to moderate
        },
        "all",
    ),
}

ROLE_LABELS = {
    "admin": "系统管理员",
    "dispatcher": "受理中心",
    "handler": "部门办理人",
    "auditor": "审计员",
    "editor": "部门信息编辑",
    "supervisor": "督办",
    "head": "部门负责人",
    "operator": "公众号运营",
}

# roles whose holders must sign in with a second factor (TOTP) as well as their password, as seeded
SECOND_FACTOR_ROLES = {"admin", "supervisor"}
# permissions whose checks name no department (the account's settings, the audit log, citywide lists): a role
# holding one must reach every department, else it would show the way and then refuse
CITYWIDE = {
    "audit.read",
    "ops.events",
    "appointment.rules",
    "survey.manage",
    "rating.moderate",
    "staff.manage",
    *(p for p in PERMISSIONS if p.startswith("wechat.")),
}
SCOPES = ("own", "all")


def grants_of(roles):
    """permission -> scope for a set of (permissions, scope) roles: "all" wins over "own"."""
    grants = {}
    for permissions, scope in roles:
        for permission in permissions:
            if grants.get(permission) != "all":
                grants[permission] = scope
    return tuple(sorted(grants.items()))


KINDS = ("staff", "citizen", "system", "anonymous")


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff" | "citizen" | "system" | "anonymous"
    id: str
    name: str = ""
    roles: tuple = field(default_factory=tuple)
    department_id: int | None = None
    # Official Accounts: those a staff member operates ("*" every one), and the one they act on now
    wechat_accounts: tuple = ("main",)
    account: str = "main"
    # what the staff member may do: ((permission, scope), ...), resolved from their roles by the gateway
    grants: tuple | None = None

    def __post_init__(self):
        if self.kind == "staff" and self.grants is None:
            object.__setattr__(self, "grants", grants_of(ROLES[r] for r in self.roles if r in ROLES))

    def to_dict(self):
        data = asdict(self)
        data["roles"] = list(self.roles)
        data["wechat_accounts"] = list(self.wechat_accounts)
        data["grants"] = dict(self.grants or ())
        return data

    def scope_of(self, permission):
        """ "all", "own", or None when the actor does not hold the permission."""
        for held, scope in self.grants or ():
            if held == permission:
                return scope
        return None

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict) or data.get("kind") not in KINDS or not data.get("id"):
            raise Unauthenticated("unauthenticated", "需要登录")
        return cls(
            kind=data["kind"],
            id=str(data["id"]),
            name=data.get("name", ""),
            roles=tuple(data.get("roles") or ()),
            department_id=data.get("department_id"),
            wechat_accounts=tuple(str(a) for a in data.get("wechat_accounts") or ("main",)),
            account=str(data.get("account") or "main"),
            grants=_grants(data.get("grants")),
        )

    @classmethod
    def citizen(cls, openid):
        return cls(kind="citizen", id=openid)

    @classmethod
    def system(cls, name):
        return cls(kind="system", id=name, name=name)

    @classmethod
    def anonymous(cls):
        return cls(kind="anonymous", id="-")

    def to_header(self):
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_header(cls, raw):
        """The actor a call carries; anonymous when it carries none (or one that does not parse)."""
        if not raw:
            return cls.anonymous()
        try:
            return cls.from_dict(json.loads(raw))
        except (ValueError, TypeError, Unauthenticated):
            return cls.anonymous()

    @property
    def is_staff(self):
        return self.kind == "staff"


def _grants(raw):
    """Grants as a header carries them ({permission: scope}); None (the default roles') when absent or malformed."""
    if not isinstance(raw, dict):
        return None
    return tuple(sorted((str(p), s) for p, s in raw.items() if s in SCOPES))


def can(actor: Actor, permission: str, department_id=None) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission}")
    if actor.kind == "system":
        return True
    if not actor.is_staff:
        return False
    scope = actor.scope_of(permission)
    return scope == "all" or (scope == "own" and department_id is not None and department_id == actor.department_id)


def holds(actor: Actor, permission: str) -> bool:
    """Whether the actor holds `permission`, in any department (what to show, not what to allow)."""
    return actor.is_staff and actor.scope_of(permission) is not None


def may_operate(actor: Actor, account_code: str) -> bool:
    """Whether the actor may act on this Official Account (staff: the accounts their record names)."""
    if actor.kind == "system":
        return True
    return actor.is_staff and (account_code in actor.wechat_accounts or "*" in actor.wechat_accounts)


def require(actor: Actor, permission: str, department_id=None):
    if not can(actor, permission, department_id):
        raise Forbidden("forbidden", "没有权限执行此操作", {"permission": permission})
