"""The real `python -m inspector listen` and `export` as subprocesses (README.md "Command line",
"Export and import")."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.listen_process import CliProcess, run_cli
from tests.waiting import wait_until


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    """--data-dir and --config-dir in tmp: never the user's real history, index or keyring entries.
    (export takes only the first two: it has no config dir.)"""
    data, config = tmp_path / "data", tmp_path / "config"
    return ["--data-dir", str(data), "--config-dir", str(config)]


def envelope(event_id: str, identifier: str = "transaction.created", **data: object) -> dict[str, object]:
    return {"event_id": event_id, "event_identifier": identifier, "data": data or {"amount": 1}}


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("webhook-inspector: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_listen_prints_each_delivery_and_stops_cleanly_on_sigterm(dirs: list[str]) -> None:
    proc = CliProcess("listen", "--port", "0", *dirs)
    try:
        url, port = proc.wait_listening()
        assert port > 0
        reply = requests.post(f"{url}/hooks", json=envelope("evt_cli_1", "card.updated"), timeout=10)
        assert reply.status_code == 200
        line = wait_until(lambda: next((x for x in proc.stdout if "evt_cli_1" in x), None), timeout=10)
        assert re.search(r"\b200\b", line)
        assert "card.updated" in line
        assert "unverified" in line  # no token configured: the flag shows
        bad = requests.post(f"{url}/hooks", data=b"{nope", headers={"Content-Type": "application/json"})
        assert bad.status_code == 400
        wait_until(lambda: any(re.search(r"\b400\b", x) for x in proc.stdout[1:]), timeout=10)
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    assert "Traceback" not in "\n".join(proc.stderr)
    # Stopped means stopped: the port no longer answers.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_listen_json_prints_ndjson_records(dirs: list[str]) -> None:
    proc = CliProcess("listen", "--port", "0", "--json", *dirs)
    try:
        url, _ = proc.wait_listening()
        assert requests.post(f"{url}/hooks", json=envelope("evt_json_1"), timeout=10).status_code == 200
        line = wait_until(lambda: next((x for x in proc.stdout if "evt_json_1" in x), None), timeout=10)
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    record = json.loads(line)
    assert record["event_id"] == "evt_json_1"
    assert record["status"] == 200
    assert record["body"] == envelope("evt_json_1")


def test_ctrl_c_stops_cleanly_too(dirs: list[str]) -> None:
    proc = CliProcess("listen", "--port", "0", *dirs)
    url, _ = proc.wait_listening()
    assert requests.post(f"{url}/hooks", json=envelope("evt_int"), timeout=10).status_code == 200
    proc.proc.send_signal(signal.SIGINT)
    assert proc.wait_exit() == 0
    assert "Traceback" not in "\n".join(proc.stderr)


def test_host_that_is_not_local_is_a_clear_error(dirs: list[str]) -> None:
    result = run_cli("listen", "--host", "192.0.2.1", "--port", "0", *dirs)  # TEST-NET-1, never ours
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "192.0.2.1")


def test_port_taken_is_one_line_on_stderr_and_exit_2(dirs: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("listen", "--port", str(port), *dirs)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, str(port), "in use")
    assert "listening on" not in result.stdout


@pytest.mark.parametrize("case", ["data dir is a file", "database is not sqlite", "database is a directory"])
def test_unusable_data_dir_is_one_line_on_stderr_and_exit_2(tmp_path: Path, case: str) -> None:
    data = tmp_path / "data"
    if case == "data dir is a file":
        data.write_text("not a directory")
    else:
        data.mkdir()
        if case == "database is not sqlite":
            (data / "events.sqlite3").write_bytes(b"this is not a database file" * 100)
        else:
            (data / "events.sqlite3").mkdir()
    result = run_cli("listen", "--port", "0", "--data-dir", str(data), "--config-dir", str(tmp_path / "c"))
    assert result.returncode == 2
    assert_one_line_error(result.stderr, str(data))
    assert "listening on" not in result.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes any directory")
def test_unreadable_data_dir_is_one_line_on_stderr_and_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o000)
    try:
        result = run_cli(
            "listen", "--port", "0", "--data-dir", str(data), "--config-dir", str(tmp_path / "c")
        )
    finally:
        data.chmod(0o700)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, str(data))


def test_database_from_a_newer_version_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "events.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 99")
    result = run_cli("listen", "--port", "0", "--data-dir", str(data), "--config-dir", str(tmp_path / "c"))
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "newer")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_token_env_without_a_value_is_a_clear_error(dirs: list[str], value: str | None) -> None:
    name = "INSPECTOR_TEST_TOKEN_" + secrets.token_hex(4).upper()
    env = {} if value is None else {name: value}
    result = run_cli("listen", "--port", "0", "--token-env", name, *dirs, env=env)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, name)
    assert "listening on" not in result.stdout


ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")
EXPORT_FIELDS = {
    "seq",
    "received_at",
    "method",
    "path",
    "query",
    "headers",
    "status",
    "event_id",
    "event_identifier",
    "flags",
    "body",
}


def test_export_ndjson_matches_the_design_and_secrets_stay_out(dirs: list[str], tmp_path: Path) -> None:
    token = "tok_" + secrets.token_hex(16)
    wrong = "wrong_" + secrets.token_hex(16)
    env = {"INSPECTOR_TEST_TOKEN": token}
    proc = CliProcess("listen", "--port", "0", "--token-env", "INSPECTOR_TEST_TOKEN", *dirs, env=env)
    good = {"Authorization": f"Bearer {token}"}
    sent: list[tuple[int, bytes]] = []  # (status we got, raw body) in order
    try:
        url, _ = proc.wait_listening()

        def send(body: bytes, headers: dict[str, str], path: str = "/hooks") -> None:
            hdrs = {"Content-Type": "application/json", **headers}
            r = requests.post(f"{url}{path}", data=body, headers=hdrs, timeout=10)
            sent.append((r.status_code, body))

        first = json.dumps(envelope("evt_x1", amount=1250, note="café")).encode()
        send(first, good, "/hooks/card?attempt=1")
        send(first, {"Authorization": token})  # bare token; a redelivery
        send(json.dumps(envelope("evt_x2")).encode(), {"Authorization": f"Bearer {wrong}"})
        send(b'{"event_id": "evt_x3", "broken": ', good)
        send(b'{"hello": "world"}', good)
        send(b'{"bad": "\xff"}', good)
        assert [s for s, _ in sent] == [200, 200, 401, 400, 200, 400]
        # One line per delivery, each starting with its ISO time.
        wait_until(lambda: sum(bool(re.match(r"\d{4}-", x)) for x in proc.stdout) >= len(sent), timeout=10)
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0

    result = run_cli("export", "--format", "ndjson", *dirs[:2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(sent)

    now = datetime.now(UTC)
    seqs = [r["seq"] for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for record, (status, raw) in zip(records, sent, strict=True):
        assert set(record) >= EXPORT_FIELDS, EXPORT_FIELDS - set(record)
        assert isinstance(record["seq"], int)
        assert ISO_UTC.match(record["received_at"]), record["received_at"]
        stamp = datetime.fromisoformat(record["received_at"].replace("Z", "+00:00"))
        assert abs((now - stamp).total_seconds()) < 120
        assert record["method"] == "POST"
        assert record["status"] == status
        assert isinstance(record["flags"], list) and all(isinstance(f, str) for f in record["flags"])
        assert all(isinstance(h, list) and len(h) == 2 for h in record["headers"])
        names = {name.lower(): value for name, value in record["headers"]}
        assert names["content-type"] == "application/json"
        if "authorization" in names:
            assert names["authorization"] in ("Bearer [redacted]", "[redacted]")
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if parsed is not None:
            assert record["body"] == parsed
        else:
            assert record["body"] is None
            assert base64.b64decode(record["body_base64"]) == raw

    r_first, r_dup, r_unauth, r_invalid, r_not_env, r_utf8 = records
    assert (r_first["path"], r_first["query"]) == ("/hooks/card", "attempt=1")
    assert (r_first["event_id"], r_first["event_identifier"]) == ("evt_x1", "transaction.created")
    assert "duplicate" not in r_first["flags"]
    assert "duplicate" in r_dup["flags"]
    assert "unauthorized" in r_unauth["flags"]
    assert "invalid_json" in r_invalid["flags"]
    assert "not_envelope" in r_not_env["flags"]
    assert "invalid_json" in r_utf8["flags"]
    assert r_first["body"]["data"]["note"] == "café"

    # The verification token and the Authorization values are nowhere: export, log, database files.
    for needle in (token, wrong):
        assert needle not in result.stdout
        assert needle not in "\n".join(proc.stdout + proc.stderr)
        for path in Path(dirs[1]).iterdir():
            assert needle.encode() not in path.read_bytes(), path.name

    # The same export through --out, atomically, and filtered.
    out = tmp_path / "export.ndjson"
    filtered = run_cli("export", "--filter", "is:duplicate", "--out", str(out), *dirs[:2])
    assert filtered.returncode == 0, filtered.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [r_dup["seq"]]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []


def test_export_into_a_pipe_closed_early_prints_no_traceback(dirs: list[str]) -> None:
    from inspector.core.events import NewEvent
    from inspector.core.store.event_store import EventStore

    store = EventStore.open(Path(dirs[1]))
    body = json.dumps({"event_id": "e", "pad": "x" * 1000}).encode()
    event = NewEvent(received_at=1.0, method="POST", path="/", query="", headers=(), body=body, status=200)
    store.insert_many([event] * 2000)  # ~2.5 MB of output: far more than a pipe buffer holds
    store.close()
    with subprocess.Popen(
        [sys.executable, "-m", "inspector", "export", *dirs[:2]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(100)  # like `| head -c 100`: read a little, then go away
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        proc.wait(30)
    assert "Traceback" not in stderr, stderr


def test_export_without_a_database_is_a_clear_error(dirs: list[str]) -> None:
    result = run_cli("export", "--format", "ndjson", *dirs[:2])
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "no event database")


def test_export_with_a_bad_filter_names_the_position(dirs: list[str]) -> None:
    result = run_cli("export", "--filter", "type:x nope:1", *dirs[:2])
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "nope", "character 8")
