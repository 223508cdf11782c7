"""Demo staff accounts: `python -m services.gateway.demo`. Safe to run twice. Passwords are for demos only."""

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


def load(session):
    for username, name, password, roles, dep, *accounts in DEMO_STAFF:
        if session.scalar(select(Staff).where(Staff.username == username)) is None:
            create_staff(session, username, name, password, roles, dep, *accounts)
    session.commit()


if __name__ == "__main__":
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    with Session(engine) as session:
        load(session)
    print("gateway: demo staff " + ", ".join(u for u, *_ in DEMO_STAFF) + " (password demo12345)")
