"""SecretStore against a real Secret Service (gnome-keyring) and keyring's fail backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from inspector.core.provider.secrets import (
    SERVICE,
    SecretStore,
    api_token_entry,
    webhook_token_entry,
)


@pytest.fixture
def webhook_id() -> Iterator[str]:
    wid = f"wh_test_{uuid.uuid4().hex[:10]}"
    yield wid
    try:
        keyring.get_keyring().delete_password(SERVICE, webhook_token_entry(wid))
    except Exception:  # already deleted by the test, or no backend
        pass


def test_entry_names_match_the_design() -> None:
    assert api_token_entry("Local sandbox") == "profile:Local sandbox:api-token"
    assert webhook_token_entry("wh_1") == "webhook:wh_1:authorization-token"


def test_round_trip_in_the_real_secret_service(system_keyring: KeyringBackend, webhook_id: str):
    store = SecretStore()
    assert store.persistent
    assert store.description == "in your system keyring: Secret Service"

    assert store.set_webhook_token(webhook_id, "tok-123_abc") is True
    # Under the documented service/entry names, readable by any other process (a new store).
    assert system_keyring.get_password(SERVICE, webhook_token_entry(webhook_id)) == "tok-123_abc"
    assert SecretStore().webhook_token(webhook_id) == "tok-123_abc"

    profile = f"test-{webhook_id}"
    assert store.set_api_token(profile, "access-xyz")
    assert SecretStore().api_token(profile) == "access-xyz"
    store.delete(api_token_entry(profile))

    store.delete_webhook_token(webhook_id)
    assert SecretStore().webhook_token(webhook_id) is None
    store.delete_webhook_token(webhook_id)  # deleting a missing entry is not an error
    assert "tok-123_abc" not in repr(store)


def test_fail_backend_keeps_secrets_in_memory_and_says_so(no_keyring: KeyringBackend) -> None:
    store = SecretStore()
    assert not store.persistent
    assert store.description.startswith("this session only: no keyring available")
    assert store.set_webhook_token("wh_mem", "only-in-memory") is False
    assert store.webhook_token("wh_mem") == "only-in-memory"
    # Nothing survived outside this object: a new store (a new session) does not have it.
    assert SecretStore().webhook_token("wh_mem") is None
    store.delete_webhook_token("wh_mem")
    assert store.webhook_token("wh_mem") is None


class _LockedKeyring:
    """Stands in for a locked keyring whose unlock prompt the user dismissed (what
    SecretService raises then); a real prompt cannot be dismissed on a headless machine.

    Deliberately not a KeyringBackend subclass: those register themselves with keyring's
    backend detection and would be picked by later tests.
    """

    def __init__(self, locked: bool = True) -> None:
        self.locked = locked
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.data.pop((service, username), None)


def test_locked_keyring_falls_back_to_memory_at_start() -> None:
    store = SecretStore(_LockedKeyring())  # type: ignore[arg-type]
    assert not store.persistent
    assert "locked" in store.description
    assert store.set_webhook_token("wh_1", "t") is False
    assert store.webhook_token("wh_1") == "t"


def test_keyring_locked_mid_session_moves_to_memory_without_losing_the_secret() -> None:
    backend = _LockedKeyring(locked=False)
    store = SecretStore(backend)
    assert store.persistent
    assert store.set_webhook_token("wh_1", "first") is True
    backend.locked = True
    assert store.set_webhook_token("wh_2", "second") is False
    assert not store.persistent
    assert "this session only" in store.description
    assert store.webhook_token("wh_2") == "second"
    assert ("webhook-inspector", webhook_token_entry("wh_2")) not in backend.data


def _plaintext_backend_class() -> type[_LockedKeyring]:
    # keyrings.alt is not installed here; a class from its module path is what detection sees.
    cls = type("PlaintextKeyring", (_LockedKeyring,), {"__module__": "keyrings.alt.file"})
    return cls


def test_implicit_plaintext_keyrings_alt_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "_config_path", lambda: __import__("pathlib").Path("/nope"))
    backend = _plaintext_backend_class()(locked=False)
    store = SecretStore(backend)
    assert not store.persistent
    assert "file-based fallback" in store.description
    store.set_webhook_token("wh_1", "secret")
    assert backend.data == {}  # never reached the file backend


def test_keyrings_alt_chosen_by_the_user_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    backend = _plaintext_backend_class()(locked=False)
    store = SecretStore(backend)
    assert store.persistent
    assert store.set_webhook_token("wh_1", "secret") is True
