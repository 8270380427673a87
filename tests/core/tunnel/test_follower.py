"""Keeping registered webhooks on the tunnel, against the real sandbox: offers after a URL change,
updates through the one webhook service, and the record of each."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from inspector.core.provider.client import ProviderClient
from inspector.core.provider.profiles import LOCAL_SANDBOX, Profile, ProfileStore
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import WebhookIndex
from inspector.core.provider.webhook_service import WebhookService
from inspector.core.tunnel.follower import TunnelFollower
from inspector.core.tunnel.settings import TunnelSettings
from inspector.sandbox.server import SandboxServer
from tests.core.tunnel.conftest import SANDBOX_TOKEN

A, B, C = "https://127.0.0.1:4431", "https://127.0.0.1:5552", "https://127.0.0.1:6663"


@pytest.fixture
def profile(sandbox: SandboxServer, config_dir: Path) -> Profile:
    profile = Profile(LOCAL_SANDBOX, sandbox.url + "/v1", is_sandbox=True)
    ProfileStore(config_dir).save(profile)
    return profile


@pytest.fixture
def service(no_keyring: KeyringBackend, config_dir: Path) -> WebhookService:
    secrets = SecretStore()  # memory: the updates here change no token
    secrets.set_api_token(LOCAL_SANDBOX, SANDBOX_TOKEN)
    return WebhookService(secrets, WebhookIndex(config_dir))


@pytest.fixture
def follower(service: WebhookService, config_dir: Path) -> TunnelFollower:
    return TunnelFollower(service, ProfileStore(config_dir), TunnelSettings(config_dir))


def provider_url(profile: Profile, webhook_id: str) -> str:
    """What the sandbox itself holds (not the index)."""
    with ProviderClient(profile, SANDBOX_TOKEN) as client:
        return client.get(webhook_id).url


def test_a_url_change_offers_and_applies_the_update(
    follower: TunnelFollower, service: WebhookService, profile: Profile, config_dir: Path
) -> None:
    on_tunnel = service.create(profile, f"{A}/hooks?x=1", ["transaction.authorized"], None).webhook
    own = service.create(profile, "https://team.example.com/hooks", ["card.created"], None).webhook
    assert follower.url_changed(A + "/") == []  # the first URL: the webhook is on it already

    offers = follower.url_changed(B)
    assert len(offers) == 1
    offer = offers[0]
    assert (offer.profile, offer.new_url, offer.webhook_ids) == (LOCAL_SANDBOX, B, (on_tunnel.id,))
    assert offer.describe() == (f"{on_tunnel.id} still points at {A}/hooks?x=1 — update it to {B}/hooks?x=1?")

    result = follower.apply(LOCAL_SANDBOX, B)
    assert [r.webhook_id for r in result.moved] == [on_tunnel.id] and result.failed == ()
    assert result.describe() == f"{on_tunnel.id} now points at {B}/hooks?x=1."
    assert provider_url(profile, on_tunnel.id) == f"{B}/hooks?x=1"
    assert provider_url(profile, own.id) == "https://team.example.com/hooks"  # not a tunnel of ours
    known = service.index.get(on_tunnel.id)
    assert known is not None and known.url == f"{B}/hooks?x=1"
    (record,) = TunnelSettings(config_dir).read().moves
    assert (record.webhook_id, record.old_url, record.new_url, record.automatic, record.error) == (
        on_tunnel.id,
        f"{A}/hooks?x=1",
        f"{B}/hooks?x=1",
        False,
        None,
    )
    assert follower.offers(B) == []


def test_a_second_change_during_the_first_moves_straight_to_the_newest_url(
    follower: TunnelFollower, service: WebhookService, profile: Profile
) -> None:
    webhook = service.create(profile, f"{A}/hooks", ["transaction.authorized"], None).webhook
    follower.url_changed(A)
    follower.url_changed(B)
    follower.url_changed(C)  # before anyone answered the first offer
    result = follower.apply(LOCAL_SANDBOX, C, automatic=True)
    assert [(r.old_url, r.new_url, r.automatic) for r in result.records] == [
        (f"{A}/hooks", f"{C}/hooks", True)
    ]
    assert provider_url(profile, webhook.id) == f"{C}/hooks"


def test_a_webhook_gone_at_the_provider_is_forgotten_and_said_so(
    follower: TunnelFollower, service: WebhookService, profile: Profile
) -> None:
    webhook = service.create(profile, f"{A}/hooks", ["transaction.authorized"], None).webhook
    with ProviderClient(profile, SANDBOX_TOKEN) as client:
        client.delete(webhook.id)  # e.g. the sandbox restarted without its state
    follower.url_changed(A)
    follower.url_changed(B)
    result = follower.apply(LOCAL_SANDBOX, B)
    (failed,) = result.failed
    assert failed.error == f"it no longer exists at {LOCAL_SANDBOX}, so it was forgotten here."
    assert service.index.get(webhook.id) is None
    assert follower.offers(B) == []  # not offered again on the next change


def test_a_refused_update_is_recorded_with_the_providers_reason(
    service: WebhookService, profile: Profile, config_dir: Path
) -> None:
    webhook = service.create(profile, f"{A}/hooks", ["transaction.authorized"], None).webhook
    follower = TunnelFollower(
        service, ProfileStore(config_dir), TunnelSettings(config_dir), access_tokens={LOCAL_SANDBOX: "wrong"}
    )
    follower.url_changed(A)
    follower.url_changed(B)
    result = follower.apply(LOCAL_SANDBOX, B)
    (failed,) = result.failed
    assert failed.error is not None and "401" in failed.error
    assert provider_url(profile, webhook.id) == f"{A}/hooks"
    assert f"{webhook.id} was not updated: " in result.describe()
    assert TunnelSettings(config_dir).read().moves[-1].error == failed.error
    assert [o.webhook_ids for o in follower.offers(B)] == [(webhook.id,)]  # still offered


def test_webhooks_of_a_profile_that_no_longer_exists_are_not_offered(
    follower: TunnelFollower, service: WebhookService, sandbox: SandboxServer, config_dir: Path
) -> None:
    team = Profile("Team", sandbox.url + "/v1", is_sandbox=True)
    ProfileStore(config_dir).save(team)
    service.create(team, f"{A}/hooks", ["transaction.authorized"], None, access_token=SANDBOX_TOKEN)
    follower.url_changed(A)
    ProfileStore(config_dir).delete("Team")
    assert follower.url_changed(B) == []
    result = follower.apply("Team", B)
    assert result.problem is not None and "no profile named 'Team'" in result.problem


def test_follow_is_a_per_profile_setting(follower: TunnelFollower, config_dir: Path) -> None:
    assert not follower.follows(LOCAL_SANDBOX)
    TunnelSettings(config_dir).set_follow(LOCAL_SANDBOX, True)
    assert follower.follows(LOCAL_SANDBOX) and not follower.follows("Production")
