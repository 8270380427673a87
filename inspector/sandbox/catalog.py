"""The sandbox's event catalog for a card-issuing program: identifiers, descriptions, and which
fields of each type's `data` vary, with how often.

This is OUR illustrative catalog, not the provider's official list: the provider's page names only
`transaction.authorized`. The identifiers and `data` shapes (built in payloads.py, which states
the id and format conventions) are plausible for card issuing so the whole loop (and the app's
filters, tables and exports) has varied, realistic material.

Like a real provider's, payloads are not all alike: an `optional` field is present in some events
and absent from others; a `nullable` field is always sent but sometimes `null`. Each EventType
lists both, with when and how often (the P_* constants of payloads.py), so the tests and the
reader see the same contract the generators follow.
"""

from __future__ import annotations

import random
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from inspector.sandbox import payloads as p
from inspector.sandbox.payloads import CURRENCIES, Payload, Story

__all__ = ["CATALOG", "CURRENCIES", "EventType", "Payload", "generate", "new_id"]

Step = Callable[[Story, float], Payload]

# Hex ids often hold long digit runs (about 1 in 40 has 13+), which would look like card numbers
# to a PAN scanner; such ids are drawn again.
_PAN_LIKE_RUN = re.compile(r"\d{13}")


def new_id(prefix: str) -> str:
    """`prefix_` + 24 hex chars, never with a run of 13 digits."""
    while True:
        text = secrets.token_hex(12)
        if not _PAN_LIKE_RUN.search(text):
            return f"{prefix}_{text}"


def _pct(probability: float) -> str:
    return f"{probability:.0%}"


# Fields every transaction event has from its purchase and card.
_TRANSACTION_OPTIONAL = {
    "merchant.city": f"present for {_pct(p.P_MERCHANT_CITY)} of merchants",
    "metadata": f"present when the card has the integrator's metadata ({_pct(p.P_METADATA)} of cards)",
}
_TRANSACTION_NULLABLE = {
    "wallet": f"set for {_pct(p.P_WALLET)} of contactless and e-commerce payments (a phone wallet), "
    "else null; always null for chip and magstripe",
}
_THREE_DS = {
    "three_ds": f"only on e-commerce payments, {_pct(p.P_THREE_DS)} of them (the rest are exempt)",
}
_CARD_OPTIONAL = {
    "metadata": f"present when the integrator attached metadata to the card ({_pct(p.P_METADATA)} of cards)",
}


@dataclass(frozen=True, slots=True)
class EventType:
    identifier: str
    description: str
    step: Step  # tells this event's `data` from a story's facts at a given time
    optional: Mapping[str, str] = field(default_factory=dict)  # dotted path -> when it is present
    nullable: Mapping[str, str] = field(default_factory=dict)  # dotted path -> when it is not null

    def generate(self, rng: random.Random, now: float) -> Payload:
        """One event of this type on its own: told from a fresh story."""
        return self.step(Story(rng), now)

    def to_json(self) -> Payload:
        return {"identifier": self.identifier, "description": self.description}


CATALOG: dict[str, EventType] = {
    t.identifier: t
    for t in (
        EventType(
            "transaction.authorized",
            "A card purchase was authorized.",
            p.transaction_authorized,
            {**_TRANSACTION_OPTIONAL, **_THREE_DS},
            _TRANSACTION_NULLABLE,
        ),
        EventType(
            "transaction.declined",
            "A card purchase was declined.",
            p.transaction_declined,
            {**_TRANSACTION_OPTIONAL, **_THREE_DS},
            {
                **_TRANSACTION_NULLABLE,
                "decline_reason_detail": f"a sentence in {_pct(p.P_DECLINE_DETAIL)} of declines, else null",
            },
        ),
        EventType(
            "transaction.settled",
            "An authorized purchase settled.",
            p.transaction_settled,
            {
                **_TRANSACTION_OPTIONAL,
                "exchange_rate": f"only when the purchase was not in {p.SETTLEMENT_CURRENCY} "
                f"({_pct(1 - 1 / len(CURRENCIES))} of purchases)",
            },
            _TRANSACTION_NULLABLE,
        ),
        EventType(
            "transaction.reversed",
            "An authorization was reversed.",
            p.transaction_reversed,
            _TRANSACTION_OPTIONAL,
            _TRANSACTION_NULLABLE,
        ),
        EventType(
            "transaction.refunded",
            "A merchant refunded a purchase.",
            p.transaction_refunded,
            _TRANSACTION_OPTIONAL,
            _TRANSACTION_NULLABLE,
        ),
        EventType(
            "card.created",
            "A card was issued (not yet active).",
            p.card_created,
            {
                **_CARD_OPTIONAL,
                "spending_limit": f"present for {_pct(p.P_SPENDING_LIMIT)} of cards "
                "(the others have only the program's limits)",
                "shipping": "only for physical cards (50% of cards)",
            },
        ),
        EventType("card.activated", "A card was activated.", p.card_activated, _CARD_OPTIONAL),
        EventType(
            "card.frozen",
            "A card was frozen; purchases are declined.",
            p.card_frozen,
            _CARD_OPTIONAL,
            {"note": f"a note in {_pct(p.P_FREEZE_NOTE)} of freezes, else null"},
        ),
        EventType("card.unfrozen", "A frozen card was unfrozen.", p.card_unfrozen, _CARD_OPTIONAL),
        EventType(
            "card.terminated",
            "A card was terminated for good.",
            p.card_terminated,
            _CARD_OPTIONAL,
            {
                "replacement_card_id": f"set for {_pct(p.P_REPLACEMENT)} of cards terminated as lost, "
                "stolen or expired; else null",
            },
        ),
        EventType(
            "cardholder.created",
            "A cardholder was created.",
            p.cardholder_created,
            {
                "address.postal_code": f"present in {_pct(p.P_POSTAL_CODE)} of addresses",
                "metadata": f"present for {_pct(p.P_METADATA)} of cardholders",
            },
            {"phone_number": f"set for {_pct(p.P_PHONE)} of cardholders, else null"},
        ),
        EventType(
            "balance.updated",
            "An account balance changed.",
            p.balance_updated,
            nullable={
                "transaction_id": f"the transaction behind {_pct(p.P_BALANCE_TRANSACTION)} of changes; "
                "null for top-ups and fees",
            },
        ),
    )
}


def generate(identifier: str, rng: random.Random | None = None, now: float | None = None) -> Payload:
    """The `data` of one `identifier` event; KeyError for an identifier not in the catalog."""
    event_type = CATALOG[identifier]
    return event_type.generate(rng or random.Random(), time.time() if now is None else now)
