"""Verification of the `Authorization` header of deliveries against the tokens we know.

Tokens live only in memory here (they come from the keyring or an environment variable); nothing
in this module writes them anywhere.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from inspector.core.diagnostics.secret_registry import register_secret

BEARER = "bearer "


@dataclass(frozen=True, slots=True)
class TokenVerdict:
    ok: bool
    label: str | None  # the webhook id (or "env:NAME" for --token-env) whose token matched
    reason: str  # a sentence for the user; also the 401 error text


UNVERIFIED = TokenVerdict(True, None, "no verification token is configured; accepted unverified")
NONE_AVAILABLE = TokenVerdict(False, None, "a verification token is required, but none is available")


class TokenRing:
    """Thread-safe set of accepted tokens, keyed by a label (a webhook id, or "env:NAME").

    A removed or rotated token can stay accepted for a grace period so deliveries already in
    flight at the provider are not rejected the moment the user rotates.

    With no token at all a request passes unverified, unless `required` is set: then it fails,
    so a missing keyring cannot silently turn verification off.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, required: bool = False) -> None:
        self._clock = clock
        self.required = required
        self._lock = threading.Lock()
        self._active: dict[str, bytes] = {}
        self._retiring: list[tuple[str, bytes, float]] = []  # (label, token, accepted until)

    def set_token(self, label: str, token: str, grace_seconds: float = 0.0) -> None:
        """Accept `token` for `label`; a previous token of that label stays valid for the grace period."""
        if not token:
            raise ValueError("empty verification token")
        register_secret(token)
        with self._lock:
            old = self._active.get(label)
            if old is not None and grace_seconds > 0 and old != token.encode():
                self._retiring.append((label, old, self._clock() + grace_seconds))
            self._active[label] = token.encode("utf-8")

    def remove(self, label: str, grace_seconds: float = 0.0) -> None:
        with self._lock:
            old = self._active.pop(label, None)
            if old is not None and grace_seconds > 0:
                self._retiring.append((label, old, self._clock() + grace_seconds))

    def labels(self) -> list[str]:
        with self._lock:
            return sorted(self._active)

    def token_of(self, label: str) -> str | None:
        """The active token of `label`, for a send of our own to this listener; never logged."""
        with self._lock:
            token = self._active.get(label)
        return token.decode("utf-8") if token is not None else None

    def grace_periods(self) -> list[tuple[str, float]]:
        """(label, seconds left) for old tokens still accepted, so the UI can show them."""
        with self._lock:
            now = self._clock()
            self._retiring = [r for r in self._retiring if r[2] > now]
            return [(label, until - now) for label, _, until in self._retiring]

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._active) or any(r[2] > self._clock() for r in self._retiring)

    def check(self, header_values: list[str]) -> TokenVerdict:
        """Judge the Authorization header values of one request (all occurrences, as received)."""
        with self._lock:
            now = self._clock()
            self._retiring = [r for r in self._retiring if r[2] > now]
            candidates = list(self._active.items()) + [(lbl, tok) for lbl, tok, _ in self._retiring]
        if not candidates:
            return NONE_AVAILABLE if self.required else UNVERIFIED
        if not header_values:
            return TokenVerdict(False, None, "missing Authorization header")
        if len(header_values) > 1:
            return TokenVerdict(False, None, "more than one Authorization header")
        value = header_values[0].strip()
        if not value.isascii():
            return TokenVerdict(False, None, "Authorization header is not ASCII")
        presented = value[len(BEARER) :] if value.lower().startswith(BEARER) else value
        presented_bytes = presented.strip().encode("ascii")
        matched: str | None = None
        # Compare against every token (no early exit) so timing says nothing about which matched.
        for label, token in candidates:
            if hmac.compare_digest(presented_bytes, token) and matched is None:
                matched = label
        if matched is None:
            return TokenVerdict(False, None, "wrong token in Authorization header")
        return TokenVerdict(True, matched, f"token of {matched} matched")


def token_from_env(name: str, option: str = "--token-env") -> str:
    """The token in environment variable `name` (never from argv, where `ps` would show it).

    ValueError with a sentence naming `option` when it is unset, empty, or not ASCII without spaces.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        raise ValueError(f"{option} {name}: that environment variable is not set or empty")
    if not value.isascii() or any(c.isspace() for c in value):
        raise ValueError(f"{option} {name}: the token must be ASCII without spaces")
    register_secret(value)
    return value
