"""数据统计 across the system: WeChat's figures pulled from the sandbox's datacube, drawn in the admin beside ours."""

import re

import requests


def test_the_figures_are_pulled_kept_and_drawn(system):
    api = system.staff_session("yunying")
    pulled = api.post(f"{system.gateway}/api/v1/wechat/stats/pull")
    assert pulled.status_code == 200, pulled.text
    report = api.get(f"{system.gateway}/api/v1/wechat/stats", params={"days": 7}).json()
    assert len(report["days"]) == 7 and all(report["fetched"]) and all(n > 0 for n in report["wechat"]["msg_count"])
    page = system.staff_browser("yunying").get(f"{system.gateway}/admin/wechat/stats", params={"days": 7})
    assert page.status_code == 200 and page.text.count("<svg") == 5 and "新关注来源" in page.text
    assert re.search(r"<polyline[^>]+points=\"[\d., ]+\"", page.text)
    assert api.get(f"{system.gateway}/api/v1/wechat/stats", params={"days": "x"}).status_code == 400
    assert system.staff_session("huanbao").get(f"{system.gateway}/api/v1/wechat/stats").status_code == 403
    assert requests.post(f"{system.gateway}/api/v1/wechat/stats/pull").status_code == 401
