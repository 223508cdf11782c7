"""The demo account's custom menu (saved and published) and a first image and article in 素材管理, through the
running messaging service:
`python -m services.messaging.demo` (make up's banner and the test system run it once the services answer).

Safe to run twice: a menu that was saved before (by the demo or an operator) is left as it is."""

import base64
import io
from dataclasses import replace

from PIL import Image, ImageDraw

from libs.auth import Actor
from libs.config import load_config
from libs.rpc_pool import RpcPool
from libs.wechat.accounts import configured

LOADER = Actor(kind="system", id="demo", name="演示数据")


def demo_menu(base, account="main"):
    # a department's own account opens the pages as it knows the citizen (?wx=<code>)
    suffix = "" if account == "main" else f"?wx={account}"

    def view(name, path):
        return {"type": "view", "name": name, "url": f"{base}{path}{suffix}"}

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


def demo_cover():
    """A plain banner (JPEG, 900×383: the 2.35:1 WeChat crops covers to) to show the library and an article."""
    image = Image.new("RGB", (900, 383), (26, 86, 196))
    draw = ImageDraw.Draw(image)
    for i in range(0, 900, 60):  # a little texture, so it reads as a picture rather than a colour
        draw.rectangle((i, 300, i + 30, 383), fill=(40, 110, 215))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


ARTICLE_BODY = (
    "<p>本周六9:00-16:00，市民中心举办开放日活动：社保、医保、公积金、不动产登记等窗口现场咨询，"
    "自助服务区演示“一网通办”。</p><p><strong>地点：</strong>市民中心一楼大厅</p>"
    '<p><img src="material:{cover}"></p><p>欢迎市民朋友参加。</p>'
)


def load(rpc, base, accounts=("main",)):
    for code in accounts:  # every Official Account the install serves gets the demo menu
        loader = replace(LOADER, account=code)
        if rpc.call_as(loader, "messaging", "menu")["updated_at"] is None:
            rpc.call_as(loader, "messaging", "save_menu", demo_menu(base.rstrip("/"), code))
            rpc.call_as(loader, "messaging", "publish_menu")
    # 素材管理: one image and one article draft, so the library and the article editor have something to show
    if not rpc.call_as(LOADER, "messaging", "materials", "image")["materials"]:
        data = base64.b64encode(demo_cover()).decode()
        cover = rpc.call_as(LOADER, "messaging", "upload_material", {"kind": "image", "title": "市民中心开放日"}, data)
        article = {
            "title": "市民中心开放日邀您参加",
            "author": "市政务服务中心",
            "digest": "本周六9:00-16:00，市民中心一楼大厅",
            "body": ARTICLE_BODY.format(cover=cover["id"]),
            "cover_id": cover["id"],
        }
        rpc.call_as(LOADER, "messaging", "save_article", None, article)


if __name__ == "__main__":
    config = load_config()
    pool = RpcPool({"AMQP_URI": config["AMQP_URI"]}, size=1, timeout=30)
    try:
        load(pool, config["GATEWAY"]["PUBLIC_URL"], tuple(configured(config)))
    finally:
        pool.close()
