"""The gateway's session secret: never a value from this repository, never missing outside development."""

import os
import stat
import subprocess
import sys

import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from libs.testing import ROOT, free_port
from services.gateway.core.secret import KNOWN, InsecureSecret, check_wechat, resolve

GOOD = "f" * 16 + "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("environment", ["production", "test", "development"])
@pytest.mark.parametrize("value", sorted(KNOWN) + ["short-but-random-9f8e"])
def test_known_or_short_secrets_are_refused_everywhere(value, environment):
    with pytest.raises(InsecureSecret):
        resolve(value, environment)


@pytest.mark.parametrize("environment", ["production", "test", "staging"])
def test_a_missing_secret_is_refused_outside_development(environment, tmp_path):
    with pytest.raises(InsecureSecret, match="not set"):
        resolve("", environment, dev_file=tmp_path / "secret")
    assert not (tmp_path / "secret").exists()


def test_development_generates_one_secret_per_install_kept_private(tmp_path):
    path = tmp_path / "var" / "gateway_secret"
    first = resolve("", "development", dev_file=path)
    assert len(first) >= 32 and first not in KNOWN
    assert resolve("", "development", dev_file=path) == first  # every gateway process of the install agrees
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert resolve(GOOD, "production") == GOOD


def test_the_gateway_process_refuses_to_start_without_its_secret(system, tmp_path):
    env = system.env(GATEWAY_SECRET_KEY="", WZW_ENV="production", GATEWAY_BIND=f"127.0.0.1:{free_port()}")
    proc = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "services.gateway.app:create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "GATEWAY_SECRET_KEY is not set" in proc.stdout + proc.stderr


def test_a_citizen_cookie_signed_with_the_old_shipped_default_is_worthless(system):
    """The probe that worked against `make up`: forge a session with the secret the repository used to ship."""
    forger = Flask("forger")
    forger.secret_key = "dev-only-change-me"
    forged = SecureCookieSessionInterface().get_signing_serializer(forger).dumps({"openid": "o_victim"})
    http = requests.Session()
    http.cookies.set("wzw_citizen", forged, domain="127.0.0.1")
    resp = http.get(f"{system.gateway}/h5/cases", allow_redirects=False)
    assert resp.status_code == 302 and "/connect/oauth2/authorize" in resp.headers["Location"]


def test_make_up_runs_in_development_so_it_gets_a_generated_secret():
    makefile = (ROOT / "Makefile").read_text()
    assert "WZW_ENV=development" in makefile


SANDBOX = {
    "TOKEN": "sandboxtoken",
    "ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "APP_SECRET": "sandbox-secret",
    "API_BASE": "",
}


def test_the_sandbox_wechat_credentials_never_face_the_real_wechat():
    with pytest.raises(InsecureSecret, match="TOKEN, ENCODING_AES_KEY, APP_SECRET"):
        check_wechat(SANDBOX, "production")
    with pytest.raises(InsecureSecret, match="TOKEN"):
        check_wechat(
            {**SANDBOX, "API_BASE": "https://api.weixin.qq.com/", "ENCODING_AES_KEY": "k" * 43, "APP_SECRET": "real"},
            "production",
        )
    check_wechat({**SANDBOX, "API_BASE": "http://sandbox:8090"}, "production")  # a demo against the sandbox
    check_wechat(SANDBOX, "development")
    check_wechat({"TOKEN": "t0k3n", "ENCODING_AES_KEY": "k" * 43, "APP_SECRET": "s", "API_BASE": ""}, "production")
