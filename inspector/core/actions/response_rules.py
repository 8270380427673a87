"""User-set response rules: what the listener answers instead of its normal acknowledgement.

A rule applies to every delivery or to event types matching a glob (`transaction.*`). It sets the
status code, the body and a delay, and may be limited to the next N matching deliveries ("fail the
next 3") so the developer can watch the provider retry and then see the delivery accepted.

`RuleSet.decide` is the rule hook (`Listener.set_rule_hook`): it runs on listener threads, so
every method here takes the lock, and each counted rule is consumed exactly once per delivery.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from inspector.core.capture.delivery_handler import RuleOutcome

MAX_DELAY_SECONDS = 30.0
ALL = "*"


class RuleError(ValueError):
    """A rule the user cannot have: status out of range, negative delay, empty pattern."""


@dataclass(frozen=True, slots=True)
class ResponseRule:
    rule_id: int
    pattern: str  # "*" for every delivery, else a glob over event_identifier
    status: int
    body: bytes
    content_type: str
    delay_seconds: float
    remaining: int | None  # None: until removed; N: the next N matching deliveries

    @property
    def applies_to_all(self) -> bool:
        return self.pattern == ALL

    def matches(self, event_identifier: str | None) -> bool:
        if self.applies_to_all:
            return True
        return event_identifier is not None and fnmatchcase(event_identifier, self.pattern)

    def outcome(self) -> RuleOutcome:
        return RuleOutcome(self.status, self.body, self.content_type, self.delay_seconds)

    def describe(self) -> str:
        """E.g. "Answering 503 to the next 2 deliveries" or "Answering 200 after 5 s to card.* deliveries"."""
        delay = f" after {self.delay_seconds:g} s" if self.delay_seconds > 0 else ""
        kind = "" if self.applies_to_all else f"{self.pattern} "
        if self.remaining is None:
            whom = f"every {kind}delivery" if not kind else f"{kind}deliveries"
        elif self.remaining == 1:
            whom = f"the next {kind}delivery"
        else:
            whom = f"the next {self.remaining} {kind}deliveries"
        return f"Answering {self.status}{delay} to {whom}"


def _default_body(status: int) -> bytes:
    if 200 <= status < 300:
        return json.dumps({"received": True, "response_rule": True}).encode()
    return json.dumps({"error": f"response rule: answering {status}"}).encode()


class RuleSet:
    """Thread-safe list of response rules; `decide` fits rule hook (`Listener.set_rule_hook`)."""

    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[ResponseRule] = []
        self._ids = itertools.count(1)
        # Called (outside the lock, on whatever thread changed the rules) so a window can refresh its
        # "active rule" label when a counted rule runs out on a listener thread.
        self.on_change = on_change

    def add(
        self,
        status: int,
        *,
        pattern: str = ALL,
        body: bytes | str | None = None,
        content_type: str = "application/json",
        delay_seconds: float = 0.0,
        count: int | None = None,
    ) -> ResponseRule:
        """Add a rule; `count` limits it to the next N matching deliveries."""
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise RuleError(f"status {status!r} must be a number from 200 to 599")
        pattern = (pattern or "").strip()
        if not pattern:
            raise RuleError("the event type pattern is empty (use * for every delivery)")
        try:
            delay = float(delay_seconds)
        except (TypeError, ValueError):
            raise RuleError(f"delay {delay_seconds!r} is not a number") from None
        if not math.isfinite(delay) or delay < 0:
            raise RuleError(f"delay {delay_seconds!r} must be between 0 and {MAX_DELAY_SECONDS:g} s")
        # Bounded: a longer delay would only hold a listener thread past the provider's timeout.
        delay = min(delay, MAX_DELAY_SECONDS)
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise RuleError(f"count {count!r} must be a whole number of at least 1")
        if body is None:
            data = _default_body(status)
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = bytes(body)
        content_type = content_type.strip() or "application/json"
        if any(c in content_type for c in "\r\n"):
            raise RuleError("the content type cannot contain line breaks")
        with self._lock:
            rule = ResponseRule(next(self._ids), pattern, status, data, content_type, delay, count)
            self._rules.append(rule)
        self._changed()
        return rule

    def fail_next(self, count: int, status: int = 503, pattern: str = ALL) -> ResponseRule:
        """The "fail the next N deliveries" shortcut, to watch the provider retry."""
        return self.add(status, pattern=pattern, count=count)

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.rule_id != rule_id]
            removed = len(self._rules) != before
        if removed:
            self._changed()
        return removed

    def clear(self) -> None:
        with self._lock:
            had = bool(self._rules)
            self._rules = []
        if had:
            self._changed()

    def rules(self) -> list[ResponseRule]:
        with self._lock:
            return list(self._rules)

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._rules)

    def decide(self, event_identifier: str | None) -> RuleOutcome | None:
        """The answer for one accepted delivery, consuming one use of a counted rule."""
        changed = False
        with self._lock:
            rule = self._pick(event_identifier)
            if rule is None:
                return None
            if rule.remaining is not None:
                index = self._rules.index(rule)
                if rule.remaining <= 1:
                    del self._rules[index]
                else:
                    self._rules[index] = replace(rule, remaining=rule.remaining - 1)
                changed = True
        if changed:
            self._changed()
        return rule.outcome()

    def _pick(self, event_identifier: str | None) -> ResponseRule | None:
        # Most specific first: a counted "fail the next N" beats a standing rule, a type pattern beats
        # "*", and among equals the newest rule wins (the one the user just set).
        candidates = [r for r in self._rules if r.matches(event_identifier)]
        if not candidates:
            return None
        return max(candidates, key=lambda r: (r.remaining is not None, not r.applies_to_all, r.rule_id))

    def describe(self) -> str:
        """One short sentence for the window, e.g. "Answering 503 to the next 2 deliveries"."""
        rules = self.rules()
        if not rules:
            return "Answering normally (no response rules)"
        ordered = sorted(
            rules, key=lambda r: (r.remaining is not None, not r.applies_to_all, r.rule_id), reverse=True
        )
        return "; ".join(r.describe() for r in ordered)

    def _changed(self) -> None:
        callback = self.on_change
        if callback is not None:
            callback()
