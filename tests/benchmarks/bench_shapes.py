"""What learning payload shapes costs per delivery, against a plain json.loads of the same body.

    python tests/benchmarks/bench_shapes.py [--deliveries 200000] [--rebuild 200000] [--rounds 3]

Generates realistic envelopes (the sandbox catalog's card-issuing types, with optional fields some
deliveries carry: a wallet, metadata, a 3-D Secure block, line items) of about 1 KB, then measures
in the same run, rounds alternating so machine noise hits all alike:

- `json.loads` of the raw body (the baseline the listener pays anyway),
- `shape_of` alone, and `shape_of` + `ShapeLearner.observe` (the per-delivery cost),
- `learn_pending` (the background cost of the samples observe picked, per delivery),
- `SchemaSet.check` against the learned schema (the optional schema_invalid verdict),
- `rebuild` from N stored events (raw JSON parsed on the way, as from the store), with the time
  of parsing alone subtracted to show the learning part; 1,000,000 is extrapolated from N when N is
  smaller, and says so.

A script, not a test: shared machines are too noisy for timed asserts.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from inspector.core.shapes import SchemaSet, ShapeLearner, shape_of
from inspector.sandbox import catalog

TYPES = (
    "transaction.authorized",
    "transaction.declined",
    "transaction.settled",
    "transaction.refunded",
    "card.created",
    "card.frozen",
    "cardholder.created",
    "balance.updated",
)
WEIGHTS = (40, 8, 25, 4, 5, 3, 5, 10)
LISTENER_RATE = 2_700  # deliveries/s the listener acknowledges on 2 cores
BUDGET = 0.05
CHUNK = 300


def envelope(n: int, rng: random.Random) -> dict[str, Any]:
    event_type = rng.choices(TYPES, WEIGHTS)[0]
    data = catalog.generate(event_type, rng, now=1_764_000_000 + n)
    roll = rng.random()
    if event_type.startswith("transaction."):
        if roll < 0.15:
            data["wallet"] = {"provider": rng.choice(("apple_pay", "google_pay")), "device_type": "phone"}
        if roll > 0.7:
            data["three_ds"] = {"version": "2.2.0", "result": rng.choice(("authenticated", "attempted"))}
        data["items"] = [
            {
                "sku": f"sku-{rng.randrange(500)}",
                "quantity": rng.randint(1, 3),
                "unit_amount": rng.randint(100, 9000),
            }
            for _ in range(rng.randint(0, 3))
        ]
    if roll < 0.3:
        data["metadata"] = {"program": "corporate-cards", "cost_center": f"CC-{rng.randrange(9999):04d}"}
    if roll < 0.02:
        data["merchant_note"] = None
    return {
        "event_id": f"evt_{n:012d}_{rng.getrandbits(32):08x}",
        "event_identifier": event_type,
        "data": data,
    }


def per_call_us(fn: Callable[[Any], Any], items: list[Any]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items) * 1e6


def measure_round(raws: list[str], values: list[dict[str, Any]]) -> dict[str, float]:
    loads = per_call_us(json.loads, raws)
    shapes = per_call_us(shape_of, values)
    learner = ShapeLearner()
    observe, learn = learner.observe, learner.learn_pending
    observing = learning = 0.0
    learned = 0
    # In chunks small enough that the sample queue never fills; the queue is drained between
    # chunks as the listener's background thread would, and that work is timed on its own.
    for begin in range(0, len(values), CHUNK):
        chunk = values[begin : begin + CHUNK]
        start = time.perf_counter()
        for value in chunk:
            observe(value["event_identifier"], shape_of(value), value)
        middle = time.perf_counter()
        learned += learn()
        learning += time.perf_counter() - middle
        observing += middle - start
    assert learner.dropped_samples == 0
    return {
        "json.loads": loads,
        "shape_of": shapes,
        "shape_of+observe": observing / len(values) * 1e6,
        "learn_pending per sample": learning / max(learned, 1) * 1e6,
        "learn_pending per delivery": learning / len(values) * 1e6,
        "sampled share (%)": 100 * learned / len(values),
    }


def rebuild_seconds(raws: list[str], n: int) -> tuple[float, float, int]:
    def events() -> Iterator[tuple[str, Any]]:
        for i in range(n):
            value = json.loads(raws[i % len(raws)])
            yield value["event_identifier"], value

    start = time.perf_counter()
    for _ in events():
        pass
    parse_only = time.perf_counter() - start
    learner = ShapeLearner()
    ticks: list[int] = []
    start = time.perf_counter()
    done = learner.rebuild(events(), progress=ticks.append, cancelled=lambda: False, every=50_000)
    total = time.perf_counter() - start
    assert done and ticks[-1] == n
    return total, parse_only, len(learner.event_types())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=200_000, help="distinct bodies per round")
    parser.add_argument("--rebuild", type=int, default=200_000, help="events to rebuild from")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(7)
    values = [envelope(n, rng) for n in range(args.deliveries)]
    raws = [json.dumps(v, ensure_ascii=False) for v in values]
    sizes = [len(r.encode()) for r in raws]
    print(f"{len(values)} envelopes of {len(TYPES)} types, body size median {statistics.median(sizes):.0f} B")

    rounds = [measure_round(raws, values) for _ in range(args.rounds)]
    print(f"\nper delivery, median of {args.rounds} rounds (µs):")
    for key in rounds[0]:
        figure = statistics.median(r[key] for r in rounds)
        print(f"  {key:28s} {figure:10.2f}")
    loads = statistics.median(r["json.loads"] for r in rounds)
    cost = statistics.median(r["shape_of+observe"] for r in rounds)
    background = statistics.median(r["learn_pending per delivery"] for r in rounds)
    share_one_core = cost * 1e-6 * LISTENER_RATE
    print(
        f"\n  shape_of+observe = {cost / loads:.2f} x json.loads; at {LISTENER_RATE}/s that is "
        f"{share_one_core:.1%} of one core ({share_one_core / 2:.1%} of two; budget {BUDGET:.0%})"
    )
    print(f"  with background learning: {(cost + background) * 1e-6 * LISTENER_RATE:.1%} of one core")

    learner = ShapeLearner()
    for value in values[:5000]:
        learner.observe(value["event_identifier"], shape_of(value), value)
    learner.learn_pending()
    contract = SchemaSet.from_schemas(learner.schemas())
    check = per_call_us(lambda v: contract.check(v["event_identifier"], v), values[:20_000])
    print(f"  SchemaSet.check (learned schema, formats on): {check:.1f} µs per delivery")

    total, parse_only, types = rebuild_seconds(raws, args.rebuild)
    print(f"\nrebuild of {args.rebuild} events ({types} types), parsing included: {total:.2f} s")
    print(f"  of which json.loads: {parse_only:.2f} s; learning: {total - parse_only:.2f} s")
    per_event = total / args.rebuild
    if args.rebuild >= 1_000_000:
        print(f"  1,000,000 events: {per_event * 1_000_000:.1f} s (measured)")
    else:
        print(f"  1,000,000 events: {per_event * 1_000_000:.1f} s (extrapolated from {args.rebuild})")


if __name__ == "__main__":
    main()
