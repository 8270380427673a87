"""What the related-events and retry panes show for one delivery, read from the store (no Qt).

`related(store, seq)` groups every stored event that shares a reference with the delivery (refs
table, migration 3) by that reference, in received order with the gap between steps, and lists
the attempts of its event_id (every delivery of it, rejected ones included) with their offset from
the first and why we answered what we did. It runs on a worker thread: a few index lookups and
one read per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector.core import events as ev
from inspector.core.events import EventSummary, StoredEvent
from inspector.core.store.event_store import EventStore
from inspector.core.store.references import is_ref_key

# Steps shown per reference on each side of the delivery; a card used thousands of times shows
# its neighbourhood, and the pane says how many more there are.
EACH_SIDE = 50
MAX_GROUPS = 12
MAX_ATTEMPTS = 50


@dataclass(frozen=True, slots=True)
class Step:
    seq: int
    received_at: float
    event_identifier: str | None
    status: int
    flags: tuple[str, ...]
    gap_s: float | None  # since the previous step received (None: the first one shown)

    @property
    def name(self) -> str:
        """The step's word: `transaction.settled` -> `settled`."""
        text = self.event_identifier or "(no type)"
        return text.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class RefGroup:
    value: str
    label: str  # what the value is, from its key: "transaction", "card", "cardholder"
    steps: tuple[Step, ...]
    total: int  # events carrying it, of which `steps` are shown


@dataclass(frozen=True, slots=True)
class Attempt:
    seq: int
    offset_s: float  # since the first attempt received
    status: int
    why: str


@dataclass(frozen=True, slots=True)
class Sequences:
    seq: int
    event_id: str | None
    groups: tuple[RefGroup, ...]
    attempts: tuple[Attempt, ...]  # empty unless the event_id was delivered more than once


def related(store: EventStore, seq: int) -> Sequences:
    event = store.get(seq)
    if event is None:
        return Sequences(seq, None, (), ())
    body = event.body_json()
    event_id = event.event_id or (body.get("event_id") if isinstance(body, dict) else None)
    labels = ref_labels(body)
    groups: list[RefGroup] = []
    for value in store.refs_of(seq):
        if value == event_id or len(groups) >= MAX_GROUPS:
            continue  # the event's own id: its deliveries are the attempts, below
        seqs = store.seqs_near_ref(value, seq, EACH_SIDE)
        if len(seqs) < 2:
            continue
        total = store.count_with_ref(value)
        groups.append(RefGroup(value, labels.get(value, "reference"), _steps(store.summaries(seqs)), total))
    groups.sort(key=lambda g: (g.total, g.value))  # the purchase before its card before its cardholder
    attempts = _attempts(store, event_id) if isinstance(event_id, str) else ()
    return Sequences(seq, event_id if isinstance(event_id, str) else None, tuple(groups), attempts)


def ref_labels(body: Any) -> dict[str, str]:
    """value -> what it names, from where it sits: `transaction_id` -> "transaction", an `id`
    inside `card` -> "card", a top-level `id` -> "id"."""
    labels: dict[str, str] = {}
    stack: list[tuple[Any, str]] = [(body, "")]
    while stack:
        node, parent = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            name = key if isinstance(key, str) else parent
            if isinstance(value, str) and isinstance(key, str) and is_ref_key(key):
                label = (parent or "id") if key == "id" else key[: -len("_id")]
                labels.setdefault(value, label.replace("_", " "))
            elif isinstance(value, dict | list):
                stack.append((value, name))
    return labels


def _steps(summaries: list[EventSummary]) -> tuple[Step, ...]:
    ordered = sorted(summaries, key=lambda s: (s.received_at, s.seq))
    steps: list[Step] = []
    for i, s in enumerate(ordered):
        gap = s.received_at - ordered[i - 1].received_at if i else None
        steps.append(Step(s.seq, s.received_at, s.event_identifier, s.status, s.flags, gap))
    return tuple(steps)


def _attempts(store: EventStore, event_id: str) -> tuple[Attempt, ...]:
    # A rejected delivery has no event_id column (its envelope was never read) but its body's
    # event_id is a reference like any other.
    seqs = store.seqs_with_ref(event_id, limit=MAX_ATTEMPTS * 2)
    found = [e for e in store.iter_events(seqs=seqs) if e.event_id in (event_id, None)][:MAX_ATTEMPTS]
    if len(found) < 2:
        return ()
    first = min(e.received_at for e in found)
    return tuple(Attempt(e.seq, e.received_at - first, e.status, answer_reason(e)) for e in found)


def answer_reason(event: StoredEvent) -> str:
    """Why we answered `event.status`, in a few words."""
    flags = event.flags
    if ev.FLAG_RULE in flags:
        return f"response rule answered {event.status}"
    if ev.FLAG_UNAUTHORIZED in flags:
        return "401: token missing or wrong"
    if event.status >= 400:
        return f"{event.status}: {event.error}" if event.error else str(event.status)
    if event.duplicate_of is not None:
        return f"accepted, duplicate of #{event.duplicate_of}"
    return "accepted"
