"""What the "store opened" log line costs: `EventStore.open` with INFO logging on (the line counts
the rows) against the same open with logging off (no count), in the same run.

    python tests/benchmarks/bench_store_open.py [--rows 200000] [--rounds 7]

Builds a store of --rows events once, then opens and closes it --rounds times each way; prints
milliseconds per open (best and median) and the ratio.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from inspector.core.diagnostics import setup_logging, shutdown_logging  # noqa: E402
from inspector.core.store.event_store import EventStore  # noqa: E402
from tests.benchmarks.bench_store_insert import events  # noqa: E402


def opens(data: Path, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        EventStore.open(data).close()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        store = EventStore.open(data)
        batch = events(2000)
        for start in range(0, args.rows, len(batch)):
            store.insert_many(batch[: min(len(batch), args.rows - start)])
        store.close()
        logging.getLogger().setLevel(logging.WARNING)
        quiet = opens(data, args.rounds)  # baseline: no INFO logging, no count
        setup_logging(verbose=False, log_file=Path(tmp) / "bench.log", command="bench")
        logged = opens(data, args.rounds)
        shutdown_logging()
        line = next(x for x in (Path(tmp) / "bench.log").read_text().splitlines() if "store opened" in x)
    print(f"{args.rows:,} rows, {args.rounds} opens each")
    for name, times in (("without the log line", quiet), ("with the log line", logged)):
        print(f"  {name:22} best {min(times):7.1f} ms   median {statistics.median(times):7.1f} ms")
    print(f"  ratio (median): {statistics.median(logged) / statistics.median(quiet):.2f}x")
    print(f"  {line.split('] ', 1)[1]}")


if __name__ == "__main__":
    main()
