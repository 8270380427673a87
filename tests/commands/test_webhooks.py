"""`webhook-inspector webhooks ...` against the real sandbox, the real Secret Service, and a real
listener that verifies deliveries with the tokens the CLI put in the keyring."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from keyring.backend import KeyringBackend

from inspector.cli import main
from inspector.core.capture.listener import Listener
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import FLAG_UNAUTHORIZED
from inspector.core.provider.client import ProviderClient
from inspector.core.provider.profiles import Profile
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import WebhookIndex, load_tokens
from inspector.core.store.event_store import EventStore
from inspector.sandbox.server import SandboxServer
from tests.waiting import wait_until

ACCESS = "cli-sandbox-access"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(access_token=ACCESS, retry_schedule=(0.05,))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cli(sandbox: SandboxServer, config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Run `webhook-inspector webhooks <action> ...` in-process against the sandbox."""
    monkeypatch.setenv("SANDBOX_ACCESS", ACCESS)
    created: list[str] = []

    def run(action: str, *args: str, access_env: str = "SANDBOX_ACCESS") -> int:
        argv = ["webhooks", "--config-dir", str(config_dir), action]
        argv += ["--profile", "Local sandbox", "--api-url", sandbox.url + "/v1"]
        argv += ["--access-token-env", access_env, *args]
        return main(argv)

    run.created = created  # type: ignore[attr-defined]
    yield run
    # Leave no test entries in the (session-wide) keyring.
    for webhook in WebhookIndex(config_dir).all() if config_dir.exists() else []:
        SecretStore().delete_webhook_token(webhook.id)


def sandbox_client(sandbox: SandboxServer) -> ProviderClient:
    return ProviderClient(Profile("Local sandbox", sandbox.url + "/v1", is_sandbox=True), ACCESS)


def files_containing(root: Path, secret: str) -> list[Path]:
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_create_with_generated_token_is_verified_by_the_listener(
    *,  # fixtures by name: keyword-only keeps the positional-argument lint meaningful
    system_keyring: KeyringBackend,
    cli,
    sandbox: SandboxServer,
    listener: Listener,
    tokens: TokenRing,
    store: EventStore,
    config_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc = cli(
        "create",
        "--url",
        listener.url + "/hooks",
        "--event",
        "transaction.authorized",
        "--generate-token",
        "--json",
    )
    out, err = capsys.readouterr()
    assert rc == 0, err
    webhook = json.loads(out)
    assert webhook["id"].startswith("wh_")
    assert webhook["has_authorization_token"] is True
    assert webhook["events"] == ["transaction.authorized"]
    assert "in your system keyring: Secret Service" in err

    token = SecretStore().webhook_token(webhook["id"])
    assert token and len(token) >= 40
    assert token not in out + err
    known = WebhookIndex(config_dir).get(webhook["id"])
    assert known is not None and known.profile == "Local sandbox"

    # The listener takes the token from the keyring and names the webhook whose token matched.
    assert load_tokens(WebhookIndex(config_dir), SecretStore(), tokens).loaded == [webhook["id"]]
    with sandbox_client(sandbox) as client:
        client.trigger_event("transaction.authorized")
    wait_until(lambda: store.count() >= 1)
    event = next(store.iter_events())
    assert event.status == 200
    assert event.webhook_id == webhook["id"]
    assert FLAG_UNAUTHORIZED not in event.flags

    # No file we wrote (config dir, data dir with the SQLite files) holds the token.
    assert files_containing(tmp_path, token) == []


def test_token_from_env_never_lands_in_a_file(
    *,  # fixtures by name: keyword-only keeps the positional-argument lint meaningful
    system_keyring: KeyringBackend,
    cli,
    config_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "Chosen-By-The-User_0123456789"
    monkeypatch.setenv("WH_TOKEN", secret)
    rc = cli(
        "create",
        "--url",
        "https://hooks.example.test/in",
        "--event",
        "card.created",
        "--webhook-token-env",
        "WH_TOKEN",
    )
    out, err = capsys.readouterr()
    assert rc == 0, err
    webhook_id = out.split()[1]
    assert SecretStore().webhook_token(webhook_id) == secret
    assert (config_dir / "webhooks.json").exists()
    assert files_containing(tmp_path, secret) == []
    assert secret not in out + err


def test_update_rotate_list_delete(
    *,  # fixtures by name: keyword-only keeps the positional-argument lint meaningful
    system_keyring: KeyringBackend,
    cli,
    sandbox: SandboxServer,
    listener: Listener,
    tokens: TokenRing,
    store: EventStore,
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        cli(
            "create",
            "--url",
            listener.url + "/a",
            "--event",
            "transaction.authorized",
            "--generate-token",
            "--json",
        )
        == 0
    )
    wid = json.loads(capsys.readouterr().out)["id"]
    old_token = SecretStore().webhook_token(wid)
    load_tokens(WebhookIndex(config_dir), SecretStore(), tokens)

    rc = cli(
        "update",
        wid,
        "--add-event",
        "card.created",
        "--remove-event",
        "transaction.authorized",
        "--url",
        listener.url + "/b",
        "--rotate-token",
        "--json",
    )
    out, err = capsys.readouterr()
    assert rc == 0, err
    updated = json.loads(out)
    assert updated["events"] == ["card.created"] and updated["url"] == listener.url + "/b"
    new_token = SecretStore().webhook_token(wid)
    assert new_token and new_token != old_token
    assert WebhookIndex(config_dir).get(wid).events == ("card.created",)
    with sandbox_client(sandbox) as client:
        assert client.get(wid).events == ("card.created",)

    # After the rotation (grace period 0 here) the old token is refused, the new one accepted.
    load_tokens(WebhookIndex(config_dir), SecretStore(), tokens, grace_seconds=0)
    envelope = {"event_id": "evt_x", "event_identifier": "card.created", "data": {}}
    old = requests.post(
        listener.url + "/b", json=envelope, headers={"Authorization": f"Bearer {old_token}"}, timeout=5
    )
    assert old.status_code == 401
    with sandbox_client(sandbox) as client:
        client.trigger_event("card.created")
    wait_until(lambda: store.count() >= 2)
    rows = list(store.iter_events())
    assert FLAG_UNAUTHORIZED in rows[0].flags
    assert rows[1].status == 200 and rows[1].webhook_id == wid

    assert cli("list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [w["id"] for w in listed] == [wid]
    assert new_token not in json.dumps(listed)

    assert cli("delete", wid) == 0
    assert capsys.readouterr().out.strip() == f"deleted {wid}"
    assert SecretStore().webhook_token(wid) is None
    assert WebhookIndex(config_dir).all() == []
    with sandbox_client(sandbox) as client:
        assert client.list() == []


def test_provider_errors_are_one_line_and_exit_1(
    no_keyring: KeyringBackend,
    cli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WRONG_ACCESS", "not-the-token")
    assert cli("list", access_env="WRONG_ACCESS") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "access token was rejected" in err
    assert "not-the-token" not in err and "Traceback" not in err

    assert cli("delete", "wh_missing") == 1
    assert "(404)" in capsys.readouterr().err

    assert cli("create", "--url", "ftp://x", "--event", "nope.nope") == 1
    err = capsys.readouterr().err
    assert "url:" in err and "nope.nope" in err


def test_without_a_keyring_no_token_is_created(
    no_keyring: KeyringBackend,
    cli,
    sandbox: SandboxServer,
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc = cli(
        "create", "--url", "https://hooks.example.test/in", "--event", "card.created", "--generate-token"
    )
    err = capsys.readouterr().err
    assert rc == 2
    assert "refusing to create the webhook with an authorization token" in err
    assert "this session only: no keyring available" in err
    with sandbox_client(sandbox) as client:
        assert client.list() == []  # nothing was registered that nobody could verify
    assert not (config_dir / "webhooks.json").exists()
    assert cli("update", "wh_any", "--rotate-token") == 2
    assert "refusing to rotate the token" in capsys.readouterr().err


def test_provider_and_access_token_must_be_given(
    no_keyring: KeyringBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["webhooks", "--config-dir", str(tmp_path), "list"]) == 2
    assert "--profile NAME or --api-url URL" in capsys.readouterr().err
    assert main(["webhooks", "--config-dir", str(tmp_path), "list", "--profile", "Production"]) == 2
    err = capsys.readouterr().err
    assert "no API access token for profile 'Production'" in err
    assert "--access-token-env" in err
