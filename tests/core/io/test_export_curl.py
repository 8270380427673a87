"""cURL export: the commands, run by a real shell and a real curl, reproduce the deliveries."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from inspector.core.capture.listener import Listener
from inspector.core.capture.token_ring import TokenRing
from inspector.core.io.export_curl import curl_command, printf_word, write_curl
from inspector.core.store.event_store import EventStore

TOKEN = "curl-secret-token"
SH = shutil.which("sh")
CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None or SH is None, reason="no curl or sh on this machine")


@pytest.fixture
def http() -> Iterator[requests.Session]:
    s = requests.Session()
    s.trust_env = False
    yield s
    s.close()


def post(http: requests.Session, listener: Listener, body: bytes, path: str = "/hooks") -> int:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", "X-Trace": "t-1"}
    return http.post(listener.url + path, data=body, headers=headers, timeout=10).status_code


def run_script(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    path = tmp_path / "replay.sh"
    path.write_text(script, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return subprocess.run([SH, str(path)], capture_output=True, timeout=60, env={**clean, **env}, check=False)  # type: ignore[list-item]


@pytest.mark.skipif(SH is None, reason="no sh")
def test_printf_word_reproduces_every_byte() -> None:
    data = bytes(range(256)) + b"%s%%\\n\\\\'\"$(x)`y`"
    out = subprocess.run([SH, "-c", f"printf {printf_word(data)}"], capture_output=True, check=True)  # type: ignore[list-item]
    assert out.stdout == data


@needs_curl
def test_curl_commands_reproduce_the_deliveries(
    listener: Listener, store: EventStore, tokens: TokenRing, http: requests.Session, tmp_path: Path
) -> None:
    tokens.set_token("cli", TOKEN)
    marker = tmp_path / "pwned"
    bodies = [
        # Pretty-printed, with quotes, unicode, shell metacharacters and a percent sign.
        json.dumps(
            {
                "event_id": "evt_1",
                "event_identifier": "transaction.authorized",
                "data": {"name": 'O\'Brien "Bob"', "note": "$(touch x) `id` 100% \\n ünï €"},
            },
            indent=2,
            ensure_ascii=False,
        ).encode(),
        # Over the inline limit: goes through printf | curl --data-binary @-.
        json.dumps(
            {"event_id": "evt_2", "event_identifier": "card.created", "data": {"blob": "x" * 100_000}}
        ).encode(),
        # A type that tries to escape the comment line.
        json.dumps(
            {"event_id": "evt_3", "event_identifier": f"card.frozen\ntouch {marker}", "data": {}}
        ).encode(),
        b"\xff\xfe\x00 not utf-8",  # rejected 400, raw bytes kept
        b"@/etc/passwd",  # curl must not read a file for this body
    ]
    statuses = [post(http, listener, b) for b in bodies]
    assert statuses == [200, 200, 200, 400, 400]
    originals = list(store.iter_events())

    out = io.StringIO()
    assert write_curl(originals, out, base_url=listener.url) == 5
    script = out.getvalue()
    assert TOKEN not in script
    assert '"Authorization: Bearer ${WEBHOOK_TOKEN}"' in script

    result = run_script(script, tmp_path, WEBHOOK_TOKEN=TOKEN)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()

    replayed = list(store.iter_events("", seqs=None))[len(originals) :]
    assert [e.body for e in replayed] == [e.body for e in originals]
    assert [e.event_id for e in replayed] == [e.event_id for e in originals]
    assert [e.status for e in replayed] == [200, 200, 200, 400, 400]
    assert [e.duplicate_of for e in replayed[:3]] == [e.seq for e in originals[:3]]
    assert all(e.webhook_id == "cli" for e in replayed[:3])  # the $WEBHOOK_TOKEN reference worked
    assert all(("X-Trace", "t-1") in e.headers for e in replayed)


@needs_curl
def test_without_the_variable_the_token_is_not_invented(
    listener: Listener, store: EventStore, tokens: TokenRing, http: requests.Session, tmp_path: Path
) -> None:
    tokens.set_token("cli", TOKEN)
    post(http, listener, b'{"event_id": "e", "event_identifier": "t", "data": {}}')
    out = io.StringIO()
    write_curl(store.iter_events(), out, base_url=listener.url)
    result = run_script(out.getvalue(), tmp_path, WEBHOOK_TOKEN="wrong")
    assert result.returncode == 0
    assert store.get(2).status == 401


def test_command_shape_and_target_url(store: EventStore, listener: Listener, http: requests.Session) -> None:
    post(http, listener, b'{"event_id": "evt_9", "event_identifier": "card.created", "data": {}}', "/h?a=1")
    (event,) = store.iter_events()
    cmd = curl_command(event)
    assert listener.port != 8765
    assert f"'{listener.url}/h?a=1'" in cmd  # the listener it was received on, not the default port
    assert cmd.startswith("# seq 1 · card.created · evt_9 · ")
    assert "Host:" not in cmd and "Content-Length" not in cmd
    cmd = curl_command(event, target_url="http://localhost:3000/webhooks")
    assert "curl -sSg http://localhost:3000/webhooks \\\n" in cmd and str(listener.port) not in cmd
    with pytest.raises(ValueError):
        curl_command(event, token_variable="X; rm -rf /")
