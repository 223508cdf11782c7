"""The gateway's session secret: signs citizens' H5 sessions and staff CSRF tokens.

Outside development it must be given (GATEWAY_SECRET_KEY, the same on every replica) and may not be a value that
ships in this repository or any short one: a known secret lets anyone forge a citizen's session. In development
(`make up`) one is generated on first start into var/gateway_secret, readable by its owner only, kept out of git.
"""

import os
import secrets
import time
from pathlib import Path

from libs.wechat.accounts import sandbox_accounts

MIN_LENGTH = 32
# every value this repository has ever shipped as a default: refused wherever they turn up
KNOWN = {"dev-only-change-me", "change-me-in-production", "change-me", "secret", "changeme"}
DEV_SECRET_FILE = Path(__file__).resolve().parents[3] / "var" / "gateway_secret"


# the sandbox's WeChat credentials (deploy/config/wzw.yaml defaults): anyone can sign callbacks with them
SANDBOX_WECHAT = {"sandboxtoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "sandbox-secret"}
REAL_WECHAT = ("", "https://api.weixin.qq.com")
SANDBOX_ACCOUNT_VALUES = {str(a.get(k)) for a in sandbox_accounts() for k in ("token", "aes_key", "app_secret")}


class InsecureSecret(RuntimeError):
    pass


def check_wechat(wechat, environment):
    """Talking to the real WeChat with the sandbox's token, AES key or app secret would let anyone forge callbacks
    (and read citizens' case replies through them): refused outside development and tests."""
    if environment in ("development", "test") or str(wechat.get("API_BASE") or "").rstrip("/") not in REAL_WECHAT:
        return
    leaked = [k for k in ("TOKEN", "ENCODING_AES_KEY", "APP_SECRET") if str(wechat.get(k) or "") in SANDBOX_WECHAT]
    if leaked:
        raise InsecureSecret(f"WeChat {', '.join(leaked)} still hold the sandbox's values: set the account's own")
    for account in wechat.get("ACCOUNTS") or []:  # departments' accounts: the sandbox's are deploy/config's
        values = (
            [str(account.get(k) or "") for k in ("token", "aes_key", "app_secret")] if isinstance(account, dict) else []
        )
        if any(v in SANDBOX_WECHAT or v in SANDBOX_ACCOUNT_VALUES for v in values):
            raise InsecureSecret(f"WeChat account {account.get('code')!r} holds the sandbox's credentials")


def resolve(configured, environment, dev_file=DEV_SECRET_FILE):
    value = str(configured or "").strip()
    if value:
        if value in KNOWN or len(value) < MIN_LENGTH:
            raise InsecureSecret(
                "GATEWAY_SECRET_KEY is a known or short value: set 32+ random characters (openssl rand -hex 32)"
            )
        return value
    if environment != "development":
        raise InsecureSecret(f"GATEWAY_SECRET_KEY is not set (WZW_ENV={environment}); refusing to start")
    return _development_secret(Path(dev_file))


def _development_secret(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two gateway processes starting together, one writes and both read the same secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    for _ in range(50):
        value = path.read_text().strip()
        if len(value) >= MIN_LENGTH:
            return value
        time.sleep(0.02)  # the other process is still writing it
    raise InsecureSecret(f"{path} holds no usable secret: delete it and start again")
