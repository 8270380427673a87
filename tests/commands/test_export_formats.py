"""`python -m inspector export --format har|curl --filter ... --out FILE`, end to end in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    store = EventStore.open(folder)
    now = time.time()
    rows = [("transaction.authorized", "evt_a"), ("card.created", "evt_c"), ("transaction.settled", "evt_s")]
    store.insert_many(
        [
            NewEvent(
                now + i,
                "POST",
                "/hooks",
                "",
                (("Content-Type", "application/json"), ("Authorization", "Bearer [redacted]")),
                json.dumps({"event_id": eid, "event_identifier": kind, "data": {}}).encode(),
                200,
                event_id=eid,
                event_identifier=kind,
            )
            for i, (kind, eid) in enumerate(rows)
        ]
    )
    store.close()
    return folder


def export(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inspector", "export", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_har_of_a_filtered_set_to_a_file(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.har"
    result = export(data, "--format", "har", "--filter", "type:transaction.*", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "exported 2 events" in result.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert doc["log"]["version"] == "1.2"
    assert [e["_webhookInspector"]["event_id"] for e in doc["log"]["entries"]] == ["evt_a", "evt_s"]
    assert "Bearer [redacted]" in out.read_text("utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.har")] == []  # no temp left


def test_curl_to_stdout(data: Path) -> None:
    result = export(data, "--format", "curl", "--filter", "id:evt_c")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("#!/bin/sh\n")
    assert result.stdout.count("\ncurl -sSg ") == 1
    assert "evt_c" in result.stdout and "evt_a" not in result.stdout
    assert '"Authorization: Bearer ${WEBHOOK_TOKEN}"' in result.stdout


def test_bad_filter_is_a_user_error(data: Path) -> None:
    result = export(data, "--format", "har", "--filter", "is:nonsense")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "--filter" in result.stderr


def test_one_event_is_one_event(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "one.ndjson"
    result = export(data, "--filter", "id:evt_c", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"exported 1 event to {out}" in result.stderr


def received_on(folder: Path, url: str) -> None:
    store = EventStore.open(folder)
    try:
        body = b'{"event_id": "evt_r", "event_identifier": "card.updated", "data": {}}'
        headers = (("Host", "tunnel.example.test"), ("Content-Type", "application/json"))
        new = NewEvent(time.time(), "POST", "/in", "", headers, body, 200, event_id="evt_r", received_on=url)
        store.insert_many([new])
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["curl", "har"])
def test_curl_and_har_point_at_the_listener_the_event_came_to_or_at_url(data: Path, fmt: str) -> None:
    received_on(data, "http://127.0.0.1:40123")

    def urls(*args: str) -> list[str]:
        result = export(data, "--format", fmt, "--filter", "id:evt_r", *args)
        assert result.returncode == 0, result.stderr
        if fmt == "har":
            return [e["request"]["url"] for e in json.loads(result.stdout)["log"]["entries"]]
        return [w.strip("'") for w in result.stdout.split() if "://" in w]

    assert urls() == ["http://127.0.0.1:40123/in"]  # not the Host header, not 127.0.0.1:8765
    assert urls("--url", "http://localhost:3000/api/") == ["http://localhost:3000/api/in"]


def test_a_bad_url_is_a_user_error(data: Path) -> None:
    result = export(data, "--format", "curl", "--url", "http://u:p@example.test")
    assert result.returncode == 2 and "Traceback" not in result.stderr and "--url" in result.stderr
    result = export(data, "--url", "http://localhost:3000")
    assert result.returncode == 2 and "har or curl" in result.stderr
