"""--state FILE: webhooks (with their tokens) survive a restart; the file is private and atomic."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from inspector.sandbox.server import SandboxServer
from inspector.sandbox.state import SandboxState, StateFileError
from tests.sandbox.conftest import Api, Receiver, start_sandbox


def test_webhooks_survive_a_restart_and_keep_delivering_with_their_token(
    tmp_path: Path, receiver: Receiver
) -> None:
    state_file = tmp_path / "state" / "sandbox.json"
    first = start_sandbox(state_file=state_file)
    try:
        webhook = Api(first).create_webhook(receiver.url, ["card.created"], token="persisted-tok")
    finally:
        first.stop()
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert list(state_file.parent.iterdir()) == [state_file]  # no temp file left behind

    second = start_sandbox(state_file=state_file)
    try:
        api = Api(second)
        assert api.get(f"/webhooks/{webhook['id']}").json() == webhook
        api.trigger("card.created")
        assert second.wait_idle(10)
        assert receiver.received[0].headers["Authorization"] == "Bearer persisted-tok"
        api.delete(f"/webhooks/{webhook['id']}")
    finally:
        second.stop()
    assert json.loads(state_file.read_text())["webhooks"] == []
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600


def test_without_a_state_file_nothing_is_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    server = start_sandbox()
    try:
        Api(server).create_webhook("http://127.0.0.1:9/x", [], token="memory-only")
    finally:
        server.stop()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"version": 99, "webhooks": []}', b'{"version": 1, "webhooks": [{}]}'],
)
def test_bad_state_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    state_file = tmp_path / "sandbox.json"
    state_file.write_bytes(content)
    with pytest.raises(StateFileError, match="sandbox state file"):
        SandboxServer(state_file=state_file)


def test_unwritable_state_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    state = SandboxState(blocker / "sandbox.json")  # its parent is a file: cannot be created
    with pytest.raises(StateFileError, match="cannot write"):
        state.create_webhook("http://127.0.0.1:9/x", [], None)
