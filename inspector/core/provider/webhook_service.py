"""Create, update and delete webhooks with the provider: one policy for the window and the CLI.

Each operation keeps the places that know about a webhook in step: the provider (HTTP), the keyring
(its token, via SecretStore), the non-secret index in the config dir, and — when the app runs a
listener — that listener's TokenRing. Blocking calls: the window runs them on its network pool.

The token policy, the same everywhere:
- A token we could not keep is refused before anything is sent: with no OS keyring a generated or
  given token would be forgotten at exit, and deliveries signed with it could never be verified
  again. The caller may explicitly accept a token kept for this session only (`session_only=True`).
- If keeping the token fails after the provider has it (the keyring broke meanwhile), the change is
  rolled back: a new webhook is deleted again, a rotated token is set back to the old one when we
  had it. Then TokenNotKeptError says what happened.
- A rotated or deleted webhook's old token stays accepted by the listener for `grace_seconds`, for
  deliveries already on their way.
"""

from __future__ import annotations

import os
import secrets as pysecrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.client import AuthError, EventType, ProviderClient, ProviderError, Webhook
from inspector.core.provider.profiles import Profile
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex

ROTATION_GRACE_SECONDS = 300.0
ClientFactory = Callable[[Profile, str], ProviderClient]


class TokenNotKeptError(ProviderError):
    """A webhook token could not be kept (no keyring, or it failed); the message says what was done."""


def user_error(exc: BaseException) -> ProviderError:
    """Any exception as a ProviderError with a readable sentence (no traceback, no repr)."""
    if isinstance(exc, ProviderError):
        return exc
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ProviderError(f"Something went wrong: {text[:200]}")


def new_token() -> str:
    """A webhook authorization token: 32 random bytes, URL-safe (43 visible ASCII characters)."""
    return pysecrets.token_urlsafe(32)


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
    token_kept: bool | None  # True: OS keyring; False: this session only; None: no token changed
    grace_seconds: float = 0.0  # how long the previous token is still accepted (rotation)
    keeping: str = ""  # where the token went, for the user ("in your system keyring: …")


def builtin_event_types() -> list[EventType]:
    """The sandbox's catalog, offered when the provider has no event-types endpoint."""
    from inspector.sandbox.catalog import CATALOG

    return [EventType(t.identifier, t.description) for t in CATALOG.values()]


# The provider's own examples read the API access token from this variable.
PROVIDER_TOKEN_ENV = "PENNY_ACCESS_TOKEN"


def env_access_token(profile: Profile) -> str | None:
    """PENNY_ACCESS_TOKEN when it is set and `profile` is not a sandbox (a production token has no
    business there); used when the profile has no token of its own."""
    if profile.is_sandbox:
        return None
    value = os.environ.get(PROVIDER_TOKEN_ENV, "").strip()
    return value or None


class WebhookService:
    """Provider + keyring + index (+ the local listener's ring), for any profile."""

    def __init__(
        self,
        secrets: SecretStore,
        index: WebhookIndex,
        *,
        ring: TokenRing | None = None,
        client_factory: ClientFactory = ProviderClient,
        grace_seconds: float = ROTATION_GRACE_SECONDS,
    ) -> None:
        self.secrets = secrets
        self.index = index
        self.ring = ring
        self.client_factory = client_factory
        self.grace_seconds = grace_seconds
        # Ring and index change together under this lock, so a token sync reading the index never
        # sees a webhook in the ring that is not in the index yet (and drops its token).
        self.lock = threading.Lock()

    # -- provider access -------------------------------------------------------------------------

    def client(self, profile: Profile, access_token: str | None = None) -> ProviderClient:
        token = access_token or self.secrets.api_token(profile.name) or env_access_token(profile)
        if not token:
            raise AuthError(
                f"No API access token for the profile {profile.name!r}: enter it in the Webhooks panel "
                "or pass --access-token-env NAME."
            )
        return self.client_factory(profile, token)

    def list(self, profile: Profile, *, access_token: str | None = None) -> list[WebhookRow]:
        with self.client(profile, access_token) as client:
            webhooks = client.list()
        # Keyring look-ups may go over D-Bus: done here, on the caller's worker, not by a table.
        return [WebhookRow(w, bool(self.secrets.webhook_token(w.id))) for w in webhooks]

    def event_catalog(self, profile: Profile) -> EventCatalog:
        """The provider's catalog when it has one, else the built-in one (also on any error: the
        form must stay usable, and free entry covers identifiers the catalog lacks)."""
        try:
            with self.client(profile) as client:
                types = client.event_types()
        except Exception:  # any failure here just means "use the built-in list"
            types = None
        if types:
            return EventCatalog(types, "provider")
        return EventCatalog(builtin_event_types(), "built-in")

    def trigger(self, profile: Profile, event_identifier: str) -> dict[str, Any]:
        with self.client(profile) as client:
            return client.trigger_event(event_identifier)

    def run_scenario(
        self, profile: Profile, name: str, *, out_of_order: bool = False, duplicates: int = 0
    ) -> dict[str, Any]:
        """Sandbox only: run scenario `name`; the answer lists its events (client.run_scenario)."""
        with self.client(profile) as client:
            return client.run_scenario(name, out_of_order=out_of_order, duplicates=duplicates)

    # -- the token policy --------------------------------------------------------------------------

    def check_can_keep(self, action: str, *, session_only: bool = False) -> None:
        """Raise before anything is sent when a token for `action` could not be kept."""
        if self.secrets.persistent or session_only:
            return
        raise TokenNotKeptError(
            f"Refusing to {action} with an authorization token, because it could not be kept: "
            f"{self.secrets.description}. Unlock or install a system keyring (e.g. Secret Service), "
            "or accept a token kept for this session only."
        )

    def _keep(self, webhook_id: str, token: str, *, session_only: bool) -> bool | None:
        """Keep `token`; True/False where it went, None when it could not be kept as asked."""
        in_keyring = self.secrets.set_webhook_token(webhook_id, token)
        if in_keyring:
            return True
        return False if session_only else None

    # -- changes -------------------------------------------------------------------------------------

    def create(
        self,
        profile: Profile,
        url: str,
        events: Sequence[str],
        token: str | None,
        *,
        session_only: bool = False,
        access_token: str | None = None,
    ) -> SavedWebhook:
        if token:
            self.check_can_keep("create the webhook", session_only=session_only)
        with self.client(profile, access_token) as client:
            webhook = client.create(url, list(events), authorization_token=token or None)
            kept: bool | None = None
            with self.lock:
                if token:
                    kept = self._keep(webhook.id, token, session_only=session_only)
                    if kept is None:
                        # A webhook whose token nobody knows is worse than none: take it back.
                        self.secrets.delete_webhook_token(webhook.id)
                        client.delete(webhook.id)
                        raise TokenNotKeptError(
                            f"The token could not be kept ({self.secrets.description}); the webhook "
                            f"{webhook.id} was created and deleted again."
                        )
                    if self.ring is not None:
                        self.ring.set_token(webhook.id, token)
                self._remember(profile, webhook)
        return SavedWebhook(webhook, kept, keeping=self.secrets.description if token else "")

    def update(
        self,
        profile: Profile,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        add_events: Sequence[str] = (),
        remove_events: Sequence[str] = (),
        token: str | None = None,
        session_only: bool = False,
        access_token: str | None = None,
    ) -> SavedWebhook:
        if token:
            self.check_can_keep("rotate the token", session_only=session_only)
        old_token = self.secrets.webhook_token(webhook_id) if token else None
        with self.client(profile, access_token) as client:
            webhook = client.update(
                webhook_id,
                url=url,
                events=list(events) if events is not None else None,
                add_events=add_events,
                remove_events=remove_events,
                authorization_token=token or None,
            )
            kept: bool | None = None
            grace = 0.0
            with self.lock:
                if token:
                    kept = self._keep(webhook.id, token, session_only=session_only)
                    if kept is None:
                        self._roll_back_rotation(client, webhook.id, old_token)
                    if self.ring is not None:
                        # Keyring first, then the ring: the old token stays accepted for the grace
                        # period because deliveries already queued at the provider still carry it.
                        had_token = webhook.id in self.ring.labels()
                        self.ring.set_token(webhook.id, token, self.grace_seconds)
                        grace = self.grace_seconds if had_token else 0.0
                self._remember(profile, webhook)
        return SavedWebhook(webhook, kept, grace, keeping=self.secrets.description if token else "")

    def _roll_back_rotation(self, client: ProviderClient, webhook_id: str, old_token: str | None) -> None:
        if old_token:
            client.update(webhook_id, authorization_token=old_token)
            self.secrets.set_webhook_token(webhook_id, old_token)
            raise TokenNotKeptError(
                f"The new token could not be kept ({self.secrets.description}); {webhook_id} was set "
                "back to its previous token."
            )
        raise TokenNotKeptError(
            f"The provider has the new token of {webhook_id} but it could not be kept "
            f"({self.secrets.description}); rotate again once the keyring works."
        )

    def delete(self, profile: Profile, webhook_id: str, *, access_token: str | None = None) -> str:
        from inspector.core.provider.client import NotFoundError

        with self.client(profile, access_token) as client:
            try:
                client.delete(webhook_id)
            except NotFoundError:
                self.forget(webhook_id)  # gone at the provider already: forget it here too, and say so
                raise
        self.forget(webhook_id)
        return webhook_id

    def forget(self, webhook_id: str) -> None:
        with self.lock:
            self.secrets.delete_webhook_token(webhook_id)
            if self.ring is not None:
                self.ring.remove(webhook_id, self.grace_seconds)
            self.index.remove(webhook_id)

    def _remember(self, profile: Profile, webhook: Webhook) -> None:
        known = self.index.get(webhook.id)
        created = webhook.created_at or (known.created_at if known else None)
        owner = known.profile if known else profile.name
        self.index.upsert(KnownWebhook(webhook.id, owner, webhook.url, webhook.events, created))
