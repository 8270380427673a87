"""The one token sync feeding the listener: the index and the keyring into the ring, an explicit
--token-env token kept under its own label, grace only after the first load."""

from __future__ import annotations

from pathlib import Path

from keyring.backend import KeyringBackend

from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.token_sync import TokenSync, explicit_label
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex


def make_sync(tmp_path: Path, backend: KeyringBackend | None = None, **kwargs: object) -> TokenSync:
    return TokenSync(WebhookIndex(tmp_path), lambda: SecretStore(backend), **kwargs)  # type: ignore[arg-type]


def test_explicit_token_is_labelled_by_its_variable_and_sent_with_own_sends(tmp_path: Path) -> None:
    sync = make_sync(tmp_path, explicit=("HOOK_TOKEN", "tok-explicit-123"))
    assert (
        sync.ring.check(["Bearer tok-explicit-123"]).label == explicit_label("HOOK_TOKEN") == "env:HOOK_TOKEN"
    )
    assert sync.token_for_sends() == "tok-explicit-123"
    assert sync.refresh() is False  # no index: nothing to load, the keyring is never opened


def test_a_webhook_added_elsewhere_is_loaded_and_a_removed_one_keeps_its_grace(
    system_keyring: KeyringBackend, tmp_path: Path
) -> None:
    secrets = SecretStore(system_keyring)
    index = WebhookIndex(tmp_path)
    secrets.set_webhook_token("wh_sync_a", "tok-sync-a-0123456789")
    try:
        index.upsert(KnownWebhook("wh_sync_a", "p", "https://x.test/hooks"))
        sync = make_sync(tmp_path, system_keyring, explicit=("T", "tok-explicit-456"))
        assert sync.refresh() is True
        assert sync.ring.labels() == ["env:T", "wh_sync_a"]
        assert sync.ring.grace_periods() == []  # the first load gives no grace: nothing was accepted before
        assert sync.refresh() is False  # unchanged index: one stat()
        index.remove("wh_sync_a")
        assert sync.refresh() is True
        assert sync.ring.labels() == ["env:T"]  # the explicit token is never dropped by a load
        assert [label for label, _ in sync.ring.grace_periods()] == ["wh_sync_a"]
        assert sync.ring.check(["Bearer tok-sync-a-0123456789"]).ok  # still, for deliveries in flight
    finally:
        secrets.delete_webhook_token("wh_sync_a")


def test_without_a_keyring_the_problem_says_what_the_listener_does(
    no_keyring: KeyringBackend, tmp_path: Path
) -> None:
    WebhookIndex(tmp_path).upsert(KnownWebhook("wh_gone", "p", "https://x.test/hooks"))
    lenient = make_sync(tmp_path)
    lenient.refresh()
    assert lenient.missing == ["wh_gone"]
    assert lenient.problem is not None and "accepted unverified" in lenient.problem
    strict = make_sync(tmp_path, ring=TokenRing(required=True))
    strict.refresh()
    assert strict.problem is not None and "answered 401" in strict.problem
    assert not strict.ring.check([]).ok
