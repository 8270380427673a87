"""Sandbox scenarios: the events of one purchase, card or cardholder through its life.

A scenario names its steps (catalog identifiers) in their natural order. `tell` builds every step
from one payloads.Story, so the steps share their ids (`data.transaction_id`, `data.card.card_id`,
`data.cardholder_id`, see payloads.py) and amounts, and carry strictly increasing
`data.created_at`. `plan` then decides what a receiver gets, because providers promise neither
order nor exactly-once delivery: the steps shuffled (`out_of_order`), and `duplicates` of them
delivered again later with the same event_id and the very same body.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from inspector.sandbox.catalog import CATALOG
from inspector.sandbox.payloads import Payload, Story

MAX_DUPLICATES = 20
MAX_GAP_MS = 10_000
RUN_FIELDS = frozenset({"scenario", "out_of_order", "duplicates", "gap_ms"})
# Seconds between two steps' created_at. Real life takes days (settlement) or months (a card's
# life); a sandbox compresses that into seconds so a run reads naturally next to its deliveries.
STEP_SPACING = (1.0, 5.0)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    steps: tuple[str, ...]  # event identifiers, natural order

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "steps": list(self.steps)}


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "transaction-lifecycle",
            "A card purchase is authorized, then settles.",
            ("transaction.authorized", "transaction.settled"),
        ),
        Scenario(
            "transaction-refund",
            "A purchase is authorized and settles; then the merchant refunds all or part of it.",
            ("transaction.authorized", "transaction.settled", "transaction.refunded"),
        ),
        Scenario(
            "transaction-reversal",
            "An authorization is reversed before it settles (cancelled by the merchant, or expired).",
            ("transaction.authorized", "transaction.reversed"),
        ),
        Scenario(
            "declined",
            "A card purchase is declined, with a reason code and sometimes a detail.",
            ("transaction.declined",),
        ),
        Scenario(
            "card-lifecycle",
            "A card is issued, activated, frozen, unfrozen and finally terminated.",
            ("card.created", "card.activated", "card.frozen", "card.unfrozen", "card.terminated"),
        ),
        Scenario(
            "cardholder-onboarding",
            "A cardholder is created, is issued a card and activates it.",
            ("cardholder.created", "card.created", "card.activated"),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Run:
    """A valid POST /v1/sandbox/scenarios body."""

    scenario: Scenario
    out_of_order: bool = False
    duplicates: int = 0
    gap_ms: int = 0


@dataclass(frozen=True, slots=True)
class Planned:
    step: int  # index into the scenario's steps
    duplicate: bool  # a redelivery of a step delivered earlier in the plan


def parse_run(payload: dict[str, Any]) -> tuple[Run | None, dict[str, str]]:
    """The run a request body asks for, or None and a problem per bad field (all of them)."""
    fields = {name: "Unknown field." for name in sorted(set(payload) - RUN_FIELDS)}
    scenario = None
    if "scenario" not in payload:
        fields["scenario"] = "Required."
    elif not isinstance(payload["scenario"], str):
        fields["scenario"] = "Must be a string."
    elif payload["scenario"] not in SCENARIOS:
        known = ", ".join(SCENARIOS)
        fields["scenario"] = f"Unknown scenario {payload['scenario']!r}; known: {known}."
    else:
        scenario = SCENARIOS[payload["scenario"]]
    out_of_order = payload.get("out_of_order", False)
    if not isinstance(out_of_order, bool):
        fields["out_of_order"] = "Must be true or false."
    duplicates = _count(payload, "duplicates", MAX_DUPLICATES, fields)
    gap_ms = _count(payload, "gap_ms", MAX_GAP_MS, fields)
    if fields or scenario is None:
        return None, fields
    return Run(scenario, out_of_order, duplicates, gap_ms), {}


def _count(payload: dict[str, Any], name: str, maximum: int, fields: dict[str, str]) -> int:
    value = payload.get(name, 0)
    # bool is an int in Python, and JSON's 2.0 is a float: neither is a count.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        fields[name] = f"Must be an integer from 0 to {maximum}."
        return 0
    return value


def tell(scenario: Scenario, rng: random.Random, now: float) -> list[Payload]:
    """Every step's `data`, natural order, from one story; the last step happened `now`."""
    times = [now]
    for _ in scenario.steps[1:]:
        times.insert(0, times[0] - rng.uniform(*STEP_SPACING))
    story = Story(rng)
    return [CATALOG[step].step(story, at) for step, at in zip(scenario.steps, times, strict=True)]


def plan(steps: int, rng: random.Random, *, out_of_order: bool = False, duplicates: int = 0) -> list[Planned]:
    """The delivery order of a run's steps, duplicates included."""
    natural = list(range(steps))
    order = list(natural)
    if out_of_order and steps >= 2:
        while order == natural:  # a shuffle may draw the identity; out of order must differ
            rng.shuffle(order)
    planned = [Planned(step, False) for step in order]
    # Distinct steps while there are enough: N duplicates of N or more steps repeat N of them once.
    picks: list[int] = []
    while len(picks) < duplicates:
        picks += rng.sample(natural, min(steps, duplicates - len(picks)))
    for step in picks:
        first = next(i for i, p in enumerate(planned) if p.step == step)
        planned.insert(rng.randint(first + 1, len(planned)), Planned(step, True))
    return planned
