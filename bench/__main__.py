"""`make bench`: throughput and latency of the hot paths, beside a floor measured in the same run.

Starts the whole system (fresh database and vhost, real processes, as the system tests do), then drives it
from this process over loopback with a bounded number of requests, and prints one table.

  floor                  GET /healthz/rpc: one bare nameko RPC (echo) through the gateway's proxy pool
  callback               POST /wechat: a citizen's text message, AES mode, to a passive reply
  complaint              POST /h5/complaints: a complaint filed (case numbered, committed, event staged)
  complaint -> WeChat    from the first submission to the last acknowledgement recorded by messaging
"""

import argparse
import concurrent.futures
import re
import statistics
import tempfile
import threading
import time
import uuid

import requests

from libs.testing import running_system, wait_for


def drive(n, concurrency, one):
    """Runs one(i) n times on `concurrency` threads; returns (elapsed seconds, sorted latencies in ms)."""
    latencies = []

    def timed(i):
        started = time.perf_counter()
        one(i)
        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(timed, i) for i in range(n)]:
            future.result()
    return time.perf_counter() - started, sorted(latencies)


def pct(values, p):
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def row(name, n, concurrency, elapsed, lat):
    return (name, n, concurrency, n / elapsed, statistics.median(lat) if lat else 0, pct(lat, 99) if lat else 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=400, help="requests per scenario")
    parser.add_argument("-c", type=int, default=8, help="concurrent clients")
    args = parser.parse_args()
    n, c = args.n, args.c
    rows = []

    with tempfile.TemporaryDirectory() as logs, running_system(logs, gateway_env={"LOG_LEVEL": "WARNING"}) as system:
        # each client thread keeps its own connection, as a browser or WeChat's servers would
        local = threading.local()

        def http():
            if not hasattr(local, "s"):
                local.s = requests.Session()
            return local.s

        def floor(_):
            assert http().get(f"{system.gateway}/healthz/rpc").status_code == 200

        drive(50, c, floor)  # warm every pool
        rows.append(row("floor: RPC echo via gateway pool", n, c, *drive(n, c, floor)))

        citizens = [system.citizen(f"o_bench_{i}") for i in range(c)]

        def callback(i):
            reply = citizens[i % c].send_text(f"基准测试消息 {i}")
            assert reply.status == 200 and reply.content, reply.text

        rows.append(row("WeChat text callback (AES), passive reply", n, c, *drive(n, c, callback)))

        # complaint filing: each client is a citizen with an OAuth session
        # cases lets one citizen file 10 an hour, so the load comes from as many citizens as that takes
        sessions = []
        for i in range(max(c, -(-n // 10))):
            s = requests.Session()
            s.cookies.set("sandbox_openid", f"o_bench_{i}", domain="127.0.0.1")
            form = s.get(f"{system.gateway}/h5/complaints/new")
            assert form.status_code == 200
            s.csrf = re.search(r'name="csrf" value="(\w+)"', form.text).group(1)
            sessions.append(s)

        def complaint(i):
            session = sessions[i % len(sessions)]
            resp = session.post(
                f"{system.gateway}/h5/complaints",
                data={
                    "csrf": session.csrf,
                    "request_id": uuid.uuid4().hex,
                    "accused": "基准测试对象",
                    "content": f"基准测试投诉内容，第{i}条，用于测量提交吞吐量。",
                    "contact_phone": "13800000000",
                    "department_id": "2",
                },
                allow_redirects=False,
            )
            assert resp.status_code == 303 and re.search(r"TS\d{12}", resp.headers["Location"]), resp.text

        started = time.perf_counter()
        rows.append(row("complaint submission (H5 POST)", n, c, *drive(n, c, complaint)))
        wait_for(
            lambda: system.count("messaging.outbound_messages", "cause <> '' AND content LIKE '%已受理%'") >= n,
            timeout=120,
            interval=0.05,
            message="every acknowledgement",
        )
        e2e = time.perf_counter() - started
        rows.append(("complaint -> WeChat acknowledgement (all)", n, c, n / e2e, 0, 0))

    print()
    print(f"{'scenario':<44} {'n':>5} {'conc':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    print("-" * 83)
    for name, count, conc, rate, p50, p99 in rows:
        lat = f"{p50:>8.1f} {p99:>8.1f}" if p50 else f"{'-':>8} {'-':>8}"
        print(f"{name:<44} {count:>5} {conc:>5} {rate:>8.1f} {lat}")
    floor_rate = rows[0][3]
    callbacks, filings = rows[1][3] / floor_rate, rows[2][3] / floor_rate
    print(f"\ncallbacks run at {callbacks:.0%} of the floor, complaint filing at {filings:.0%}.")


if __name__ == "__main__":
    main()
