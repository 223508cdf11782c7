"""Test infrastructure shared by both test tiers: a fresh database and a fresh RabbitMQ vhost per run.

By default the machine's own PostgreSQL and RabbitMQ are used (CI and this kind of machine start them).
With WZW_TESTCONTAINERS=1 and a reachable Docker engine, throwaway containers are started instead.
"""

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import requests
from nameko.testing.rabbit import Client as RabbitApi
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from libs.config import load_config
from libs.migrate import upgrade_all
from libs.wechat.accounts import sandbox_accounts
from libs.wechat.sandbox.citizen import Citizen
from services.gateway.demo import DEMO_SECOND_FACTOR
from services.registry import SERVICES, service

PG_BASE = os.environ.get("WZW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("WZW_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672")
RABBIT_API = os.environ.get("WZW_TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672")


def _docker_available():
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def infrastructure():
    """Yields (postgres admin URL, AMQP base URI, RabbitMQ management API URI)."""
    if os.environ.get("WZW_TESTCONTAINERS") != "1" or not _docker_available():
        yield PG_BASE, AMQP_BASE, RABBIT_API
        return
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    with (
        PostgresContainer("postgres:15", driver="psycopg") as pg,
        DockerContainer("rabbitmq:3-management").with_exposed_ports(5672, 15672) as mq,
    ):
        wait_for_logs(mq, "Server startup complete", timeout=120)
        host = mq.get_container_host_ip()
        yield (
            pg.get_connection_url(),
            f"amqp://guest:guest@{host}:{mq.get_exposed_port(5672)}",
            f"http://guest:guest@{host}:{mq.get_exposed_port(15672)}",
        )


def unique_name(prefix="wzw_test"):
    return f"{prefix}_{secrets.token_hex(4)}"


@contextlib.contextmanager
def fresh_database(pg_admin_url, name=None):
    """A new database with every service's migrations applied; dropped afterwards."""
    name = name or unique_name()
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade_all(url)
    try:
        yield url
    finally:
        admin = create_engine(pg_admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def fresh_vhost(amqp_base, api_uri, name=None):
    name = name or unique_name()
    api = RabbitApi(api_uri)
    api.create_vhost(name)
    api.set_vhost_permissions(name, "guest", ".*", ".*", ".*")
    try:
        yield f"{amqp_base.rstrip('/')}/{name}"
    finally:
        for _ in range(5):
            try:
                api.delete_vhost(name)
                break
            except Exception:
                time.sleep(1)


# -- the whole system as real processes (system tests and benchmarks) ------------------------------------
ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "config" / "wzw.yaml"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=10.0, interval=0.1, message="condition"):
    """Polls until predicate() is truthy; returns its value. Events cross processes, so results arrive later."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@dataclass
class System:
    database_url: str
    amqp_uri: str
    logdir: Path
    amqp_base: str = ""  # the broker without a vhost, and its management API: for tests that need a vhost of their own
    rabbit_api: str = ""
    gateway_port: int = field(default_factory=free_port)
    late_gateway_port: int = field(default_factory=free_port)
    sandbox_port: int = field(default_factory=free_port)
    procs: dict = field(default_factory=dict)
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    cache_prefix: str = field(default_factory=lambda: f"wzw_test_{secrets.token_hex(4)}")
    _tokens: dict = field(default_factory=dict)  # username -> the token of a demo account signed in with a code
    _steps: dict = field(default_factory=dict)  # username -> the last TOTP step given

    @property
    def gateway(self):
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def late_gateway(self):
        return f"http://127.0.0.1:{self.late_gateway_port}"

    @property
    def sandbox(self):
        return f"http://127.0.0.1:{self.sandbox_port}"

    def env(self, **extra):
        env = dict(os.environ)
        env.update(
            WZW_CONFIG=str(CONFIG),
            AMQP_URI=self.amqp_uri,
            DATABASE_URL=self.database_url,
            GATEWAY_PUBLIC_URL=self.gateway,
            WECHAT_API_BASE=self.sandbox,
            WECHAT_OAUTH_URL=f"{self.sandbox}/connect/oauth2/authorize",
            SANDBOX_GATEWAY_CALLBACK=f"{self.gateway}/wechat",
            WECHAT_FOLLOW_URL=f"{self.sandbox}/",
            # a department's own Official Account beside the city's (tests of several accounts)
            WECHAT_ACCOUNTS=json.dumps(sandbox_accounts(), ensure_ascii=False),
            WZW_ENV="test",
            CACHE_PREFIX=self.cache_prefix,
            # short, so tests see unused connections given back (and every process survives PostgreSQL closing them)
            DB_IDLE_SECONDS=os.environ.get("DB_IDLE_SECONDS", "5"),
            GATEWAY_SECRET_KEY=self.secret_key,
            PYTHONUNBUFFERED="1",
            PYTHONWARNINGS="ignore",
        )
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def start(self, name, argv, **env):
        with open(self.logdir / f"{name}.log", "wb") as log:  # the child keeps its own copy of the descriptor
            self.procs[name] = subprocess.Popen(
                argv, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT
            )

    def start_service(self, name_of, name=None, entry=None, **env):
        """A registry service by name, or any nameko service class given as `entry` ("module:Class")."""
        argv = [sys.executable, "-m", "nameko", "run", "--config", str(CONFIG), entry or service(name_of).entry]
        self.start(name or name_of, argv, **env)

    def start_gateway(self, name, port, **env):
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "deploy/gunicorn.conf.py",
            "services.gateway.app:create_app()",
        ]
        # behind one trusted proxy, as in production: tests that guess passwords say which address they come from
        defaults = {"GATEWAY_BIND": f"127.0.0.1:{port}", "GATEWAY_WORKERS": 1, "GATEWAY_TRUSTED_PROXIES": 1}
        self.start(name, argv, **(defaults | env))

    def log(self, name):
        return (self.logdir / f"{name}.log").read_text(errors="replace")

    def service_log(self, name):
        """Every replica's log of a service (a call or an event reaches whichever replica takes it)."""
        return "".join(self.log(n) for n in self.procs if n == name or n.startswith(f"{name}-"))

    def stop(self):
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def check_alive(self):
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        if dead:
            raise RuntimeError(f"processes exited: {dead}; logs in {self.logdir}")

    # -- what tests use ----------------------------------------------------------------------------------
    def citizen(self, openid=None, safe_mode=True, gateway=None, account="main"):
        """A citizen writing to the main Official Account, or to another the install serves (its code)."""
        if account == "main":
            wx = load_config(str(CONFIG))["WECHAT"]
            token, app_id, aes_key, url = wx["TOKEN"], wx["APP_ID"], wx["ENCODING_AES_KEY"], "/wechat"
        else:
            found = next(a for a in sandbox_accounts() if a["code"] == account)
            token, app_id, aes_key, url = found["token"], found["app_id"], found["aes_key"], f"/wechat/{account}"
        return Citizen(
            openid=openid or f"o_test_{secrets.token_hex(6)}",
            callback_url=f"{gateway or self.gateway}{url}",
            token=token,
            app_id=app_id,
            aes_key=aes_key if safe_mode else None,
        )

    def sandbox_calls(self, api, touser=None):
        calls = requests.get(f"{self.sandbox}/sandbox/calls", params={"api": api}, timeout=5).json()
        return [c for c in calls if touser is None or (c["body"] or {}).get("touser") == touser]

    def sql(self, query, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(query), params).all()

    def count(self, table, where="true", **params):
        return self.sql(f"SELECT count(*) FROM {table} WHERE {where}", **params)[0][0]

    def recorded(self, openid, count=1):
        """Waits until messaging has stored `count` messages from `openid` (one the gateway answered itself is
        recorded from a queue just after), then checks that no more arrive: a retry must not be stored twice."""
        where = "openid = :o"
        wait_for(lambda: self.count("messaging.inbound_messages", where, o=openid) >= count, timeout=10, interval=0.05)
        time.sleep(0.3)
        return self.count("messaging.inbound_messages", where, o=openid) == count

    def bookable_service(self, rule):
        """A new window with one bookable service type under `rule` (a booking rule's fields), made through the API as
        an administrator would; returns the service type (its own window: places no other test takes)."""
        admin, base = self.staff_session("admin"), f"{self.gateway}/api/v1"
        window = admin.post(f"{base}/windows", json={"name": f"预约窗口{secrets.token_hex(4)}"}).json()
        service = {
            "name": f"预约事项{secrets.token_hex(4)}",
            "summary": "测试",
            "window_id": window["id"],
            "bookable": True,
        }
        created = admin.post(f"{base}/service-types", json=service).json()
        saved = admin.put(f"{base}/windows/{window['id']}/booking-rule", json=rule)
        saved.raise_for_status()
        return created

    def staff_browser(self, username, password="demo12345"):
        """A staff member signed in to the admin pages (session cookie), as a browser would be. A demo account that
        needs a second factor carries the run's shared session (staff_session) instead of signing in again."""
        http = requests.Session()
        if username in DEMO_SECOND_FACTOR and password == "demo12345":
            token = self.staff_session(username).headers["Authorization"].removeprefix("Bearer ")
            http.cookies.set("wzw_staff", token, domain="127.0.0.1", path="/admin")
            return http
        resp = http.post(f"{self.gateway}/admin/login", data={"username": username, "password": password})
        resp.raise_for_status()
        return http

    def staff_session(self, username, password="demo12345"):
        """An API session signed in as `username`. The demo accounts whose role needs a second factor sign in once
        per run with their demo authenticator's code and share that token (each code is accepted once, and a
        code changes every 30 s), unless it has ended."""
        http = requests.Session()
        token = self._tokens.get(username) if password == "demo12345" else None
        if token and requests.get(f"{self.gateway}/api/v1/auth/me", headers=_bearer(token), timeout=10).ok:
            http.headers.update(_bearer(token))
            return http
        body = {"username": username, "password": password}
        if username in DEMO_SECOND_FACTOR:
            body["code"] = self.second_factor_code(username)
        resp = http.post(f"{self.gateway}/api/v1/auth/login", json=body)
        resp.raise_for_status()
        http.headers.update(_bearer(resp.json()["token"]))
        if username in DEMO_SECOND_FACTOR:
            self._tokens[username] = resp.json()["token"]
        return http

    def second_factor_code(self, username):
        """A code of the demo authenticator of `username` not given before in this run (waiting for the next one
        when the codes around now are spent): the gateway accepts each once."""
        totp = pyotp.TOTP(DEMO_SECOND_FACTOR[username])
        while True:
            step = int(time.time()) // 30
            spent = self._steps.get(username, 0)
            for candidate in (step - 1, step, step + 1):
                if candidate > spent:
                    self._steps[username] = candidate
                    return totp.at(candidate * 30)
            time.sleep(1)


def load_demo(
    sys_, modules=("services.content.demo", "services.gateway.demo", "services.surveys.demo", "services.ratings.demo")
):
    """Demo data: content's, the gateway's, surveys' and ratings' straight into their schemas before anything
    starts; cases' through the running services afterwards (LIVE_DEMO), as make up's banner does."""
    env = sys_.env()
    for module in modules:
        subprocess.run([sys.executable, "-m", module], cwd=ROOT, env=env, check=True, capture_output=True)


LIVE_DEMO = ("services.cases.demo", "services.messaging.demo")


def ready(sys_):
    sys_.check_alive()
    try:
        return (
            all(
                requests.get(f"{url}/readyz", timeout=5).status_code == 200 for url in (sys_.gateway, sys_.late_gateway)
            )
            and requests.get(sys_.sandbox, timeout=5).ok
        )
    except requests.RequestException:
        return False


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def running_system(logdir, gateway_env=None):
    """Fresh database and vhost, demo data, every service (cases and messaging twice), two gateways and the sandbox."""
    logdir = Path(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    with infrastructure() as (pg, amqp, api), fresh_database(pg) as db_url, fresh_vhost(amqp, api) as amqp_uri:
        system = System(database_url=db_url, amqp_uri=amqp_uri, logdir=logdir, amqp_base=amqp, rabbit_api=api)
        system.engine = create_engine(db_url)
        load_demo(system)
        try:
            # consumers first: an event published before its queue exists is dropped
            for svc in SERVICES:
                system.start_service(svc.name)
            system.start_service("cases", name="cases-2")
            system.start_service("messaging", name="messaging-2")  # every WeChat path with a second replica beside
            system.start("sandbox", [sys.executable, "-m", "libs.wechat.sandbox", "--port", str(system.sandbox_port)])
            system.start_gateway("gateway", system.gateway_port, **(gateway_env or {}))
            # a gateway whose deadline has always passed: exercises the "success, then customer-service" path
            # (it asks messaging for every message: answering at the edge would never be late)
            system.start_gateway("gateway-late", system.late_gateway_port, CALLBACK_DEADLINE=0, CALLBACK_EDGE="false")
            wait_for(lambda: ready(system), timeout=60, interval=0.5, message="the system to be ready")
            load_demo(system, LIVE_DEMO)
            yield system
        finally:
            system.stop()
            system.engine.dispose()


# -- media files as WeChat's material rules see them (素材管理's tests) ---------------------------------------------
def sample_image(fmt="PNG", size=(64, 48), colour=(20, 120, 200)):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def sample_wav(seconds=2.0, rate=8000):
    import io
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * int(rate * seconds))
    return out.getvalue()


def sample_amr(seconds=2.0):
    """AMR-NB at 12.2 kbit/s: the header, then 20 ms frames of 32 bytes (frame type 7)."""
    return b"#!AMR\n" + (b"\x3c" + b"\x00" * 31) * int(seconds / 0.02)


def sample_mp3(seconds=2.0):
    """MPEG-1 Layer III at 128 kbit/s, 44.1 kHz: frames of 417 bytes, 38.28 a second."""
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return frame * int(seconds * 44100 / 1152)


def sample_mp4(size=4096):
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"\x00" * size
