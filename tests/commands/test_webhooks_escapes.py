"""`webhooks list` prints what the provider sent (ids, URLs) with control characters escaped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from inspector.cli import main
from inspector.core.provider.client import ProviderClient
from inspector.core.provider.profiles import Profile
from inspector.sandbox.server import SandboxServer
from tests.core.target_server import TargetServer

ACCESS = "escape-sandbox-access"
# The sandbox refuses whitespace in a URL, but ESC, BEL and U+202E get through (as from any provider).
HOSTILE_URL = "http://127.0.0.1:9/hooks/\x1b]0;pwned\x07\u202e\x9b2J"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(access_token=ACCESS, retry_schedule=(0.05,))
    server.start()
    yield server
    server.stop()


def run_webhooks(sandbox: SandboxServer, config_dir: Path, *args: str) -> int:
    argv = ["webhooks", "--config-dir", str(config_dir), *args[:1], "--profile", "Local sandbox"]
    argv += ["--api-url", sandbox.url + "/v1", "--access-token-env", "ESCAPE_ACCESS", *args[1:]]
    return main(argv)


def test_webhook_fields_from_the_provider_are_printed_escaped(
    no_keyring: KeyringBackend,
    sandbox: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESCAPE_ACCESS", ACCESS)
    with ProviderClient(Profile("Local sandbox", sandbox.url + "/v1", is_sandbox=True), ACCESS) as client:
        webhook = client.create(HOSTILE_URL, ["transaction.authorized"])
    assert webhook.url == HOSTILE_URL

    assert run_webhooks(sandbox, tmp_path / "config", "list") == 0
    out = capsys.readouterr().out
    (line,) = out.splitlines()
    assert line.isprintable(), line
    assert "/hooks/\\x1b]0;pwned\\x07\\u202e\\x9b2J" in line

    assert run_webhooks(sandbox, tmp_path / "config", "list", "--json") == 0
    out = capsys.readouterr().out
    assert all(line.isprintable() for line in out.splitlines()), out
    assert json.loads(out)[0]["url"] == HOSTILE_URL


def test_a_provider_error_message_is_printed_escaped(
    no_keyring: KeyringBackend,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESCAPE_ACCESS", ACCESS)
    said = json.dumps({"message": "bad\r\nwebhook-inspector: ok \x1b]0;pwned\x07\u202e"}).encode()
    with TargetServer(status=422, answer=said) as provider:
        argv = ["webhooks", "--config-dir", str(tmp_path / "config"), "list", "--profile", "Local sandbox"]
        argv += ["--api-url", f"http://127.0.0.1:{provider.port}/v1", "--access-token-env", "ESCAPE_ACCESS"]
        assert main(argv) == 1
    err = capsys.readouterr().err
    (line,) = err.splitlines()
    assert line.isprintable(), line
    assert "bad\\r\\nwebhook-inspector: ok \\x1b]0;pwned\\x07\\u202e" in line
