"""Store insert benchmark: `EventStore.insert_prepared` in batches of 8 and of 500 rows.

insert_prepared is the listener's one serial step (group commit: every waiting delivery is in one
batch), so its cost per row bounds throughput. Each round starts a fresh store, prepares the rows
first (prepare_row runs on the request threads, not in the serial step) and times the inserts
alone; one row in 50 repeats an earlier event_id, so the duplicate path is timed too.

    python tests/benchmarks/bench_store_insert.py [--rounds 7] [--rows 4000]

Prints µs per row (best and median of the rounds) for each batch size, and prepare_row alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from inspector.core.events import NewEvent  # noqa: E402
from inspector.core.store.event_store import EventStore, prepare_row  # noqa: E402


def events(count: int) -> list[NewEvent]:
    out = []
    for n in range(count):
        event_id = f"evt_{n - 7 if n % 50 == 49 else n:08d}"
        body = json.dumps({"event_id": event_id, "event_identifier": "card.created", "data": {"n": n}})
        out.append(
            NewEvent(
                received_at=1_790_000_000.0 + n,
                method="POST",
                path="/webhooks/provider",
                query="",
                headers=(("Content-Type", "application/json"), ("Authorization", "Bearer [redacted]")),
                body=body.encode() + b" " * 700,
                status=200,
                duration_ms=1.5,
                event_id=event_id,
                event_identifier="card.created",
                flags=("unverified",),
                remote_addr="127.0.0.1",
            )
        )
    return out


def time_batches(batch: int, rows: int) -> float:
    """µs per row to insert `rows` rows in batches of `batch` into a fresh store."""
    news = events(rows)
    prepared = [prepare_row(e) for e in news]
    with tempfile.TemporaryDirectory(prefix="bench-insert-") as tmp:
        store = EventStore.open(Path(tmp))
        try:
            started = timeit.default_timer()
            for start in range(0, rows, batch):
                store.insert_prepared(news[start : start + batch], prepared[start : start + batch])
            elapsed = timeit.default_timer() - started
        finally:
            store.close()
    return elapsed / rows * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rows", type=int, default=4000)
    args = parser.parse_args()
    for batch in (8, 500):
        per_row = [time_batches(batch, args.rows) for _ in range(args.rounds)]
        print(
            f"insert_prepared, batches of {batch:3}: best {min(per_row):6.1f} µs/row,"
            f" median {statistics.median(per_row):6.1f} µs/row ({args.rounds} rounds of {args.rows:,} rows)"
        )
    sample = events(1000)
    best = min(timeit.repeat(lambda: [prepare_row(e) for e in sample], number=5, repeat=args.rounds))
    print(f"prepare_row: best {best / 5 / len(sample) * 1e6:.2f} µs/row")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
