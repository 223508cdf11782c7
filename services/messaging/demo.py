"""The demo account's custom menu, saved and published through the running messaging service:
`python -m services.messaging.demo` (make up's banner and the test system run it once the services answer).

Safe to run twice: a menu that was saved before (by the demo or an operator) is left as it is."""

from libs.auth import Actor
from libs.config import load_config
from libs.rpc_pool import RpcPool

LOADER = Actor.system("demo")


def demo_menu(base):
    def view(name, path):
        return {"type": "view", "name": name, "url": f"{base}{path}"}

    def click(name, key):
        return {"type": "click", "name": name, "key": key}

    return {
        "button": [
            {
                "name": "办事服务",
                "sub_button": [
                    click("服务指南", "SERVICE_GUIDE"),
                    view("服务预约", "/h5/services"),
                    view("微官网", "/h5/"),
                    view("政务信息", "/h5/news"),
                ],
            },
            {
                "name": "我要反映",
                "sub_button": [
                    view("投诉举报", "/h5/complaints/new"),
                    click("我要咨询", "INQUIRY"),
                    view("建议献策", "/h5/suggestions/new"),
                ],
            },
            {
                "name": "我的",
                "sub_button": [
                    click("我的办件", "MY_CASES"),
                    view("我的案件", "/h5/cases"),
                    view("个人资料", "/h5/profile"),
                    click("联系我们", "CONTACT"),
                ],
            },
        ]
    }


def load(rpc, base):
    if rpc.call_as(LOADER, "messaging", "menu")["updated_at"] is None:
        rpc.call_as(LOADER, "messaging", "save_menu", demo_menu(base.rstrip("/")))
        rpc.call_as(LOADER, "messaging", "publish_menu")


if __name__ == "__main__":
    config = load_config()
    pool = RpcPool({"AMQP_URI": config["AMQP_URI"]}, size=1, timeout=30)
    try:
        load(pool, config["GATEWAY"]["PUBLIC_URL"])
    finally:
        pool.close()
