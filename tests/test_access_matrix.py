"""The access matrix at the JSON API, generated from the permission catalogue: every role × every permission ×
a record of the caller's own department and of another → allowed, 403 or 404, as the role's grants say.

Each permission has a probe: one request that needs it. Probes that would change something carry a deliberately
invalid body, so "allowed" shows as the validation refusal (400) that comes after the permission check, and
nothing changes. A permission added to the catalogue without a probe here fails `test_every_permission_has_a_probe`.

Expected outcomes come from the roles as a fresh install seeds them (libs/auth.py ROLES, checked against
gateway.roles) and three rules:
  record   a case: another department's case the caller cannot read is not there (404 case_not_found); one they
           can read but not act on is 403
  dept     a department's own thing (its page, its leaders' comments): its department must be in the grant's scope
  global   no department: only a grant over all departments allows it
  desk     the caller's own desk (their department's queue): any grant of it allows it
"""

import uuid
from dataclasses import dataclass

import pyotp
import pytest
import requests
from sqlalchemy.orm import Session

from libs.auth import CITYWIDE, PERMISSIONS, ROLES, SECOND_FACTOR_ROLES, Actor
from libs.errors import NotFound
from libs.testing import wait_for
from services.gateway.staff.accounts import create_staff
from tests.test_staff_access import api_login

OWN, OTHER = 2, 3  # 市生态环境局, 市市场监督管理局: every probed staff member belongs to OWN


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # {case} {department} {comment} filled per target
    body: object
    kind: str  # record | dept | global | desk
    allowed: tuple  # (status,) or (status, error code)


PROBES = {
    "case.read": Probe("GET", "/cases/{case}", None, "record", (200,)),
    "case.reply": Probe("POST", "/cases/{case}/replies", {}, "record", (400,)),
    "case.read_contact": Probe("POST", "/cases/{case}/contact", {"reason": 1}, "record", (400,)),
    "case.assign": Probe("POST", "/cases/{case}/steps/accept", {"department_id": "x"}, "record", (400,)),
    "case.close": Probe("POST", "/cases/{case}/steps/close", {"department_id": "x"}, "record", (400,)),
    "case.extend": Probe(
        "POST",
        "/cases/{case}/extensions/999999999/decision",
        {"approve": False},
        "record",
        (404, "extension_not_found"),
    ),
    "case.supervise": Probe("GET", "/cases?queue=overdue", None, "desk", (200,)),
    "audit.read": Probe("GET", "/audit?since=2099-01-01", None, "global", (200,)),
    "ops.events": Probe("GET", "/ops/parked-events", None, "global", (200,)),
    "content.edit": Probe("PUT", "/departments/{department}", {}, "dept", (400,)),
    "appointment.manage": Probe("GET", "/appointments", None, "desk", (200,)),
    "appointment.rules": Probe("PUT", "/calendar", {}, "global", (400,)),
    "wechat.replies": Probe("GET", "/wechat/replies", None, "global", (200,)),
    "wechat.menu": Probe("GET", "/wechat/menu", None, "global", (200,)),
    "wechat.inbox": Probe("GET", "/wechat/conversations", None, "global", (200,)),
    "wechat.followers": Probe("GET", "/wechat/follower-tags", None, "global", (200,)),
    "wechat.channels": Probe("GET", "/wechat/qr-channels", None, "global", (200,)),
    "wechat.mass": Probe("GET", "/wechat/mass-sends", None, "global", (200,)),
    "wechat.mass_approve": Probe(
        "POST", "/wechat/mass-sends/2147483647/approve", None, "global", (404, "mass_send_not_found")
    ),
    "wechat.materials": Probe("GET", "/wechat/materials", None, "global", (200,)),
    "wechat.stats": Probe("GET", "/wechat/stats", None, "global", (200,)),
    "survey.manage": Probe("POST", "/votes", {}, "global", (400,)),
    "rating.moderate": Probe("POST", "/ratings/comments/1/moderation", {}, "global", (400,)),
    "rating.respond": Probe(
        "POST",
        "/ratings/comments/{comment}/response",
        {"body": "感谢您的监督与建议。"},
        "dept",
        (409, "comment_not_public"),
    ),
    "staff.manage": Probe("POST", "/roles", {}, "global", (400,)),
}


def test_every_permission_has_a_probe():
    assert sorted(set(PERMISSIONS) - set(PROBES)) == [], "a permission without a row in the access matrix"
    assert sorted(set(PROBES) - set(PERMISSIONS)) == []
    # what the catalogue says reaches no department is what the probes find so (roles may not scope them)
    assert {p for p, probe in PROBES.items() if probe.kind == "global"} == CITYWIDE


def scope(role, permission):
    permissions, reach = ROLES[role]
    return reach if permission in permissions else None


def expected(role, permission, department):
    probe, grant, same = PROBES[permission], scope(role, permission), department == OWN
    allows = grant == "all" or (grant == "own" and same)
    if probe.kind == "record":
        read = scope(role, "case.read")
        if not (read == "all" or (read == "own" and same)):
            return (404, "case_not_found")
    elif probe.kind == "global":
        allows = grant == "all"
    elif probe.kind == "desk":
        allows = grant is not None and (permission == "appointment.manage" or scope(role, "case.read") is not None)
    return probe.allowed if allows else (403,)


@pytest.fixture(scope="module")
def targets(system, rpc):
    """A case and a pending leader's comment in each department (the probes change neither)."""
    cases = {}
    for d in (OWN, OTHER):
        complaint = {
            "kind": "complaint",
            "accused": "某商户",
            "content": "商户占道经营，影响行人通行。",
            "contact_phone": "13500000000",
            "department_id": d,
        }
        citizen = Actor.citizen(f"o_matrix_{uuid.uuid4().hex[:8]}")
        cases[d] = rpc.call_as(citizen, "cases", "create_case", complaint, uuid.uuid4().hex)["id"]
    officials = {OWN: "张卫东", OTHER: "杨丽华"}
    comments = {}
    for d in (OWN, OTHER):
        citizen = Actor.citizen(f"o_matrix_{uuid.uuid4().hex[:8]}")
        body = {"department_id": d, "official_name": officials[d], "body": "希望加强夜间执法巡查。"}
        comments[d] = wait_for(
            lambda c=citizen, b=body: _comment(rpc, c, b), timeout=30, message="ratings' copy of the leaders"
        )
    return {"case": cases, "comment": comments}


def _comment(rpc, citizen, body):
    """The comment's id, or None while ratings has not copied content's leaders yet (just after start)."""
    try:
        return rpc.call_as(citizen, "ratings", "comment", body)["id"]
    except NotFound:
        return None


def signed_in(system, role):
    """A new staff member of OWN holding only `role` (with an authenticator set up if the role needs one)."""
    username, secret = f"m{uuid.uuid4().hex[:10]}", pyotp.random_base32()
    with Session(system.engine) as session:
        staff = create_staff(session, username, f"矩阵{role}", "matrix-pass-1", (role,), OWN)
        if role in SECOND_FACTOR_ROLES:
            staff.totp_secret = secret
        session.commit()
    extra = {"code": pyotp.TOTP(secret).now()} if role in SECOND_FACTOR_ROLES else {}
    resp = api_login(system, username, "matrix-pass-1", **extra)
    assert resp.status_code == 200, resp.text
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {resp.json()['token']}"
    return http


def test_the_seeded_roles_are_the_catalogues(system):
    admin = system.staff_session("admin")
    live = {r["code"]: (set(r["permissions"]), r["scope"]) for r in admin.get(f"{system.gateway}/api/v1/roles").json()}
    for role, (permissions, reach) in ROLES.items():
        assert live[role] == (set(permissions), reach), role


@pytest.mark.parametrize("role", sorted(ROLES))
def test_access_matrix(system, targets, role):
    http = signed_in(system, role)
    wrong = []
    for permission, probe in sorted(PROBES.items()):
        departments = (OWN, OTHER) if probe.kind in ("record", "dept") else (OWN,)
        for department in departments:
            path = probe.path.format(
                case=targets["case"][department], comment=targets["comment"][department], department=department
            )
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            resp = http.request(probe.method, f"{system.gateway}/api/v1{path}", json=probe.body, headers=headers)
            want = expected(role, permission, department)
            error = resp.json().get("error", {}) if resp.status_code >= 400 else {}
            got = (resp.status_code, error.get("code")) if len(want) == 2 else (resp.status_code,)
            if got != want:
                wrong.append(f"{permission} dept {department}: {got}, expected {want}: {resp.text[:160]}")
    assert wrong == []
