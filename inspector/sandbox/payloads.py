"""The `data` of each sandbox event, told from a Story: the facts a run of related events shares.

A `Story` is one cardholder, their card and one purchase on that card, drawn lazily from a seeded
`random.Random`. A single triggered event is told from a fresh story; a scenario tells all its
steps from one story, so an authorization, its settlement and its refund carry the same ids,
merchant, amount and currency.

Id convention, the same for every event type:
- `data.transaction_id` is the purchase through its whole life: authorized, declined, settled,
  reversed and refunded events all carry it (a refund or reversal adds its own `refund_id` /
  `reversal_id`);
- `data.card.card_id` is the card, in transaction events and in card events alike;
- `data.cardholder_id` is the cardholder;
- `data.created_at` is when this event happened (ISO 8601, UTC).

Conventions every payload follows:
- amounts are integers in the currency's minor units, next to an ISO 4217 `currency`;
- card numbers are masked (first six + last four around asterisks): a full PAN never appears,
  nor any run of 13 or more digits;
- merchants carry a name, an ISO 18245 category code (MCC) and an ISO 3166 alpha-2 country;
- timestamps are ISO 8601 in UTC.

Optional fields (sometimes absent) and nullable ones (always sent, sometimes null) vary with the
`P_*` probabilities below; catalog.py's CATALOG states, per event type, which fields vary and how.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from typing import Any

from inspector.core.events import iso_utc

Payload = dict[str, Any]

# (currency, minor-unit exponent): JPY has no minor unit, so its amounts are whole yen.
CURRENCIES: tuple[tuple[str, int], ...] = (
    ("EUR", 2),
    ("USD", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("JPY", 0),
)
SETTLEMENT_CURRENCY = "EUR"  # the program's currency

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

ENTRY_MODES = ("contactless", "chip", "ecommerce", "magstripe")

# reason -> the sentence a provider adds when it says more than the code.
DECLINE_REASONS: dict[str, str] = {
    "insufficient_funds": "The account balance does not cover the amount.",
    "card_frozen": "The card is frozen.",
    "incorrect_cvc": "The security code did not match.",
    "expired_card": "The card has expired.",
    "merchant_blocked": "The program blocks this merchant category.",
    "velocity_limit_exceeded": "Too many purchases in a short time.",
    "suspected_fraud": "The purchase matched a fraud rule.",
}

FIRST_NAMES = ("Ana", "Jonas", "Mei", "Oluwaseun", "Sofia", "Lukas", "Aiko", "Mateo", "Elif", "Noah")
LAST_NAMES = ("García", "Müller", "Chen", "Adeyemi", "Rossi", "Novak", "Tanaka", "Dubois", "Yilmaz")

# --- how often optional fields are present / nullable fields are set ------------------------------
P_MERCHANT_CITY = 0.8  # acquirers of online merchants often send no city
P_WALLET = 0.5  # of contactless and e-commerce payments, made with a phone wallet
P_THREE_DS = 0.9  # of e-commerce payments; the rest are exempt or the merchant is not enrolled
P_DECLINE_DETAIL = 0.5  # a decline says more than its reason code
P_METADATA = 0.4  # the integrator attached its own key-values to the card or cardholder
P_SPENDING_LIMIT = 0.7  # a new card gets a per-card limit (else only the program's applies)
P_FREEZE_NOTE = 0.4  # whoever froze the card left a note
P_REPLACEMENT = 0.7  # of cards terminated as lost, stolen or expired, a replacement was issued
P_PHONE = 0.6  # the cardholder gave a phone number
P_POSTAL_CODE = 0.85  # some addresses have none (Ireland's Eircode is optional, Hong Kong has none)
P_BALANCE_TRANSACTION = 0.6  # a balance change caused by a transaction (else a top-up or fee)

# Hex ids often hold long digit runs (about 1 in 40 has 13+), which would look like card numbers
# to a PAN scanner; such ids are drawn again.
_PAN_LIKE_RUN = re.compile(r"\d{13}")


def rid(rng: random.Random, prefix: str) -> str:
    """`prefix_` + 24 hex chars from the seeded rng (a seeded story is reproducible), never 13 digits."""
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


def _metadata(rng: random.Random) -> Payload:
    options = {
        "cost_center": rng.choice(("marketing", "engineering", "sales", "operations")),
        "employee_ref": f"E{rng.randrange(10_000):04d}",
        "program": rng.choice(("travel", "fleet", "expenses", "payroll")),
    }
    keys = rng.sample(sorted(options), rng.randint(1, len(options)))
    return {key: options[key] for key in sorted(keys)}


class Story:
    """The facts shared by the events of one run; each drawn once, on first use."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._facts: dict[str, Any] = {}
        self.authorized_at: float | None = None  # set by an authorization step, read by settlement

    def _once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._facts:
            self._facts[key] = make()
        return copy.deepcopy(self._facts[key])  # each event gets its own objects

    @property
    def cardholder_id(self) -> str:
        return self._once("cardholder_id", lambda: rid(self.rng, "ch"))

    @property
    def cardholder(self) -> Payload:
        return self._once("cardholder", self._make_cardholder)

    @property
    def card(self) -> Payload:
        return self._once("card", self._make_card)

    @property
    def metadata(self) -> Payload | None:
        """The integrator's key-values on the card, copied onto its events and transactions."""
        return self._once("metadata", lambda: _metadata(self.rng) if self.rng.random() < P_METADATA else None)

    @property
    def purchase(self) -> Payload:
        return self._once("purchase", self._make_purchase)

    def _make_cardholder(self) -> Payload:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        _, _, country, city = rng.choice(MERCHANTS)
        address: Payload = {"city": city}
        if rng.random() < P_POSTAL_CODE:
            address["postal_code"] = f"{rng.randrange(1000, 99_999):05d}"
        address["country"] = country
        phone = None
        if rng.random() < P_PHONE:
            # Numbers reserved for fiction (UK 07700 900xxx, US 555-01xx): never a real person's.
            phone = rng.choice(
                (f"+44 7700 900{rng.randrange(1000):03d}", f"+1 202 555 01{rng.randrange(100):02d}")
            )
        holder: Payload = {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{rng.randrange(100, 999)}@example.com",
            "phone_number": phone,
            "address": address,
            "kyc_status": rng.choice(("pending", "verified")),
        }
        if rng.random() < P_METADATA:
            holder["metadata"] = _metadata(rng)
        return holder

    def _make_card(self) -> Payload:
        rng = self.rng
        network, bin6 = rng.choice(NETWORK_BINS)
        last4 = f"{rng.randrange(10_000):04d}"
        return {
            "card_id": rid(rng, "card"),
            "network": network,
            "type": rng.choice(("virtual", "physical")),
            "masked_pan": f"{bin6}******{last4}",
            "last4": last4,
            "expiry_month": rng.randint(1, 12),
            "expiry_year": rng.randint(2027, 2031),
        }

    def _make_purchase(self) -> Payload:
        rng = self.rng
        currency, exponent = rng.choice(CURRENCIES)
        name, mcc, country, city = rng.choice(MERCHANTS)
        merchant: Payload = {"name": name, "category_code": mcc}
        if rng.random() < P_MERCHANT_CITY:
            merchant["city"] = city
        merchant.update(country=country, merchant_id=rid(rng, "mer"))
        entry_mode = rng.choice(ENTRY_MODES)
        wallet = None
        if entry_mode in ("contactless", "ecommerce") and rng.random() < P_WALLET:
            wallet = rng.choice(("apple_pay", "google_pay"))
        return {
            "transaction_id": rid(rng, "txn"),
            "amount": _amount(rng, currency, exponent),
            "currency": currency,
            "merchant": merchant,
            "entry_mode": entry_mode,
            "wallet": wallet,
        }


# --- transactions ---------------------------------------------------------------------------------


def _transaction(story: Story, status: str, at: float) -> Payload:
    purchase = story.purchase
    data: Payload = {
        "transaction_id": purchase["transaction_id"],
        "status": status,
        "amount": purchase["amount"],
        "currency": purchase["currency"],
        "card": story.card,
        "cardholder_id": story.cardholder_id,
        "merchant": purchase["merchant"],
        "entry_mode": purchase["entry_mode"],
        "wallet": purchase["wallet"],
    }
    metadata = story.metadata
    if metadata is not None:
        data["metadata"] = metadata
    data["created_at"] = iso_utc(at)
    return data


def _three_ds(rng: random.Random, data: Payload, results: tuple[str, ...]) -> None:
    if data["entry_mode"] == "ecommerce" and rng.random() < P_THREE_DS:
        data["three_ds"] = {
            "version": rng.choice(("2.1.0", "2.2.0")),
            "flow": rng.choice(("frictionless", "challenge")),
            "result": rng.choice(results),
        }


def transaction_authorized(story: Story, at: float) -> Payload:
    rng = story.rng
    data = _transaction(story, "authorized", at)
    data["authorization_code"] = f"{rng.randrange(1_000_000):06d}"
    _three_ds(rng, data, ("authenticated", "attempted"))
    data["authorized_at"] = iso_utc(at)
    story.authorized_at = at
    return data


def transaction_declined(story: Story, at: float) -> Payload:
    rng = story.rng
    data = _transaction(story, "declined", at)
    reason = rng.choice(sorted(DECLINE_REASONS))
    data["decline_reason"] = reason
    data["decline_reason_detail"] = DECLINE_REASONS[reason] if rng.random() < P_DECLINE_DETAIL else None
    _three_ds(rng, data, ("authenticated", "attempted", "failed"))
    data["declined_at"] = iso_utc(at)
    return data


def transaction_settled(story: Story, at: float) -> Payload:
    rng = story.rng
    data = _transaction(story, "settled", at)
    # Settlement happens in the program currency; cross-currency purchases carry the rate used.
    data["settlement_currency"] = SETTLEMENT_CURRENCY
    if data["currency"] == SETTLEMENT_CURRENCY:
        data["settlement_amount"] = data["amount"]
    else:
        rate = round(rng.uniform(0.006, 1.2), 6)
        exponent = dict(CURRENCIES)[data["currency"]]
        major = data["amount"] / 10**exponent
        data["settlement_amount"] = max(1, round(major * rate * 100))
        data["exchange_rate"] = f"{rate:.6f}"
    authorized_at = story.authorized_at
    if authorized_at is None:  # settled alone: the authorization happened hours or days ago
        authorized_at = at - rng.uniform(3600, 3 * 86400)
    data["authorized_at"] = iso_utc(authorized_at)
    data["settled_at"] = iso_utc(at)
    return data


def transaction_reversed(story: Story, at: float) -> Payload:
    rng = story.rng
    data = _transaction(story, "reversed", at)
    data["reversal_id"] = rid(rng, "rev")
    data["reversal_reason"] = rng.choice(("merchant_cancelled", "authorization_expired", "duplicate"))
    data["reversed_at"] = iso_utc(at)
    return data


def transaction_refunded(story: Story, at: float) -> Payload:
    rng = story.rng
    data = _transaction(story, "refunded", at)
    data["refund_id"] = rid(rng, "rfd")
    # `amount` is what is refunded: partial refunds happen, never more than the purchase.
    data["original_amount"] = data["amount"]
    if rng.random() < 0.3 and data["amount"] > 1:
        data["amount"] = rng.randint(1, data["amount"] - 1)
    data["refunded_at"] = iso_utc(at)
    return data


# --- cards and cardholders ------------------------------------------------------------------------


def _card_event(story: Story, status: str, at: float, when_key: str | None = None) -> Payload:
    data: Payload = {"card": story.card, "cardholder_id": story.cardholder_id, "status": status}
    metadata = story.metadata
    if metadata is not None:
        data["metadata"] = metadata
    data["created_at"] = iso_utc(at)
    if when_key is not None:
        data[when_key] = iso_utc(at)
    return data


def card_created(story: Story, at: float) -> Payload:
    rng = story.rng
    data = _card_event(story, "inactive", at)
    if rng.random() < P_SPENDING_LIMIT:
        data["spending_limit"] = {
            "amount": rng.choice((50_000, 100_000, 250_000)),
            "currency": SETTLEMENT_CURRENCY,
            "interval": rng.choice(("daily", "monthly")),
        }
    if data["card"]["type"] == "physical":  # plastic is posted to the cardholder
        data["shipping"] = {
            "method": rng.choice(("standard", "express")),
            "country": story.cardholder["address"]["country"],
        }
    return data


def card_activated(story: Story, at: float) -> Payload:
    return _card_event(story, "active", at, "activated_at")


def card_frozen(story: Story, at: float) -> Payload:
    rng = story.rng
    data = _card_event(story, "frozen", at, "frozen_at")
    data["reason"] = rng.choice(("cardholder_request", "suspected_fraud", "program_rule"))
    notes = ("Frozen from the mobile app.", "Frozen after a support call.", "Frozen by a rule.")
    data["note"] = rng.choice(notes) if rng.random() < P_FREEZE_NOTE else None
    return data


def card_unfrozen(story: Story, at: float) -> Payload:
    return _card_event(story, "active", at, "unfrozen_at")


def card_terminated(story: Story, at: float) -> Payload:
    rng = story.rng
    data = _card_event(story, "terminated", at, "terminated_at")
    reason = rng.choice(("lost", "stolen", "expired", "cardholder_request"))
    data["reason"] = reason
    replaced = reason != "cardholder_request" and rng.random() < P_REPLACEMENT
    data["replacement_card_id"] = rid(rng, "card") if replaced else None
    return data


def cardholder_created(story: Story, at: float) -> Payload:
    holder = story.cardholder
    metadata = holder.pop("metadata", None)
    data: Payload = {"cardholder_id": story.cardholder_id, **holder}
    if metadata is not None:
        data["metadata"] = metadata
    data["created_at"] = iso_utc(at)
    return data


def balance_updated(story: Story, at: float) -> Payload:
    rng = story.rng
    currency, _ = rng.choice(CURRENCIES[:3])
    previous = rng.randint(0, 5_000_000)
    change = rng.randint(-min(previous, 200_000), 200_000)
    available = previous + change
    caused_by = story.purchase["transaction_id"] if rng.random() < P_BALANCE_TRANSACTION else None
    return {
        "account_id": rid(rng, "acct"),
        "currency": currency,
        "previous_available": previous,
        "available": available,
        "change": change,
        # Ledger includes pending authorizations the available balance already holds back.
        "ledger": available + rng.randint(0, 50_000),
        "transaction_id": caused_by,
        "created_at": iso_utc(at),
        "updated_at": iso_utc(at),
    }
