"""The one webhook service the window and the CLI share, against the real sandbox and a real Secret
Service: the same checks, the same refusal of a token that cannot be kept, the same rollback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.client import NotFoundError, ProviderClient
from inspector.core.provider.profiles import Profile
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import WebhookIndex
from inspector.core.provider.webhook_service import TokenNotKeptError, WebhookService, new_token
from inspector.sandbox.server import SandboxServer

ACCESS = "service-sandbox-access"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(access_token=ACCESS, retry_schedule=(0.05,))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def profile(sandbox: SandboxServer) -> Profile:
    return Profile("Local sandbox", sandbox.url + "/v1", is_sandbox=True)


def provider_ids(profile: Profile) -> list[str]:
    with ProviderClient(profile, ACCESS) as client:
        return [w.id for w in client.list()]


class BreaksOnWrite(KeyringBackend):
    """A keyring that reads (so it looks usable when the service checks) but fails every write,
    as a Secret Service does when its collection is locked between the check and the write."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, real: KeyringBackend) -> None:
        super().__init__()
        self.real = real

    def get_password(self, service: str, username: str) -> str | None:
        return self.real.get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        self.real.delete_password(service, username)


def service(secrets: SecretStore, tmp_path: Path, ring: TokenRing | None = None) -> WebhookService:
    return WebhookService(secrets, WebhookIndex(tmp_path / "config"), ring=ring)


def test_create_keeps_the_token_in_the_keyring_the_ring_and_the_index(
    system_keyring: KeyringBackend, tmp_path: Path, profile: Profile
) -> None:
    ring = TokenRing()
    svc = service(SecretStore(system_keyring), tmp_path, ring)
    token = new_token()
    saved = svc.create(profile, "https://example.test/hooks", ["card.created"], token, access_token=ACCESS)
    try:
        assert saved.token_kept is True and "system keyring" in saved.keeping
        assert SecretStore(system_keyring).webhook_token(saved.webhook.id) == token
        assert ring.check([f"Bearer {token}"]).label == saved.webhook.id
        known = svc.index.get(saved.webhook.id)
        assert known is not None and known.profile == "Local sandbox"
    finally:
        svc.delete(profile, saved.webhook.id, access_token=ACCESS)
    assert provider_ids(profile) == []
    assert svc.index.all() == []
    assert SecretStore(system_keyring).webhook_token(saved.webhook.id) is None


def test_a_token_that_cannot_be_kept_is_refused_before_anything_is_sent(
    no_keyring: KeyringBackend, tmp_path: Path, profile: Profile
) -> None:
    svc = service(SecretStore(), tmp_path)
    with pytest.raises(TokenNotKeptError, match="session only"):
        svc.create(profile, "https://example.test/hooks", ["card.created"], new_token(), access_token=ACCESS)
    assert provider_ids(profile) == []
    assert not svc.index.path.exists()


def test_a_session_only_token_is_allowed_when_asked_for(
    no_keyring: KeyringBackend, tmp_path: Path, profile: Profile
) -> None:
    ring = TokenRing()
    svc = service(SecretStore(), tmp_path, ring)
    token = new_token()
    saved = svc.create(
        profile, "https://example.test/hooks", ["card.created"], token, session_only=True, access_token=ACCESS
    )
    assert saved.token_kept is False and "this session only" in saved.keeping
    assert ring.check([f"Bearer {token}"]).ok


def test_create_is_rolled_back_when_keeping_the_token_fails_after_the_provider_has_it(
    system_keyring: KeyringBackend, tmp_path: Path, profile: Profile
) -> None:
    svc = service(SecretStore(BreaksOnWrite(system_keyring)), tmp_path)
    assert svc.secrets.persistent  # the check passes: the failure comes after the provider call
    with pytest.raises(TokenNotKeptError, match="created and deleted again"):
        svc.create(profile, "https://example.test/hooks", ["card.created"], new_token(), access_token=ACCESS)
    assert provider_ids(profile) == []  # nobody is left with a webhook whose token nobody knows
    assert svc.index.all() == []


def test_a_rotation_that_cannot_be_kept_puts_the_old_token_back(
    system_keyring: KeyringBackend, tmp_path: Path, profile: Profile
) -> None:
    good = service(SecretStore(system_keyring), tmp_path)
    old = new_token()
    saved = good.create(profile, "https://example.test/hooks", ["card.created"], old, access_token=ACCESS)
    try:
        broken = service(SecretStore(BreaksOnWrite(system_keyring)), tmp_path)
        with pytest.raises(TokenNotKeptError, match="set back to its previous token"):
            broken.update(profile, saved.webhook.id, token=new_token(), access_token=ACCESS)
        # The provider still delivers with the old token, which the keyring still has.
        assert SecretStore(system_keyring).webhook_token(saved.webhook.id) == old
        with ProviderClient(profile, ACCESS) as client:
            assert client.get(saved.webhook.id).has_authorization_token
    finally:
        good.delete(profile, saved.webhook.id, access_token=ACCESS)


def test_rotation_keeps_the_old_token_accepted_for_the_grace_period(
    system_keyring: KeyringBackend, tmp_path: Path, profile: Profile
) -> None:
    ring = TokenRing()
    svc = service(SecretStore(system_keyring), tmp_path, ring)
    old, new = new_token(), new_token()
    saved = svc.create(profile, "https://example.test/hooks", ["card.created"], old, access_token=ACCESS)
    try:
        rotated = svc.update(
            profile, saved.webhook.id, add_events=["card.frozen"], token=new, access_token=ACCESS
        )
        assert rotated.grace_seconds == svc.grace_seconds
        assert rotated.webhook.events == ("card.created", "card.frozen")
        assert ring.check([f"Bearer {old}"]).ok and ring.check([f"Bearer {new}"]).ok
    finally:
        svc.delete(profile, saved.webhook.id, access_token=ACCESS)


def test_deleting_a_webhook_the_provider_no_longer_has_forgets_it_and_says_so(
    system_keyring: KeyringBackend, tmp_path: Path, profile: Profile
) -> None:
    svc = service(SecretStore(system_keyring), tmp_path)
    saved = svc.create(
        profile, "https://example.test/hooks", ["card.created"], new_token(), access_token=ACCESS
    )
    with ProviderClient(profile, ACCESS) as client:
        client.delete(saved.webhook.id)  # deleted elsewhere (the provider's dashboard)
    with pytest.raises(NotFoundError):
        svc.delete(profile, saved.webhook.id, access_token=ACCESS)
    assert svc.index.all() == []
    assert SecretStore(system_keyring).webhook_token(saved.webhook.id) is None
