"""The sandbox's state: registered webhooks and the delivery log, in memory, optionally in a file.

The webhooks' authorization tokens are the sandbox's own data (the sandbox plays the provider, which
has to know them to send them), so `--state FILE` keeps them; the file is written atomically with
mode 0600. The delivery log and triggered events stay in memory only.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from inspector.core.events import iso_utc
from inspector.core.io.atomic_file import atomic_file
from inspector.sandbox.catalog import new_id

STATE_VERSION = 1
MAX_DELIVERY_LOG = 10_000  # oldest attempts drop off so a long-running sandbox stays small


class StateFileError(Exception):
    """The --state file cannot be read or written; the message is for the user."""


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    events: tuple[str, ...]
    authorization_token: str | None
    created_at: float
    updated_at: float

    def to_json(self) -> dict[str, Any]:
        """The API view: the token itself is never sent back, only whether there is one."""
        return {
            "id": self.id,
            "url": self.url,
            "events": list(self.events),
            "has_authorization_token": self.authorization_token is not None,
            "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at),
        }


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    webhook_id: str
    event_id: str
    event_identifier: str
    url: str
    attempt: int  # 1 for the first try
    status: int | None  # the receiver's HTTP status; None when no response came back
    error: str | None  # why the attempt failed (network error, timeout, non-2xx); None on success
    latency_ms: float
    delivered_at: float  # when the attempt started
    will_retry: bool
    id: str = field(default_factory=lambda: new_id("dlv"))

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "event_id": self.event_id,
            "event_identifier": self.event_identifier,
            "url": self.url,
            "attempt": self.attempt,
            "status": self.status,
            "error": self.error,
            "latency_ms": round(self.latency_ms, 3),
            "delivered_at": iso_utc(self.delivered_at),
            "will_retry": self.will_retry,
        }


class SandboxState:
    """Thread-safe: the API threads and the delivery workers share one instance."""

    def __init__(self, state_file: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._webhooks: dict[str, Webhook] = {}
        self._deliveries: deque[DeliveryAttempt] = deque(maxlen=MAX_DELIVERY_LOG)
        self._state_file = state_file
        if state_file is not None and state_file.exists():
            self._webhooks = _load(state_file)

    # --- webhooks -------------------------------------------------------------------------------

    def create_webhook(self, url: str, events: Iterable[str], authorization_token: str | None) -> Webhook:
        now = time.time()
        webhook = Webhook(new_id("wh"), url, tuple(events), authorization_token, now, now)
        with self._lock:
            self._webhooks[webhook.id] = webhook
            self._save_locked()
        return webhook

    def get_webhook(self, webhook_id: str) -> Webhook | None:
        with self._lock:
            return self._webhooks.get(webhook_id)

    def list_webhooks(self) -> list[Webhook]:
        with self._lock:
            return sorted(self._webhooks.values(), key=lambda w: (w.created_at, w.id))

    def update_webhook(self, webhook_id: str, **changes: Any) -> Webhook | None:
        """Replace the given fields (url, events, authorization_token); None for an unknown id."""
        with self._lock:
            current = self._webhooks.get(webhook_id)
            if current is None:
                return None
            if "events" in changes:
                changes["events"] = tuple(changes["events"])
            updated = replace(current, updated_at=time.time(), **changes)
            self._webhooks[webhook_id] = updated
            self._save_locked()
            return updated

    def delete_webhook(self, webhook_id: str) -> bool:
        with self._lock:
            if self._webhooks.pop(webhook_id, None) is None:
                return False
            self._save_locked()
            return True

    def subscribers(self, event_identifier: str) -> list[Webhook]:
        with self._lock:
            return [w for w in self._webhooks.values() if event_identifier in w.events]

    # --- delivery log ---------------------------------------------------------------------------

    def record_attempt(self, attempt: DeliveryAttempt) -> None:
        with self._lock:
            self._deliveries.append(attempt)

    def deliveries(self, webhook_id: str | None = None, event_id: str | None = None) -> list[DeliveryAttempt]:
        with self._lock:
            items = list(self._deliveries)
        return [
            d
            for d in items
            if (webhook_id is None or d.webhook_id == webhook_id)
            and (event_id is None or d.event_id == event_id)
        ]

    # --- persistence ----------------------------------------------------------------------------

    def _save_locked(self) -> None:
        if self._state_file is None:
            return
        document = {
            "version": STATE_VERSION,
            "webhooks": [
                {
                    "id": w.id,
                    "url": w.url,
                    "events": list(w.events),
                    "authorization_token": w.authorization_token,
                    "created_at": w.created_at,
                    "updated_at": w.updated_at,
                }
                for w in self._webhooks.values()
            ],
        }
        _write_atomic(self._state_file, json.dumps(document, indent=2).encode("utf-8"))


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a 0600 temp file next to `path`, fsync, then rename over it: never half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # atomic_file creates the temp file 0600: no moment where the tokens are readable.
        with atomic_file(path, binary=True) as tmp:
            tmp.write(data)
    except OSError as exc:
        raise StateFileError(f"cannot write sandbox state file {path}: {exc.strerror or exc}") from exc


def _load(path: Path) -> dict[str, Webhook]:
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        raise StateFileError(f"cannot read sandbox state file {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise StateFileError(f"sandbox state file {path} is not valid JSON: {exc}") from exc
    try:
        if document.get("version") != STATE_VERSION:
            raise StateFileError(
                f"sandbox state file {path} has version {document.get('version')!r}, expected {STATE_VERSION}"
            )
        webhooks = {}
        for item in document["webhooks"]:
            webhook = Webhook(
                id=str(item["id"]),
                url=str(item["url"]),
                events=tuple(str(e) for e in item["events"]),
                authorization_token=item.get("authorization_token"),
                created_at=float(item["created_at"]),
                updated_at=float(item["updated_at"]),
            )
            webhooks[webhook.id] = webhook
        return webhooks
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise StateFileError(f"sandbox state file {path} is not a sandbox state: {exc!r}") from exc
