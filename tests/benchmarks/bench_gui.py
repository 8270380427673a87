"""GUI benchmark (issue 3, "Performance"): prints figures and ratios; not a timed test.

(a) burst: N deliveries from C concurrent clients (a separate process) while the window is open.
    Reports that all rows arrived, the GUI thread's longest stall (10 ms heartbeat timer), p50/p95
    time from POST to row in the model, model insert operations, and the throughput with the
    window open against the same listener headless (ratio).
(b) scale: a store of 1,000,000 realistic events (inserted with EventStore.insert_many in batches
    of 10,000). In a fresh process: time until the window is built and painted, first page of a
    filter by type and by id (synchronous and through the UI's background path), count times,
    deep paging, and RSS.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_gui.py [--burst N] [--clients C]
        [--rows 1000000] [--data-dir DIR (reused if it already holds the rows)] [--skip-burst|--skip-scale]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TYPES = (
    "transaction.created",
    "transaction.updated",
    "transaction.settled",
    "transaction.declined",
    "card.created",
    "card.activated",
    "card.frozen",
    "card.terminated",
    "cardholder.created",
    "cardholder.updated",
    "dispute.opened",
    "dispute.closed",
)
MERCHANTS = ("Blue Bottle Coffee", "Lyft", "AWS", "Delta Air Lines", "Whole Foods", "Figma", "Shell")


# -- realistic rows -----------------------------------------------------------------------------


def realistic_body(n: int, event_type: str, rng: random.Random) -> dict[str, Any]:
    amount = rng.randint(100, 250_000)
    return {
        "event_id": f"evt_{n:08d}",
        "event_identifier": event_type,
        "created_at": f"2026-11-{1 + n % 27:02d}T{n % 24:02d}:{n % 60:02d}:{(n * 7) % 60:02d}Z",
        "data": {
            "id": f"txn_{n:010d}",
            "object": event_type.partition(".")[0],
            "status": event_type.partition(".")[2],
            "amount": amount,
            "currency": "USD",
            "card": {
                "id": f"card_{n % 5000:06d}",
                "last4": f"{n % 10_000:04d}",
                "brand": "visa",
                "cardholder_id": f"ch_{n % 1200:06d}",
            },
            "merchant": {
                "name": MERCHANTS[n % len(MERCHANTS)],
                "mcc": str(5000 + n % 999),
                "city": "San Francisco",
                "country": "US",
            },
            "metadata": {"order": f"ord_{rng.randint(1, 10**9)}", "note": "x" * rng.randint(40, 400)},
            "authorization": {"approved": amount < 200_000, "code": f"{rng.randint(0, 999_999):06d}"},
        },
    }


def realistic_events(start: int, count: int, seed: int = 7) -> list[Any]:
    from inspector.core import events as ev
    from inspector.core.events import NewEvent

    rng = random.Random(seed + start)
    out: list[NewEvent] = []
    base = 1_790_000_000.0
    for n in range(start, start + count):
        event_type = TYPES[rng.randrange(len(TYPES))]
        headers = (
            ("Host", "abc123.ngrok-free.app"),
            ("User-Agent", "Provider-Webhooks/1.0"),
            ("Content-Type", "application/json"),
            ("Authorization", "[redacted]"),
            ("X-Forwarded-For", "34.120.0.1"),
            ("X-Request-Id", f"req_{n:010d}"),
        )
        roll = rng.random()
        flags: tuple[str, ...] = ()
        status = 200
        event_id: str | None = f"evt_{n:08d}"
        if roll < 0.01:
            status, flags = 401, (ev.FLAG_UNAUTHORIZED,)
        elif roll < 0.015:
            status, flags, event_type, event_id = 400, (ev.FLAG_INVALID_JSON,), None, None  # type: ignore[assignment]
        elif roll < 0.035:
            event_id = f"evt_{max(0, n - rng.randint(1, 500)):08d}"  # a redelivery of a recent event
        if status == 400:
            body = b'{"event_id": "evt_broken", "data": {'
        else:
            doc = realistic_body(n, event_type, rng)
            doc["event_id"] = event_id
            body = json.dumps(doc).encode()
        out.append(
            NewEvent(
                received_at=base + n * 0.25,
                method="POST",
                path="/webhooks/provider",
                query="",
                headers=headers,
                body=body,
                status=status,
                duration_ms=rng.uniform(0.5, 4.0),
                event_id=event_id,
                event_identifier=event_type if status != 400 else None,
                flags=flags,
                remote_addr="127.0.0.1",
            )
        )
    return out


def fill_store(data_dir: Path, rows: int) -> float:
    from inspector.core.store.event_store import EventStore

    store = EventStore.open(data_dir, synchronous="NORMAL")
    have = store.count()
    started = time.perf_counter()
    batch = 10_000
    for start in range(have, rows, batch):
        store.insert_many(realistic_events(start, min(batch, rows - start)))
        if (start // batch) % 10 == 0:
            print(f"  inserted {start + batch:,} rows", flush=True)
    store.close()
    return time.perf_counter() - started


# -- helpers ------------------------------------------------------------------------------------


def rss_mb() -> tuple[float, float]:
    """(current VmRSS, peak VmHWM) in MB from /proc, falling back to getrusage's peak."""
    current = peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return current, peak


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_qt(predicate: Any, timeout: float) -> bool:
    """Run the Qt event loop (not a busy loop) until predicate() holds."""
    from inspector.ui.app import run_until

    return run_until(predicate, timeout, interval_ms=20)


# -- (a) burst ----------------------------------------------------------------------------------


def run_clients(url: str, total: int, clients: int) -> None:
    """Client process: POST `total` deliveries over `clients` threads, print one JSON result."""
    import requests

    results: list[tuple[int, float, float]] = []
    lock = threading.Lock()
    failures = [0]

    def client(k: int) -> None:
        rng = random.Random(k)
        session = requests.Session()
        mine: list[tuple[int, float, float]] = []
        for n in range(k, total, clients):
            body = json.dumps(realistic_body(n, TYPES[n % len(TYPES)], rng)).encode()
            sent = time.perf_counter()
            r = session.post(
                url + "/webhooks/provider",
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=30,
            )
            done = time.perf_counter()
            if r.status_code == 200:
                mine.append((r.json()["seq"], sent, done))
            else:
                failures[0] += 1
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    print(json.dumps({"elapsed": elapsed, "failures": failures[0], "results": results}))


def spawn_clients(url: str, total: int, clients: int) -> subprocess.Popen[str]:
    cmd = [sys.executable, __file__, "--phase", "clients", "--url", url, "--burst", str(total)]
    cmd += ["--clients", str(clients)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def bench_burst(total: int, clients: int) -> dict[str, Any]:
    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer

    from inspector.core.capture.listener import Listener, ListenerConfig
    from inspector.core.paths import AppDirs
    from inspector.core.store.event_store import EventStore
    from inspector.ui.app import create_application
    from inspector.ui.session import session_around
    from inspector.ui.window.main_window import build_main_window

    app = create_application()
    tmp = Path(tempfile.mkdtemp(prefix="bench-burst-"))

    # Headless reference: the same listener and store, no window.
    store0 = EventStore.open(tmp / "headless")
    listener0 = Listener(store0, ListenerConfig(port=0))
    listener0.start()
    proc = spawn_clients(listener0.url, total, clients)
    out0 = json.loads(proc.communicate()[0])
    listener0.stop()
    store0.close()

    store = EventStore.open(tmp / "gui")
    listener = Listener(store, ListenerConfig(port=0))
    listener.start()
    settings = QSettings(str(tmp / "window.ini"), QSettings.Format.IniFormat)
    window = build_main_window(
        session_around(store, listener, AppDirs.resolve(tmp, tmp / "config")), settings
    )
    window.show()
    app.processEvents()

    row_time: dict[int, float] = {}
    inserts = [0]

    def on_rows(_parent: Any, first: int, last: int) -> None:
        now = time.perf_counter()
        inserts[0] += 1
        for r in range(first, last + 1):
            summary = window.model.summary_at(r)
            if summary is not None:
                row_time.setdefault(summary.seq, now)

    window.model.rowsInserted.connect(on_rows)

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    where: list[float] = []
    cpu: list[float] = []  # GUI-thread CPU time spent in each gap: busy (ours) or starved (machine)
    last_cpu = [time.thread_time()]

    def beat() -> None:
        now = clock.nsecsElapsed()
        now_cpu = time.thread_time()
        gaps.append((now - last[0]) / 1e6)
        where.append(now / 1e6)
        cpu.append((now_cpu - last_cpu[0]) * 1000)
        last[0], last_cpu[0] = now, now_cpu

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)
    heartbeat.start()

    proc = spawn_clients(listener.url, total, clients)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.append(proc.communicate()[0]))
    reader.start()
    arrived = wait_qt(lambda: window.model.rowCount() >= total and not reader.is_alive(), 300)
    heartbeat.stop()
    reader.join()
    if os.environ.get("BENCH_DEBUG"):
        worst = sorted(zip(gaps, where, cpu, strict=True), reverse=True)[:8]
        print("  worst gaps (ms, at ms, gui cpu ms):", [(round(g), round(w), round(c)) for g, w, c in worst])
    out = json.loads(output[0])
    latencies = [(row_time[seq] - sent) * 1000 for seq, sent, _done in out["results"] if seq in row_time]
    acks = [(done - sent) * 1000 for _seq, sent, done in out["results"]]
    counts_ok = wait_qt(lambda: window.model.total_count == total, 10)
    result = {
        "deliveries": total,
        "clients": clients,
        "rows_in_table": window.model.rowCount(),
        "all_arrived": arrived and window.model.rowCount() == total,
        "failures": out["failures"],
        "model_insert_operations": inserts[0],
        "gui_longest_stall_ms": round(max(gaps) - 10, 1) if gaps else None,
        "gui_p99_heartbeat_gap_ms": round(pct(gaps, 99), 1),
        "gui_cpu_in_longest_gap_ms": round(cpu[gaps.index(max(gaps))], 1) if gaps else None,
        "gui_thread_cpu_share": round(sum(cpu) / max(sum(gaps), 1e-9), 2),
        # Independent of machine load: GUI-thread CPU per model update (query + insert + repaint).
        "gui_cpu_ms_per_update": round(sum(cpu) / max(inserts[0], 1), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "post_to_row_p50_ms": round(pct(latencies, 50), 1),
        "post_to_row_p95_ms": round(pct(latencies, 95), 1),
        "ack_p50_ms": round(pct(acks, 50), 1),
        "throughput_window_per_s": round(total / out["elapsed"]),
        "throughput_headless_per_s": round(total / out0["elapsed"]),
        "throughput_ratio_window_vs_headless": round(out0["elapsed"] / out["elapsed"], 2),
        "counts_exact": counts_ok,
    }
    window.close()
    listener.stop()
    store.close()
    return result


# -- (b) scale ----------------------------------------------------------------------------------


def bench_scale_measure(data_dir: Path) -> dict[str, Any]:
    """Runs in a fresh process so RSS and start time are those of the app, not of the filler."""
    started = time.perf_counter()
    from PySide6.QtCore import QSettings

    from inspector.core.capture.listener import Listener, ListenerConfig
    from inspector.core.paths import AppDirs
    from inspector.core.store.event_store import EventStore
    from inspector.ui.app import create_application
    from inspector.ui.session import session_around
    from inspector.ui.window.main_window import build_main_window

    app = create_application()
    imported = time.perf_counter() - started
    store = EventStore.open(data_dir)
    listener = Listener(store, ListenerConfig(port=0))
    listener.start()
    settings = QSettings(str(data_dir.parent / "window.ini"), QSettings.Format.IniFormat)
    window = build_main_window(
        session_around(store, listener, AppDirs.resolve(data_dir, data_dir.parent / "config")), settings
    )
    window.show()
    app.processEvents()
    window.grab()  # force a full paint of the table and panes
    ready = time.perf_counter() - started
    counted_at = wait_qt(lambda: window.model.total_count is not None, 60)
    counted = time.perf_counter() - started
    total = window.model.total_count
    event_id = f"evt_{(total or 2) // 2:08d}"

    sync: dict[str, float] = {}
    for label, query in [
        ("type", "type:card.frozen"),
        ("type_glob", "type:dispute.*"),
        ("id", f"id:{event_id}"),
        ("status", "status:401"),
        ("duplicate", "is:duplicate"),
        ("free_text", "Blue Bottle"),
    ]:
        t = time.perf_counter()
        window.model.reload(query, wait=True)
        sync[label] = round((time.perf_counter() - t) * 1000, 1)

    via_ui: dict[str, float] = {}
    for label, query in [("type", "type:card.activated"), ("id", f"id:evt_{(total or 4) // 4:08d}")]:
        wait_qt(lambda: window.model.runner_idle, 60)  # a settled window, as when a user types
        done = [False]

        def mark(flag: list[bool] = done) -> None:
            flag[0] = True

        window.model.loaded.connect(mark)
        t = time.perf_counter()
        window.filter_bar.set_text(query)
        wait_qt(lambda flag=done: flag[0], 30)
        via_ui[label] = round((time.perf_counter() - t) * 1000, 1)
        window.model.loaded.disconnect(mark)

    t = time.perf_counter()
    wait_qt(lambda: window.model.matching_count is not None, 60)
    count_ms = round((time.perf_counter() - t) * 1000, 1)

    window.filter_bar.set_text("")
    wait_qt(lambda: window.model.filter_text == "", 30)
    t = time.perf_counter()
    for _ in range(50):  # 10,000 rows deep
        window.model.fetch_more_now()
    deep = round((time.perf_counter() - t) * 1000 / 50, 1)
    current, peak = rss_mb()
    result = {
        "stored_events": total,
        "qt_import_and_app_s": round(imported, 2),
        "window_ready_s": round(ready, 2),
        "total_count_known_s": round(counted, 2) if counted_at else None,
        "first_page_ms_sync": sync,
        "first_page_ms_via_ui": via_ui,
        "filtered_count_ms": count_ms,
        "fetch_more_page_ms_to_10k_rows": deep,
        "rss_mb": round(current, 1),
        "peak_rss_mb": round(peak, 1),
    }
    window.close()
    listener.stop()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(60_000)
    store.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phase", choices=["all", "clients", "scale-measure"], default="all")
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", default="")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()

    if args.phase == "clients":
        run_clients(args.url, args.burst, args.clients)
        return 0
    if args.phase == "scale-measure":
        print(json.dumps(bench_scale_measure(args.data_dir)))
        return 0

    if not args.skip_burst:
        print(f"(a) burst: {args.burst:,} deliveries from {args.clients} clients, window open", flush=True)
        burst = bench_burst(args.burst, args.clients)
        for key, value in burst.items():
            print(f"  {key:40} {value}")
        stall_ok = burst["gui_longest_stall_ms"] is not None and burst["gui_longest_stall_ms"] < 100
        print(f"  -> all arrived: {burst['all_arrived']}; longest stall < 100 ms: {stall_ok}", flush=True)

    if not args.skip_scale:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-scale-")) / "data"
        print(f"(b) scale: {args.rows:,} stored events in {data_dir}", flush=True)
        fill_s = fill_store(data_dir, args.rows)
        db = data_dir / "events.sqlite3"
        print(f"  filled in {fill_s:.0f} s; database {db.stat().st_size / 1e6:,.0f} MB", flush=True)
        cmd = [sys.executable, __file__, "--phase", "scale-measure", "--data-dir", str(data_dir)]
        measured = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        for key, value in measured.items():
            print(f"  {key:40} {value}")
        print(
            "  -> ready < 2 s: {}; type/id first page < 100 ms: {}/{}; RSS < 300 MB: {}".format(
                measured["window_ready_s"] < 2,
                measured["first_page_ms_sync"]["type"] < 100,
                measured["first_page_ms_sync"]["id"] < 100,
                measured["peak_rss_mb"] < 300,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
