"""Open311 GeoReport v2 at the gateway, with requests shaped as the specification's examples
(http://wiki.open311.org/GeoReport_v2), in JSON and XML."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import requests

KEY = "open311-demo-key-for-development"  # the development/test key (deploy/config/wzw.yaml OPEN311)
JURISDICTION = "wzw.gov.cn"


def test_service_discovery_in_json_and_xml(system):
    base = f"{system.gateway}/open311/v2"
    listed = requests.get(f"{base}/services.json", params={"jurisdiction_id": JURISDICTION})
    assert listed.status_code == 200
    services = listed.json()
    labour = next(s for s in services if s["service_name"] == "劳动仲裁")
    assert set(labour) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert labour["type"] == "batch" and labour["group"] == "社会保障窗口" and labour["metadata"] is True
    xml = requests.get(f"{base}/services.xml", params={"jurisdiction_id": JURISDICTION})
    assert xml.headers["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "services" and root.find("service/service_code") is not None

    definition = requests.get(f"{base}/services/{labour['service_code']}.json").json()
    assert definition["service_code"] == labour["service_code"]
    dispute = next(a for a in definition["attributes"] if a["code"] == "dispute_type")
    assert dispute["datatype"] == "multivaluelist" and dispute["required"] is True and dispute["variable"] is True
    assert {"key": "wages", "name": "拖欠工资"} in dispute["values"] or dispute["values"][0]["key"] == "wages"
    tree = ElementTree.fromstring(requests.get(f"{base}/services/{labour['service_code']}.xml").content)
    assert tree.tag == "service_definition" and tree.find("attributes/attribute/code") is not None

    wrong = requests.get(f"{base}/services.json", params={"jurisdiction_id": "city.gov"})
    assert wrong.status_code == 404 and wrong.json()[0]["code"] == 404
    assert requests.get(f"{base}/services/999999.json").status_code == 404
    assert requests.get(f"{base}/services/abc.xml").status_code == 404
    assert requests.get(f"{base}/services.html").status_code == 404


def test_a_request_posted_as_the_specification_shows_then_followed(system):
    base = f"{system.gateway}/open311/v2"
    services = requests.get(f"{base}/services.json").json()
    code = next(s for s in services if s["service_name"] == "劳动仲裁")["service_code"]
    # the specification's example POST, with a Chinese phone number and our attributes
    body = {
        "api_key": KEY,
        "jurisdiction_id": JURISDICTION,
        "service_code": code,
        "lat": "30.27415",
        "long": "120.15515",
        "address_string": "滨江区江南大道100号",
        "email": "smith@example.com",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "明",
        "last_name": "李",
        "phone": "13912345678",
        "description": "公司已经拖欠三个月工资，多次讨要无果，请帮助处理。",
        "media_url": "https://example.com/photo.jpg",
        "attribute[dispute_type]": ["wages", "overtime"],
        "attribute[employer_name]": "某某制造有限公司",
        "attribute[facts]": "2026年9月起未发工资",
    }
    posted = requests.post(f"{base}/requests.json", data=body)
    assert posted.status_code == 201, posted.text
    (answer,) = posted.json()
    number = answer["service_request_id"]
    assert number.startswith("TS") and set(answer) == {"service_request_id", "service_notice", "account_id"}
    row = system.sql("SELECT channel, contact_phone, location, anonymous FROM cases.cases WHERE number = :n", n=number)[
        0
    ]
    assert (row.channel, row.contact_phone, row.location, row.anonymous) == (
        "open311",
        "13912345678",
        "滨江区江南大道100号",
        False,
    )

    one = requests.get(f"{base}/requests/{number}.json").json()[0]
    assert one["status"] == "open" and one["service_code"] == code and one["agency_responsible"]
    assert "phone" not in one and "13912345678" not in str(one) and one["address"] == "滨江区江南大道100号"
    xml = ElementTree.fromstring(requests.get(f"{base}/requests/{number}.xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text == number
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = requests.get(f"{base}/requests.json", params={"start_date": start, "end_date": end, "status": "open"})
    assert number in [r["service_request_id"] for r in listed.json()]
    closed = requests.get(f"{base}/requests.json", params={"start_date": start, "end_date": end, "status": "closed"})
    assert number not in [r["service_request_id"] for r in closed.json()]
    by_id = requests.get(f"{base}/requests.json", params={"service_request_id": f"{number},TS000000000000"}).json()
    assert [r["service_request_id"] for r in by_id] == [number]


def test_open311_refusals_in_the_specifications_error_shape(system):
    base = f"{system.gateway}/open311/v2"
    services = requests.get(f"{base}/services.json").json()
    code = next(s for s in services if s["service_name"] == "社保卡申领")["service_code"]
    ok = {"api_key": KEY, "service_code": code, "description": "社保卡已经申请一个多月了还没有收到通知。"}
    missing = requests.post(f"{base}/requests.json", data=ok)
    assert missing.status_code == 400 and "attribute[card_action]" in missing.json()[0]["description"]
    ok["attribute[card_action]"] = "first"
    for data, status in (
        ({**ok, "api_key": "wrong"}, 403),
        ({k: v for k, v in ok.items() if k != "api_key"}, 403),
        ({**ok, "service_code": "999999"}, 404),
        ({**ok, "description": "短"}, 400),
        ({**ok, "phone": "111111111"}, 400),
    ):
        refused = requests.post(f"{base}/requests.json", data=data)
        assert refused.status_code == status, (data, refused.text)
        assert refused.json()[0]["code"] == status and refused.json()[0]["description"]
    xml = requests.post(f"{base}/requests.xml", data={**ok, "api_key": "wrong"})
    assert xml.status_code == 403 and ElementTree.fromstring(xml.content).find("error/code").text == "403"
    assert requests.get(f"{base}/requests/TS000000000000.json").status_code == 404
    assert requests.get(f"{base}/requests.json", params={"start_date": "yesterday"}).status_code == 400
    # a date without a zone is Beijing time; digits of other scripts are no service code
    naive = requests.get(f"{base}/requests.json", params={"start_date": "2026-01-01", "end_date": "2026-01-02T08:00"})
    assert naive.status_code == 200 and naive.json() == []
    assert requests.get(f"{base}/requests.json", params={"service_code": "²,3"}).status_code == 200
    # an anonymous report through the API: no phone, nothing identifying kept
    anonymous = requests.post(f"{base}/requests.json", data=ok | {"first_name": "匿名者"})
    assert anonymous.status_code == 201, anonymous.text
    posted = anonymous.json()[0]
    row = system.sql(
        "SELECT contact_name, anonymous FROM cases.cases WHERE number = :n", n=posted["service_request_id"]
    )
    assert (row[0].contact_name, row[0].anonymous) == ("", True)
    # cases filed in WeChat are not listed by the API
    wechat = system.sql("SELECT number FROM cases.cases WHERE channel = 'h5' LIMIT 1")
    if wechat:
        assert requests.get(f"{base}/requests/{wechat[0].number}.json").status_code == 404


def test_a_burst_from_one_client_stops_at_its_hourly_limit(system):
    from concurrent.futures import ThreadPoolExecutor

    from services.cases.open311 import MAX_PER_HOUR, client_key

    base = f"{system.gateway}/open311/v2"
    code = next(s for s in requests.get(f"{base}/services.json").json() if s["service_name"] == "法制宣传")
    used = system.count(
        "cases.cases",
        "channel = 'open311' AND request_id LIKE :p AND created_at > now() - interval '1 hour'",
        p=f"{client_key('open311:demo')}-%",
    )
    room, extra = MAX_PER_HOUR - used, 8
    body = {"api_key": KEY, "service_code": code["service_code"], "description": "小区里能不能多办几场普法讲座？"}
    body |= {
        "attribute[audience]": "community",
        "attribute[audience_size]": "50",
        "attribute[preferred_date]": "2026-12-20",
    }

    def post(_):
        return requests.post(f"{base}/requests.json", data=body).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(post, range(room + extra)))
    assert statuses.count(201) == room and statuses.count(429) == extra, sorted(set(statuses))
