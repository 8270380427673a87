"""Soak benchmark ("a day in an hour"): prints figures; not a timed test.

1,000,000 deliveries (100,000 with --quick) from 8 keep-alive clients (a separate process)
through the open window, with the history kept to --keep-events 200000 (20,000 with --quick; the
defaults for age and size stay on, as they do for a user). Reports resident memory at start,
after warm-up, in the middle and at the end, the database file's size over the run (flat once
the limit is reached), the GUI thread's longest stall and 99th-percentile heartbeat gap, the
pruner's work, and acknowledgements lost: acknowledged deliveries among the newest kept that are
not in the store.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_soak.py [--quick] [--deliveries N]
        [--keep-events N] [--clients C]
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

from tests.benchmarks.bench_gui import TYPES, pct, realistic_body, rss_mb, wait_qt  # noqa: E402


def run_clients(url: str, total: int, clients: int) -> None:
    """Client process: POST `total` deliveries over `clients` keep-alive connections; print the
    acknowledged seqs (one JSON line)."""
    import requests

    acked: list[list[int]] = [[] for _ in range(clients)]
    failures = [0] * clients

    def client(k: int) -> None:
        rng = random.Random(k)
        session = requests.Session()
        mine = acked[k]
        for n in range(k, total, clients):
            body = json.dumps(realistic_body(n, TYPES[n % len(TYPES)], rng)).encode()
            try:
                r = session.post(
                    url + "/webhooks/provider",
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=30,
                )
            except requests.RequestException:
                failures[k] += 1
                continue
            if r.status_code == 200:
                mine.append(r.json()["seq"])
            else:
                failures[k] += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    seqs = sorted(s for part in acked for s in part)
    print(json.dumps({"elapsed": elapsed, "failures": sum(failures), "acked": seqs}))


def file_size(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += Path(f"{path}{suffix}").stat().st_size
        except OSError:
            pass
    return total


def soak(total: int, keep_events: int, clients: int) -> dict[str, Any]:
    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer

    from inspector.core.capture.listener import Listener, ListenerConfig
    from inspector.core.paths import AppDirs
    from inspector.core.store.event_store import EventStore
    from inspector.core.store.keep_limits import KeepLimits
    from inspector.ui.app import create_application
    from inspector.ui.session import session_around
    from inspector.ui.window.main_window import build_main_window

    app = create_application()
    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    store = EventStore.open(tmp / "data")
    listener = Listener(store, ListenerConfig(port=0))
    listener.start()
    settings = QSettings(str(tmp / "window.ini"), QSettings.Format.IniFormat)
    limits = KeepLimits(events=keep_events)  # as `gui --keep-events N`: age and size defaults stay
    session = session_around(store, listener, AppDirs.resolve(tmp / "data", tmp / "config"), keep=limits)
    window = build_main_window(session, settings)
    window.show()
    wait_qt(lambda: window.model.total_count is not None, 30)
    app.processEvents()

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def beat() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)

    samples: list[dict[str, float]] = []
    started = time.perf_counter()

    def sample() -> None:
        rss, _peak = rss_mb()
        samples.append(
            {
                "t": time.perf_counter() - started,
                "received": window.model.notified_max,
                "rss_mb": rss,
                "db_mb": file_size(store.path) / 1e6,
                "db_main_mb": Path(store.path).stat().st_size / 1e6,
                "rows": window.model.rowCount(),
            }
        )

    sampler = QTimer()
    sampler.setInterval(1000)
    sampler.timeout.connect(sample)
    sample()
    rss_start = samples[0]["rss_mb"]

    cmd = [sys.executable, __file__, "--phase", "clients", "--url", listener.url]
    cmd += ["--deliveries", str(total), "--clients", str(clients)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.append(proc.communicate()[0]))
    reader.start()
    heartbeat.start()
    sampler.start()
    wait_qt(lambda: not reader.is_alive(), 24 * 3600)
    # The last notices and the last prune: the table and the file settle.
    wait_qt(lambda: window.model.notified_max >= store.max_seq(), 30)
    settle = time.perf_counter()
    wait_qt(lambda: store.count_unpinned() <= keep_events, 120)
    settled_in = time.perf_counter() - settle
    sample()
    heartbeat.stop()
    sampler.stop()
    out = json.loads(output[0])

    acked: list[int] = out["acked"]
    newest = acked[-keep_events:]
    present = 0
    for start in range(0, len(newest), 500):
        present += len(store.summaries(newest[start : start + 500]))
    lost = len(newest) - present

    def at(fraction: float) -> dict[str, float]:
        goal = fraction * total
        return next((s for s in samples if s["received"] >= goal), samples[-1])

    warm, mid, end = at(0.1), at(0.5), samples[-1]
    full = next((s for s in samples if s["received"] >= keep_events * 1.1), end)
    keeper = session.history
    result = {
        "deliveries": total,
        "clients": clients,
        "keep": limits.describe(),
        "acknowledged": len(acked),
        "failures": out["failures"],
        "acks_lost": lost,
        "throughput_per_s": round(total / out["elapsed"]),
        "rss_mb_start": round(rss_start, 1),
        "rss_mb_after_warmup_10pct": round(warm["rss_mb"], 1),
        "rss_mb_mid": round(mid["rss_mb"], 1),
        "rss_mb_end": round(end["rss_mb"], 1),
        "rss_growth_after_warmup": round(end["rss_mb"] / warm["rss_mb"] - 1, 3),
        # Until the limit is reached the table and the history grow as they should; from there on
        # nothing should.
        "rss_mb_when_limit_reached": round(full["rss_mb"], 1),
        "rss_growth_after_limit": round(end["rss_mb"] / full["rss_mb"] - 1, 3),
        "db_mb_when_limit_reached": round(full["db_mb"], 1),
        "db_mb_mid": round(mid["db_mb"], 1),
        "db_mb_end": round(end["db_mb"], 1),
        "db_growth_after_limit": round(end["db_mb"] / max(full["db_mb"], 1e-9) - 1, 3),
        # The main file alone (the WAL beside it swings by up to a checkpoint's worth, ~4 MB).
        "db_main_mb_when_limit_reached": round(full["db_main_mb"], 1),
        "db_main_mb_end": round(end["db_main_mb"], 1),
        "events_kept_end": store.count(),
        "pruned": keeper.pruned_total,
        "prune_settled_s": round(settled_in, 1),
        "rows_loaded_in_table_end": window.model.rowCount(),
        "gui_longest_stall_ms": round(max(gaps) - 10, 1) if gaps else None,
        "gui_p99_heartbeat_gap_ms": round(pct(gaps, 99), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    window.close()
    session.shutdown()
    listener.stop()
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100,000 deliveries instead of 1,000,000")
    parser.add_argument("--deliveries", type=int, default=None)
    parser.add_argument("--keep-events", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--phase", choices=("main", "clients"), default="main", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    total = args.deliveries or (100_000 if args.quick else 1_000_000)
    if args.phase == "clients":
        run_clients(args.url, total, args.clients)
        return
    # --quick keeps the same share of what is sent (a fifth), so the limit is reached early there too.
    keep = total // 5 if args.quick else args.keep_events
    print(
        f"soak: {total:,} deliveries, {args.clients} keep-alive clients, --keep-events {keep:,}", flush=True
    )
    result = soak(total, keep, args.clients)
    for key, value in result.items():
        print(f"  {key}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
