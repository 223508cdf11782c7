"""The first administrator of an install: `make admin USERNAME=zhangsan NAME=张三`.

Creates a 系统管理员 account with a one-time password printed here (once); at the first sign-in they choose their
own password and set up their authenticator (the role needs a second factor). From then on they create everyone
else in the admin (账号). Refuses a username already taken; audited as done by the command line."""

import sys

from sqlalchemy.orm import Session

from libs.auth import Actor
from libs.config import load_config
from libs.db import make_engine
from libs.errors import AppError
from services.gateway.staff import directory


def main(argv):
    if len(argv) != 2 or not argv[0] or not argv[1]:
        print("用法：make admin USERNAME=<用户名> NAME=<姓名>", file=sys.stderr)
        return 2
    username, name = argv
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    # the command line acts with the administrator's own grants (it is run by whoever runs the install)
    actor = Actor(kind="staff", id="0", name="命令行", roles=("admin",))
    with Session(engine) as session:
        data = {"username": username, "name": name, "roles": ["admin"], "wechat_accounts": ["*"]}
        try:
            person, password = directory.create_staff(session, actor, data, {}, {})
        except AppError as exc:
            for field, problem in (exc.details.get("fields") or {"_": exc.message}).items():
                print(f"{field}: {problem}", file=sys.stderr)
            return 1
    print(f"已创建系统管理员 {person['username']}（{person['name']}）")
    print(f"一次性密码：{password}")
    print("首次登录 /admin/login 时须设置自己的密码和动态口令。")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
