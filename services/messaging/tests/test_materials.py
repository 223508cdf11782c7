"""素材管理 and 图文 on a running messaging service against the sandbox WeChat: WeChat's limits checked from the bytes
before anything is sent, refusals kept with the reason and sent again, materials in use kept, articles approved by
someone else than their author and published through draft → publish, mass sends and replies that carry them."""

import base64
import io
import os
import uuid
from datetime import UTC, datetime

import eventlet
import pytest
from PIL import Image
from sqlalchemy import select, text

from libs.auth import Actor
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from libs.testing import sample_amr, sample_image, sample_mp3, sample_mp4, sample_wav, wait_for
from services.conftest import rpc_proxy
from services.messaging import materials, replies
from services.messaging.models import Follower, audit_log
from services.messaging.tests.conftest import taken
from services.messaging.tests.test_mass import APPROVER, group, sent
from services.messaging.tests.test_replies import HANDLER, OPERATOR, said


def b64(data):
    return base64.b64encode(data).decode()


@pytest.fixture
def operator(messaging, service_config, engine):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy
    with engine.begin() as conn:  # nothing of this test answers another's messages
        conn.execute(text("DELETE FROM messaging.reply_rules"))
    replies.cache.drop(1)


@pytest.fixture
def approver(messaging, service_config):
    with rpc_proxy("messaging", service_config, APPROVER) as proxy:
        yield proxy


def image(operator, title="市民中心外景", data=None):
    return operator.upload_material({"kind": "image", "title": title}, b64(data or sample_image()))


def refused(call, field="file"):
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.details["fields"][field]


def test_images_voice_and_video_become_permanent_material_and_staff_see_their_copy(operator, sandbox, db_session):
    png = sample_image("PNG")
    made = image(operator, data=png)
    assert made["status"] == "ready" and made["kind_label"] == "图片" and made["content_type"] == "image/png"
    assert made["url"].startswith("http") and made["error"] == ""
    at_wechat = sandbox[1].materials
    assert any(m["data"] == png and m["type"] == "image" for m in at_wechat.values())
    voice = operator.upload_material({"kind": "voice", "title": "办事提醒"}, b64(sample_amr(5)))
    assert voice["status"] == "ready" and voice["seconds"] == pytest.approx(5.0)
    mp3 = operator.upload_material({"kind": "voice", "title": "政策解读"}, b64(sample_mp3(10)))
    assert mp3["content_type"] == "audio/mpeg" and 9 < mp3["seconds"] < 11
    video = operator.upload_material(
        {"kind": "video", "title": "一网通办", "introduction": "三分钟看懂网上办事"}, b64(sample_mp4())
    )
    assert video["status"] == "ready"
    (given,) = [m for m in at_wechat.values() if m["type"] == "video"][-1:]
    assert given["title"] == "一网通办" and given["introduction"] == "三分钟看懂网上办事"
    # what WeChat was given: a file name whose extension says the type (WeChat reads the type from it)
    assert [c["body"]["ext"] for c in taken(sandbox, "material_add")][-4:] == ["png", "amr", "mp3", "mp4"]
    listed = operator.materials("voice")
    assert [m["id"] for m in listed["materials"][:2]] == [mp3["id"], voice["id"]]
    assert listed["counts"]["voice"] >= 2 and listed["limits"] == {"image": 100000, "voice": 1000, "video": 1000}
    copy = operator.material_file(made["id"])
    assert base64.b64decode(copy["data"]) == png and copy["content_type"] == "image/png"
    audited = db_session.scalars(
        select(audit_log.c.action).where(
            audit_log.c.target_type == "material", audit_log.c.target_id == str(made["id"])
        )
    ).all()
    assert audited == ["wechat.material_uploaded"]


@pytest.mark.parametrize(
    ("data", "file", "reason"),
    [
        ({"kind": "image", "title": "大图"}, b"\x89PNG" + b"\x00" * (10 * 1024 * 1024), "不能超过10MB"),
        ({"kind": "image", "title": "WebP"}, sample_image("WEBP"), "BMP、PNG、JPEG 或 GIF"),
        ({"kind": "image", "title": "SVG"}, b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "无法识别"),
        ({"kind": "image", "title": "坏图"}, sample_image("JPEG", (640, 480))[:400], "损坏"),
        ({"kind": "voice", "title": "长语音"}, sample_amr(61), "不能超过60秒"),
        ({"kind": "voice", "title": "长MP3"}, sample_mp3(75), "不能超过60秒"),
        ({"kind": "voice", "title": "大语音"}, sample_wav(30, rate=80000), "不能超过2MB"),
        ({"kind": "voice", "title": "不是语音"}, b"OggS" + b"\x00" * 100, "MP3、WMA、WAV、AMR"),
        ({"kind": "voice", "title": "坏WAV"}, b"RIFF\x00\x00\x00\x00WAVEjunk", "损坏"),
        ({"kind": "video", "title": "AVI", "introduction": "x"}, b"RIFF\x00\x00\x00\x00AVI LIST", "MP4"),
        ({"kind": "image", "title": "空"}, b"", "请选择要上传的文件"),
    ],
)
def test_what_wechat_would_refuse_is_refused_before_anything_is_sent(operator, sandbox, data, file, reason):
    before = len(taken(sandbox, "material_add"))
    assert reason in refused(lambda: operator.upload_material(data, b64(file)))
    assert len(taken(sandbox, "material_add")) == before
    assert not [m for m in operator.materials()["materials"] if m["title"] == data["title"]]


def test_bad_fields_are_refused_at_their_field(operator):
    assert "视频简介" in refused(
        lambda: operator.upload_material({"kind": "video", "title": "无简介"}, b64(sample_mp4())), "introduction"
    )
    assert "素材类型" in refused(lambda: operator.upload_material({"kind": "thumb", "title": "x"}, b64(b"x")), "kind")
    assert "素材名称" in refused(lambda: operator.upload_material({"kind": "image", "title": ""}, b64(b"x")), "title")
    long_title = {"kind": "image", "title": "长" * 65}
    assert "64" in refused(lambda: operator.upload_material(long_title, b64(sample_image())), "title")
    assert "请选择" in refused(lambda: operator.upload_material({"kind": "image", "title": "x"}, "not base64!"))
    assert "请选择" in refused(lambda: operator.upload_material({"kind": "image", "title": "x"}, None))
    with pytest.raises(ValidationError):
        operator.upload_material("not a dict", b64(sample_image()))
    for bad in (0, -1, True, "1", 2**40, None):
        with pytest.raises(NotFound):
            operator.material(bad)


def test_a_refused_upload_is_kept_with_wechats_reason_and_sent_again(operator, sandbox):
    sandbox[1].faults["/cgi-bin/material/add_material"] = [45009, "reach max api daily quota limit", 1]
    made = image(operator, "配额用完时上传")
    assert made["status"] == "failed" and made["error"] == "接口调用次数已达今日上限（微信错误码 45009）"
    assert made["status_label"] == "上传失败"
    again = operator.retry_material(made["id"])
    assert again["status"] == "ready" and again["error"] == ""
    assert operator.retry_material(made["id"])["status"] == "ready"  # a second click: nothing sent twice
    assert len([c for c in taken(sandbox, "material_add") if c["body"]["size"]]) >= 1


def test_wechats_count_limit_holds_when_uploads_race_for_the_last_place(
    operator, service_config, db_session, monkeypatch
):
    have = db_session.scalar(text("SELECT count(*) FROM messaging.materials WHERE account_id = 1 AND kind = 'voice'"))
    monkeypatch.setattr(materials, "MATERIAL_COUNT_MAX", materials.MATERIAL_COUNT_MAX | {"voice": have + 1})

    def upload(i):
        with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
            try:
                return proxy.upload_material({"kind": "voice", "title": f"通知{i}"}, b64(sample_mp3()))["status"]
            except Conflict as exc:
                return exc.code

    outcomes = sorted(eventlet.GreenPool(6).imap(upload, range(6)))
    assert outcomes == ["material_limit"] * 5 + ["ready"]
    assert "已达微信上限（" in refused_limit(operator)


def refused_limit(operator):
    with pytest.raises(Conflict) as exc:
        operator.upload_material({"kind": "voice", "title": "再来一个"}, b64(sample_mp3()))
    return exc.value.message


def test_staff_without_the_permission_neither_see_nor_upload(messaging, service_config, sandbox):
    with rpc_proxy("messaging", service_config, HANDLER) as handler:
        for call in (
            lambda: handler.materials(),
            lambda: handler.upload_material({"kind": "image", "title": "x"}, b64(sample_image())),
            lambda: handler.articles(),
            lambda: handler.save_article(None, {"title": "x", "body": "<p>x</p>", "cover_id": 1}),
        ):
            with pytest.raises(Forbidden):
                call()
    with rpc_proxy("messaging", service_config) as anonymous, pytest.raises(Forbidden):
        anonymous.materials()


def test_a_material_in_use_is_kept_and_an_unused_one_deleted_here_and_at_wechat(operator, sandbox, service_config):
    used = image(operator, "关键词回复的图")
    word = f"图{uuid.uuid4().hex[:5]}"
    rule = operator.save_reply_rule(
        None, {"name": "图片回复", "keywords": word, "reply_kind": "image", "material_id": used["id"]}
    )
    assert said(service_config, word) == {"image": sandbox_media_id(sandbox, used)}
    with pytest.raises(Conflict) as in_use:
        operator.delete_material(used["id"])
    assert "关键词回复" in in_use.value.message
    operator.delete_reply_rule(rule["id"])
    before = len(sandbox[1].materials)
    assert operator.delete_material(used["id"]) == {"deleted": used["id"]}
    assert len(sandbox[1].materials) == before - 1
    with pytest.raises(NotFound):
        operator.delete_material(used["id"])
    # gone at WeChat already (deleted in its own back office): what was asked for is done
    other = image(operator, "已在微信后台删除")
    sandbox[1].materials.clear()
    assert operator.delete_material(other["id"]) == {"deleted": other["id"]}


def sandbox_media_id(sandbox, material):
    (media_id,) = [k for k, m in sandbox[1].materials.items() if m["url"] and m["url"] == material["url"]]
    return media_id


def test_an_image_reply_needs_an_image_that_wechat_has(operator, sandbox):
    voice = operator.upload_material({"kind": "voice", "title": "语音"}, b64(sample_wav(1)))
    base = {"name": "图片回复", "keywords": "x", "reply_kind": "image"}
    assert "请选择回复的图片" in refused(lambda: operator.save_reply_rule(None, base), "material_id")
    assert "图片" in refused(lambda: operator.save_reply_rule(None, base | {"material_id": voice["id"]}), "material_id")
    assert "不存在" in refused(lambda: operator.save_reply_rule(None, base | {"material_id": 2**31 - 1}), "material_id")
    sandbox[1].faults["/cgi-bin/material/add_material"] = [-1, "system error", 1]
    failed = image(operator, "未上传成功")
    assert "尚未上传" in refused(
        lambda: operator.save_reply_rule(None, base | {"material_id": failed["id"]}), "material_id"
    )


# -- 图文 -------------------------------------------------------------------------------------------------------
def article(cover_id, **over):
    return {
        "title": "关于开展2027年城乡居民医保参保登记的通知",
        "author": "市医保局",
        "digest": "参保登记时间、缴费标准和办理渠道",
        "body": "<p>一、登记时间：即日起至12月31日。</p><p>二、办理渠道：“微政务”公众号或各街道便民服务中心。</p>",
        "source_url": "https://gov.example/yibao/2027",
        "cover_id": cover_id,
    } | over


def bind(engine, staff_id, openid):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO messaging.operator_bindings (account_id, staff_id, staff_name, roles, token, expires_at,"
                " openid, bound_at, created_at) VALUES (1, :s, 'x', '[]', :t, now() + interval '1 day', :o, now(),"
                " now())"
            ),
            {"s": staff_id, "t": uuid.uuid4().hex, "o": openid},
        )


def publish_event(service_config, info):
    """PUBLISHJOBFINISH as the gateway hands it on (the callback's fields, nested as WeChat nests them)."""
    fields = {
        "ToUserName": "gh",
        "FromUserName": "o_wechat_mass_report",
        "CreateTime": str(int(datetime.now(UTC).timestamp())),
        "MsgType": "event",
        "Event": "PUBLISHJOBFINISH",
        "PublishEventInfo": info,
    }
    with rpc_proxy("messaging", service_config) as proxy:
        return proxy.receive(f"evt:{uuid.uuid4().hex}", fields, datetime.now(UTC).timestamp() + 5)


def test_an_article_is_checked_as_wechat_limits_it(operator):
    cover = image(operator, "封面")
    voice = operator.upload_material({"kind": "voice", "title": "不是图"}, b64(sample_wav(1)))
    for over, field, reason in (
        ({"title": "题" * 33}, "title", "32"),
        ({"author": "作" * 17}, "author", "16"),
        ({"digest": "摘" * 129}, "digest", "128"),
        ({"body": "<p>" + "字" * 20001 + "</p>"}, "body", "20000"),
        ({"body": "   "}, "body", "请填写正文"),
        ({"body": "<script>alert(1)</script>"}, "body", "请填写正文"),  # nothing left once sanitised
        ({"body": '<p><img src="https://elsewhere.example/a.png"></p>'}, "body", "从素材库插入"),
        ({"body": '<p><img src="material:2147483000"></p>'}, "body", "不在素材库"),
        ({"body": f'<p><img src="material:{voice["id"]}"></p>'}, "body", "不在素材库"),
        ({"cover_id": None}, "cover_id", "封面"),
        ({"cover_id": voice["id"]}, "cover_id", "图片"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "https://"),
        ({"source_url": "https://gov.example/" + "a" * 1010}, "source_url", "1024"),
    ):
        assert reason in refused(lambda over=over: operator.save_article(None, article(cover["id"]) | over), field)


def test_an_image_too_large_for_an_article_body_is_refused_with_the_reason(operator):
    noise = Image.frombytes("RGB", (900, 900), os.urandom(900 * 900 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    big = image(operator, "大图", out.getvalue())
    body = f'<p>现场：</p><p><img src="material:{big["id"]}"></p>'
    assert "1MB以下" in refused(lambda: operator.save_article(None, article(big["id"], body=body)), "body")
    assert operator.save_article(None, article(big["id"]))["status"] == "draft"  # as a cover it is fine


def test_an_article_is_sanitised_approved_by_someone_else_and_published(operator, approver, sandbox, service_config):
    cover, photo = image(operator, "封面"), image(operator, "正文配图", sample_image("JPEG"))
    body = (
        f'<p onclick="steal()">正文<script>alert(1)</script></p><p><img src="material:{photo["id"]}" alt="现场"></p>'
        '<p><a href="javascript:alert(1)">链接</a></p>'
    )
    made = operator.save_article(None, article(cover["id"], body=body))
    assert "script" not in made["body"] and "onclick" not in made["body"] and "javascript" not in made["body"]
    assert f'src="material:{photo["id"]}"' in made["body"] and made["status_label"] == "草稿"
    with pytest.raises(Conflict):
        approver.approve_article(made["id"])  # not submitted yet
    assert operator.submit_article(made["id"])["status"] == "pending"
    assert operator.submit_article(made["id"])["status"] == "pending"  # a second click
    with pytest.raises(Conflict):
        operator.save_article(made["id"], article(cover["id"]))  # waiting for approval: not editable
    with pytest.raises(Forbidden) as own:
        operator.approve_article(made["id"])
    assert "不能审核自己" in own.value.message
    publishing = approver.approve_article(made["id"])
    assert publishing["status"] == "publishing" and publishing["approver_name"] == APPROVER.name
    (draft,) = [c["body"] for c in taken(sandbox, "draft_add")][-1:]
    sent_article = draft["articles"][0]
    assert sent_article["title"] == made["title"] and sent_article["thumb_media_id"] == sandbox_media_id(sandbox, cover)
    # the body's image is at the address media/uploadimg gave (WeChat filters any other)
    assert "/sandbox/inline/" in sent_article["content"] and "material:" not in sent_article["content"]
    (submitted,) = [c["body"] for c in taken(sandbox, "freepublish_submit")][-1:]
    publish_id = next(p for p, r in sandbox[1].publishes.items() if r["status"] == 0 and p)
    result = sandbox[1].publishes[publish_id]
    publish_event(
        service_config,
        {
            "publish_id": publish_id,
            "publish_status": "0",
            "article_id": result["article_id"],
            "article_detail": {"count": "1", "item": {"idx": "1", "article_url": result["url"]}},
        },
    )
    done = operator.article(made["id"])
    assert done["status"] == "published" and done["article_url"] == result["url"] and done["published_at"]
    assert submitted["media_id"] not in sandbox[1].drafts  # WeChat took it out of its 草稿箱
    with pytest.raises(Conflict):
        operator.save_article(made["id"], article(cover["id"]))  # published: WeChat has no edit for it


def test_a_publish_wechat_refuses_says_why_and_can_be_mended_and_sent_again(
    operator, approver, sandbox, service_config, engine
):
    cover = image(operator, "封面")
    made = operator.save_article(None, article(cover["id"], title="审核不通过的文章"))
    operator.submit_article(made["id"])
    sandbox[1].next_publish.append((4, False))  # 平台审核不通过, and WeChat's event never comes
    assert approver.approve_article(made["id"])["status"] == "publishing"
    with engine.begin() as conn:  # as if a minute passed without PUBLISHJOBFINISH: the timer asks freepublish/get
        conn.execute(
            text("UPDATE messaging.articles SET updated_at = now() - interval '2 minutes' WHERE id = :i"),
            {"i": made["id"]},
        )
    failed = wait_for(
        lambda: (a := operator.article(made["id"]))["status"] == "failed" and a, timeout=30, message="the poll"
    )
    assert failed["error"] == "发布失败：平台审核不通过"
    assert taken(sandbox, "freepublish_get")
    mended = operator.save_article(made["id"], article(cover["id"], title="修改后的文章"))
    assert mended["status"] == "draft" and mended["error"] == ""
    operator.submit_article(made["id"])
    sandbox[1].faults["/cgi-bin/freepublish/submit"] = [48001, "api unauthorized", 1]
    refused_now = approver.approve_article(made["id"])
    assert (
        refused_now["status"] == "failed"
        and refused_now["error"] == "发布失败：公众号没有此接口的权限（微信错误码 48001）"
    )
    # an event for a publish nobody waits for changes nothing
    assert publish_event(service_config, {"publish_id": "999", "publish_status": "0"})["reply"] is None
    assert publish_event(service_config, {"publish_id": "x", "publish_status": "zero"})["reply"] is None


def test_a_preview_goes_to_the_authors_own_wechat_and_reuses_the_unchanged_draft(operator, engine, sandbox):
    _, people = group(engine, sandbox, 2)
    cover = image(operator, "封面")
    made = operator.save_article(None, article(cover["id"]))
    assert "绑定" in refused(lambda: operator.preview_article(made["id"]), "openid")
    bind(engine, OPERATOR.id, people[0])
    try:
        drafts = len(taken(sandbox, "draft_add"))
        assert operator.preview_article(made["id"]) == {"previewed": True}
        assert operator.preview_article(made["id"]) == {"previewed": True}
        assert len(taken(sandbox, "draft_add")) == drafts + 1  # the same version: WeChat's draft is reused
        operator.save_article(made["id"], article(cover["id"], digest="改过的摘要"))
        operator.preview_article(made["id"])
        assert len(taken(sandbox, "draft_add")) == drafts + 1 and taken(sandbox, "draft_update")
        shown = [m for m in sandbox[1].timeline[people[0]] if m["kind"] == "mass"]
        assert (
            len(shown) == 3 and shown[-1]["content"].startswith("[群发预览]") and "改过的摘要" in shown[-1]["content"]
        )
        assert "/sandbox/articles/draft-" in shown[-1]["url"]
        assert not sandbox[1].timeline.get(people[1])
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM messaging.operator_bindings"))


def test_mass_sends_carry_images_voice_video_and_articles(operator, approver, engine, sandbox):
    tag_id, people = group(engine, sandbox, 12)
    photo = image(operator, "停水区域图")
    voice = operator.upload_material({"kind": "voice", "title": "语音通知"}, b64(sample_amr(3)))
    video = operator.upload_material(
        {"kind": "video", "title": "防汛演练", "introduction": "市应急局防汛演练"}, b64(sample_mp4())
    )
    cover = image(operator, "封面")
    news = operator.save_article(None, article(cover["id"]))
    target = {"kind": "tag", "tag_id": tag_id}
    bad = {"title": "x", "target": target}
    assert "素材" in refused(lambda: operator.save_mass_send(None, bad | {"msgtype": "image"}), "material_id")
    assert "图片" in refused(
        lambda: operator.save_mass_send(None, bad | {"msgtype": "image", "material_id": voice["id"]}), "material_id"
    )
    assert "图文" in refused(lambda: operator.save_mass_send(None, bad | {"msgtype": "mpnews"}), "article_id")
    assert "群发内容" in refused(lambda: operator.save_mass_send(None, bad | {"msgtype": "text"}), "content")
    for msgtype, carried, title in (
        ("image", {"material_id": photo["id"]}, photo["title"]),
        ("voice", {"material_id": voice["id"]}, voice["title"]),
        ("video", {"material_id": video["id"]}, video["title"]),
        ("mpnews", {"article_id": news["id"]}, news["title"]),
    ):
        made = operator.save_mass_send(
            None, {"title": f"{msgtype}群发", "msgtype": msgtype, "target": target} | carried
        )
        assert made["msgtype"] == msgtype and made["carries"] == title and made["content"] == ""
        operator.submit_mass_send(made["id"])
        if msgtype == "mpnews":
            with pytest.raises(Conflict):  # what is waiting for approval is what will be sent
                operator.save_article(news["id"], article(cover["id"], title="审核中改标题"))
        approver.approve_mass_send(made["id"])
        assert sent(operator, made["id"])["status"] == "sent"
    calls = [c["body"] for c in taken(sandbox, "mass_send")][-4:]
    assert [c["msgtype"] for c in calls] == ["image", "voice", "mpvideo", "mpnews"]
    (made_video,) = [c["body"] for c in taken(sandbox, "media_uploadvideo")][-1:]
    assert made_video["title"] == "防汛演练" and calls[2]["mpvideo"]["media_id"] in sandbox[1].videos
    assert calls[3]["mpnews"]["media_id"] in sandbox[1].sendable  # WeChat's draft of it, out of the 草稿箱 now
    phone = [m for m in sandbox[1].timeline[people[0]] if m["kind"] == "mass"]
    assert [m["content"].split(" ")[0] for m in phone[-4:-1]] == ["[图片]", "[语音]", "[视频]"]
    assert phone[-4]["image"] == photo["url"] and news["title"] in phone[-1]["content"]
    with pytest.raises(Conflict) as kept:
        operator.delete_article(news["id"])  # it was mass-sent: kept as the record of what went out
    assert "群发" in kept.value.message


def test_a_mass_sent_articles_draft_gone_at_wechat_is_made_again(operator, approver, engine, sandbox):
    tag_id, _ = group(engine, sandbox, 20_001)  # three batches
    cover = image(operator, "封面")
    news = operator.save_article(None, article(cover["id"], title="分三批群发的图文"))
    made = operator.save_mass_send(
        None,
        {"title": "三批", "msgtype": "mpnews", "article_id": news["id"], "target": {"kind": "tag", "tag_id": tag_id}},
    )
    operator.submit_mass_send(made["id"])
    # the second batch is told its media_id is unknown (WeChat dropped the draft): made again, then sent
    sandbox[1].faults["/cgi-bin/message/mass/send"] = [40007, "invalid media_id", 1, 1]
    drafts = len(taken(sandbox, "draft_add"))
    approver.approve_mass_send(made["id"])
    done = sent(operator, made["id"], timeout=150)
    assert done["status"] == "sent" and done["batches_sent"] == 3
    assert len(taken(sandbox, "draft_add")) == drafts + 2


# -- what an independent review found, each now refused or recovered --------------------------------------------
def test_a_body_names_library_images_only_in_img_tags_and_only_one_way(operator):
    cover = image(operator, "封面")
    for body, reason in (
        (f'<p><a href="material:{cover["id"]}">看图</a></p>', "链接不能指向素材库"),
        (f'<p><img src="material:0{cover["id"]}"></p>', "从素材库插入"),
    ):
        assert reason in refused(lambda body=body: operator.save_article(None, article(cover["id"], body=body)), "body")
    plain = operator.save_article(None, article(cover["id"], body=f"<p>编号 material:{cover['id']} 只是文字</p>"))
    assert plain["status"] == "draft"


def test_an_article_whose_image_went_away_fails_with_the_reason_instead_of_staying_publishing(
    operator, approver, engine, sandbox
):
    cover, photo = image(operator, "封面"), image(operator, "会失效的配图")
    made = operator.save_article(None, article(cover["id"], body=f'<p><img src="material:{photo["id"]}"></p>'))
    operator.submit_article(made["id"])
    with engine.begin() as conn:  # the image is no longer at WeChat (as after a refused re-upload)
        conn.execute(text("UPDATE messaging.materials SET status = 'failed' WHERE id = :i"), {"i": photo["id"]})
    done = approver.approve_article(made["id"])
    assert done["status"] == "failed" and "尚未上传到微信" in done["error"]
    assert operator.save_article(made["id"], article(cover["id"]))["status"] == "draft"  # mendable


def test_a_mass_send_whose_article_cannot_be_made_fails_and_the_queue_goes_on(operator, approver, engine, sandbox):
    tag_id, _ = group(engine, sandbox, 3)
    cover, photo = image(operator, "封面"), image(operator, "配图")
    news = operator.save_article(None, article(cover["id"], body=f'<p><img src="material:{photo["id"]}"></p>'))
    broken = operator.save_mass_send(
        None,
        {"title": "坏", "msgtype": "mpnews", "article_id": news["id"], "target": {"kind": "tag", "tag_id": tag_id}},
    )
    fine = operator.save_mass_send(
        None, {"title": "好", "content": "明天停水", "target": {"kind": "tag", "tag_id": tag_id}}
    )
    for send in (broken, fine):
        operator.submit_mass_send(send["id"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE messaging.materials SET status = 'failed' WHERE id = :i"), {"i": photo["id"]})
    approver.approve_mass_send(broken["id"])
    approver.approve_mass_send(fine["id"])
    failed = sent(operator, broken["id"])
    assert failed["status"] == "failed" and failed["batches_failed"] == 1
    assert sent(operator, fine["id"])["status"] == "sent"
    with engine.connect() as conn:  # nobody was reached by the failed one: their monthly places are free
        assert (
            conn.execute(
                text("SELECT count(*) FROM messaging.mass_recipients WHERE send_id = :s"), {"s": broken["id"]}
            ).scalar()
            == 0
        )


def test_a_material_a_send_carried_is_kept_as_the_record(operator, approver, engine, sandbox):
    tag_id, _ = group(engine, sandbox, 2)
    photo = image(operator, "群发过的图")
    made = operator.save_mass_send(
        None,
        {"title": "图", "msgtype": "image", "material_id": photo["id"], "target": {"kind": "tag", "tag_id": tag_id}},
    )
    operator.submit_mass_send(made["id"])
    approver.approve_mass_send(made["id"])
    assert sent(operator, made["id"])["status"] == "sent"
    kept = len(sandbox[1].materials)
    with pytest.raises(Conflict) as in_use:
        operator.delete_material(photo["id"])
    assert "群发" in in_use.value.message and len(sandbox[1].materials) == kept  # WeChat's copy untouched


def test_the_author_of_an_article_does_not_approve_its_mass_send(operator, approver, engine, sandbox, service_config):
    tag_id, _ = group(engine, sandbox, 2)
    cover = image(operator, "封面")
    with rpc_proxy("messaging", service_config, APPROVER) as writer:  # the approver wrote the article
        news = writer.save_article(None, article(cover["id"]))
    made = operator.save_mass_send(
        None,
        {"title": "图文", "msgtype": "mpnews", "article_id": news["id"], "target": {"kind": "tag", "tag_id": tag_id}},
    )
    operator.submit_mass_send(made["id"])
    with pytest.raises(Forbidden) as own:
        approver.approve_mass_send(made["id"])
    assert own.value.code == "mass_own_article"


def test_wechats_job_reports_are_no_followers_and_a_send_on_its_way_is_not_previewed(
    operator, approver, engine, sandbox, service_config, db_session
):
    publish_event(service_config, {"publish_id": "1", "publish_status": "0"})
    assert db_session.get(Follower, "o_wechat_mass_report") is None
    tag_id, people = group(engine, sandbox, 2)
    made = operator.save_mass_send(None, {"title": "x", "content": "y", "target": {"kind": "tag", "tag_id": tag_id}})
    operator.submit_mass_send(made["id"])
    approver.approve_mass_send(made["id"])
    bind(engine, OPERATOR.id, people[0])
    try:
        with pytest.raises(Conflict):
            operator.preview_mass_send(made["id"])
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM messaging.operator_bindings"))


def test_an_image_reply_that_failed_is_sent_again_as_the_image(operator, sandbox, service_config, db_session):
    photo = image(operator, "指南图")
    word = f"图{uuid.uuid4().hex[:5]}"
    operator.save_reply_rule(None, {"name": "图", "keywords": word, "reply_kind": "image", "material_id": photo["id"]})
    openid = f"o_img_{uuid.uuid4().hex[:6]}"
    sandbox[1].follow(openid)
    sandbox[1].faults["/cgi-bin/message/custom/send"] = [-1, "system error", 1]
    fields = {"ToUserName": "gh", "FromUserName": openid, "CreateTime": "1", "MsgType": "text", "Content": word}
    with rpc_proxy("messaging", service_config) as proxy:  # past the deadline: the image goes as a CS message
        late = proxy.receive(f"msg:{uuid.uuid4().hex[:12]}", fields | {"MsgId": "77"}, 0)
    assert late == {"reply": None, "sent_async": True}
    with rpc_proxy("messaging", service_config, Actor.system("retry")) as timer:  # what the retry timer does
        assert "custom" in timer.retry_failed_notifications(0)
    (shown,) = [m for m in sandbox[1].timeline[openid] if m["kind"] == "custom"]
    assert shown["image"] == photo["url"]


def test_who_submits_answers_for_it_and_a_send_wechat_cannot_make_is_refused_at_once(
    operator, approver, engine, sandbox, service_config
):
    tag_id, _ = group(engine, sandbox, 2)
    cover = image(operator, "封面")
    news = operator.save_article(None, article(cover["id"], title="别人写的图文"))
    assert approver.submit_article(news["id"])["author_name"] == APPROVER.name  # the submitter answers for it
    with pytest.raises(Forbidden):
        approver.approve_article(news["id"])
    assert operator.approve_article(news["id"])["status"] in ("publishing", "published")
    lonely, _ = group(engine, sandbox, 1)
    one = operator.save_mass_send(None, {"title": "一位", "content": "x", "target": {"kind": "tag", "tag_id": lonely}})
    with pytest.raises(Conflict) as few:
        operator.submit_mass_send(one["id"])
    assert "至少2位" in few.value.message
    # a reviewer's nav counts what waits for them: others' submissions, not their own
    before_operator, before_approver = operator.pending_approvals(), approver.pending_approvals()
    theirs = approver.save_mass_send(
        None, {"title": "待审", "content": "x", "target": {"kind": "tag", "tag_id": tag_id}}
    )
    approver.submit_mass_send(theirs["id"])
    assert operator.pending_approvals()["mass"] == before_operator["mass"] + 1
    assert approver.pending_approvals()["mass"] == before_approver["mass"]
    with rpc_proxy("messaging", service_config, HANDLER) as handler:  # no approver: nothing waits for them
        assert handler.pending_approvals() == {"mass": 0, "articles": 0}


def test_two_approvers_at_once_publish_an_article_once(operator, sandbox, service_config):
    cover = image(operator, "封面")
    made = operator.save_article(None, article(cover["id"], title="同时审核"))
    operator.submit_article(made["id"])
    before = len(taken(sandbox, "freepublish_submit"))
    reviewers = [Actor(kind="staff", id=str(60 + i), name=f"审核{i}", roles=("operator",)) for i in range(6)]

    def approve(actor):
        with rpc_proxy("messaging", service_config, actor) as proxy:
            try:
                return proxy.approve_article(made["id"])["status"]
            except Conflict:
                return "refused"

    outcomes = list(eventlet.GreenPool(6).imap(approve, reviewers))
    assert outcomes.count("refused") == 5 and len(taken(sandbox, "freepublish_submit")) == before + 1


def test_the_library_is_listed_fifty_at_a_time_newest_first(operator):
    made = [image(operator, f"分页{i}")["id"] for i in range(3)]
    first = operator.materials("image")["materials"]
    assert [m["id"] for m in first[:3]] == made[::-1] and len(first) <= 50
    later = operator.materials("image", 1)["materials"]
    assert later[0]["id"] == made[1]  # from the second newest on
    assert operator.materials("image", -5)["materials"][0]["id"] == made[2]  # a bad offset is the first page


def test_articles_are_listed_fifty_at_a_time_and_every_one_can_be_chosen_for_a_send(operator):
    cover = image(operator, "分页封面")["id"]
    made = [operator.save_article(None, article(cover, title=f"分页图文{i}"))["id"] for i in range(55)]
    first = operator.articles()
    assert len(first["articles"]) == 50 and first["total"] >= 55
    assert [a["id"] for a in first["articles"][:50]] == made[::-1][:50]
    second = operator.articles(50)
    assert [a["id"] for a in second["articles"][:5]] == made[4::-1]  # the five oldest of them, past the first page
    assert operator.articles(-5)["articles"][0]["id"] == made[-1]  # a bad offset is the first page
    chosen = {a["id"] for a in operator.article_choices()}
    assert set(made) <= chosen  # a mass send may carry any of them, not only the newest page


def test_a_double_submit_or_a_retried_call_creates_once(operator, approver, engine, sandbox, service_config):
    """The same request id, sent twice at once and again later, makes one material, one article and one mass-send
    draft; someone else cannot take over a key, and a malformed key is refused."""

    def twice_at_once(call):
        def one(_):
            with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
                return call(proxy)["id"]

        made = set(eventlet.GreenPool(2).imap(one, range(2)))
        assert len(made) == 1
        return made.pop()

    key = f"req-{uuid.uuid4().hex}"
    uploads = len(taken(sandbox, "material_add"))
    png = sample_image("PNG")
    material_id = twice_at_once(lambda p: p.upload_material({"kind": "image", "title": "封面"}, b64(png), key))
    assert operator.upload_material({"kind": "image", "title": "封面"}, b64(png), key)["id"] == material_id
    assert len(taken(sandbox, "material_add")) == uploads + 1  # WeChat was given it once

    article_id = twice_at_once(lambda p: p.save_article(None, article(material_id), key))
    assert operator.save_article(None, article(material_id), key)["id"] == article_id

    tag_id, _ = group(engine, sandbox, 3)
    send_id = twice_at_once(
        lambda p: p.save_mass_send(
            None, {"title": "通知", "content": "内容", "target": {"kind": "tag", "tag_id": tag_id}}, key
        )
    )
    assert (
        operator.save_mass_send(
            None, {"title": "通知", "content": "内容", "target": {"kind": "tag", "tag_id": tag_id}}, key
        )["id"]
        == send_id
    )
    with pytest.raises(Conflict) as taken_over:
        approver.save_mass_send(None, {"title": "别人的", "content": "内容", "target": {"kind": "all"}}, key)
    assert taken_over.value.code == "request_id_reused"
    with pytest.raises(ValidationError) as malformed:
        operator.save_article(None, article(material_id), "x")
    assert malformed.value.code == "invalid_request_id"
