"""Listener throughput against a bare Werkzeug server and our own server alone, in one run.

    python tests/benchmarks/bench_listener.py [--seconds 8] [--connections 8] [--rounds 2]

Our listener runs twice per round, with the learned payload shapes off and on (the default), in
alternating order, and the ratio on/off is printed (goal >= 0.95).
Also runs our listener with the indexing of references (refs table, out_of_order) turned off, on
its own store, and prints the ratio with/without: what indexing every id of a body costs.

Both servers get the same ~1 KB card-transaction delivery from the same load generator (wrk when
installed, else a Python client), rounds alternating so machine noise hits both. Prints
requests/s, p50/p99 latency and the ratio ours/bare, then checks that every delivery we
acknowledged is in the store. A script, not a test: shared machines are too noisy for timed asserts.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.store.event_store import EventStore

TOKEN = "bench-token-0123456789"


def delivery(n: int) -> bytes:
    """A realistic transaction.authorized envelope of about 1 KB."""
    return json.dumps(
        {
            "event_id": f"evt_bench_{n:09d}",
            "event_identifier": "transaction.authorized",
            "data": {
                "transaction_id": f"txn_{n:012d}",
                "card": {
                    "id": "card_7f3a9c",
                    "last4": "4242",
                    "masked_pan": "424242******4242",
                    "brand": "visa",
                    "expiry": "09/29",
                    "cardholder_id": "ch_5e21",
                },
                "amount": {"value": 12_599, "currency": "EUR", "minor_units": 2},
                "billing_amount": {"value": 13_410, "currency": "USD", "minor_units": 2},
                "merchant": {
                    "name": "Blue Bottle Coffee",
                    "mcc": "5814",
                    "city": "Berlin",
                    "country": "DE",
                    "id": "mrc_00091823",
                },
                "authorization": {
                    "code": "A1B2C3",
                    "network": "visa",
                    "entry_mode": "contactless",
                    "three_ds": False,
                    "avs_result": "Y",
                    "cvv_result": "M",
                },
                "balances": {"available": 412_050, "ledger": 424_649, "currency": "EUR"},
                "created_at": "2026-11-27T09:41:07.123Z",
                "metadata": {
                    "program": "corporate-cards",
                    "cost_center": "CC-4411",
                    "note": "lunch with the integration team",
                },
            },
        }
    ).encode()


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The ceiling: reads the body, answers 200, stores nothing."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    body = b'{"received": true}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class OwnCeiling:
    """Our own HTTP server (keep-alive, I/O thread, worker pool) with a handler that only takes the
    body it was given and answers 200: the honest ceiling of our stack."""

    def __init__(self) -> None:
        import socket

        from inspector.core.capture.http_server import HttpServer, json_response

        sock = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self.server = HttpServer(sock, lambda request, _addr: json_response(200, {"received": True}))
        self.url = f"http://127.0.0.1:{self.server.port}"

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()


class QuietBare:
    def __init__(self) -> None:
        from werkzeug.serving import WSGIRequestHandler

        class Handler(WSGIRequestHandler):
            def log_request(self, *a: Any) -> None:  # same as ours: no access log
                pass

        self.server = make_server("127.0.0.1", 0, bare_app, threaded=True, request_handler=Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


WRK_SCRIPT = """
local n = 0
local tmpl = [[%s]]
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
request = function()
  n = n + 1
  local body = string.gsub(tmpl, "BENCHSEQ", string.format("%%d-%%09d", math.random(1, 1000000000), n))
  return wrk.format(nil, "/hooks", nil, body)
end
"""


def run_wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    template = delivery(0).decode().replace("evt_bench_000000000", "evt_bench_BENCHSEQ")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % (template, TOKEN))
        script = f.name
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.MULTILINE))
    return {
        "rps": rps,
        "requests": total,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
        "p50_ms": _ms(lat.get("50", "0ms")),
        "p99_ms": _ms(lat.get("99", "0ms")),
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_python_client(url: str, seconds: int, connections: int) -> dict[str, float]:
    """Fallback load generator when wrk is missing (weaker: it shares this process's GIL)."""
    import http.client

    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    counts = {"ok": 0, "bad": 0}
    lock = threading.Lock()
    host, port = url.removeprefix("http://").split(":")

    def worker(w: int) -> None:
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            body = delivery(w * 10_000_000 + n)
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request(
                "POST",
                "/hooks",
                body,
                {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
            )
            status = conn.getresponse().status
            conn.close()
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
                counts["ok" if status < 300 else "bad"] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    total = counts["ok"] + counts["bad"]
    return {
        "rps": total / seconds,
        "requests": total,
        "non2xx": counts["bad"],
        "socket_errors": 0,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99)],
    }


def run_without_refs(
    store: EventStore, tokens: Any, load: Callable[..., dict[str, float]], opts: Any
) -> dict[str, float]:
    """Our listener as it was before references: no body is searched for ids at commit."""
    from inspector.core.store import columns
    from inspector.core.store.references import NO_REFS

    # prepare_row (on the request threads) finds no reference: no refs column, no trigger work,
    # no lookup of latest times at commit.
    real = columns.body_refs
    columns.body_refs = lambda _body: NO_REFS  # type: ignore[assignment]
    try:
        listener = Listener(store, ListenerConfig(port=0), tokens)
        listener.start()
        urllib.request.urlopen(listener.url + "/_inspector/health").read()
        result = load(listener.url, opts.seconds, opts.connections)
        listener.stop()
    finally:
        columns.body_refs = real  # type: ignore[assignment]
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    opts = ap.parse_args()
    load = run_wrk if shutil.which("wrk") else run_python_client
    print(
        f"load generator: {'wrk -t1' if load is run_wrk else 'python threads'}, "
        f"{opts.connections} connections, {opts.seconds} s per run, {opts.rounds} rounds"
    )
    bare_runs, ceiling_runs, ours_runs, unlearned_runs, norefs_runs = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp_norefs:
        store = EventStore.open(Path(tmp))
        store_norefs = EventStore.open(Path(tmp_norefs))
        acked = 0
        for r in range(opts.rounds):
            bare = QuietBare()
            bare.start()
            bare_runs.append(load(bare.url, opts.seconds, opts.connections))
            bare.stop()

            ceiling = OwnCeiling()
            ceiling.start()
            ceiling_runs.append(load(ceiling.url, opts.seconds, opts.connections))
            ceiling.stop()

            from inspector.core.capture.token_ring import TokenRing

            tokens = TokenRing()
            tokens.set_token("wh_bench", TOKEN)
            # Learning off and on, the order alternating per round so drift hits both alike.
            for learn in (False, True) if r % 2 == 0 else (True, False):
                listener = Listener(store, ListenerConfig(port=0, learn_shapes=learn), tokens)
                listener.start()
                urllib.request.urlopen(listener.url + "/_inspector/health").read()
                result = load(listener.url, opts.seconds, opts.connections)
                listener.stop()
                (ours_runs if learn else unlearned_runs).append(result)
                acked += result["requests"] - result["non2xx"] - result["socket_errors"]

            norefs_runs.append(run_without_refs(store_norefs, tokens, load, opts))
            print(
                f"round {r + 1}: bare {bare_runs[-1]['rps']:.0f} req/s, our server alone "
                f"{ceiling_runs[-1]['rps']:.0f} req/s, ours {ours_runs[-1]['rps']:.0f} req/s, "
                f"ours without learning {unlearned_runs[-1]['rps']:.0f} req/s, "
                f"ours without references {norefs_runs[-1]['rps']:.0f} req/s"
            )
        store_norefs.close()
        stored_ok = store.count("status:2xx")
        integrity = store.integrity_check()
        store.close()

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    bare_rps, ceiling_rps, ours_rps = med(bare_runs, "rps"), med(ceiling_runs, "rps"), med(ours_runs, "rps")
    print()
    print(f"{'server':<44}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, runs in (
        ("bare Werkzeug (reads body, closes each)", bare_runs),
        ("our server, handler that only reads the body", ceiling_runs),
        ("webhook-inspector listener (commit before 2xx)", ours_runs),
        ("the same, payload learning off", unlearned_runs),
        ("the same without indexing references", norefs_runs),
    ):
        print(f"{name:<44}{med(runs, 'rps'):>10.0f}{med(runs, 'p50_ms'):>10.2f}{med(runs, 'p99_ms'):>10.2f}")
    print(f"ratio ours/bare Werkzeug: {ours_rps / bare_rps:.2f}  (goal >= 1.0)")
    print(f"ratio ours/our server alone: {ours_rps / ceiling_rps:.2f}  (goal >= 0.8)")
    unlearned_rps = med(unlearned_runs, "rps")
    print(f"ratio learning on/off: {ours_rps / unlearned_rps:.3f}  (goal >= 0.95)")
    print(
        f"ratio with/without indexing references: {ours_rps / med(norefs_runs, 'rps'):.2f}"
        f"  (p99 {med(ours_runs, 'p99_ms'):.1f} ms vs {med(norefs_runs, 'p99_ms'):.1f} ms)"
    )
    print(f"p99 acknowledgement: {med(ours_runs, 'p99_ms'):.1f} ms  (goal < 20 ms)")
    print(
        f"acknowledged (2xx) by wrk's count: {acked}; committed 2xx rows in the store: {stored_ok}; "
        f"integrity_check: {integrity}"
    )
    # wrk stops mid-flight: a request it counts as timed out may still have been committed, never the
    # other way round. So every acknowledged one must be stored.
    if stored_ok < acked:
        print("FAIL: some acknowledged deliveries are not in the store")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
