"""The pages as people use them, in a real headless Chromium: the sandbox phone, the H5 form, the staff pages."""

import os
import re
import shutil
import uuid

import pytest
import requests

from libs.testing import sample_image, wait_for

CHROMIUM = os.environ.get("WZW_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"), reason="Debian chromium not installed")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


LAPTOP = {"width": 1280, "height": 800}  # staff
PHONE = {"width": 390, "height": 844}  # citizens, in WeChat's webview
TABLET = {"width": 820, "height": 1180}  # staff on a tablet, upright


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized browser, signed in to WeChat as a new citizen (the sandbox's OAuth reads this cookie)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.openid = f"o_browser_{uuid.uuid4().hex[:8]}"
    yield page
    context.close()


def sign_in_as_citizen(system, page):
    page.goto(f"{system.sandbox}/?openid={page.openid}")  # sets the sandbox's "who holds the phone" cookie


def file_in_form(system, page, content="小区门口的路灯坏了一个月，晚上出行很不安全，请尽快修理。"):
    page.goto(f"{system.gateway}/h5/complaints/new")
    page.fill("input[name=accused]", "幸福小区物业公司")
    page.fill("textarea[name=content]", content)
    page.fill("input[name=contact_phone]", "１３９ ０００１ ２２２２")  # full-width digits and spaces, as typed
    page.click("#submit")
    page.wait_for_selector("#case-number, #duplicates")
    if page.locator("#duplicates").count():  # tests file the same text again and again: 仍然提交
        page.click("#submit")
    return page.locator("#case-number").inner_text()


def shot(page, name):
    target = os.environ.get("WZW_SCREENSHOTS")
    if target:
        os.makedirs(target, exist_ok=True)
        page.screenshot(path=os.path.join(target, f"{name}.png"), full_page=True)


def test_citizen_complains_from_the_phone_and_staff_replies(system, page):
    openid = "o_browser_citizen"
    page.goto(f"{system.sandbox}/?openid={openid}")
    page.click("#btn-follow")
    page.wait_for_selector(".row.account .bubble:has-text('欢迎关注微政务')")

    # the welcome message's link opens the complaint form inside the phone; OAuth happens behind it
    page.click(".bubble a:has-text('在线提交')")
    form = page.frame_locator("#frame")
    form.locator("input[name=accused]").fill("幸福小区物业公司")
    form.locator("textarea[name=content]").fill("小区电梯停运一周无人维修，老人上下楼非常困难。")
    form.locator("select[name=department_id]").select_option(label="市住房和城乡建设局")
    form.locator("input[name=contact_name]").fill("王大爷")
    form.locator("input[name=contact_phone]").fill("1390000")  # too short: the form says so and keeps the text
    form.locator("#submit").click()
    error = form.locator(".err[data-field=contact_phone]")
    error.wait_for()
    assert "11位手机号" in error.inner_text()
    assert form.locator("input[name=accused]").input_value() == "幸福小区物业公司"

    form.locator("input[name=contact_phone]").fill("13900001111")
    form.locator("#submit").click()
    number = form.locator("#case-number").inner_text()
    assert re.fullmatch(r"TS\d{12}", number)
    shot(page, "h5-submitted")

    page.click("text=✕ 关闭")
    # the citizen only followed (never wrote): a customer-service message in the minute after the follow (3 at most),
    # a template message after that
    page.wait_for_selector(f":is(.bubble[data-kind=custom], .bubble[data-kind=template]):has-text('{number}')")

    # staff: log in, open the case, see the contact, reply
    staff = page.context.new_page()
    staff.goto(f"{system.gateway}/admin/login")
    staff.fill("input[name=username]", "shouli")
    staff.fill("input[name=password]", "wrong")
    staff.click("button[type=submit]")
    assert "用户名或密码错误" in staff.inner_text("#login-error")
    staff.fill("input[name=username]", "shouli")
    staff.fill("input[name=password]", "demo12345")
    staff.click("button[type=submit]")
    staff.click(f"text={number}")
    # the contact is hidden until asked for; the reveal is audited, once, with its reason
    assert staff.locator("#contact-phone").count() == 0
    staff.fill("#reveal-form input[name=reason]", "电话核实电梯停运情况")
    staff.click("#reveal-form button")
    assert staff.inner_text("#contact-phone") == "13900001111"
    staff.reload()  # shown in place: a reload neither posts again nor shows the details again
    assert staff.locator("#contact-phone").count() == 0
    assert staff.evaluate("document.querySelector('#audit').innerText").count("查看联系方式") == 1
    # the dispatcher moves it to another department: the form says what is missing, then it is done and audited
    staff.select_option("#assign-form select", value="")
    staff.click("#assign-form button")
    assert staff.inner_text("#assign-error") == "请选择部门"
    staff.select_option("#assign-form select", label="市市场监督管理局")
    staff.fill("#assign-form input[name=reason]", "涉及电梯维保企业资质")
    staff.click("#assign-form button")
    staff.wait_for_selector("#audit:has-text('派单')")
    assert "市市场监督管理局" in staff.inner_text("#department")
    staff.click("text=发送答复")  # empty reply: refused with a reason, on a page that reloads safely
    assert "请填写答复内容" in staff.inner_text("#reply-error")
    assert "/reply" not in staff.url
    staff.reload()
    assert "请填写答复内容" in staff.inner_text("#reply-error")
    staff.fill("textarea[name=body]", "已通知物业公司三日内修复电梯，请留意后续通知。")
    staff.click("text=发送答复")
    staff.wait_for_selector(".reply:has-text('三日内修复电梯')")
    assert "答复已发送" in staff.inner_text("#notice")
    assert staff.inner_text("#status") == "已答复"
    assert "答复" in staff.inner_text("#audit") and "case.replied" not in staff.inner_text("#audit")
    assert staff.locator("#contact-phone").count() == 0  # a new page: hidden again
    staff.set_viewport_size(LAPTOP)
    shot(staff, "admin-case")

    # back on the phone: the reply arrives, and sending the number shows the status
    page.bring_to_front()
    page.wait_for_selector(
        ".bubble[data-kind=template]:has-text('有新答复'), .bubble[data-kind=custom]:has-text('有了新的答复')"
    )
    page.fill("#text", number)
    page.press("#text", "Enter")
    page.wait_for_selector(".bubble[data-kind=passive]:has-text('状态：已答复')")
    assert "三日内修复电梯" in page.locator(".bubble[data-kind=passive]").last.inner_text()
    shot(page, "phone")


def test_a_citizen_who_does_not_follow_is_shown_how_to_get_updates(system, phone):
    sign_in_as_citizen(system, phone)
    number = file_in_form(system, phone)
    assert re.fullmatch(r"TS\d{12}", number)
    assert phone.locator("#follow-qr svg").is_visible()  # the account's QR code, to long-press in WeChat
    assert "还没有关注" in phone.inner_text("#follow-hint")
    assert phone.locator("#will-notify").count() == 0  # no promise WeChat would not let us keep
    shot(phone, "h5-submitted-not-following")


def test_my_cases_lists_the_citizens_own_cases_and_looks_numbers_up(system, phone):
    sign_in_as_citizen(system, phone)
    number = file_in_form(system, phone)
    phone.goto(f"{system.gateway}/h5/cases")
    wait_for(lambda: phone.locator("#case-list a").count() == 1, message="the case list")
    assert number in phone.inner_text("#case-list")
    box = phone.locator("#lookup-number")
    box.click()  # the search box takes focus and typing
    assert phone.evaluate("document.activeElement.id") == "lookup-number"
    box.type(number.lower())
    phone.keyboard.press("Enter")
    phone.wait_for_selector(f"#number:has-text('{number}')")
    shot(phone, "h5-case")


def test_the_complaint_form_counts_characters_up_to_the_limit(system, phone):
    sign_in_as_citizen(system, phone)
    phone.goto(f"{system.gateway}/h5/complaints/new")
    assert phone.inner_text("#content-counter") == "0/2000"
    phone.fill("textarea[name=content]", "字" * 2100)  # a paste longer than the limit is cut by the browser...
    assert phone.inner_text("#content-counter") == "2000/2000"  # ...and the counter says so, in red
    assert phone.eval_on_selector("#content-counter", "e => getComputedStyle(e).color") == "rgb(250, 81, 81)"
    shot(phone, "h5-form-limit")


def test_a_citizen_finds_what_to_bring_for_unemployment_benefits(system, phone):
    """微官网 → 社会保障窗口 → 失业人员各项补贴 → materials → the department's phone, at phone size, no login."""
    phone.goto(f"{system.gateway}/h5/")
    shot(phone, "h5-home")
    phone.click("#windows a:has-text('社会保障窗口')")
    phone.click("text=失业人员各项补贴")
    assert phone.inner_text("#service-name") == "失业人员各项补贴"
    assert phone.locator("#materials .weui-cell").count() >= 2
    shot(phone, "h5-service-type")
    phone.click("text=办理部门的电话和地址")
    assert phone.inner_text("#department-name") == "市人力资源和社会保障局"
    assert phone.inner_text("#department-phone").startswith("0")
    shot(phone, "h5-department")
    labels = phone.eval_on_selector_all(".weui-form-preview__label", "els => els.map(e => e.getClientRects().length)")
    # back home: the latest notice, then the photo album
    phone.goto(f"{system.gateway}/h5/")
    phone.locator("#latest-news a").first.click()
    phone.wait_for_selector("#news-body p")
    shot(phone, "h5-news")
    phone.goto(f"{system.gateway}/h5/albums")
    phone.locator("#albums a").first.click()
    phone.wait_for_selector("#photos img")
    # or, typing what they would call it
    phone.goto(f"{system.gateway}/h5/services")
    shot(phone, "h5-services")
    phone.fill("input[name=q]", "领失业金")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#hits a")
    assert "失业人员各项补贴" in phone.locator("#hits a").first.inner_text()
    shot(phone, "h5-search")
    # no label breaks inside itself on a phone (被投诉对象, 办理时限 …)
    assert labels and all(n == 1 for n in labels)


def test_a_department_editor_updates_the_catalogue_and_publishes_a_notice(system, page, browser):
    page.set_viewport_size(LAPTOP)
    page.goto(f"{system.gateway}/admin/login")
    page.fill("input[name=username]", "renshe")  # 人社局's editor
    page.fill("input[name=password]", "demo12345")
    page.click("button[type=submit]")
    page.click("header a:has-text('内容')")
    assert page.locator("#content-departments tr").count() == 2  # the header and their own department only
    page.click("#content-departments a:has-text('编辑')")
    page.fill("#f-phone", "")
    page.click("#department-form button")
    assert page.inner_text("[data-field=phone]") == "请填写电话"  # refused, on a page that reloads safely
    page.fill("#f-phone", "0571-12333")
    page.fill("#f-hours", "工作日 8:30-12:00, 13:30-17:30")
    page.click("#department-form button")
    assert "已保存" in page.inner_text("#notice")
    assert "时间" in page.inner_text("#versions")
    shot(page, "admin-content-department")

    page.goto(f"{system.gateway}/admin/content/")
    page.click("#new-news")
    page.fill("#f-title", "社保卡换发公告")
    page.fill("#f-body_html", "<p>即日起换发第三代社保卡。<script>alert(1)</script></p><p>请携带身份证。</p>")
    page.click("button[value=draft]")
    assert page.inner_text("#news-status") == "草稿"
    with page.expect_popup() as popup:
        page.click("#preview-link")
    preview = popup.value
    preview.wait_for_selector("#preview-banner")
    assert "草稿" in preview.inner_text("#preview-banner") and "alert" not in preview.inner_text("#news-body")
    preview.close()
    page.click("#publish")
    assert page.inner_text("#news-status") == "已发布"
    shot(page, "admin-content-news")

    citizen = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    citizen.goto(f"{system.gateway}/h5/news")
    citizen.click("text=社保卡换发公告")
    assert "请携带身份证" in citizen.inner_text("#news-body")
    citizen.goto(f"{system.gateway}/h5/departments/1")
    assert "8:30" in citizen.inner_text("body")
    citizen.context.close()
    # another department's entries are not theirs to change
    assert page.goto(f"{system.gateway}/admin/content/departments/2").status == 403


def test_the_photo_album_on_a_phone(system, phone):
    phone.goto(f"{system.gateway}/h5/albums")
    phone.locator("#albums a").first.click()
    phone.wait_for_selector("#photos img")
    phone.wait_for_load_state("networkidle")
    loaded = phone.eval_on_selector_all("#photos img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
    assert loaded and all(loaded)
    shot(phone, "h5-album")


def test_a_citizen_books_an_appointment_on_the_phone_and_the_window_sees_it(system, phone, browser):
    """微官网 → 社保卡申领 → 预约办理 → a day → a slot → booked; then the window's list at laptop size."""
    sign_in_as_citizen(system, phone)
    phone.goto(f"{system.gateway}/h5/search?q=社保卡")
    phone.click("text=社保卡申领")
    phone.click("#book")
    phone.wait_for_selector("#days")
    shot(phone, "h5-booking-days")
    phone.locator("#days a.day").first.click()
    phone.wait_for_selector("#booking-form")
    phone.locator("label.weui-check__label").first.click()
    phone.fill("#contact_name", "李华")
    phone.fill("#contact_phone", "13612345678")
    shot(phone, "h5-booking-form")
    phone.click("#submit")
    phone.wait_for_selector("text=预约成功")
    number = phone.inner_text("#number")
    assert re.fullmatch(r"YY\d{12}", number) and "社会保障窗口" in phone.inner_text("body")
    # a phone width must not push the page sideways, and labels such as 预约时间 stay on one line
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.locator("text=预约时间").bounding_box()["height"] < 30
    shot(phone, "h5-booked")
    phone.goto(f"{system.gateway}/h5/appointments")
    assert "社保卡申领" in phone.inner_text("#appointment-list")

    staff = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
    staff.goto(f"{system.gateway}/admin/login")
    staff.fill("input[name=username]", "chuangkou")
    staff.fill("input[name=password]", "demo12345")
    staff.click("button[type=submit]")
    staff.goto(f"{system.gateway}/admin/appointments?q={number}")
    row = staff.locator(f"tr[data-number='{number}']")
    assert "李*" in row.inner_text() and "136****5678" in row.inner_text() and "李华" not in row.inner_text()
    shot(staff, "admin-appointments")
    staff.context.close()


def test_an_administrator_sets_a_windows_booking_rule(system, page):
    page.set_viewport_size(LAPTOP)
    sign_in(page, system, "admin")
    page.goto(f"{system.gateway}/admin/appointments/rules")
    form = page.locator("form:has(h3:has-text('环境保护窗口'))")
    form.locator("textarea[name=periods]").fill("09:00-12:00\n11:00-13:00")  # overlapping: refused, kept as typed
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-field=periods]")
    assert "重叠" in page.inner_text("[data-field=periods]")
    form = page.locator("form:has(h3:has-text('环境保护窗口'))")
    assert "11:00-13:00" in form.locator("textarea[name=periods]").input_value()
    form.locator("textarea[name=periods]").fill("09:00-11:30")
    form.locator("input[name=counters]").fill("2")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#notice")
    shot(page, "admin-booking-rules")
    page.goto(f"{system.gateway}/admin/appointments/calendar?year=2026")
    assert "国庆节调休上班" in page.inner_text("#calendar")
    shot(page, "admin-calendar")


def sign_in(page, system, username):
    """The admin's sign-in as a person does it: the password, then (系统管理员, 督办) the authenticator's code."""
    page.goto(f"{system.gateway}/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo12345")
    page.click("button[type=submit]")
    if "/admin/login/code" in page.url:
        page.fill("input[name=code]", system.second_factor_code(username))
        page.click("button[type=submit]")
    assert "/admin/login" not in page.url, page.inner_text("body")[:300]


def staff_login(browser, system, username):
    staff = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
    sign_in(staff, system, username)
    return staff


def test_a_desk_clerks_day_from_new_case_to_the_citizens_rating(system, phone, browser):
    """受理 → 派单 → 签收 → 答复 (previewed) → 办结 → the citizen rates, each person on their own screen."""
    sign_in_as_citizen(system, phone)
    number = file_in_form(system, phone, "菜市场门口的垃圾桶满溢三天无人清运，气味很大，影响周边居民和摊贩。")

    center = staff_login(browser, system, "shouli")
    center.goto(f"{system.gateway}/admin/cases")  # the center's desk opens on the new cases
    assert center.locator("#queues a.on").get_attribute("data-queue") == "new"
    row = center.locator(f"tr[data-number='{number}']")
    assert "待分派" in row.inner_text()
    shot(center, "desk-new-cases")
    row.locator("a").click()
    center.click("#do-accept")
    center.wait_for_selector("#notice:has-text('已受理')")
    center.select_option("#assign-form select", label="市生态环境局")
    center.fill("#assign-form input[name=reason]", "环境卫生，请现场处置")
    center.click("#assign-form button")
    center.wait_for_selector("#status:has-text('已派单')")
    assert "市生态环境局" in center.inner_text("#department")

    handler = staff_login(browser, system, "huanbao")
    handler.goto(f"{system.gateway}/admin/cases")
    assert handler.locator("#queues a.on").get_attribute("data-queue") == "department"
    handler.locator(f"tr[data-number='{number}'] a").click()
    handler.click("#do-start")
    handler.wait_for_selector("#status:has-text('办理中')")
    handler.fill("#note-form input[name=body]", "已联系街道环卫所，今天下午清运")
    handler.click("#note-form button")
    handler.wait_for_selector(".note:has-text('环卫所')")
    handler.click("#templates button:has-text('已现场核查整改')")  # a model answer to start from
    assert handler.input_value("#reply-body").startswith("您好，经现场核查")
    handler.fill("#reply-body", "环卫所已于当日完成清运，并增加该点位清运频次为每日两次。")
    handler.click("#preview-button")
    handler.wait_for_selector("#preview-channel")
    # this citizen does not follow the account: the preview says WeChat cannot tell them, instead of promising
    assert "未关注公众号" in handler.inner_text("#preview-channel") and handler.locator("#preview-text").count() == 0
    follower = system.citizen(phone.openid)
    follower.subscribe()
    follower.send_text("请问我的投诉处理得怎么样了")  # now WeChat allows a customer-service message: the whole answer
    handler.click("#preview-button")
    handler.wait_for_selector("#preview-text")
    assert "含答复全文" in handler.inner_text("#preview-channel")
    preview = handler.inner_text("#preview-text")
    assert preview.startswith(f"您的投诉举报 {number} 有了新的答复") and "每日两次" in preview
    assert handler.input_value("#reply-body").endswith("每日两次。")  # the text stays for sending
    shot(handler, "desk-reply-preview")
    handler.click("#send-reply")
    handler.wait_for_selector("#status:has-text('已答复')")

    center.reload()
    center.click("#do-close")
    center.wait_for_selector("#status:has-text('已办结')")
    assert [t.strip() for t in center.locator("#timeline li b").all_inner_texts()] == [
        "提交",
        "受理",
        "派单",
        "签收办理",
        "答复",
        "办结",
    ]
    shot(center, "desk-closed-case")

    phone.goto(f"{system.gateway}/h5/cases/{number}")
    assert "市生态环境局" in phone.inner_text("#department")
    assert "市生态环境局" in phone.inner_text("#replies") and "每日两次" in phone.inner_text("#replies")
    assert "环卫所已" in phone.inner_text("#replies") and "今天下午清运" not in phone.inner_text("body")  # notes stay
    phone.click("#rate")  # nothing chosen: told so
    phone.wait_for_selector(".err[data-field=rating]")
    phone.click("label[for=r-satisfied]")
    phone.fill("textarea[name=comment]", "处理很及时")
    phone.click("#rate")
    phone.wait_for_selector("#rated")
    assert "满意" in phone.inner_text("#rated")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "h5-case-rated")
    center.context.close()
    handler.context.close()


def test_an_operator_sets_a_keyword_reply_and_a_citizen_gets_its_card(system, browser, phone):
    operator = staff_login(browser, system, "yunying")
    assert "/admin/wechat/inbox" in operator.url  # an operator's workplace opens on the citizens' messages
    operator.click("#wechat-nav a:has-text('回复设置')")
    word = f"医保{uuid.uuid4().hex[:3]}"
    operator.fill("#f-name", "医保报销")
    operator.fill("#f-keywords", word)
    operator.select_option("#f-kind", "news")
    operator.fill("#f-a-title", "医保报销指南")
    operator.fill("#f-a-url", "http://gov.example/yb")  # not https: refused at its field, the rest kept
    operator.click("#rule-form button[type=submit]")
    operator.wait_for_selector("[data-field='article.url']")
    assert operator.input_value("#f-a-title") == "医保报销指南"
    operator.fill("#f-a-url", "https://gov.example/yb")
    operator.fill("#f-a-desc", "门诊、住院费用怎么报")
    operator.click("#rule-form button[type=submit]")
    operator.wait_for_selector("#notice")
    assert word in operator.inner_text("#rules")
    shot(operator, "admin-wechat-replies")
    try:
        sign_in_as_citizen(system, phone)
        phone.fill("#text", f"{word}怎么报销")
        phone.click("#form button[type=submit]")
        card = phone.locator(".bubble[data-kind=news]")
        card.wait_for()
        assert "医保报销指南" in card.inner_text() and "门诊、住院费用怎么报" in card.inner_text()
        shot(phone, "phone-news-reply")
    finally:
        rule = operator.locator(f"#rules tr:has-text('{word}')")
        operator.once("dialog", lambda dialog: dialog.accept())
        rule.locator("button:has-text('删除')").click()
        operator.wait_for_selector("#notice:has-text('已删除')")


def test_an_operator_publishes_a_menu_and_a_citizen_uses_it_on_the_phone(system, phone, browser):
    operator = staff_login(browser, system, "yunying")
    operator.click("#wechat-nav a:has-text('自定义菜单')")
    slot = "input[name='b2.s3.name']"
    assert operator.input_value(slot) == "联系我们"  # the demo menu, in its slots
    operator.fill(slot, "热线电话")
    operator.click("#menu-form button[type=submit]")
    operator.wait_for_selector("#notice:has-text('菜单草稿已保存')")
    assert "草稿有未发布的修改" in operator.inner_text("#menu-status")
    assert "热线电话" in operator.inner_text("#menu-preview")
    operator.click("#menu-status button:has-text('发布到微信')")
    operator.wait_for_selector("#notice:has-text('菜单已发布到微信')")
    shot(operator, "admin-wechat-menu")
    try:
        sign_in_as_citizen(system, phone)
        phone.click("#btn-follow")
        phone.wait_for_selector(".row.account .bubble")
        phone.click(".menu .top button:has-text('我的')")
        phone.click(".menu .subs.open button:has-text('热线电话')")
        phone.wait_for_selector(".bubble[data-kind=passive]:has-text('12345政务服务便民热线')")
        phone.click(".menu .top button:has-text('办事服务')")
        shot(phone, "phone-menu")
        phone.click(".menu .subs.open button:has-text('服务指南')")
        card = phone.locator(".bubble[data-kind=news]")
        card.wait_for()
        assert "办事指南" in card.inner_text()
        # the whole phone fits a phone's screen: nothing to scroll sideways
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        operator.fill(slot, "联系我们")
        operator.click("#menu-form button[type=submit]")
        operator.wait_for_selector("#notice:has-text('菜单草稿已保存')")
        operator.click("#menu-status button:has-text('发布到微信')")
        operator.wait_for_selector("#notice:has-text('菜单已发布到微信')")


def test_a_citizen_writes_and_an_operator_answers_from_the_inbox(system, phone, browser):
    sign_in_as_citizen(system, phone)
    phone.click("#btn-follow")
    phone.wait_for_selector(".row.account .bubble")
    question = f"请问城东菜市场周末几点开门？{uuid.uuid4().hex[:4]}"
    phone.fill("#text", question)
    phone.press("#text", "Enter")
    phone.wait_for_selector(f".row.me .bubble:has-text('{question}')")

    operator = staff_login(browser, system, "yunying")
    row = operator.locator(f"#inbox tr:has-text('{question}')")
    assert "待回复" in row.inner_text()
    row.locator("a").click()
    assert "客服消息" in operator.inner_text("#channel")  # staff know how it will arrive before sending
    operator.fill("#f-text", "城东菜市场周末6:00至19:00营业。")
    operator.click("#answer button[type=submit]")
    operator.wait_for_selector("#notice:has-text('回复已通过客服消息发送')")
    assert "城东菜市场周末6:00至19:00营业" in operator.inner_text("#thread")
    shot(operator, "admin-wechat-conversation")

    phone.wait_for_selector(".bubble[data-kind=custom]:has-text('6:00至19:00')")
    phone.goto(f"{system.gateway}/h5/messages")
    assert "城东菜市场周末6:00至19:00营业" in phone.inner_text("#messages")
    shot(phone, "h5-my-messages")


def test_an_operator_groups_followers_and_a_citizen_fills_in_the_profile(system, phone, browser):
    sign_in_as_citizen(system, phone)
    phone.click("#btn-follow")
    phone.wait_for_selector(".row.account .bubble")
    phone.goto(f"{system.gateway}/h5/profile")
    phone.click("label[for=g-female]")
    phone.select_option("#region", "滨江区")
    phone.click("#save")
    phone.wait_for_selector("#saved")
    shot(phone, "h5-profile")

    operator = staff_login(browser, system, "yunying")
    operator.click("#wechat-nav a:has-text('粉丝')")
    name = f"滨江女性{uuid.uuid4().hex[:3]}"
    operator.fill("#f-tag-name", name)
    operator.click("form:has(#f-tag-name) button[type=submit]")
    operator.wait_for_selector("#notice:has-text('分组已保存')")
    operator.select_option("#search select[name=gender]", "female")
    operator.fill("#search input[name=region]", "滨江区")
    operator.click("#search button[type=submit]")
    row = operator.locator(f"#followers tr[data-openid='{phone.openid}']")
    row.locator("input[name=openid]").check()
    operator.select_option("#bulk select[name=tag_id]", label=name)
    operator.click("#bulk button[type=submit]")
    operator.wait_for_selector("#notice:has-text('已加入分组：1位粉丝')")
    assert name in operator.locator(f"#followers tr[data-openid='{phone.openid}']").inner_text()
    shot(operator, "admin-wechat-followers")


def test_a_mass_send_is_written_by_one_operator_approved_by_another_and_reaches_the_phone(system, phone, browser):
    sign_in_as_citizen(system, phone)
    phone.click("#btn-follow")
    phone.wait_for_selector(".row.account .bubble")
    api = system.staff_session("yunying")
    tag = api.post(f"{system.gateway}/api/v1/wechat/follower-tags", json={"name": f"演示{uuid.uuid4().hex[:4]}"})
    api.post(
        f"{system.gateway}/api/v1/wechat/follower-tags/{tag.json()['id']}/members", json={"openids": [phone.openid]}
    )
    helper = system.citizen()  # WeChat's mass send needs two followers at least
    requests.post(f"{system.sandbox}/sandbox/phone/{helper.openid}/send", json={"event": "subscribe"})
    api.post(
        f"{system.gateway}/api/v1/wechat/follower-tags/{tag.json()['id']}/members", json={"openids": [helper.openid]}
    )

    author = staff_login(browser, system, "yunying")
    author.click("#wechat-nav a:has-text('群发')")
    author.fill("#f-mass-title", "义诊通知")
    author.fill("#f-mass-content", "本周六上午市民中心免费义诊，欢迎参加。")
    author.select_option("#f-mass-kind", "tag")
    author.select_option("#f-mass-tag", str(tag.json()["id"]))
    author.click("#mass-form button[type=submit]")
    author.wait_for_selector("#notice:has-text('草稿已保存')")
    assert "将发送 2 位" in author.inner_text("#estimate")
    author.click("#submit-send")
    author.wait_for_selector("#await-approval")
    shot(author, "admin-wechat-mass")

    approver = staff_login(browser, system, "shenhe")
    approver.goto(author.url.split("?")[0])
    approver.once("dialog", lambda dialog: dialog.accept())
    approver.click("#approve-send")
    approver.wait_for_selector("#notice:has-text('审核通过')")
    phone.goto(f"{system.sandbox}/?openid={phone.openid}")
    phone.wait_for_selector(".bubble[data-kind=mass]:has-text('免费义诊')")
    shot(phone, "phone-mass")


def test_the_statistics_page_draws_wechats_figures(system, browser):
    system.staff_session("yunying").post(f"{system.gateway}/api/v1/wechat/stats/pull").raise_for_status()
    operator = staff_login(browser, system, "yunying")
    operator.click("#wechat-nav a:has-text('数据统计')")
    operator.wait_for_selector("[data-chart='关注'] svg polyline")
    assert operator.locator("#stats-table tr").count() == 31  # a header and thirty days
    shot(operator, "admin-wechat-stats")


def test_an_operator_uploads_an_image_writes_an_article_and_the_phone_reads_it(system, phone, browser, tmp_path):
    sign_in_as_citizen(system, phone)
    phone.click("#btn-follow")
    phone.wait_for_selector(".row.account .bubble")
    api = system.staff_session("yunying")
    tag = api.post(f"{system.gateway}/api/v1/wechat/follower-tags", json={"name": f"图文{uuid.uuid4().hex[:4]}"})
    helper = system.citizen()  # WeChat's mass send needs two followers at least
    requests.post(f"{system.sandbox}/sandbox/phone/{helper.openid}/send", json={"event": "subscribe"})
    members = {"openids": [phone.openid, helper.openid]}
    api.post(f"{system.gateway}/api/v1/wechat/follower-tags/{tag.json()['id']}/members", json=members)

    author = staff_login(browser, system, "yunying")
    author.click("#wechat-nav a:has-text('素材管理')")
    picture = tmp_path / "activity.jpg"
    picture.write_bytes(sample_image("JPEG", (800, 450), (30, 110, 190)))
    author.fill("#f-m-title", "开放日现场照片")
    author.set_input_files("#f-m-file", str(picture))
    author.click("#upload")
    author.wait_for_selector("#notice:has-text('已上传到微信素材库')")
    assert author.locator("#materials img[alt='开放日现场照片']").evaluate("i => i.naturalWidth") == 800
    shot(author, "admin-wechat-materials")

    author.click("#material-kinds a:has-text('图文')")
    author.fill("#f-ar-title", "开放日现场直击")
    author.fill("#f-ar-author", "市政务服务中心")
    author.select_option("#f-ar-cover", label="开放日现场照片")
    author.fill("#f-ar-body", "<p>本周六9:00-16:00，开放日现场照片欢迎您。</p>")
    author.click("#insert-images button:has-text('开放日现场照片')")
    author.click("#save-article")
    author.wait_for_selector("#notice:has-text('图文已保存')")
    assert author.locator("#article-body img").evaluate("i => i.naturalWidth") == 800  # shown from our copy
    shot(author, "admin-wechat-article")

    author.click("#wechat-nav a:has-text('群发')")
    author.fill("#f-mass-title", "开放日")
    author.select_option("#f-mass-type", "mpnews")
    assert author.locator("#f-mass-content").is_hidden()
    author.select_option("#f-mass-article", label="开放日现场直击（草稿）")
    author.select_option("#f-mass-kind", "tag")
    author.select_option("#f-mass-tag", str(tag.json()["id"]))
    author.click("#mass-form button[type=submit]")
    author.wait_for_selector("#notice:has-text('草稿已保存')")
    author.click("#submit-send")
    author.wait_for_selector("#await-approval")

    approver = staff_login(browser, system, "shenhe")
    approver.goto(author.url.split("?")[0])
    approver.once("dialog", lambda dialog: dialog.accept())
    approver.click("#approve-send")
    approver.wait_for_selector("#notice:has-text('审核通过')")

    phone.goto(f"{system.sandbox}/?openid={phone.openid}")
    card = phone.locator(".bubble[data-kind=mass]:has-text('开放日现场直击')")
    card.wait_for()
    shot(phone, "phone-mass-article")
    card.locator("a:has-text('阅读全文')").click()  # opens in the phone's web view, as in WeChat
    article = phone.frame_locator("#frame")
    article.locator("#article-title").wait_for()
    assert article.locator("#article-body img").evaluate("i => i.naturalWidth") == 800  # at WeChat's own address
    assert article.locator("body").evaluate("b => b.scrollWidth <= b.clientWidth")  # the article fits the phone
    shot(phone, "phone-article")


def test_a_departments_own_account_on_the_phone_and_in_the_admin(system, phone, browser):
    phone.goto(f"{system.sandbox}/?openid={phone.openid}&account=hbj")
    assert phone.inner_text("#account-name").startswith("市生态环境局")
    phone.click("#btn-follow")
    phone.wait_for_selector(".row.account .bubble:has-text('欢迎关注')")
    phone.fill("#text", "河边有人倾倒垃圾")
    phone.click("#form button[type=submit]")
    phone.wait_for_selector(".row.account .bubble:has-text('留言已收到')")
    shot(phone, "phone-department-account")

    operator = staff_login(browser, system, "hbyunying")
    operator.goto(f"{system.gateway}/admin/wechat/inbox")
    assert "公众号：市生态环境局" in operator.inner_text("#account-name")
    row = operator.locator("tr:has-text('河边有人倾倒垃圾')")
    row.wait_for()
    shot(operator, "admin-wechat-department-inbox")

    admin = staff_login(browser, system, "admin")
    admin.goto(f"{system.gateway}/admin/wechat/inbox")
    assert admin.locator("tr:has-text('河边有人倾倒垃圾')").count() == 0  # the city's inbox
    with admin.expect_navigation():
        admin.select_option("#f-account", "hbj")
    admin.wait_for_selector("tr:has-text('河边有人倾倒垃圾')")
    shot(admin, "admin-wechat-account-switch")


def test_a_citizen_votes_on_the_phone_with_several_choices(system, phone):
    """微投票 at 390×844: a vote of at most 2 choices, a third box disabled once two are ticked, results after."""
    from datetime import UTC, datetime, timedelta

    api = system.staff_session("yunying")
    data = {
        "title": "最想增设的便民设施",
        "description": "请选出您最希望在社区增设的便民设施，最多选2项。",
        "options": [{"label": "智能快递柜"}, {"label": "电动车充电桩"}, {"label": "社区食堂"}, {"label": "口袋公园"}],
        "max_choices": 2,
        "results": "after_vote",
        "closes_at": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
    }
    vote = api.post(f"{system.gateway}/api/v1/votes", json=data).json()
    api.post(f"{system.gateway}/api/v1/votes/{vote['id']}/publish").raise_for_status()
    sign_in_as_citizen(system, phone)
    phone.goto(f"{system.gateway}/h5/votes")
    phone.click(f"[data-vote='{vote['id']}']")
    phone.wait_for_selector("#vote-form")
    assert "投票后可见" in phone.inner_text("#results-later")
    boxes = phone.locator("input[name=option_id]")
    for chosen in (vote["options"][0], vote["options"][2]):
        phone.click(f"label[for=option-{chosen['id']}]")
    assert boxes.nth(1).is_disabled() and boxes.nth(3).is_disabled()  # two ticked: the rest wait
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "h5-vote-form")
    phone.click("#submit")
    phone.wait_for_selector("#notice")
    assert "投票成功" in phone.inner_text("#notice")
    results = phone.inner_text("#results")
    assert results.count("我的选择") == 2 and "50.0%" not in results and "100.0%" in results
    assert "共1人参与" in phone.inner_text("#results-title")
    shot(phone, "h5-vote-results")


def test_an_operator_writes_publishes_and_closes_a_vote_in_the_admin(system, browser):
    """/admin/votes at laptop size: a refused form keeps what was typed, a draft is published, the count shows."""
    operator = staff_login(browser, system, "yunying")
    operator.click("header a:has-text('微投票')")
    operator.wait_for_selector("#vote-form")
    title = f"公园开放时间调整意见{uuid.uuid4().hex[:4]}"
    operator.fill("#f-title", title)
    operator.fill("#f-options", "延长至22点\n")  # one option only: refused
    operator.fill("#f-max", "1")
    from datetime import date, timedelta

    operator.fill("#f-closes", f"{date.today() + timedelta(days=30)}T18:00")
    operator.click("#vote-form button[type=submit]")
    assert "至少" in operator.inner_text("[data-field=options]")
    assert operator.input_value("#f-title") == title  # what was typed is kept
    operator.fill("#f-options", "延长至22点\n维持现状\n")
    operator.click("#vote-form button[type=submit]")
    assert "已保存为草稿" in operator.inner_text("#notice")
    # the draft is edited in the same form, filled in
    operator.locator("tr", has_text=title).locator("a.edit-vote").click()
    assert operator.input_value("#f-title") == title and "维持现状" in operator.input_value("#f-options")
    operator.fill("#f-options", "延长至22点\n延长至21点\n维持现状")
    operator.click("#vote-form button[type=submit]")
    assert "草稿已保存" in operator.inner_text("#notice")
    row = operator.locator("tr", has_text=title)
    row.locator("button:has-text('发布')").click()
    assert "已发布" in operator.inner_text("#notice")
    vote_id = int(operator.locator("tr", has_text=title).get_attribute("data-vote"))
    kept = system.staff_session("yunying").get(f"{system.gateway}/api/v1/votes/{vote_id}").json()
    assert [o["label"] for o in kept["options"]] == ["延长至22点", "延长至21点", "维持现状"]  # the edit was kept
    # a citizen votes; the organiser's count follows
    citizen = requests.Session()
    citizen.cookies.set("sandbox_openid", f"o_vote_{uuid.uuid4().hex[:8]}", domain="127.0.0.1")
    page = citizen.get(f"{system.gateway}/h5/votes/{vote_id}")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    option = re.search(r'name="option_id" value="(\d+)"', page.text).group(1)
    citizen.post(f"{system.gateway}/h5/votes/{vote_id}", data={"csrf": token, "option_id": option}).raise_for_status()
    operator.reload()
    assert operator.locator(f"tr[data-vote='{vote_id}'] .ballots").inner_text() == "1"
    operator.wait_for_selector(f"tr[data-vote='{vote_id}'] .chart canvas")  # the count drawn by ECharts
    shot(operator, "admin-votes")
    operator.once("dialog", lambda d: d.accept())
    operator.locator(f"tr[data-vote='{vote_id}'] button:has-text('截止')").click()
    assert "投票已截止" in operator.inner_text("#notice")
    assert "已截止" in operator.inner_text(f"tr[data-vote='{vote_id}']")


def test_a_citizen_answers_a_survey_with_logic_on_the_phone(system, phone):
    """微调研 at 390×844: a question appears only after 不满意 is chosen (and goes away again with its answer), a
    missing answer is shown under its question with the rest kept, and the public results are drawn as charts."""
    from tests.test_surveys import published_survey

    survey = published_survey(system, title=f"办事体验调查{uuid.uuid4().hex[:4]}")
    sign_in_as_citizen(system, phone)
    phone.goto(f"{system.gateway}/h5")
    phone.click("#surveys-entry")
    phone.click(f"[data-survey='{survey['id']}']")
    phone.wait_for_selector("#survey-form")
    assert phone.is_hidden("#question-q2")
    phone.click("label[for=q_q1-3]")  # 不满意: the follow-up question appears
    assert phone.is_visible("#question-q2")
    phone.fill("#q_q2", "取号后等了一个多小时")
    phone.click("label[for=q_q1-1]")  # 满意 after all: hidden again, its answer not sent
    assert phone.is_hidden("#question-q2") and phone.is_disabled("#q_q2")
    phone.click("label[for=q_q1-3]")
    assert phone.is_visible("#question-q2") and phone.input_value("#q_q2") == "取号后等了一个多小时"
    phone.click("label[for=q_q3-4]")
    phone.select_option("#q_q4_1", "2")
    phone.select_option("#q_q4_2", "1")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "h5-survey-form")
    phone.click("#submit")  # the number question left empty
    phone.wait_for_selector("[data-error=q5]")
    assert "此题为必答题" in phone.inner_text("[data-error=q5]")
    assert phone.is_visible("#question-q2") and phone.input_value("#q_q2") == "取号后等了一个多小时"
    assert phone.is_checked("#q_q3-4") and phone.input_value("#q_q4_2") == "1"
    shot(phone, "h5-survey-error")
    phone.fill("#q_q5", "70")
    phone.click("#submit")
    phone.wait_for_selector("#notice")
    assert "提交成功" in phone.inner_text("#notice") and phone.is_visible("#responded")
    phone.wait_for_selector("#results [data-result=q1] canvas")  # ECharts drew the chart
    assert "文字回答不公开" in phone.inner_text("[data-result=q2]")
    assert "取号后" not in phone.inner_text("#results")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "h5-survey-results")


def test_an_operator_builds_publishes_and_reads_a_survey_in_the_admin(system, browser):
    """/admin/surveys at laptop size: the builder with a show-if question, a refusal shown beside its field with
    everything kept, publishing with a mass-send draft, and the results as charts once a citizen answered."""
    from datetime import date, timedelta

    operator = staff_login(browser, system, "yunying")
    operator.click("header a:has-text('微调研')")
    operator.click("#new-survey")
    operator.wait_for_selector(".question")
    title = f"社区食堂需求调查{uuid.uuid4().hex[:4]}"
    operator.fill("#f-title", title)
    operator.fill("#f-closes", f"{date.today() + timedelta(days=20)}T18:00")
    first = operator.locator(".question").nth(0)
    first.locator(".q-title").fill("您会在社区食堂用餐吗")
    first.locator(".q-options").fill("会\n不会")
    first.locator(".q-options").blur()
    operator.click(".add-question")
    second = operator.locator(".question").nth(1)
    second.locator("select[data-path=type]").select_option("text")
    second.locator(".q-show-if").select_option("q1")
    operator.locator(".question").nth(1).locator(".showif label", has_text="不会").click()
    operator.click("#save")  # the second question has no title yet: refused, shown beside it
    operator.wait_for_selector("[data-error='sections.0.questions.1.title']")
    assert operator.input_value("#f-title") == title
    second = operator.locator(".question").nth(1)
    assert second.locator(".q-show-if").input_value() == "q1" and second.locator(".showif input").nth(1).is_checked()
    second.locator(".q-title").fill("为什么不会")
    shot(operator, "admin-survey-builder")
    operator.click("#save")
    operator.wait_for_selector("#notice")
    assert "已保存为草稿" in operator.inner_text("#notice") and operator.inner_text("#state") == "草稿"
    survey_id = int(operator.url.split("/admin/surveys/")[1].split("?")[0])
    operator.check("#announce")
    operator.click("#publish")
    operator.wait_for_selector("#notice")
    assert "已发布" in operator.inner_text("#notice") and "已创建群发草稿" in operator.inner_text("#notice")
    # a citizen who will not eat there says why; the organiser's page counts and charts it
    citizen = requests.Session()
    citizen.cookies.set("sandbox_openid", f"o_srv_{uuid.uuid4().hex[:8]}", domain="127.0.0.1")
    url = f"{system.gateway}/h5/surveys/{survey_id}"
    token = re.search(r'name="csrf" value="([^"]+)"', citizen.get(url).text).group(1)
    sent = citizen.post(url, data={"csrf": token, "q_q1": "2", "q_q2": "<b>家里做饭</b>"}, allow_redirects=False)
    assert sent.status_code == 303
    operator.reload()
    operator.wait_for_selector("[data-result=q1] canvas")
    assert operator.inner_text("#responses").startswith("1 份")
    assert operator.inner_text("[data-result=q2] .texts") == "<b>家里做饭</b>"  # a citizen's text, as text
    assert operator.inner_text("[data-result=q2] .show-if") == "仅当第1题选择“不会”时显示"
    shot(operator, "admin-survey-results")


def test_a_citizen_rates_a_department_and_comments_on_its_leader_on_the_phone(system, phone, browser):
    """市民印象 at 390×844: stars and tags picked by tapping (a sixth tag waits), the scorecard's charts and tag cloud;
    a comment on a leader waits for the moderator, who approves it at laptop size."""
    from tests.test_ratings import ENVIRONMENT, LEADER, departments_copied

    departments_copied(system)
    sign_in_as_citizen(system, phone)
    phone.goto(f"{system.gateway}/h5")
    phone.click("#ratings-entry")
    phone.click(f"[data-department='{ENVIRONMENT}']")
    phone.wait_for_selector("#rate-form")
    phone.click("label[for=stars-5]")
    for label in ("办事高效", "态度热情", "指引清楚", "一次办好", "等候太久"):
        phone.click(f".tags label:has-text('{label}')")
    assert phone.is_disabled(".tags input[id^=tag-]:not(:checked)")  # five chosen: the rest wait
    phone.fill("#comment", "材料一次讲清楚，窗口人员很耐心。")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "h5-rating-form")
    phone.click("#submit")
    phone.wait_for_selector("#notice")
    assert "评价成功" in phone.inner_text("#notice") and "5星" in phone.inner_text("#rated")
    phone.wait_for_selector("#score ~ div .chart canvas")
    assert "办事高效" in phone.inner_text("#tag-cloud")
    shot(phone, "h5-rating-scorecard")
    phone.click(f"[data-official='{LEADER}']")
    phone.wait_for_selector("#comment-form")
    text = f"张局长接待群众很耐心，问题当场协调解决{uuid.uuid4().hex[:4]}"
    phone.fill("#body", text)
    phone.click("#submit")
    phone.wait_for_selector("#notice")
    assert "审核通过后会公开显示" in phone.inner_text("#notice") and text not in phone.inner_text("#comments")
    shot(phone, "h5-rating-official")

    moderator = staff_login(browser, system, "yunying")
    moderator.click("header a:has-text('评价')")
    card = moderator.locator(".card[data-comment]", has_text=text)
    card.wait_for()
    shot(moderator, "admin-ratings-queue")
    card.locator("button:has-text('通过并公开')").click()
    assert "已公开" in moderator.inner_text("#notice")
    phone.reload()
    assert text in phone.inner_text("#comments")


def test_an_administrator_signs_in_with_a_code_and_gives_a_colleague_an_account(system, browser):
    """系统管理员: password, then the authenticator's code; 账号 → 新建账号 → the one-time password; the colleague's
    first sign-in chooses their own, and their navigation shows what their role allows. A name that is markup is
    shown as text."""
    admin = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
    fired = []
    admin.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
    admin.goto(f"{system.gateway}/admin/login")
    admin.fill("input[name=username]", "admin")
    admin.fill("input[name=password]", "demo12345")
    admin.click("button[type=submit]")
    admin.wait_for_url("**/admin/login/code**")
    shot(admin, "admin-sign-in-code")
    admin.fill("input[name=code]", "000000")
    admin.click("button[type=submit]")
    assert "动态口令不正确，还可尝试" in admin.inner_text("#login-error")
    admin.fill("input[name=code]", system.second_factor_code("admin"))
    admin.click("button[type=submit]")
    admin.click("header a:has-text('账号')")
    shot(admin, "admin-staff-list")

    username = f"xin{uuid.uuid4().hex[:6]}"
    admin.click("text=新建账号")
    admin.fill("input[name=username]", username)
    admin.fill("input[name=name]", '<img src=x onerror=alert("xss")>王')
    admin.check("#role-choices input[value=handler]")
    admin.click("#staff-form button[type=submit]")
    assert "这些角色只管本部门，请选择部门" in admin.inner_text("#staff-form")  # refused, kept as typed
    assert admin.input_value("input[name=username]") == username
    admin.select_option("select[name=department_id]", label="市生态环境局")
    admin.click("#staff-form button[type=submit]")
    password = admin.inner_text("#one-time-password")
    shot(admin, "admin-staff-one-time-password")
    admin.goto(f"{system.gateway}/admin/staff/?q={username}")
    assert '<img src=x onerror=alert("xss")>王' in admin.inner_text("#staff")  # as text, not an image
    admin.goto(f"{system.gateway}/admin/staff/roles")
    shot(admin, "admin-staff-roles")

    colleague = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
    colleague.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
    colleague.goto(f"{system.gateway}/admin/login")
    colleague.fill("input[name=username]", username)
    colleague.fill("input[name=password]", password)
    colleague.click("button[type=submit]")
    colleague.wait_for_url("**/admin/login/password**")
    shot(colleague, "admin-sign-in-new-password")
    colleague.fill("input[name=password]", "my-own-pass-9")
    colleague.fill("input[name=confirm]", "my-own-pass-9")
    colleague.click("button[type=submit]")
    nav = colleague.inner_text("header")
    assert "案件" in nav and "账号" not in nav and "公众号" not in nav
    assert fired == []  # no payload ran, on either screen
    admin.context.close()
    colleague.context.close()


def test_a_complaint_carrying_markup_is_shown_to_staff_as_text(system, browser, file_case):
    payload = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    case = file_case(accused=payload[:40], content=f"投诉内容 {payload} 结束")
    staff = staff_login(browser, system, "shouli")
    staff.goto(f"{system.gateway}/admin/cases/{case['id']}")
    body = staff.inner_text("main")
    assert payload in body and staff.evaluate("window.pwned") is None
    staff.goto(f"{system.gateway}/admin/cases?q={case['number']}")
    assert staff.evaluate("window.pwned") is None and case["number"] in staff.inner_text("#cases")
    shot(staff, "admin-case-markup-as-text")
    staff.context.close()


def test_the_dashboard_draws_each_roles_figures(system, browser, file_case):
    file_case(department_id=2)  # a case filed today in 环保局: figures for both screens
    admin = staff_login(browser, system, "admin")
    assert "/admin/dashboard" in admin.url  # the administrator's home
    for chart in ("#chart-daily", "#chart-trend", "#chart-growth"):
        admin.wait_for_selector(f"{chart} canvas", timeout=5000)  # drawn, the fallback table replaced
    # rates: drawn once a case is closed or rated in the period, else said
    admin.wait_for_selector("#chart-rates canvas, #chart-rates .empty", timeout=5000)
    assert "市生态环境局" in admin.inner_text("#panel-trend .legend")  # the catalogue's names
    shot(admin, "admin-dashboard")
    handler = staff_login(browser, system, "huanbao")
    handler.goto(f"{system.gateway}/admin/dashboard/")
    handler.wait_for_selector("#chart-daily canvas")
    assert handler.locator("#panel-growth").count() == 0 and handler.locator("#panel-overdue").count() == 0
    shot(handler, "admin-dashboard-handler")
    # on a tablet held upright: one column, nothing wider than the screen
    handler.set_viewport_size(TABLET)
    handler.reload()
    handler.wait_for_selector("#chart-daily canvas")
    assert handler.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(handler, "admin-dashboard-tablet")
    admin.set_viewport_size(TABLET)
    for path in ("/admin/staff/", "/admin/audit/"):
        admin.goto(f"{system.gateway}{path}")
        assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    shot(admin, "admin-audit-tablet")
    admin.context.close()
    handler.context.close()
