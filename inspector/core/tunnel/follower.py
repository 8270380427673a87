"""Keeping registered webhooks on the tunnel when its public URL changes (window and `listen`).

A free tunnel gets a new public URL on every restart, and the provider keeps delivering to the
old one. The follower notes each new public URL (inspector/core/tunnel/settings.py), finds the
known webhooks (the index in the config dir) that still point at an earlier tunnel of ours
(inspector/core/tunnel/follow.py), and offers one update per profile. Applying an offer goes
through the one WebhookService — the same provider errors and keyring rules as an edit in the
Webhooks panel or `webhooks update` — and every update is recorded in the settings file.

Blocking calls (provider, keyring): the window runs `apply` on its network pool. Applies never
overlap, and each re-plans from the index when it starts, so a second URL change while the first
update runs moves the webhooks on to the newest URL instead of back to an old one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from inspector.core.provider.client import NotFoundError
from inspector.core.provider.profiles import ProfileError, ProfileStore
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndexError
from inspector.core.provider.webhook_service import WebhookService, user_error
from inspector.core.tunnel.follow import FollowPlan, plan_follow
from inspector.core.tunnel.settings import MoveRecord, TunnelSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FollowOffer:
    """The webhooks of one profile that still point at an old tunnel URL."""

    profile: str
    new_url: str  # the tunnel's public URL now
    plan: FollowPlan

    @property
    def webhook_ids(self) -> tuple[str, ...]:
        return tuple(m.webhook_id for m in self.plan.moves)

    def describe(self) -> str:
        """One sentence that asks ("wh_1 still points at https://old/hooks — update it to …?")."""
        moves = self.plan.moves
        if len(moves) == 1:
            move = moves[0]
            return f"{move.webhook_id} still points at {move.old_url} — update it to {move.new_url}?"
        ids = ", ".join(m.webhook_id for m in moves)
        return f"{ids} ({self.profile}) still point at an old tunnel URL — update them to {self.new_url}?"


@dataclass(frozen=True, slots=True)
class FollowResult:
    profile: str
    new_url: str
    records: tuple[MoveRecord, ...] = ()
    problem: str | None = None  # nothing could be tried (an unknown profile, an unreadable index)

    @property
    def moved(self) -> tuple[MoveRecord, ...]:
        return tuple(r for r in self.records if r.error is None)

    @property
    def failed(self) -> tuple[MoveRecord, ...]:
        return tuple(r for r in self.records if r.error is not None)

    def describe(self) -> str:
        """One or more sentences for a status line or a terminal."""
        if self.problem:
            return self.problem
        parts = [f"{r.webhook_id} now points at {r.new_url}." for r in self.moved]
        parts += [f"{r.webhook_id} was not updated: {r.error}" for r in self.failed]
        return " ".join(parts) or f"No webhook of {self.profile} needed an update."


class TunnelFollower:
    """Offers and applies webhook URL updates after a tunnel URL change.

    `access_tokens` (profile -> API access token) is for `listen --access-token-env`; otherwise
    the service reads the profile's token from the keyring, as every provider call does.
    """

    def __init__(
        self,
        service: WebhookService,
        profiles: ProfileStore,
        settings: TunnelSettings,
        *,
        access_tokens: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.profiles = profiles
        self.settings = settings
        self.access_tokens = dict(access_tokens or {})
        self._lock = threading.Lock()

    def url_changed(self, new_url: str) -> list[FollowOffer]:
        """Note `new_url` as our tunnel's public URL; the offers for the webhooks left behind."""
        self.settings.note_url(new_url)
        return self.offers(new_url)

    def offers(self, new_url: str) -> list[FollowOffer]:
        """One offer per profile with known webhooks on an earlier tunnel URL (none on an
        unreadable index: a broken file is reported where it is read for tokens)."""
        new_url = new_url.strip().rstrip("/")
        known = [u for u in self.settings.read().urls if u != new_url]
        try:
            webhooks = self.service.index.all()
            names = set(self.profiles.names())
        except (WebhookIndexError, ProfileError):
            return []
        by_profile: dict[str, list[KnownWebhook]] = {}
        for webhook in webhooks:
            if webhook.profile in names:  # a webhook of a deleted profile cannot be updated
                by_profile.setdefault(webhook.profile, []).append(webhook)
        offers = []
        for profile, hooks in by_profile.items():
            plan = plan_follow(hooks, None, new_url, known_urls=known)
            if not plan.empty:
                offers.append(FollowOffer(profile, new_url, plan))
        return offers

    def follows(self, profile: str) -> bool:
        """Whether the user asked for `profile`'s webhooks to be kept on the tunnel without asking."""
        return profile in self.settings.read().follow

    def apply(self, profile_name: str, new_url: str, *, automatic: bool = False) -> FollowResult:
        """Update `profile_name`'s webhooks that are on an old tunnel URL to `new_url` (blocking)."""
        new_url = new_url.strip().rstrip("/")
        with self._lock:
            try:
                profile = self.profiles.get(profile_name)
            except ProfileError as exc:
                return FollowResult(profile_name, new_url, problem=str(exc))
            offer = next((o for o in self.offers(new_url) if o.profile == profile_name), None)
            if offer is None:
                return FollowResult(profile_name, new_url)
            token = self.access_tokens.get(profile_name)
            records = []
            for move in offer.plan.moves:
                error = None
                try:
                    self.service.update(profile, move.webhook_id, url=move.new_url, access_token=token)
                except NotFoundError:
                    # Gone at the provider (a sandbox that restarted): forget it, as a delete does,
                    # so it is not offered again on every tunnel change.
                    self.service.forget(move.webhook_id)
                    error = f"it no longer exists at {profile_name}, so it was forgotten here."
                except Exception as exc:  # every failure is reported in words, never raised
                    error = str(user_error(exc))
                records.append(
                    MoveRecord(
                        time.time(),
                        profile_name,
                        move.webhook_id,
                        move.old_url,
                        move.new_url,
                        automatic,
                        error,
                    )
                )
                log.info(
                    "webhook %s (%s) %s: %s -> %s%s",
                    move.webhook_id,
                    profile_name,
                    "followed the tunnel" if automatic else "moved to the tunnel",
                    move.old_url,
                    move.new_url,
                    f" failed: {error}" if error else "",
                )
            self.settings.record_moves(records)
            return FollowResult(profile_name, new_url, tuple(records))
