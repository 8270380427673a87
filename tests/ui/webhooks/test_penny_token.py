"""The provider's convention: PENNY_ACCESS_TOKEN is the Production profile's token when none is saved."""

from __future__ import annotations

from typing import Any

import pytest

from inspector.core.provider.client import NetworkError, ProviderClient
from inspector.core.provider.profiles import LOCAL_SANDBOX, PRODUCTION, Profile
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_service import PROVIDER_TOKEN_ENV, env_access_token
from tests.ui.helpers import WAIT

TOKEN = "penny-test-access-token-do-not-print"


def test_production_reads_penny_access_token_and_says_so(
    qtbot: Any, make_panel: Any, no_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROVIDER_TOKEN_ENV, TOKEN)
    used: list[str] = []

    def client(profile: Profile, access_token: str) -> ProviderClient:
        used.append(access_token)
        raise NetworkError("not calling the real provider from a test")

    panel = make_panel(SecretStore(), listener_url="http://127.0.0.1:8765", client_factory=client)
    panel.select_profile(PRODUCTION)
    qtbot.waitUntil(lambda: panel.access_token_set is True, timeout=WAIT)
    assert panel.token_state.text() == "from PENNY_ACCESS_TOKEN"
    assert TOKEN not in panel.token_state.text() + panel.token_state.toolTip()  # the name, never the value
    qtbot.waitUntil(lambda: bool(used), timeout=WAIT)  # the list call was made with it
    assert used[0] == TOKEN

    panel.select_profile(LOCAL_SANDBOX)  # a production token has no business with a sandbox
    qtbot.waitUntil(lambda: panel.access_token_set is False, timeout=WAIT)


def test_env_token_is_not_for_a_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROVIDER_TOKEN_ENV, " " + TOKEN + " ")
    assert env_access_token(Profile("x", "https://api.example.test/v1")) == TOKEN
    assert env_access_token(Profile("s", "http://127.0.0.1:1/v1", is_sandbox=True)) is None
    monkeypatch.setenv(PROVIDER_TOKEN_ENV, "  ")
    assert env_access_token(Profile("x", "https://api.example.test/v1")) is None
