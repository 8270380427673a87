"""The payload generators: realistic, varied, and never a full card number."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime
from typing import Any

import pytest

from inspector.sandbox.catalog import CATALOG, CURRENCIES, generate
from tests.sandbox.conftest import Api

PAN_LIKE = re.compile(r"\d{13,19}")  # a full card number is 13 to 19 digits
ISO_CURRENCIES = {c for c, _ in CURRENCIES}
TIMESTAMP_KEYS = re.compile(r"_at$")


def walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every (dotted path, leaf value) of a JSON value."""
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in walk(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in walk(v, f"{path}[{i}]")]
    return [(path, value)]


def samples(identifier: str, n: int = 150) -> list[dict[str, Any]]:
    return [generate(identifier, random.Random(seed)) for seed in range(n)]


@pytest.mark.parametrize("identifier", sorted(CATALOG))
def test_no_full_card_number_ever(identifier: str) -> None:
    for data in samples(identifier, 400):
        text = json.dumps(data, ensure_ascii=False)
        assert not PAN_LIKE.search(text), text
        # Also no PAN spread over separators ("4111 1111 1111 1111").
        assert not PAN_LIKE.search(re.sub(r"[ -]", "", text)), text


@pytest.mark.parametrize("identifier", sorted(CATALOG))
def test_shapes_are_realistic(identifier: str) -> None:
    for data in samples(identifier):
        json.dumps(data)  # plain JSON
        leaves = walk(data)
        timestamps = [v for p, v in leaves if TIMESTAMP_KEYS.search(p)]
        assert timestamps, "every event says when it happened"
        for stamp in timestamps:
            assert stamp.endswith("Z")
            datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        for path, value in leaves:
            if path.endswith("masked_pan"):
                assert re.fullmatch(r"\d{6}\*{6}\d{4}", value)
            if path.endswith("currency"):
                assert value in ISO_CURRENCIES
            if path.split(".")[-1] in ("amount", "available", "ledger", "settlement_amount"):
                assert isinstance(value, int) and not isinstance(value, bool)
            if path.endswith("category_code"):
                assert re.fullmatch(r"\d{4}", value)
            if path.endswith("country"):
                assert re.fullmatch(r"[A-Z]{2}", value)


@pytest.mark.parametrize("identifier", [i for i in sorted(CATALOG) if i.startswith("transaction.")])
def test_transactions_carry_amount_card_and_merchant(identifier: str) -> None:
    for data in samples(identifier):
        assert isinstance(data["amount"], int) and data["amount"] > 0
        assert data["currency"] in ISO_CURRENCIES
        assert data["card"]["masked_pan"].endswith(data["card"]["last4"])
        merchant = data["merchant"]
        assert merchant["name"] and merchant["category_code"] and merchant["country"]
        assert data["status"] == identifier.split(".")[1]


def test_payloads_vary() -> None:
    data = samples("transaction.authorized", 200)
    assert len({d["amount"] for d in data}) > 100
    assert len({d["currency"] for d in data}) == len(CURRENCIES)
    assert len({d["merchant"]["name"] for d in data}) > 8
    assert len({d["card"]["network"] for d in data}) == 2
    assert len({d["transaction_id"] for d in data}) == 200
    amounts_eur = sorted(d["amount"] for d in data if d["currency"] == "EUR")
    assert amounts_eur[0] < 1000 < amounts_eur[-1]  # both coffees and flights
    assert {d["decline_reason"] for d in samples("transaction.declined")} >= {
        "insufficient_funds",
        "suspected_fraud",
    }


def test_jpy_has_no_minor_unit_and_settles_in_euro_cents() -> None:
    settled = [d for d in samples("transaction.settled", 400) if d["currency"] == "JPY"]
    assert settled
    for d in settled:
        # 150 yen is about one euro: the settlement must not be off by the 100x of a minor unit.
        rate = float(d["exchange_rate"])
        assert d["settlement_amount"] == max(1, round(d["amount"] * rate * 100))


def test_seeded_generation_is_reproducible() -> None:
    now = 1_800_000_000.0
    a = generate("card.created", random.Random(7), now)
    b = generate("card.created", random.Random(7), now)
    assert a == b
    assert a["created_at"] == "2027-01-15T08:00:00.000Z"


def test_unknown_identifier_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        generate("transaction.exploded")


def test_triggered_events_through_the_api_have_no_pan(api: Api) -> None:
    for identifier in CATALOG:
        event = api.trigger(identifier)
        assert not PAN_LIKE.search(json.dumps(event))


@pytest.mark.parametrize("identifier", sorted(CATALOG))
def test_every_event_says_when_it_was_created(identifier: str) -> None:
    now = 1_800_000_000.0
    for seed in range(20):
        assert generate(identifier, random.Random(seed), now)["created_at"] == "2027-01-15T08:00:00.000Z"


@pytest.mark.parametrize(
    "identifier", [i for i in sorted(CATALOG) if i.startswith(("transaction.", "card."))]
)
def test_one_id_convention_the_card_at_data_card_card_id(identifier: str) -> None:
    for data in samples(identifier, 30):
        assert data["card"]["card_id"].startswith("card_")
        assert re.fullmatch(r"\d{6}\*{6}\d{4}", data["card"]["masked_pan"])
        assert "card_id" not in data and "masked_pan" not in data
        assert data["cardholder_id"].startswith("ch_")
