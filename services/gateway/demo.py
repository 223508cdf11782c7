"""Demo staff accounts: `python -m services.gateway.demo`. Safe to run twice. Passwords are for demos only."""

import sys

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.config import load_config
from libs.db import make_engine
from services.gateway.models import Staff
from services.gateway.staff.accounts import create_staff

DEMO_STAFF = [
    # username, name, password, roles, department_id[, the Official Accounts they operate (main unless said)]
    ("shouli", "受理中心 陈敏", "demo12345", ["dispatcher"], None),
    ("huanbao", "环保局 刘洋", "demo12345", ["handler"], 2),
    ("shichang", "市场监管局 赵磊", "demo12345", ["handler"], 3),
    ("admin", "系统管理员", "demo12345", ["admin"], None, ["*"]),
    ("renshe", "人社局 周敏", "demo12345", ["editor"], 1),
    ("chuangkou", "人社局窗口 王芳", "demo12345", ["handler"], 1),
    ("duban", "督办 孙丽", "demo12345", ["supervisor"], None),
    ("hbjz", "环保局局长 张卫东", "demo12345", ["head"], 2),
    ("yunying", "公众号运营 李娜", "demo12345", ["operator"], None),
    # a second operator: a mass send needs someone other than its author to approve it
    ("shenhe", "公众号审核 周敏", "demo12345", ["operator"], None),
    # the operator of a department's own Official Account (市生态环境局, deploy/config/sandbox_accounts.json)
    ("hbyunying", "环保局公众号运营 吴婷", "demo12345", ["operator"], 2, ["hbj"]),
    ("hbshenhe", "环保局公众号审核 郑浩", "demo12345", ["operator"], 2, ["hbj"]),  # approves hbyunying's sends
]


# 系统管理员 and 督办 sign in with a TOTP code as well (their roles need one): the demo's authenticators already set
# up with these secrets, so `make otp USER=admin` (or any authenticator app given the secret) shows the code
DEMO_SECOND_FACTOR = {
    "admin": "WZWADMIN2345WZWADMIN2345WZWADMIN",
    "duban": "WZWDUBAN2345WZWDUBAN2345WZWDUBAN",
}


def load(session):
    for username, name, password, roles, dep, *accounts in DEMO_STAFF:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        if staff is None:
            staff = create_staff(session, username, name, password, roles, dep, *accounts)
        if username in DEMO_SECOND_FACTOR and staff.totp_secret is None:
            staff.totp_secret = DEMO_SECOND_FACTOR[username]
    session.commit()


def current_code(username):
    """The demo authenticator's code for `username` now (demo accounts only: the secrets above)."""
    return pyotp.TOTP(DEMO_SECOND_FACTOR[username]).now()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--code":
        print(
            current_code(sys.argv[2])
            if sys.argv[2] in DEMO_SECOND_FACTOR
            else "只有演示账号 admin、duban 有演示动态口令"
        )
        sys.exit(0)
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    with Session(engine) as session:
        load(session)
    print(
        "gateway: demo staff " + ", ".join(u for u, *_ in DEMO_STAFF) + " (password demo12345; admin and duban "
        "also give a code: make otp USER=admin)"
    )
