"""Deliveries for the shapes tests: realistic card-issuing envelopes, built from a seeded rng."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from typing import Any

from inspector.core.shapes import Difference, ShapeLearner, shape_of

CURRENCIES = ("EUR", "USD", "GBP", "CHF")
COUNTRIES = ("DE", "FR", "NL", "US")


def authorized(n: int, rng: random.Random | None = None) -> dict[str, Any]:
    """A `transaction.authorized` envelope; `n` makes its ids distinct."""
    rng = rng or random.Random(n)
    return {
        "event_id": f"evt_{n:08x}",
        "event_identifier": "transaction.authorized",
        "data": {
            "transaction_id": f"txn_{rng.getrandbits(64):016x}",
            "amount": rng.randint(100, 50_000),
            "currency": rng.choice(CURRENCIES),
            "created_at": f"2026-11-{1 + n % 28:02d}T10:{n % 60:02d}:00.000Z",
            "card": {
                "card_id": f"card_{rng.getrandbits(48):012x}",
                "masked_pan": "424242******4242",
                "last4": "4242",
            },
            "merchant": {"name": "Café de Flore", "country": rng.choice(COUNTRIES), "city": "Paris"},
            "items": [
                {"sku": f"sku-{i}", "quantity": rng.randint(1, 3), "unit_price": rng.randint(100, 900)}
                for i in range(1 + n % 3)
            ],
        },
    }


def card_created(n: int) -> dict[str, Any]:
    return {
        "event_id": f"evt_c{n:07x}",
        "event_identifier": "card.created",
        "data": {
            "card_id": f"card_{n:012x}",
            "status": "inactive",
            "type": "virtual" if n % 2 else "physical",
            "cardholder": {"email": f"holder{n}@example.com", "id": f"ch_{n:08x}"},
            "created_at": f"2026-11-{1 + n % 28:02d}T09:00:00Z",
        },
    }


def changed(body: dict[str, Any], **data_changes: Any) -> dict[str, Any]:
    """A deep copy of `body` with `data` keys set (a value of ... removes the key)."""
    out = copy.deepcopy(body)
    for key, value in data_changes.items():
        if value is ...:
            out["data"].pop(key, None)
        else:
            out["data"][key] = value
    return out


def observe_all(
    learner: ShapeLearner, bodies: Iterable[dict[str, Any]], *, learn: bool = True
) -> list[list[Difference]]:
    """Observe each body as the listener would; the differences of each, as lines."""
    found = [learner.observe(body["event_identifier"], shape_of(body), body) for body in bodies]
    if learn:
        learner.learn_pending()
    return found


def lines(differences: list[Difference]) -> list[str]:
    return [str(d) for d in differences]
