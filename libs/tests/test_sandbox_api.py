"""The sandbox answers like WeChat: error codes for bad credentials, tokens, codes and oversized template fields."""

import pytest

from libs.config import load_config
from libs.wechat.sandbox.server import OLD_TOKEN_GRACE, create_app


@pytest.fixture
def wx():
    config = load_config("deploy/config/wzw.yaml")
    app = create_app(config)
    return app.test_client(), config["WECHAT"], app.extensions["sandbox"]


def token(client, cfg):
    resp = client.get(
        "/cgi-bin/token",
        query_string={"grant_type": "client_credential", "appid": cfg["APP_ID"], "secret": cfg["APP_SECRET"]},
    )
    return resp.get_json()["access_token"]


def test_token_needs_the_right_secret(wx):
    client, cfg, _ = wx
    bad = client.get("/cgi-bin/token", query_string={"appid": cfg["APP_ID"], "secret": "guess"}).get_json()
    assert bad["errcode"] == 40013
    assert len(token(client, cfg)) > 20


def test_refresh_leaves_the_old_token_five_minutes(wx):
    client, cfg, state = wx
    old = token(client, cfg)
    new = token(client, cfg)
    assert state.tokens[old] <= state.tokens[new] - 7200 + OLD_TOKEN_GRACE + 1


def test_custom_message_needs_a_valid_token(wx):
    client, cfg, state = wx
    body = {"touser": "o1", "msgtype": "text", "text": {"content": "你好"}}
    assert client.post("/cgi-bin/message/custom/send?access_token=nope", json=body).get_json()["errcode"] == 40001
    ok = client.post(f"/cgi-bin/message/custom/send?access_token={token(client, cfg)}", json=body).get_json()
    assert ok["errcode"] == 0 and state.timeline["o1"][0]["content"] == "你好"
    assert [c["api"] for c in state.calls].count("custom_send") == 2  # refused calls are recorded too


def test_template_message_rules(wx):
    client, cfg, state = wx
    url = f"/cgi-bin/message/template/send?access_token={token(client, cfg)}"
    body = {"touser": "o2", "template_id": cfg["CASE_TEMPLATE_ID"], "data": {"first": {"value": "已受理"}}}
    assert client.post(url, json=body).get_json()["errcode"] == 43004  # not a follower
    state.followers.add("o2")
    # a template belongs to one account: another's id (or a made-up one) is refused
    assert client.post(url, json=body | {"template_id": "tmpl-hbj-case-progress"}).get_json()["errcode"] == 40037
    long_field = {**body, "data": {"first": {"value": "字" * 21}}}
    assert client.post(url, json=long_field).get_json()["errcode"] == 47001
    assert client.post(url, json=body).get_json()["errcode"] == 0


def test_oauth_code_is_single_use(wx):
    client, cfg, _ = wx
    resp = client.get(
        "/connect/oauth2/authorize",
        query_string={
            "appid": cfg["APP_ID"],
            "redirect_uri": "http://127.0.0.1:8080/h5/oauth/callback?x=1",
            "response_type": "code",
            "scope": "snsapi_base",
            "state": "/h5/cases",
            "sandbox_openid": "o3",
        },
    )
    assert resp.status_code == 302 and "x=1" in resp.location
    code = resp.location.split("code=")[1].split("&")[0]
    query = {"appid": cfg["APP_ID"], "secret": cfg["APP_SECRET"], "code": code, "grant_type": "authorization_code"}
    assert client.get("/sns/oauth2/access_token", query_string=query).get_json()["openid"] == "o3"
    assert client.get("/sns/oauth2/access_token", query_string=query).get_json()["errcode"] == 40029


def test_authorize_without_a_citizen_asks_who(wx):
    client, cfg, _ = wx
    resp = client.get(
        "/connect/oauth2/authorize",
        query_string={
            "appid": cfg["APP_ID"],
            "redirect_uri": "http://127.0.0.1:8080/h5/oauth/callback",
            "scope": "snsapi_base",
        },
    )
    assert resp.status_code == 200 and "请选择" in resp.get_data(as_text=True)
    bad = client.get("/connect/oauth2/authorize", query_string={"appid": "wxother", "redirect_uri": "x"})
    assert bad.status_code == 400


def test_user_info(wx):
    client, cfg, state = wx
    state.followers.add("o4")
    info = client.get(f"/cgi-bin/user/info?access_token={token(client, cfg)}&openid=o4").get_json()
    assert info["subscribe"] == 1 and info["openid"] == "o4"
