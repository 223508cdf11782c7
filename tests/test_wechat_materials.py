"""素材管理 and 图文 across the system: uploads through the gateway (API and admin form) reach the sandbox WeChat as
permanent material, an article approved by a second operator is published and WeChat's PUBLISHJOBFINISH comes back
through the callback, and citizens' phones show image replies and mass-sent articles."""

import re
import uuid

import requests

from libs.testing import sample_amr, sample_image, sample_mp4, wait_for
from tests.test_wechat_mass import grouped_followers


def upload(api, system, kind, title, data, name="file.bin", **fields):
    return api.post(
        f"{system.gateway}/api/v1/wechat/materials",
        data={"kind": kind, "title": title, **fields},
        files={"file": (name, data)},
    )


def test_materials_are_uploaded_listed_refused_with_reasons_and_deleted(system):
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat/materials"
    made = upload(api, system, "image", "市民中心", sample_image("JPEG"), "photo.jpg")
    assert made.status_code == 201, made.text
    image = made.json()
    assert image["status"] == "ready" and image["url"].startswith(system.sandbox)
    assert requests.get(image["url"]).content == sample_image("JPEG")  # WeChat has the very bytes
    voice = upload(api, system, "voice", "语音", sample_amr(3)).json()
    video = upload(api, system, "video", "演练", sample_mp4(), introduction="市应急局演练").json()
    assert voice["seconds"] == 3.0 and video["status"] == "ready"
    listed = api.get(base, params={"kind": "image"}).json()
    assert listed["materials"][0]["id"] == image["id"] and listed["counts"]["image"] >= 1
    assert api.get(base, params={"kind": "sticker"}).status_code == 404
    # what WeChat would refuse is refused here, with the reason at the field
    too_long = upload(api, system, "voice", "长语音", sample_amr(61))
    assert too_long.status_code == 400 and "60秒" in too_long.json()["error"]["details"]["fields"]["file"]
    svg = upload(api, system, "image", "矢量图", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "x.png")
    assert svg.status_code == 400 and "file" in svg.json()["error"]["details"]["fields"]
    no_intro = upload(api, system, "video", "无简介", sample_mp4())
    assert no_intro.status_code == 400 and "introduction" in no_intro.json()["error"]["details"]["fields"]
    oversized = upload(api, system, "image", "超大", b"\x00" * (11 * 1024 * 1024))
    assert oversized.status_code == 413
    # refused by WeChat: kept, with WeChat's reason in Chinese, and sent again
    requests.post(f"{system.sandbox}/sandbox/faults", json={"path": "/cgi-bin/material/add_material", "errcode": 45009})
    failed = upload(api, system, "image", "配额用完", sample_image()).json()
    assert failed["status"] == "failed" and "今日上限" in failed["error"]
    assert api.post(f"{base}/{failed['id']}/retry").json()["status"] == "ready"
    # staff of another kind see none of it; nobody without a session either
    assert system.staff_session("huanbao").get(base).status_code == 403
    assert requests.get(base).status_code == 401
    assert api.get(f"{base}/99999999").status_code == 404
    gone = api.delete(f"{base}/{voice['id']}")
    assert gone.status_code == 200 and api.delete(f"{base}/{voice['id']}").status_code == 404


def test_an_image_keyword_reply_reaches_the_phone_as_an_image(system):
    api = system.staff_session("yunying")
    image = upload(api, system, "image", "办事指南图", sample_image("PNG")).json()
    word = f"指南图{uuid.uuid4().hex[:4]}"
    rules = f"{system.gateway}/api/v1/wechat/replies/rules"
    made = api.post(rules, json={"name": "图片", "keywords": word, "reply_kind": "image", "material_id": image["id"]})
    assert made.status_code == 201, made.text
    try:
        citizen = system.citizen()  # safe (AES) mode, as WeChat sends it
        reply = wait_for(lambda: (r := citizen.send_text(word)).image and r, timeout=10, message="the image rule")
        assert reply.fields["MsgType"] == "image"
        requests.post(f"{system.sandbox}/sandbox/phone/{citizen.openid}/send", json={"content": word})
        shown = requests.get(f"{system.sandbox}/sandbox/phone/{citizen.openid}/timeline").json()
        assert [m["image"] for m in shown if m.get("image")] == [image["url"]]
        in_use = api.delete(f"{system.gateway}/api/v1/wechat/materials/{image['id']}")
        assert in_use.status_code == 409 and "关键词回复" in in_use.json()["error"]["message"]
    finally:
        api.delete(f"{rules}/{made.json()['id']}")


def test_an_article_is_approved_published_and_mass_sent(system):
    author, approver = system.staff_session("yunying"), system.staff_session("shenhe")
    cover = upload(author, system, "image", "封面", sample_image("JPEG")).json()
    photo = upload(author, system, "image", "配图", sample_image("PNG", colour=(200, 30, 30))).json()
    base = f"{system.gateway}/api/v1/wechat/articles"
    body = f'<p>即日起至12月31日办理参保登记。</p><p><img src="material:{photo["id"]}"></p><script>x()</script>'
    made = author.post(
        base, json={"title": "城乡居民医保参保登记开始了", "author": "市医保局", "body": body, "cover_id": cover["id"]}
    )
    assert made.status_code == 201, made.text
    article = made.json()
    assert "<script>" not in article["body"]
    bad = author.post(base, json={"title": "题" * 33, "body": "<p>x</p>", "cover_id": cover["id"]})
    assert bad.status_code == 400 and "title" in bad.json()["error"]["details"]["fields"]
    assert author.post(base, data=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    assert author.post(f"{base}/{article['id']}/submit").json()["status"] == "pending"
    own = author.post(f"{base}/{article['id']}/approve")
    assert own.status_code == 403 and own.json()["error"]["code"] == "article_own"
    assert approver.post(f"{base}/{article['id']}/approve").json()["status"] == "publishing"

    # WeChat's PUBLISHJOBFINISH arrives through the signed callback and settles it
    published = wait_for(
        lambda: (a := author.get(f"{base}/{article['id']}").json())["status"] == "published" and a,
        timeout=20,
        message="PUBLISHJOBFINISH through the callback",
    )
    page = requests.get(published["article_url"])
    assert page.status_code == 200 and "城乡居民医保参保登记开始了" in page.text
    assert "/sandbox/inline/" in page.text  # the body's image, at the address WeChat gave it
    again = {"title": "改标题", "body": "<p>x</p>", "cover_id": cover["id"]}
    assert author.put(f"{base}/{article['id']}", json=again).status_code == 409  # WeChat has no edit once published

    # the same article sent to a group as a mass message (mpnews): the phones show its card
    tag_id, people = grouped_followers(system, author, 2)
    sends = f"{system.gateway}/api/v1/wechat/mass-sends"
    target = {"kind": "tag", "tag_id": tag_id}
    send = author.post(
        sends, json={"title": "医保", "msgtype": "mpnews", "article_id": article["id"], "target": target}
    )
    assert send.status_code == 201, send.text
    author.post(f"{sends}/{send.json()['id']}/submit")
    assert approver.post(f"{sends}/{send.json()['id']}/approve").status_code == 200
    wait_for(
        lambda: author.get(f"{sends}/{send.json()['id']}").json()["status"] == "sent", timeout=20, message="the send"
    )
    for openid in people:
        timeline = requests.get(f"{system.sandbox}/sandbox/phone/{openid}/timeline").json()
        (card,) = [m for m in timeline if m["kind"] == "mass"]
        assert card["content"].startswith("城乡居民医保参保登记开始了") and card["card"]
        assert requests.get(card["url"]).status_code == 200


def test_the_admin_pages_upload_write_and_approve(system):
    author = system.staff_browser("yunying")
    page = author.get(f"{system.gateway}/admin/wechat/materials/image")
    assert page.status_code == 200 and "素材管理" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    url = f"{system.gateway}/admin/wechat/materials/image"
    refused = author.post(url, data={"csrf": csrf, "title": "坏图"}, files={"file": ("a.png", b"not an image")})
    assert 'data-field="file"' in refused.text and "坏图" in refused.text
    done = author.post(url, data={"csrf": csrf, "title": "页面上传"}, files={"file": ("a.png", sample_image())})
    assert "已上传到微信素材库" in done.text and "页面上传" in done.text
    material_id = re.search(r'data-material="(\d+)"', done.text).group(1)
    later = author.get(url, params={"offset": "1"})  # the library page by page (50 at a time)
    assert later.status_code == 200 and "第 2–" in later.text and "上一页" in later.text
    huge = author.post(url, data={"csrf": csrf, "title": "超大图"}, files={"file": ("a.bmp", b"\x00" * (11 * 2**20))})
    assert huge.status_code == 200 and 'data-field="file"' in huge.text and "不能超过10MB" in huge.text
    assert author.get(f"{system.gateway}/admin/wechat/materials/{material_id}/file").content == sample_image()
    form = {"csrf": csrf, "title": "", "body": "<p>正文</p>", "cover_id": material_id}
    refused = author.post(f"{system.gateway}/admin/wechat/articles", data=form)
    assert 'data-field="title"' in refused.text and "&lt;p&gt;正文&lt;/p&gt;" in refused.text
    saved = author.post(f"{system.gateway}/admin/wechat/articles", data=form | {"title": "页面写的图文"})
    assert "图文已保存" in saved.text and 'id="article-body"' in saved.text
    assert re.search(r"第 1–\d+ 篇，共 \d+ 篇", saved.text)  # the list goes page by page (50 at a time)
    beyond = author.get(f"{system.gateway}/admin/wechat/articles", params={"offset": "1000"})
    assert "没有更多了" in beyond.text and "上一页" in beyond.text and "第 1001" not in beyond.text
    api = system.staff_session("yunying")
    for path in ("articles", "materials", "failed-sends"):
        for odd in ("²", "-1", "abc", "99999999999999999999"):  # never a 500 (the failed sends say 400)
            listed = api.get(f"{system.gateway}/api/v1/wechat/{path}", params={"offset": odd})
            assert listed.status_code in (200, 400), (path, odd, listed.text)
    far = api.get(f"{system.gateway}/api/v1/wechat/articles", params={"offset": "9999999"}).json()
    assert far["articles"] == [] and far["total"] >= 1
    article_id = re.search(r"/admin/wechat/articles/(\d+)/submit", saved.text).group(1)
    submitted = author.post(f"{system.gateway}/admin/wechat/articles/{article_id}/submit", data={"csrf": csrf})
    assert 'id="await-approval"' in submitted.text
    approver = system.staff_browser("shenhe")
    shown = approver.get(f"{system.gateway}/admin/wechat/articles/{article_id}")
    assert 'id="waiting-articles"' in shown.text  # the reviewer's nav says something waits for them
    other_csrf = re.search(r'name="csrf" value="([^"]+)"', shown.text).group(1)
    approved = approver.post(f"{system.gateway}/admin/wechat/articles/{article_id}/approve", data={"csrf": other_csrf})
    assert "已提交微信发布" in approved.text
    assert system.staff_browser("huanbao").get(f"{system.gateway}/admin/wechat/materials").status_code == 403
