"""The non-secret webhook index (a real JSON file) and loading tokens into a real TokenRing."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import (
    KnownWebhook,
    WebhookIndex,
    WebhookIndexError,
    load_tokens,
)


def _wh(wid: str, profile: str = "Local sandbox", events: tuple[str, ...] = ("card.created",)):
    return KnownWebhook(wid, profile, f"https://example.test/{wid}", events, "2026-11-27T03:00:00Z")


def test_upsert_get_remove_round_trip_through_the_file(tmp_path: Path) -> None:
    index = WebhookIndex(tmp_path / "config")
    assert index.all() == []
    assert index.signature() is None
    index.upsert(_wh("wh_1"))
    index.upsert(_wh("wh_2", profile="Production"))
    first = index.signature()
    index.upsert(_wh("wh_1", events=("card.created", "card.frozen")))

    again = WebhookIndex(tmp_path / "config")  # another process reading the same file
    assert [w.id for w in again.all()] == ["wh_2", "wh_1"]
    assert again.get("wh_1").events == ("card.created", "card.frozen")
    assert [w.id for w in again.for_profile("Production")] == ["wh_2"]
    assert again.signature() != first

    assert again.remove("wh_2") is True
    assert again.remove("wh_2") is False
    assert [w.id for w in index.all()] == ["wh_1"]
    # Atomic writes leave no temp files behind, and the file is plain JSON without secrets.
    assert sorted(p.name for p in (tmp_path / "config").iterdir()) == ["webhooks.json"]
    data = json.loads((tmp_path / "config" / "webhooks.json").read_text())
    assert set(data["webhooks"][0]) == {"id", "profile", "url", "events", "created_at"}


def test_corrupt_index_is_reported_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "webhooks.json").write_text("{not json")
    index = WebhookIndex(tmp_path)
    with pytest.raises(WebhookIndexError, match="cannot read the webhook index"):
        index.all()
    with pytest.raises(WebhookIndexError):
        index.upsert(_wh("wh_1"))
    assert (tmp_path / "webhooks.json").read_text() == "{not json"


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_load_tokens_into_the_ring_names_the_webhook(tmp_path: Path) -> None:
    store = SecretStore(fail.Keyring())  # memory: this test is about the index, not the keyring
    index = WebhookIndex(tmp_path)
    index.upsert(_wh("wh_a"))
    index.upsert(_wh("wh_b"))
    index.upsert(_wh("wh_other", profile="Production"))
    store.set_webhook_token("wh_a", "token-a")
    store.set_webhook_token("wh_other", "token-other")
    clock = _Clock()
    ring = TokenRing(clock=clock)
    ring.set_token("cli", "explicit")

    result = load_tokens(index, store, ring, profile="Local sandbox")
    assert result.loaded == ["wh_a"]
    assert result.missing == ["wh_b"]
    assert ring.labels() == ["cli", "wh_a"]
    verdict = ring.check(["Bearer token-a"])
    assert verdict.ok and verdict.label == "wh_a"
    assert not ring.check(["Bearer token-other"]).ok

    # Rotation: the new token is accepted at once, the old one only during the grace period.
    store.set_webhook_token("wh_a", "token-a2")
    load_tokens(index, store, ring, profile="Local sandbox", grace_seconds=30)
    assert ring.check(["Bearer token-a2"]).label == "wh_a"
    assert ring.check(["Bearer token-a"]).ok
    clock.now += 31
    assert not ring.check(["Bearer token-a"]).ok

    # A webhook that left the index loses its token; the explicit one stays.
    index.remove("wh_a")
    result = load_tokens(index, store, ring, profile="Local sandbox")
    assert result.removed == ["wh_a"]
    assert ring.labels() == ["cli"]
    assert not ring.check(["Bearer token-a2"]).ok


def test_load_tokens_from_the_real_secret_service(system_keyring: KeyringBackend, tmp_path: Path) -> None:
    wid = f"wh_idx_{uuid.uuid4().hex[:8]}"
    writer = SecretStore()
    assert writer.persistent
    writer.set_webhook_token(wid, "from-the-keyring")
    try:
        index = WebhookIndex(tmp_path)
        index.upsert(_wh(wid))
        ring = TokenRing()
        # A fresh store, as the listener process would have at start.
        assert load_tokens(index, SecretStore(), ring).loaded == [wid]
        assert ring.check(["Bearer from-the-keyring"]).label == wid
    finally:
        writer.delete_webhook_token(wid)


def test_a_broken_index_does_not_stop_the_listener(tmp_path: Path) -> None:
    (tmp_path / "webhooks.json").write_text("[]")
    ring = TokenRing()
    result = load_tokens(WebhookIndex(tmp_path), SecretStore(fail.Keyring()), ring)
    assert result.loaded == [] and ring.labels() == []
