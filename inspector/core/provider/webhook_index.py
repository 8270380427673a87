"""The non-secret index of webhooks we registered: id, profile, URL, events, created_at.

Kept as JSON in the config dir (written atomically) so the listener knows whose tokens to load
from the keyring, and the app can show known webhooks before the provider answers. Tokens are
never in here; `load_tokens` fetches them from the SecretStore into the listener's TokenRing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from inspector.core.io.atomic_file import atomic_write_json

INDEX_FILENAME = "webhooks.json"


class WebhookIndexError(ValueError):
    """The index file is unreadable; the message is for the user."""


@dataclass(frozen=True, slots=True)
class KnownWebhook:
    id: str
    profile: str
    url: str
    events: tuple[str, ...] = ()
    created_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "profile": self.profile,
            "url": self.url,
            "events": list(self.events),
            "created_at": self.created_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KnownWebhook:
        events = data.get("events")
        created = data.get("created_at")
        return cls(
            id=str(data["id"]),
            profile=str(data.get("profile", "")),
            url=str(data.get("url", "")),
            events=tuple(str(e) for e in events) if isinstance(events, list) else (),
            created_at=created if isinstance(created, str) else None,
        )


class WebhookIndex:
    """<config dir>/webhooks.json. Each change rewrites the whole (small) file atomically."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / INDEX_FILENAME
        self._lock = threading.Lock()

    def all(self) -> list[KnownWebhook]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise WebhookIndexError(f"cannot read the webhook index {self.path}: {exc}") from None
        items = raw.get("webhooks") if isinstance(raw, dict) else None
        if not isinstance(items, list):
            raise WebhookIndexError(f"{self.path} is not a webhook index")
        return [KnownWebhook.from_json(i) for i in items if isinstance(i, dict) and "id" in i]

    def for_profile(self, profile: str) -> list[KnownWebhook]:
        return [w for w in self.all() if w.profile == profile]

    def get(self, webhook_id: str) -> KnownWebhook | None:
        return next((w for w in self.all() if w.id == webhook_id), None)

    def upsert(self, webhook: KnownWebhook) -> None:
        with self._lock:
            items = [w for w in self.all() if w.id != webhook.id]
            items.append(webhook)
            self._write(items)

    def remove(self, webhook_id: str) -> bool:
        with self._lock:
            items = self.all()
            kept = [w for w in items if w.id != webhook_id]
            if len(kept) != len(items):
                self._write(kept)
            return len(kept) != len(items)

    def signature(self) -> tuple[int, int] | None:
        """(mtime_ns, size) of the file, or None: cheap to poll to notice another process's edit."""
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _write(self, items: Iterable[KnownWebhook]) -> None:
        atomic_write_json(self.path, {"version": 1, "webhooks": [w.to_json() for w in items]})


class _TokenSource(Protocol):
    def webhook_token(self, webhook_id: str) -> str | None: ...


class _Ring(Protocol):
    def set_token(self, label: str, token: str, grace_seconds: float = 0.0) -> None: ...
    def remove(self, label: str, grace_seconds: float = 0.0) -> None: ...
    def labels(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class TokenLoad:
    loaded: list[str] = field(default_factory=list)  # webhook ids whose token is now accepted
    missing: list[str] = field(default_factory=list)  # known webhooks with no token in the store
    removed: list[str] = field(default_factory=list)  # ids no longer in the index


def load_tokens(
    index: WebhookIndex,
    secrets: _TokenSource,
    ring: _Ring,
    *,
    profile: str | None = None,
    grace_seconds: float = 0.0,
    keep: Iterable[str] = ("cli",),
) -> TokenLoad:
    """Put every known webhook's token (from the keyring) into `ring`, labelled by webhook id.

    Call at listener start and whenever `index.signature()` changes. A changed token (rotation)
    and a webhook that left the index keep their old token for `grace_seconds`. Labels that are
    in `keep` ("cli", the --token-env token) are left alone.
    """
    try:
        known = index.all()
    except WebhookIndexError:
        known = []  # a broken index must not stop the listener; the app reports it elsewhere
    if profile is not None:
        known = [w for w in known if w.profile == profile]
    result = TokenLoad()
    ids = set()
    for webhook in known:
        ids.add(webhook.id)
        token = secrets.webhook_token(webhook.id)
        if token:
            ring.set_token(webhook.id, token, grace_seconds)
            result.loaded.append(webhook.id)
        else:
            result.missing.append(webhook.id)
    keep = set(keep)
    for label in ring.labels():
        if label not in keep and (label not in ids or label in result.missing):
            ring.remove(label, grace_seconds)
            result.removed.append(label)
    return result
