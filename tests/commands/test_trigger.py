"""`webhook-inspector trigger NAME` as a real process against a real sandbox and a real listener."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.core.capture.listener import Listener
from inspector.core.events import FLAG_DUPLICATE, StoredEvent
from inspector.core.provider.profiles import LOCAL_SANDBOX, Profile, ProfileStore
from inspector.core.store.event_store import EventStore
from inspector.sandbox.catalog import CATALOG
from inspector.sandbox.server import SandboxServer
from tests.core.target_server import TargetServer
from tests.sandbox.conftest import ACCESS_TOKEN, Api, start_sandbox
from tests.waiting import wait_until

EVENT_ID = re.compile(r"\bevt_[0-9a-f]{24}\b")


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = start_sandbox()
    yield server
    server.stop()


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[Api]:
    client = Api(sandbox)
    yield client
    client.session.close()


@pytest.fixture
def hooked(api: Api, listener: Listener) -> dict:
    """A webhook at the real listener for every event type."""
    return api.create_webhook(listener.url + "/hooks", list(CATALOG))


def trigger(*args: str, config_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    # No keyring for the child unless a test wants one: tests must not read the session's entries.
    environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    environ["TRIGGER_ACCESS"] = ACCESS_TOKEN
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "inspector", "trigger", *args, "--config-dir", str(config_dir)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        timeout=60,
        check=False,
    )


def against(sandbox: SandboxServer) -> list[str]:
    return ["--api-url", sandbox.url + "/v1", "--access-token-env", "TRIGGER_ACCESS"]


def arrived(sandbox: SandboxServer, store: EventStore, n: int) -> list[StoredEvent]:
    assert sandbox.wait_idle(30)
    rows = wait_until(lambda: (r := list(store.iter_events())) and len(r) >= n and r)
    assert len(rows) == n
    return rows


def test_an_event_type_is_sent_and_printed_as_one_line(
    sandbox: SandboxServer, hooked: dict, store: EventStore, tmp_path: Path
) -> None:
    done = trigger("transaction.authorized", *against(sandbox), config_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    (row,) = arrived(sandbox, store, 1)
    assert row.event_identifier == "transaction.authorized"
    assert EVENT_ID.findall(line) == [row.event_id]
    assert "transaction.authorized" in line
    assert hooked["id"] in line
    assert done.stderr == ""


def test_a_scenario_prints_one_line_per_delivery_in_delivery_order(
    sandbox: SandboxServer, hooked: dict, store: EventStore, tmp_path: Path
) -> None:
    args = ["transaction-refund", "--out-of-order", "--duplicates", "1", "--gap-ms", "30"]
    done = trigger(*args, *against(sandbox), config_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4
    rows = arrived(sandbox, store, 4)
    assert [EVENT_ID.findall(line)[0] for line in lines] == [r.event_id for r in rows]
    assert [r.event_identifier in line for r, line in zip(rows, lines, strict=True)] == [True] * 4
    assert ["duplicate" in line for line in lines] == [FLAG_DUPLICATE in r.flags for r in rows]
    assert sum("duplicate" in line for line in lines) == 1
    firsts = [r.event_identifier for r in rows if FLAG_DUPLICATE not in r.flags]
    assert firsts != ["transaction.authorized", "transaction.settled", "transaction.refunded"]


def test_json_output_is_the_sandbox_answer(
    sandbox: SandboxServer, hooked: dict, store: EventStore, tmp_path: Path
) -> None:
    done = trigger("card-lifecycle", "--json", *against(sandbox), config_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["scenario"] == "card-lifecycle"
    rows = arrived(sandbox, store, 5)
    assert [item["event_id"] for item in run["delivery_order"]] == [r.event_id for r in rows]
    assert [item["data"] for item in run["natural_order"]] == [r.body_json()["data"] for r in rows]

    done = trigger("card.frozen", "--json", *against(sandbox), config_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    event = json.loads(done.stdout)
    row = arrived(sandbox, store, 6)[-1]
    assert event["event_id"] == row.event_id
    assert event["data"] == row.body_json()["data"]
    assert event["webhook_ids"] == [hooked["id"]]


def test_nothing_subscribed_is_said_on_stderr(sandbox: SandboxServer, api: Api, tmp_path: Path) -> None:
    done = trigger("transaction-lifecycle", *against(sandbox), config_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert "no webhook" in done.stdout
    (note,) = done.stderr.splitlines()
    assert "transaction.authorized" in note and "transaction.settled" in note


def test_an_unknown_name_lists_event_types_and_scenarios_and_exits_2(
    sandbox: SandboxServer, hooked: dict, tmp_path: Path
) -> None:
    done = trigger("transaction.refnud", *against(sandbox), config_dir=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    for name in ("transaction.authorized", "balance.updated", "transaction-refund", "card-lifecycle"):
        assert name in line
    assert "transaction.refnud" in line
    assert sandbox.wait_idle(10)
    assert Api(sandbox).deliveries() == []


def test_an_unknown_hostile_name_is_printed_escaped(sandbox: SandboxServer, tmp_path: Path) -> None:
    done = trigger("x\x1b]0;pwned\x07\u202e", *against(sandbox), config_dir=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.isprintable(), line
    assert "x\\x1b]0;pwned\\x07\\u202e" in line


def test_what_a_hostile_sandbox_answers_is_printed_escaped(tmp_path: Path) -> None:
    name = "x.\x1b[2J"
    answer = {
        "data": [{"identifier": name, "description": ""}],
        "event_id": "evt_\x1b]0;pwned\x07",
        "event_identifier": name,
        "created_at": "2026-01-01T00:00:00.000Z\u202e",
        "webhook_ids": ["wh_1\r\nwebhook-inspector: forged line"],
    }
    with TargetServer(status=200, answer=json.dumps(answer).encode()) as provider:
        url = f"http://127.0.0.1:{provider.port}/v1"
        done = trigger(name, "--api-url", url, "--access-token-env", "TRIGGER_ACCESS", config_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    assert line.isprintable(), line
    assert "evt_\\x1b]0;pwned\\x07" in line
    assert "wh_1\\r\\nwebhook-inspector: forged line" in line


def test_scenario_options_with_an_event_type_are_a_user_error(
    sandbox: SandboxServer, hooked: dict, tmp_path: Path
) -> None:
    done = trigger("card.frozen", "--out-of-order", *against(sandbox), config_dir=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "--out-of-order" in line and "scenario" in line
    assert sandbox.wait_idle(10)
    assert Api(sandbox).deliveries() == []


def test_the_local_sandbox_profile_and_its_default_token_are_the_default(
    listener: Listener, store: EventStore, tmp_path: Path
) -> None:
    server = start_sandbox(access_token="sandbox-token")  # `webhook-inspector sandbox`'s default
    try:
        Api(server, token="sandbox-token").create_webhook(listener.url + "/hooks", ["card.activated"])
        # Where the sandbox runs is the profile's (non-secret) setting, as the app saves it.
        ProfileStore(tmp_path).save(Profile(LOCAL_SANDBOX, server.url + "/v1", is_sandbox=True))
        done = trigger("card.activated", config_dir=tmp_path)
        assert done.returncode == 0, done.stderr
        (row,) = arrived(server, store, 1)
        assert EVENT_ID.findall(done.stdout) == [row.event_id]

        done = trigger("card.activated", "--profile", LOCAL_SANDBOX, config_dir=tmp_path)
        assert done.returncode == 0, done.stderr
        arrived(server, store, 2)
    finally:
        server.stop()


def test_a_profile_that_is_not_a_sandbox_is_refused(tmp_path: Path) -> None:
    done = trigger("card.created", "--profile", "Production", config_dir=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "Production" in line and "sandbox" in line


def test_a_wrong_access_token_is_one_line_without_the_token(sandbox: SandboxServer, tmp_path: Path) -> None:
    done = trigger("card.created", *against(sandbox), config_dir=tmp_path, TRIGGER_ACCESS="wr0ng-T0ken")
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert "401" in line
    assert "wr0ng-T0ken" not in done.stderr + done.stdout


def test_a_sandbox_that_is_not_running_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:  # bound, never listening: connections are refused
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
        done = trigger(
            "card.created", "--api-url", url, "--access-token-env", "TRIGGER_ACCESS", config_dir=tmp_path
        )
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert "Cannot reach" in line and "Traceback" not in done.stderr


def test_a_missing_access_token_variable_is_a_user_error(sandbox: SandboxServer, tmp_path: Path) -> None:
    done = trigger(
        "card.created",
        "--api-url",
        sandbox.url + "/v1",
        "--access-token-env",
        "NO_SUCH_VAR_4711",
        config_dir=tmp_path,
    )
    assert done.returncode == 2
    assert "NO_SUCH_VAR_4711" in done.stderr


@pytest.mark.parametrize("bad", [["--duplicates", "-1"], ["--gap-ms", "soon"]])
def test_bad_option_values_are_usage_errors(tmp_path: Path, bad: list[str]) -> None:
    done = trigger("card-lifecycle", *bad, config_dir=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_help_lists_only_the_options_trigger_uses(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "inspector", "trigger", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    for option in (
        "--out-of-order",
        "--duplicates",
        "--gap-ms",
        "--profile",
        "--api-url",
        "--access-token-env",
        "--json",
    ):
        assert option in done.stdout
    for option in ("--port", "--token-env", "--host", "--data-dir"):
        assert option not in done.stdout
    assert "scenario" in done.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "inspector", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert re.search(r"^\s+trigger\s+\S", listing.stdout, re.MULTILINE)  # listed with a help line
