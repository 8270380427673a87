"""The sandbox's event catalog for a card-issuing program, with realistic payload generators.

This is OUR illustrative catalog, not the provider's official list: the provider's page names only
`transaction.authorized`. The identifiers and `data` shapes below are plausible for card issuing so
the whole loop (and the app's filters, tables and exports) has varied, realistic material.

Conventions every generator follows:
- amounts are integers in the currency's minor units, next to an ISO 4217 `currency`;
- card numbers are masked (first six + last four around asterisks): a full PAN never appears,
  nor any run of 13 or more digits;
- merchants carry a name, an ISO 18245 category code (MCC) and an ISO 3166 alpha-2 country;
- timestamps are ISO 8601 in UTC.
"""

from __future__ import annotations

import random
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inspector.core.events import iso_utc

Payload = dict[str, Any]
Generator = Callable[[random.Random, float], Payload]

# (currency, minor-unit exponent): JPY has no minor unit, so its amounts are whole yen.
CURRENCIES: tuple[tuple[str, int], ...] = (
    ("EUR", 2),
    ("USD", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("JPY", 0),
)

# (name, MCC, country, city)
MERCHANTS: tuple[tuple[str, str, str, str], ...] = (
    ("Bäckerei Schmidt", "5462", "DE", "Berlin"),
    ("Café de Flore", "5812", "FR", "Paris"),
    ("Shell Station 0421", "5541", "NL", "Utrecht"),
    ("Albert Heijn", "5411", "NL", "Amsterdam"),
    ("Uber *Trip", "4121", "US", "San Francisco"),
    ("Amazon Marketplace", "5942", "LU", "Luxembourg"),
    ("Ryanair", "3246", "IE", "Dublin"),
    ("Tesco Stores 2231", "5411", "GB", "London"),
    ("Spotify", "5815", "SE", "Stockholm"),
    ("Hotel Sacher", "7011", "AT", "Vienna"),
    ("Lawson 東京駅店", "5499", "JP", "Tokyo"),
    ("Farmacia Centrale", "5912", "IT", "Milan"),
    ("IKEA Barcelona", "5712", "ES", "Barcelona"),
    ("Apple.com/bill", "5734", "US", "Cupertino"),
)

# Issuer BINs (first six digits) of test ranges, per card network.
NETWORK_BINS: tuple[tuple[str, str], ...] = (
    ("visa", "411111"),
    ("visa", "424242"),
    ("mastercard", "555555"),
    ("mastercard", "222300"),
)

DECLINE_REASONS: tuple[str, ...] = (
    "insufficient_funds",
    "card_frozen",
    "incorrect_cvc",
    "expired_card",
    "merchant_blocked",
    "velocity_limit_exceeded",
    "suspected_fraud",
)

FIRST_NAMES = (
    "Ana",
    "Jonas",
    "Mei",
    "Oluwaseun",
    "Sofia",
    "Lukas",
    "Aiko",
    "Mateo",
    "Elif",
    "Noah",
)
LAST_NAMES = ("García", "Müller", "Chen", "Adeyemi", "Rossi", "Novak", "Tanaka", "Dubois", "Yilmaz")


# Hex ids often hold long digit runs (about 1 in 40 has 13+), which would look like card numbers
# to a PAN scanner; such ids are drawn again.
_PAN_LIKE_RUN = re.compile(r"\d{13}")


def new_id(prefix: str) -> str:
    """`prefix_` + 24 hex chars, never with a run of 13 digits."""
    while True:
        text = secrets.token_hex(12)
        if not _PAN_LIKE_RUN.search(text):
            return f"{prefix}_{text}"


def _rid(rng: random.Random, prefix: str) -> str:
    # Ids inside payloads come from the seeded rng so a seeded catalog is reproducible.
    while True:
        text = f"{rng.getrandbits(96):024x}"
        if not _PAN_LIKE_RUN.search(text):
            return f"{prefix}_{text}"


def _amount(rng: random.Random, currency: str, exponent: int) -> int:
    """A plausible purchase in minor units: mostly small, sometimes large."""
    major = round(rng.lognormvariate(3.0, 1.1), 2)  # median around 20 major units
    if currency == "JPY":
        major *= 150
    return max(1, round(major * 10**exponent))


def _card(rng: random.Random) -> Payload:
    network, bin6 = rng.choice(NETWORK_BINS)
    last4 = f"{rng.randrange(10_000):04d}"
    return {
        "card_id": _rid(rng, "card"),
        "network": network,
        "masked_pan": f"{bin6}******{last4}",
        "last4": last4,
        "expiry_month": rng.randint(1, 12),
        "expiry_year": rng.randint(2027, 2031),
    }


def _merchant(rng: random.Random) -> Payload:
    name, mcc, country, city = rng.choice(MERCHANTS)
    return {
        "name": name,
        "category_code": mcc,
        "city": city,
        "country": country,
        "merchant_id": _rid(rng, "mer"),
    }


def _transaction(rng: random.Random, now: float, status: str) -> Payload:
    currency, exponent = rng.choice(CURRENCIES)
    card = _card(rng)
    amount = _amount(rng, currency, exponent)
    return {
        "transaction_id": _rid(rng, "txn"),
        "status": status,
        "amount": amount,
        "currency": currency,
        "card": card,
        "cardholder_id": _rid(rng, "ch"),
        "merchant": _merchant(rng),
        "entry_mode": rng.choice(("contactless", "chip", "ecommerce", "magstripe")),
        "created_at": iso_utc(now - rng.uniform(0, 5)),
    }


def transaction_authorized(rng: random.Random, now: float) -> Payload:
    data = _transaction(rng, now, "authorized")
    data["authorization_code"] = f"{rng.randrange(1_000_000):06d}"
    data["authorized_at"] = iso_utc(now)
    return data


def transaction_declined(rng: random.Random, now: float) -> Payload:
    data = _transaction(rng, now, "declined")
    data["decline_reason"] = rng.choice(DECLINE_REASONS)
    data["declined_at"] = iso_utc(now)
    return data


def transaction_settled(rng: random.Random, now: float) -> Payload:
    data = _transaction(rng, now, "settled")
    # Settlement happens in the program currency; cross-currency purchases carry the rate used.
    data["settlement_currency"] = "EUR"
    if data["currency"] == "EUR":
        data["settlement_amount"] = data["amount"]
        data["exchange_rate"] = "1"
    else:
        rate = round(rng.uniform(0.006, 1.2), 6)
        exponent = dict(CURRENCIES)[data["currency"]]
        major = data["amount"] / 10**exponent
        data["settlement_amount"] = max(1, round(major * rate * 100))
        data["exchange_rate"] = f"{rate:.6f}"
    data["authorized_at"] = iso_utc(now - rng.uniform(3600, 3 * 86400))
    data["settled_at"] = iso_utc(now)
    return data


def transaction_reversed(rng: random.Random, now: float) -> Payload:
    data = _transaction(rng, now, "reversed")
    data["original_transaction_id"] = _rid(rng, "txn")
    data["reversal_reason"] = rng.choice(("merchant_cancelled", "authorization_expired", "duplicate"))
    data["reversed_at"] = iso_utc(now)
    return data


def transaction_refunded(rng: random.Random, now: float) -> Payload:
    data = _transaction(rng, now, "refunded")
    data["original_transaction_id"] = _rid(rng, "txn")
    # Partial refunds happen: refund part of the original amount now and then.
    data["original_amount"] = data["amount"]
    if rng.random() < 0.3 and data["amount"] > 1:
        data["amount"] = rng.randint(1, data["amount"] - 1)
    data["refunded_at"] = iso_utc(now)
    return data


def _card_event(rng: random.Random, now: float, status: str, when_key: str) -> Payload:
    card = _card(rng)
    card.update(
        {
            "cardholder_id": _rid(rng, "ch"),
            "status": status,
            "type": rng.choice(("virtual", "physical")),
            when_key: iso_utc(now),
        }
    )
    return card


def card_created(rng: random.Random, now: float) -> Payload:
    data = _card_event(rng, now, "inactive", "created_at")
    data["spending_limit"] = {
        "amount": rng.choice((50_000, 100_000, 250_000)),
        "currency": "EUR",
        "interval": rng.choice(("daily", "monthly")),
    }
    return data


def card_activated(rng: random.Random, now: float) -> Payload:
    return _card_event(rng, now, "active", "activated_at")


def card_frozen(rng: random.Random, now: float) -> Payload:
    data = _card_event(rng, now, "frozen", "frozen_at")
    data["reason"] = rng.choice(("cardholder_request", "suspected_fraud", "program_rule"))
    return data


def card_unfrozen(rng: random.Random, now: float) -> Payload:
    return _card_event(rng, now, "active", "unfrozen_at")


def card_terminated(rng: random.Random, now: float) -> Payload:
    data = _card_event(rng, now, "terminated", "terminated_at")
    data["reason"] = rng.choice(("lost", "stolen", "expired", "cardholder_request"))
    return data


def cardholder_created(rng: random.Random, now: float) -> Payload:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    _, _, country, city = rng.choice(MERCHANTS)
    return {
        "cardholder_id": _rid(rng, "ch"),
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{rng.randrange(100, 999)}@example.com",
        "address": {"city": city, "country": country},
        "kyc_status": rng.choice(("pending", "verified")),
        "created_at": iso_utc(now),
    }


def balance_updated(rng: random.Random, now: float) -> Payload:
    currency, _ = rng.choice(CURRENCIES[:3])
    previous = rng.randint(0, 5_000_000)
    change = rng.randint(-min(previous, 200_000), 200_000)
    available = previous + change
    return {
        "account_id": _rid(rng, "acct"),
        "currency": currency,
        "previous_available": previous,
        "available": available,
        "change": change,
        # Ledger includes pending authorizations the available balance already holds back.
        "ledger": available + rng.randint(0, 50_000),
        "updated_at": iso_utc(now),
    }


@dataclass(frozen=True, slots=True)
class EventType:
    identifier: str
    description: str
    generate: Generator

    def to_json(self) -> Payload:
        return {"identifier": self.identifier, "description": self.description}


CATALOG: dict[str, EventType] = {
    t.identifier: t
    for t in (
        EventType("transaction.authorized", "A card purchase was authorized.", transaction_authorized),
        EventType("transaction.declined", "A card purchase was declined.", transaction_declined),
        EventType("transaction.settled", "An authorized purchase settled.", transaction_settled),
        EventType("transaction.reversed", "An authorization was reversed.", transaction_reversed),
        EventType("transaction.refunded", "A merchant refunded a purchase.", transaction_refunded),
        EventType("card.created", "A card was issued (not yet active).", card_created),
        EventType("card.activated", "A card was activated.", card_activated),
        EventType("card.frozen", "A card was frozen; purchases are declined.", card_frozen),
        EventType("card.unfrozen", "A frozen card was unfrozen.", card_unfrozen),
        EventType("card.terminated", "A card was terminated for good.", card_terminated),
        EventType("cardholder.created", "A cardholder was created.", cardholder_created),
        EventType("balance.updated", "An account balance changed.", balance_updated),
    )
}


def generate(identifier: str, rng: random.Random | None = None, now: float | None = None) -> Payload:
    """The `data` of one `identifier` event; KeyError for an identifier not in the catalog."""
    event_type = CATALOG[identifier]
    return event_type.generate(rng or random.Random(), time.time() if now is None else now)
