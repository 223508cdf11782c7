"""A citizen's message no rule matched is answered with the catalogue's best service card (messaging's copy of
content's catalogue, filled at start and kept from content's events), through the real callback."""

import uuid

from libs.testing import wait_for


def test_a_question_gets_the_services_card_and_an_editors_change_follows(system):
    citizen = system.citizen()

    def card(message):
        return (citizen.send_text(message).articles or [None])[0]

    guide = wait_for(lambda: card("我的社保卡丢了怎么办"), timeout=30, message="the catalogue copy at start")
    assert guide["Title"] == "办事指南：社保卡申领" and "/h5/services/" in guide["Url"]
    service_id = int(guide["Url"].rsplit("/", 1)[1])

    admin = system.staff_session("admin")
    base = f"{system.gateway}/api/v1/service-types/{service_id}"
    current = admin.get(base).json()
    renamed = f"社会保障卡申领{uuid.uuid4().hex[:3]}"
    try:
        assert admin.put(base, json=current | {"name": renamed}).status_code == 200
        wait_for(
            lambda: (c := card("社保卡丢了")) and c["Title"] == f"办事指南：{renamed}",
            timeout=45,
            interval=1,
            message="the renamed service in messaging's copy",
        )
    finally:
        admin.put(base, json=current).raise_for_status()
        # later tests share this catalogue: leave only once messaging's copy has the name back
        wait_for(
            lambda: (c := card("社保卡丢了")) and c["Title"] == "办事指南：社保卡申领",
            timeout=45,
            interval=1,
            message="the restored name in messaging's copy",
        )
    assert "留言已收到" in citizen.send_text("今天天气不错").content
