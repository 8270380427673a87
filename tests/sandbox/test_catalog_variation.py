"""Optional and nullable fields: they come and go like a real provider's, as each event type
declares, deterministically for a seeded random.Random."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from inspector.sandbox.catalog import CATALOG, generate

N = 250
NOW = 1_800_000_000.0
MISSING = object()
FREE_FORM = ("metadata",)  # the integrator's own key-values: their keys vary by design


def samples(identifier: str, n: int = N) -> list[dict[str, Any]]:
    return [generate(identifier, random.Random(seed), NOW) for seed in range(n)]


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every dotted path of an object key, nested objects included (not inside free-form ones)."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            if key not in FREE_FORM:
                out |= key_paths(item, path)
    return out


def lookup(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def null_paths(value: Any, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out |= {path} if item is None else null_paths(item, path)
    return out


def under(path: str, declared: Any) -> bool:
    return any(path == d or path.startswith(d + ".") for d in declared)


def test_every_event_type_varies_something_and_says_how_often() -> None:
    for identifier, event_type in CATALOG.items():
        rules = {**event_type.optional, **event_type.nullable}
        assert rules, identifier
        for path, rule in rules.items():
            assert re.search(r"\d+ ?%", rule), (identifier, path, rule)  # a documented probability


@pytest.mark.parametrize("identifier", sorted(CATALOG))
def test_optional_fields_are_present_in_some_payloads_and_absent_in_others(identifier: str) -> None:
    event_type = CATALOG[identifier]
    seen = [key_paths(d) for d in samples(identifier)]
    for path in event_type.optional:
        present = sum(path in paths for paths in seen)
        assert 0 < present < N, (path, present)
    # Nothing else comes and goes: a field missing from some payload is a declared optional one.
    always = set.intersection(*seen)
    sometimes = set.union(*seen) - always
    assert {p for p in sometimes if not under(p, event_type.optional)} == set()


@pytest.mark.parametrize("identifier", sorted(CATALOG))
def test_nullable_fields_are_null_in_some_payloads_and_set_in_others(identifier: str) -> None:
    event_type = CATALOG[identifier]
    payloads = samples(identifier)
    for path in event_type.nullable:
        values = [lookup(d, path) for d in payloads]
        assert any(v is None for v in values), path
        assert any(v is not None and v is not MISSING for v in values), path
        if not under(path, event_type.optional):
            assert MISSING not in values, path  # the key is always sent, its value may be null
    # Nothing else is ever null.
    nulls = set().union(*(null_paths(d) for d in payloads))
    assert nulls <= set(event_type.nullable)


@pytest.mark.parametrize("identifier", sorted(CATALOG))
def test_seeded_variation_is_reproducible(identifier: str) -> None:
    for seed in range(30):
        assert generate(identifier, random.Random(seed), NOW) == generate(
            identifier, random.Random(seed), NOW
        )


@pytest.mark.parametrize("identifier", ["transaction.authorized", "transaction.declined"])
def test_three_ds_only_on_e_commerce(identifier: str) -> None:
    payloads = samples(identifier)
    with_3ds = [d for d in payloads if "three_ds" in d]
    assert with_3ds
    assert all(d["entry_mode"] == "ecommerce" for d in with_3ds)
    online = [d for d in payloads if d["entry_mode"] == "ecommerce"]
    assert len(with_3ds) < len(online)  # exemptions: not every online payment is authenticated


def test_exchange_rate_only_on_cross_currency_settlements() -> None:
    for d in samples("transaction.settled"):
        assert ("exchange_rate" in d) == (d["currency"] != d["settlement_currency"]), d
        assert isinstance(d["settlement_amount"], int)


def test_settlement_fields_only_on_settlement() -> None:
    for identifier in CATALOG:
        if identifier != "transaction.settled":
            for d in samples(identifier, 40):
                assert not {"settlement_amount", "settlement_currency", "settled_at"} & set(d), identifier


def test_wallet_only_for_contactless_and_online_payments() -> None:
    for identifier in (i for i in CATALOG if i.startswith("transaction.")):
        for d in samples(identifier, 100):
            if d["wallet"] is not None:
                assert d["entry_mode"] in ("contactless", "ecommerce")
                assert d["wallet"] in ("apple_pay", "google_pay")


def test_only_physical_cards_are_shipped() -> None:
    for d in samples("card.created"):
        assert ("shipping" in d) == (d["card"]["type"] == "physical"), d


def test_replacement_card_only_for_lost_stolen_or_expired_cards() -> None:
    for d in samples("card.terminated"):
        if d["replacement_card_id"] is not None:
            assert d["reason"] in ("lost", "stolen", "expired")
            assert d["replacement_card_id"].startswith("card_")
            assert d["replacement_card_id"] != d["card"]["card_id"]


def test_decline_reason_detail_is_a_sentence_or_null() -> None:
    details = [d["decline_reason_detail"] for d in samples("transaction.declined")]
    assert None in details
    assert all(text is None or (isinstance(text, str) and text.endswith(".")) for text in details)
