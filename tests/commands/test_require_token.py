"""Known webhooks but no keyring: `listen` says so loudly, and --require-token answers 401 instead
of accepting unverified. The no-keyring machine is keyring's own fail backend, in the subprocess."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import requests

from inspector.core.events import FLAG_UNAUTHORIZED, FLAG_UNVERIFIED
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex
from inspector.core.store.event_store import EventStore
from tests.listen_process import CliProcess
from tests.waiting import wait_until

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
BODY = {"event_id": "evt_nk", "event_identifier": "card.created", "data": {}}


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    index = WebhookIndex(tmp_path / "config")
    index.upsert(KnownWebhook("wh_one", "default", "https://example.test/hooks"))
    index.upsert(KnownWebhook("wh_two", "default", "https://example.test/hooks"))
    return ["--data-dir", str(tmp_path / "data"), "--config-dir", str(tmp_path / "config")]


def run_listen(
    dirs: list[str], *extra: str, env: dict[str, str] | None = None
) -> tuple[int, list[str], CliProcess]:
    proc = CliProcess("listen", "--port", "0", *dirs, *extra, env={**NO_KEYRING, **(env or {})})
    statuses: list[int] = []
    try:
        url, _ = proc.wait_listening()
        headers = {"Authorization": f"Bearer {(env or {}).get('HOOK_TOKEN', 'guess')}"}
        statuses.append(requests.post(url + "/hooks", json=BODY, headers=headers, timeout=10).status_code)
        wait_until(lambda: len(proc.stdout) >= 2, timeout=10)  # "listening on", then the delivery
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    return statuses[0], proc.stderr, proc


def warnings(stderr: list[str]) -> list[str]:
    return [line for line in stderr if line.startswith("warning: ")]


def test_listen_without_a_keyring_warns_that_it_accepts_unverified(dirs: list[str], tmp_path: Path) -> None:
    status, stderr, _ = run_listen(dirs)
    assert status == 200
    (warning,) = warnings(stderr)
    assert "2 known webhooks have no verification token" in warning
    assert "no usable keyring" in warning
    assert "accepted unverified" in warning and "--require-token" in warning
    store = EventStore.open(tmp_path / "data")
    try:
        (event,) = store.iter_events()
        assert FLAG_UNVERIFIED in event.flags
    finally:
        store.close()


def test_require_token_answers_401_when_no_token_can_be_had(dirs: list[str], tmp_path: Path) -> None:
    status, stderr, _ = run_listen(dirs, "--require-token")
    assert status == 401
    (warning,) = warnings(stderr)
    assert "2 known webhooks have no verification token" in warning
    assert "answered 401" in warning
    store = EventStore.open(tmp_path / "data")
    try:
        (event,) = store.iter_events()
        assert event.status == 401 and FLAG_UNAUTHORIZED in event.flags
        assert event.error is not None and "required" in event.error
    finally:
        store.close()


def test_require_token_with_a_token_from_the_environment_verifies(dirs: list[str]) -> None:
    env = {"HOOK_TOKEN": "tok-from-env-123"}
    status, stderr, _ = run_listen(dirs, "--require-token", "--token-env", "HOOK_TOKEN", env=env)
    assert status == 200
    (warning,) = warnings(stderr)
    assert "2 known webhooks have no verification token" in warning
    assert "tok-from-env-123" not in "\n".join(stderr)


def test_require_token_with_nothing_known_says_every_delivery_is_refused(tmp_path: Path) -> None:
    dirs = ["--data-dir", str(tmp_path / "data"), "--config-dir", str(tmp_path / "config")]
    status, stderr, _ = run_listen(dirs, "--require-token")
    assert status == 401
    notes = [line for line in stderr if "401" in line]
    assert notes and "no verification token is known" in notes[0]
