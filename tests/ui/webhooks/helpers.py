"""Helpers for the Webhooks panel tests (the fixtures are in tests/ui/webhooks/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from inspector.core.provider.client import ProviderClient, default_retry
from inspector.core.provider.profiles import Profile, ProfileStore
from inspector.core.provider.secrets import SecretStore
from inspector.sandbox.server import SandboxServer
from inspector.ui.webhooks.webhooks_panel import WebhooksPanel

ACCESS_TOKEN = "test-access-token-0123456789"


GRACE = 300.0  # the panel's real default: the fake clock jumps over it


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fast_client(profile: Profile, access_token: str) -> ProviderClient:
    """The real client with a short read timeout and no retries, so error tests take < 2 s."""
    return ProviderClient(profile, access_token, timeout=(2.0, 1.0), retry=default_retry(total=0))


def quick_sandbox(access_token: str) -> SandboxServer:
    # Quick retries: a failed delivery is retried in tenths of a second, not seconds.
    return SandboxServer(port=0, access_token=access_token, retry_schedule=(0.05, 0.1), delivery_timeout=2.0)


PanelFactory = Callable[..., WebhooksPanel]


def add_profile(config_dir: Path, secrets: SecretStore, name: str, api_url: str, token: str) -> Profile:
    """A user-defined profile (as the user would save one) with its access token in the store."""
    profile = Profile(name, api_url, is_sandbox=True)
    ProfileStore(config_dir).save(profile)
    secrets.set_api_token(name, token)
    return profile


def sandbox_webhooks(server: SandboxServer, access_token: str) -> list[dict[str, Any]]:
    """What the sandbox itself holds, asked over HTTP (not through the code under test)."""
    response = requests.get(
        server.url + "/v1/webhooks", headers={"Authorization": f"Bearer {access_token}"}, timeout=5
    )
    response.raise_for_status()
    return list(response.json()["data"])


def post_signed(url: str, token: str, event_id: str) -> requests.Response:
    body = {"event_id": event_id, "event_identifier": "transaction.authorized", "data": {"amount": 1}}
    return requests.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5)


def files_containing(secret: str, *roots: Path) -> list[Path]:
    """Every file under `roots` whose bytes contain `secret` (plain or JSON-escaped)."""
    needles = {secret.encode(), json.dumps(secret)[1:-1].encode()}
    hits = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and any(n in path.read_bytes() for n in needles):
                hits.append(path)
    return hits
