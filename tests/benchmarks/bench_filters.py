"""Body filter benchmark: first page of `ref:` and field filters (data.x:…) at 1,000,000 events.

Builds (once, reused from --dir) a history of card-transaction deliveries: about 330,000 purchases
of one to three steps (authorized → settled → refunded) sharing `data.transaction_id`, 2,000 cards,
amounts from 1 to 100,000 minor units, a dozen merchant countries, and one body in 200 that is
not JSON. Then times the first page (200 rows, newest first, what the window shows) of each query,
the best of --rounds, next to the unfiltered page and a free-text search as baselines.

    python tests/benchmarks/bench_filters.py [--events 1000000] [--dir /tmp/bench-filters] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from inspector.core.events import NewEvent  # noqa: E402
from inspector.core.store.event_store import EventStore  # noqa: E402

COUNTRIES = ("SE", "DE", "FR", "NL", "US", "LU", "IE", "GB", "AT", "JP", "IT", "ES")
STEPS = ("transaction.authorized", "transaction.settled", "transaction.refunded")
PAGE = 200


def build(store: EventStore, total: int, rng: random.Random) -> None:
    batch: list[NewEvent] = []
    n = 0
    txn = 0
    started = time.perf_counter()
    while n < total:
        txn += 1
        steps = rng.choice((1, 2, 2, 3))
        amount = rng.randint(1, 100_000)
        country = rng.choice(COUNTRIES)
        card = f"card_{rng.randrange(2000):06d}"
        last4 = f"{rng.randrange(10000):04d}"
        for s in range(steps):
            n += 1
            if n % 200 == 0:
                body = b"\xff\xfe not json " + rng.randbytes(40)
                batch.append(
                    NewEvent(1.7e9 + n, "POST", "/hooks", "", (), body, 400, flags=("invalid_json",))
                )
            event_id = f"evt_{n:08d}"
            data = {
                "transaction_id": f"txn_{txn:08d}",
                "amount": amount,
                "currency": "EUR",
                "status": STEPS[s].split(".")[1],
                "created_at": f"2026-01-01T00:00:{s:02d}Z",
                "card": {"card_id": card, "last4": last4},
                "merchant": {"name": "Shop", "country": country, "mcc": "5411"},
                "pad": "x" * 400,
            }
            body = json.dumps({"event_id": event_id, "event_identifier": STEPS[s], "data": data}).encode()
            batch.append(
                NewEvent(
                    1.7e9 + n,
                    "POST",
                    "/hooks",
                    "",
                    (),
                    body,
                    200,
                    event_id=event_id,
                    event_identifier=STEPS[s],
                )
            )
        if len(batch) >= 5000:
            store.insert_many(batch)
            batch = []
            print(f"\r  {n:,} events, {time.perf_counter() - started:.0f} s", end="", flush=True)
    if batch:
        store.insert_many(batch)
    print(f"\r  {n:,} events built in {time.perf_counter() - started:.0f} s")


def first_page(store: EventStore, query: str, rounds: int) -> tuple[float, int]:
    best = float("inf")
    rows = 0
    for _ in range(rounds):
        started = time.perf_counter()
        rows = len(store.query(query, limit=PAGE))
        best = min(best, time.perf_counter() - started)
    return best * 1000, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "bench-filters")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    store = EventStore.open(args.dir)
    try:
        if store.count() < args.events:
            store.clear()
            print(f"building {args.events:,} events in {args.dir} …")
            build(store, args.events, random.Random(14))
        total = store.count()
        mid = store.query("", limit=1, offset=total // 2)[0].seq
        txn = json.loads(store.get(mid).body)["data"]["transaction_id"] if store.get(mid) else "txn_1"  # type: ignore[union-attr]
        queries = [
            ("(no filter, baseline)", ""),
            ("free text (baseline)", '"txn_00000001"'),
            ("ref: a purchase in the middle", f"ref:{txn}"),
            ("ref: a card (~500 events)", "ref:card_000042"),
            ("ref: no such value", "ref:txn_nope"),
            ("data.amount:>1000", "data.amount:>1000"),
            ("data.amount:>99990 (rare)", "data.amount:>99990"),
            ("data.merchant.country:SE", "data.merchant.country:SE"),
            ("data.card.last4:4242", "data.card.last4:4242"),
            ("data.status:refunded", "data.status:refunded"),
            ("data.amount:>1000 data.merchant.country:SE", "data.amount:>1000 data.merchant.country:SE"),
            ("data.missing.path:x (matches none)", "data.missing.path:x"),
            ("data.amount:>1000000 (matches none)", "data.amount:>1000000"),
        ]
        print(f"{total:,} events; first page = {PAGE} rows newest first, best of {args.rounds}")
        base, _ = first_page(store, "", args.rounds)
        for label, query in queries:
            ms, rows = first_page(store, query, args.rounds)
            print(f"  {label:<48} {ms:9.2f} ms  {rows:4d} rows  (x{ms / base:.1f} of the unfiltered page)")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
