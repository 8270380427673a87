"""What the webhooks panel and its dialogs do, as plain blocking calls (run them on a worker).

Each operation keeps the three places that know about a webhook in step: the provider (HTTP),
the keyring (its token, via SecretStore) and the listener (its TokenRing), plus the non-secret
index in the config dir. No Qt here, so the same steps are easy to test and to reason about.
"""

from __future__ import annotations

import secrets as pysecrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.client import AuthError, EventType, ProviderClient, Webhook
from inspector.core.provider.profiles import Profile
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import KnownWebhook, TokenLoad, WebhookIndex, load_tokens
from inspector.sandbox.catalog import CATALOG

DEFAULT_GRACE_SECONDS = 300.0  # an old token stays accepted 5 minutes after a rotation
ClientFactory = Callable[[Profile, str], ProviderClient]


def new_token() -> str:
    """A webhook authorization token: 32 random bytes, URL-safe (43 visible ASCII characters)."""
    return pysecrets.token_urlsafe(32)


def builtin_event_types() -> list[EventType]:
    """The sandbox's catalog, offered when the provider has no event-types endpoint."""
    return [EventType(t.identifier, t.description) for t in CATALOG.values()]


@dataclass(frozen=True, slots=True)
class EventCatalog:
    types: list[EventType]
    source: str  # "provider" or "built-in"


@dataclass(frozen=True, slots=True)
class WebhookRow:
    webhook: Webhook
    token_here: bool  # this machine holds its token (keyring or session memory)


@dataclass(frozen=True, slots=True)
class SavedWebhook:
    webhook: Webhook
    token_kept: bool | None  # True: OS keyring; False: memory only; None: no token changed
    grace_seconds: float = 0.0  # how long the previous token is still accepted (rotation)


class WebhookActions:
    """Provider + keyring + listener ring + index, for one profile at a time."""

    def __init__(
        self,
        secrets: SecretStore,
        index: WebhookIndex,
        tokens: TokenRing,
        *,
        client_factory: ClientFactory = ProviderClient,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
    ) -> None:
        self.secrets = secrets
        self.index = index
        self.tokens = tokens
        self.client_factory = client_factory
        self.grace_seconds = grace_seconds
        # Ring + index changes happen together under this lock, so a reload from the index
        # never sees a webhook in the ring that is not in the index yet (and drops its token).
        self._lock = threading.Lock()
        self._index_signature: tuple[int, int] | bool | None = False  # False: never loaded

    def reload_tokens(self, *, force: bool = False) -> TokenLoad | None:
        """Load the known webhooks' tokens from the keyring into the listener's ring when the
        index changed since the last load (another process, e.g. the CLI, may change it).

        The first load gives no grace (nothing was accepted before); later ones keep a replaced
        or removed token accepted for the grace period, like a rotation from the panel.
        """
        with self._lock:
            signature = self.index.signature()
            if not force and signature == self._index_signature:
                return None
            first = self._index_signature is False
            self._index_signature = signature
            grace = 0.0 if first else self.grace_seconds
            return load_tokens(self.index, self.secrets, self.tokens, grace_seconds=grace)

    def client(self, profile: Profile) -> ProviderClient:
        token = self.secrets.api_token(profile.name)
        if not token:
            raise AuthError(
                f"No API access token for the profile {profile.name!r}: enter it in the webhooks panel first."
            )
        return self.client_factory(profile, token)

    def list(self, profile: Profile) -> list[WebhookRow]:
        with self.client(profile) as client:
            webhooks = client.list()
        # Keyring look-ups may go over D-Bus: done here, on the worker, not by the table.
        return [WebhookRow(w, bool(self.secrets.webhook_token(w.id))) for w in webhooks]

    def event_catalog(self, profile: Profile) -> EventCatalog:
        """The provider's catalog when it has one, else the built-in one (also on any error:
        the form must stay usable, and free entry covers identifiers the catalog lacks)."""
        try:
            with self.client(profile) as client:
                types = client.event_types()
        except Exception:  # any failure here just means "use the built-in list"
            types = None
        if types:
            return EventCatalog(types, "provider")
        return EventCatalog(builtin_event_types(), "built-in")

    def create(self, profile: Profile, url: str, events: Sequence[str], token: str | None) -> SavedWebhook:
        with self.client(profile) as client:
            webhook = client.create(url, list(events), authorization_token=token or None)
        kept: bool | None = None
        with self._lock:
            if token:
                # Memory-only when no keyring works: the panel says so; the listener verifies at once.
                kept = self.secrets.set_webhook_token(webhook.id, token)
                self.tokens.set_token(webhook.id, token)
            self._remember(profile, webhook)
        return SavedWebhook(webhook, kept)

    def update(
        self,
        profile: Profile,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        token: str | None = None,
    ) -> SavedWebhook:
        with self.client(profile) as client:
            webhook = client.update(
                webhook_id,
                url=url,
                events=list(events) if events is not None else None,
                authorization_token=token or None,
            )
        kept: bool | None = None
        grace = 0.0
        with self._lock:
            if token:
                kept = self.secrets.set_webhook_token(webhook.id, token)
                # Keyring first, then the ring: the old token stays accepted for the grace
                # period because deliveries already queued at the provider still carry it.
                had_token = webhook.id in self.tokens.labels()
                self.tokens.set_token(webhook.id, token, self.grace_seconds)
                grace = self.grace_seconds if had_token else 0.0
            self._remember(profile, webhook)
        return SavedWebhook(webhook, kept, grace)

    def delete(self, profile: Profile, webhook_id: str) -> str:
        with self.client(profile) as client:
            client.delete(webhook_id)
        with self._lock:
            self.secrets.delete_webhook_token(webhook_id)
            self.tokens.remove(webhook_id)
            self.index.remove(webhook_id)
        return webhook_id

    def trigger(self, profile: Profile, event_identifier: str) -> dict[str, Any]:
        with self.client(profile) as client:
            return client.trigger_event(event_identifier)

    def _remember(self, profile: Profile, webhook: Webhook) -> None:
        known = self.index.get(webhook.id)
        created = webhook.created_at or (known.created_at if known else None)
        self.index.upsert(KnownWebhook(webhook.id, profile.name, webhook.url, webhook.events, created))
