"""The real `python -m inspector listen`: what a request carries is printed escaped, one line each."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex
from tests.core.raw_http import raw_request
from tests.keyring_service import SecretServiceSession
from tests.listen_process import CliProcess
from tests.waiting import wait_until

TOKEN = "listen-escape-token"
LINE_START = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  \d{3}  ")
# A whole fake output line in the path: "accepted, verified" for what is really a 401.
FORGED = "/hooks\r\n2026-01-01T00:00:00.000Z  200  POST /hooks  transaction.created  evt_forged  [verified]"
RETITLE = "/t\x1b]0;pwned\x07"


def percent(text: str) -> str:
    return "".join(
        c if c.isalnum() or c in "/._-" else "".join(f"%{b:02X}" for b in c.encode()) for c in text
    )


def send(port: int, path: str, body: dict[str, object], token: str) -> int:
    data = json.dumps(body).encode()
    head = (
        f"POST {percent(path)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode()
    return raw_request(port, head, [data]).status


def envelope(event_id: str, identifier: str) -> dict[str, object]:
    return {"event_id": event_id, "event_identifier": identifier, "data": {}}


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "data"), "--config-dir", str(tmp_path / "config")]


def test_listen_prints_request_fields_escaped_one_line_per_delivery(dirs: list[str]) -> None:
    proc = CliProcess(
        "listen", "--port", "0", "--token-env", "ESCAPE_TOKEN", *dirs, env={"ESCAPE_TOKEN": TOKEN}
    )
    try:
        _, port = proc.wait_listening()
        assert send(port, FORGED, envelope("evt_1", "card.created"), "wrong-token") == 401
        assert send(port, RETITLE, envelope("evt_2", "card.created"), "wrong-token") == 401
        sneaky = envelope("evt_\x9b31m\u0085x", "card\u202e.created\u2028x")
        assert send(port, "/hooks/\u202egnp.exe", sneaky, TOKEN) == 200
        wait_until(lambda: any("evt_" in line and "gnp" in line for line in proc.stdout), timeout=10)
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    lines = proc.stdout[1:]
    assert len(lines) == 3, lines  # one line per delivery, nothing forged in between
    assert all(line.isprintable() for line in lines), lines
    assert all(LINE_START.match(line) for line in lines), lines
    forged, retitle, sneaky_line = lines
    assert "  401  " in forged and "\\r\\n2026-01-01T00:00:00.000Z" in forged
    assert "  401  " in retitle and "/t\\x1b]0;pwned\\x07" in retitle
    assert "gnp.exe  card" in sneaky_line  # the path's bytes, whatever they decode to, escaped
    assert "card\\u202e.created\\u2028x" in sneaky_line
    assert "evt_\\x9b31m\\x85x" in sneaky_line
    assert "[verified env:ESCAPE_TOKEN]" in sneaky_line  # a verified delivery says whose token matched


def test_listen_json_escapes_what_json_leaves_raw(dirs: list[str]) -> None:
    proc = CliProcess("listen", "--port", "0", "--json", *dirs)
    try:
        _, port = proc.wait_listening()
        sneaky = envelope("evt_\x9b\x7f", "card\u202e.created\u2028\u2029x")
        assert send(port, "/hooks/\u202e\x85", sneaky, "none") == 200
        wait_until(lambda: len(proc.stdout) >= 2, timeout=10)
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    (line,) = proc.stdout[1:]
    assert line.isprintable(), line
    record = json.loads(line)
    assert record["path"].startswith("/hooks/")
    assert record["event_identifier"] == "card\u202e.created\u2028\u2029x"
    assert record["body"] == sneaky


@pytest.fixture
def known_webhook(
    secret_service: SecretServiceSession, system_keyring: KeyringBackend, tmp_path: Path
) -> Iterator[str]:
    """A webhook the listener knows: in the index of the test's config dir, its token in the keyring."""
    webhook_id = "wh_escape_1"
    WebhookIndex(tmp_path / "config").upsert(KnownWebhook(webhook_id, "Local sandbox", "http://x/hooks"))
    assert SecretStore().set_webhook_token(webhook_id, TOKEN)
    yield webhook_id
    SecretStore().delete_webhook_token(webhook_id)


def test_listen_names_the_webhook_of_a_verified_delivery(
    known_webhook: str, secret_service: SecretServiceSession, dirs: list[str]
) -> None:
    proc = CliProcess(
        "listen", "--port", "0", *dirs, env={"DBUS_SESSION_BUS_ADDRESS": secret_service.address}
    )
    try:
        _, port = proc.wait_listening()
        assert send(port, "/hooks", envelope("evt_v1", "card.created"), TOKEN) == 200
        assert send(port, "/hooks", envelope("evt_v2", "card.created"), "wrong") == 401
        wait_until(lambda: len(proc.stdout) >= 3, timeout=10)
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    verified, refused = proc.stdout[1:]
    assert verified.endswith(f"[verified {known_webhook}]"), verified
    assert "verified" not in refused.replace("unverified", "") and "[unauthorized]" in refused
