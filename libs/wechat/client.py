"""Reaching the WeChat API with wechatpy, or the sandbox in its place, by configuration alone.

wechatpy hard-codes https://api.weixin.qq.com in places (token, OAuth), so rather than patching URLs we mount a
requests adapter that rewrites that origin to the sandbox's on the client's own session.
"""

from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.oauth import WeChatOAuth

WECHAT_ORIGIN = "https://api.weixin.qq.com"


class RewriteOriginAdapter(HTTPAdapter):
    def __init__(self, target, **kwargs):
        super().__init__(**kwargs)
        self.target = target.rstrip("/")

    def send(self, request, **kwargs):
        request.url = self.target + request.url[len(WECHAT_ORIGIN) :]
        return super().send(request, **kwargs)


def point_at(http_session, api_base):
    """Send this requests session's WeChat calls to `api_base` (the sandbox); no-op for the real WeChat."""
    if api_base and api_base.rstrip("/") != WECHAT_ORIGIN:
        http_session.mount(WECHAT_ORIGIN, RewriteOriginAdapter(api_base))


def make_client(wechat_config, storage, client_cls=WeChatClient, http=None):
    """A client over `storage` (the token store); `http`, a requests session already pointed at the API, lets
    many clients share kept-open connections."""
    client = client_cls(wechat_config["APP_ID"], wechat_config["APP_SECRET"], session=storage, timeout=5)
    if http is not None:
        client._http = http
    else:
        point_at(client._http, wechat_config.get("API_BASE"))
    return client


def oauth_openid(wechat_config, code, redirect_uri=""):
    """Exchange an OAuth2 `snsapi_base` code for the citizen's openid."""
    oauth = WeChatOAuth(wechat_config["APP_ID"], wechat_config["APP_SECRET"], redirect_uri, scope="snsapi_base")
    point_at(oauth._http, wechat_config.get("API_BASE"))
    return oauth.fetch_access_token(code)["openid"]
