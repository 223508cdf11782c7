"""The Official Accounts one install serves: the city's main account (`WECHAT` in the config) and departments' own
(`WECHAT.ACCOUNTS`, a list given by the WECHAT_ACCOUNTS environment variable as JSON, like the main account's
credentials: secrets stay out of the repo). Each: code, name, app_id, app_secret, token, aes_key, and optionally
follow_url (its QR code) and templates ({"case", "appointment", "answer"}: its own template message ids).

Each account has its own credentials and callback URL (`/wechat` for the main account, `/wechat/<code>` for the
others); messaging keeps its followers, menus, replies and materials apart by `account_id`, and staff operate the
accounts their staff record names.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

MAIN = "main"
# the template messages the install sends, by the config key of the main account's id
TEMPLATE_KINDS = {"case": "CASE_TEMPLATE_ID", "appointment": "APPOINTMENT_TEMPLATE_ID", "answer": "ANSWER_TEMPLATE_ID"}
CODE = re.compile(r"^[a-z][a-z0-9]{1,15}$")  # part of the callback URL and of dedupe keys


# the sandbox's department account (市生态环境局): `make up` and the tests serve it; its credentials are public
SANDBOX_FILE = Path(__file__).resolve().parents[2] / "deploy" / "config" / "sandbox_accounts.json"


def sandbox_accounts():
    return json.loads(SANDBOX_FILE.read_text())


@dataclass(frozen=True)
class AccountConfig:
    code: str
    name: str
    app_id: str
    app_secret: str
    token: str
    aes_key: str
    follow_url: str = ""
    # its own template message ids ({"case", "appointment", "answer"}): a template belongs to one account
    templates: tuple = ()

    def template_id(self, kind):
        return dict(self.templates).get(kind, "")

    def wechat_config(self, base):
        """The account as a `WECHAT` config block (what wechatpy's client and the sandbox read)."""
        return dict(base) | {
            "APP_ID": self.app_id,
            "APP_SECRET": self.app_secret,
            "TOKEN": self.token,
            "ENCODING_AES_KEY": self.aes_key,
            "FOLLOW_URL": self.follow_url or base.get("FOLLOW_URL", ""),
        }


def configured(config):
    """code → AccountConfig, the main account first. A mistake in the list stops the process at start (ValueError)."""
    wx = config["WECHAT"]
    found = {
        MAIN: AccountConfig(
            MAIN,
            str(wx.get("NAME") or "微政务"),
            str(wx["APP_ID"]),
            str(wx["APP_SECRET"]),
            str(wx["TOKEN"]),
            str(wx["ENCODING_AES_KEY"]),
            str(wx.get("FOLLOW_URL") or ""),
        )
    }
    extra = wx.get("ACCOUNTS") or []
    if not isinstance(extra, list):
        raise ValueError("WECHAT.ACCOUNTS must be a list of accounts")
    for item in extra:
        if not isinstance(item, dict):
            raise ValueError("each of WECHAT.ACCOUNTS must be a mapping")
        code = str(item.get("code") or "")
        if not CODE.match(code) or code in found:
            raise ValueError(f"WECHAT.ACCOUNTS: bad or repeated code {code!r} (a-z then a-z/0-9, 2-16 characters)")
        missing = [k for k in ("name", "app_id", "app_secret", "token", "aes_key") if not item.get(k)]
        if missing or len(str(item["aes_key"])) != 43:
            raise ValueError(f"WECHAT.ACCOUNTS {code}: missing {missing or 'a 43-character aes_key'}")
        if any(a.app_id == str(item["app_id"]) for a in found.values()):
            raise ValueError(f"WECHAT.ACCOUNTS {code}: app_id is another account's")
        found[code] = AccountConfig(
            code,
            str(item["name"])[:64],
            str(item["app_id"]),
            str(item["app_secret"]),
            str(item["token"]),
            str(item["aes_key"]),
            str(item.get("follow_url") or ""),
            tuple((str(k), str(v)) for k, v in (item.get("templates") or {}).items() if k in TEMPLATE_KINDS and v),
        )
    return found
