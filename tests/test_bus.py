"""What the bus and the stores must keep true under concurrency (DESIGN.md, "Facts measured before design")."""

import concurrent.futures
import re
import time
import uuid

import requests

from libs.auth import Actor
from libs.clock import today
from libs.rpc_pool import RpcPool
from libs.testing import fresh_vhost, wait_for
from services.registry import SERVICE_NAMES

SLEEPER = "tests.sleeper_service:SleeperService"


def _ten_sleeps(system, wait_func):
    """10 concurrent calls, each holding a connection in pg_sleep(0.5), to a sleeper service on its own vhost."""
    with fresh_vhost(system.amqp_base, system.rabbit_api) as amqp_uri:
        name = f"sleeper-{wait_func}"
        system.start_service(name, entry=SLEEPER, AMQP_URI=amqp_uri, PSYCOPG_WAIT_FUNC=wait_func)
        pool = RpcPool({"AMQP_URI": amqp_uri}, size=10, timeout=20)
        try:
            wait_for(lambda: _answers(pool), timeout=30, message="the sleeper service")
            with concurrent.futures.ThreadPoolExecutor(10) as ex:
                list(ex.map(lambda _: pool.call("sleeper", "sleep", 0), range(10)))  # connections warm
                started = time.perf_counter()
                assert all(ex.map(lambda _: pool.call("sleeper", "sleep", 0.5), range(10)))
            return time.perf_counter() - started
        finally:
            pool.close()
            proc = system.procs.pop(name)
            proc.terminate()
            proc.wait(10)


def test_slow_queries_do_not_block_a_service(system):
    """psycopg 3 under eventlet (libs/db.py): 10 concurrent pg_sleep(0.5) overlap (5 s if they queue)."""
    elapsed = _ten_sleeps(system, "wait_select")
    assert elapsed < 2.0, f"10 x pg_sleep(0.5) took {elapsed:.2f}s: the service's green threads are blocked"


def test_the_concurrency_check_fails_when_psycopg_blocks_eventlet(system):
    """Control for the test above: with psycopg's C wait function forced, the same calls queue up."""
    assert _ten_sleeps(system, "wait_c") > 4.0


def _answers(pool):
    try:
        return pool.call("sleeper", "health")
    except Exception:
        return None


def test_case_numbers_from_two_cases_replicas_are_unique_and_gap_free(system, rpc):
    """Two `cases` processes share the RPC queue; 60 concurrent filings get 60 consecutive numbers."""

    run = uuid.uuid4().hex[:6]

    def file(i):
        actor = Actor.citizen(f"o_numbering_{run}_{i % 7}")
        data = {
            "kind": "suggestion",
            "content": f"第{i}条建议：增加社区公交班次，方便老人出行。",
            "contact_phone": "13900000000",
        }
        return rpc.call_as(actor, "cases", "create_case", data, uuid.uuid4().hex)["number"]

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        numbers = list(pool.map(file, range(60)))
    assert len(set(numbers)) == 60
    prefix = f"JY{today():%Y%m%d}"
    assert all(n.startswith(prefix) for n in numbers)
    seqs = sorted(int(n[len(prefix) :]) for n in numbers)
    all_today = sorted(
        int(r.number[len(prefix) :])
        for r in system.sql("SELECT number FROM cases.cases WHERE number LIKE :p", p=f"{prefix}%")
    )
    assert all_today == list(range(1, len(all_today) + 1)), "a gap or duplicate in today's sequence"
    assert set(seqs) <= set(all_today)
    # both replicas really took part
    for name in ("cases", "cases-2"):
        assert "cases.create_case ok" in system.log(name), f"{name} served no create_case"


def test_concurrent_double_submission_creates_one_case(system, rpc):
    actor = Actor.citizen(f"o_double_tap_{uuid.uuid4().hex[:6]}")
    data = {
        "kind": "inquiry",
        "content": "请问失业补贴需要准备哪些材料？在哪里办理？",
        "contact_phone": "13700000000",
    }
    request_id = uuid.uuid4().hex
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: rpc.call_as(actor, "cases", "create_case", data, request_id), range(6)))
    assert len({r["number"] for r in results}) == 1
    assert sum(r["created"] for r in results) == 1
    assert system.count("cases.cases", "request_id = :r", r=request_id) == 1


def test_request_id_travels_from_gateway_through_rpc_and_events(system, file_case):
    staff = system.staff_session("shouli")
    case_id = file_case()["id"]
    request_id = f"trace{uuid.uuid4().hex[:12]}"
    resp = staff.post(
        f"{system.gateway}/api/v1/cases/{case_id}/replies",
        json={"body": "追踪请求编号的答复。"},
        headers={"X-Request-Id": request_id, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert resp.status_code == 201 and resp.headers["X-Request-Id"] == request_id
    # the audit row written by cases carries it
    assert system.count("cases.audit_log", "request_id = :r AND action = 'case.replied'", r=request_id) == 1
    # and so do the log lines of the gateway, the cases replica that served it, and messaging's event handler
    deadline = time.monotonic() + 10
    # (the handler's own line comes once it has returned, after what it logged while telling the citizen)
    while time.monotonic() < deadline and f"[{request_id}] messaging.handle_case_replied" not in system.service_log(
        "messaging"
    ):
        time.sleep(0.2)
    assert re.search(rf"\[{request_id}\] POST /api/v1/cases/{case_id}/replies 201", system.log("gateway"))
    assert f"[{request_id}] cases.reply_case ok" in system.log("cases") + system.log("cases-2")
    assert f"[{request_id}] messaging.handle_case_replied ok" in system.service_log("messaging")


def test_health_and_readiness(system):
    assert requests.get(f"{system.gateway}/healthz").json() == {"ok": True}
    ready = requests.get(f"{system.gateway}/readyz").json()
    assert ready["ready"] is True
    assert set(ready["checks"]) == {"database", *SERVICE_NAMES}


def test_work_a_frozen_replica_picks_up_after_its_caller_gave_up_is_not_done(system):
    """Both cases replicas frozen: the gateway answers 503 and keeps the form; when they wake, the stale request is
    dropped (its deadline passed), so nothing is filed behind the citizen's back; the retry files it once."""
    import os
    import signal

    from libs.testing import free_port
    from tests.test_slice import complaint, h5_login, submit

    port = free_port()
    system.start_gateway("gateway-impatient", port, RPC_TIMEOUT=1)
    impatient = f"http://127.0.0.1:{port}"
    wait_for(lambda: _up(impatient), timeout=30, message="the impatient gateway")
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)  # the session cookie is good on both gateways
    frozen = [system.procs[name] for name in ("cases", "cases-2")]
    for proc in frozen:
        os.kill(proc.pid, signal.SIGSTOP)
    try:
        resp = http.post(
            f"{impatient}/h5/complaints", data={**complaint(request_id), "csrf": http.csrf}, allow_redirects=False
        )
    finally:
        for proc in frozen:
            os.kill(proc.pid, signal.SIGCONT)
    assert resp.status_code == 503 and "暂未提交成功" in resp.text
    assert f'value="{request_id}"' in resp.text and 'value="城东某某烧烤店"' in resp.text  # form and id kept
    assert resp.headers["X-Request-Id"] in resp.text  # the number to quote to the hotline
    wait_for(
        lambda: "its caller gave up" in system.log("cases") + system.log("cases-2"),
        timeout=15,
        message="the woken replica to drop the stale request",
    )
    assert system.count("cases.cases", "request_id = :r", r=request_id) == 0
    retry = submit(system, http, complaint(request_id))
    assert retry.status_code == 303
    assert system.count("cases.cases", "request_id = :r", r=request_id) == 1
    proc = system.procs.pop("gateway-impatient")
    proc.terminate()
    proc.wait(10)


def _up(url):
    try:
        return requests.get(f"{url}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


def test_connections_are_given_back_when_the_system_goes_quiet(system, file_case):
    """docs/architecture.md, "Connections": a busy process keeps what it uses; once quiet, PostgreSQL closes what
    it has not used for DB_IDLE_SECONDS (5 s in tests), leaving about one per process (its timers' own)."""
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: file_case(), range(32)))
    processes = [p for p in system.procs.values() if p.poll() is None]
    count = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    busy = system.sql(count)[0][0]
    quiet = wait_for(
        lambda: (n := system.sql(count)[0][0]) <= 2 * len(processes) and n,
        timeout=20,
        interval=0.5,
        message="connections given back",
    )
    assert quiet < busy or busy <= 2 * len(processes)
    assert system.citizen().send_text("你好").status == 200  # and the system works on, on fresh connections
    file_case()
