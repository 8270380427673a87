"""`listen --keep-*`: the real command keeps its history within the limits while it listens."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import requests

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from tests.listen_process import CliProcess, run_cli
from tests.waiting import wait_until


def delivery(i: int, received_at: float) -> NewEvent:
    body = {"event_id": f"old_{i}", "event_identifier": "card.created", "data": {}}
    return NewEvent(
        received_at,
        "POST",
        "/hooks",
        "",
        (("Content-Type", "application/json"),),
        json.dumps(body).encode(),
        200,
        event_id=f"old_{i}",
        event_identifier="card.created",
    )


def stored_ids(data: Path) -> list[str | None]:
    store = EventStore.open(data)
    try:
        return [s.event_id for s in store.query("", limit=1000, descending=False)]
    finally:
        store.close()


def test_listen_prunes_by_age_and_count_and_keeps_pinned_events(tmp_path: Path) -> None:
    data = tmp_path / "data"
    now = time.time()
    store = EventStore.open(data)
    try:
        ancient = store.insert_many([delivery(i, now - 40 * 86_400) for i in range(10)])
        store.insert_many([delivery(i, now - 60) for i in range(10, 30)])
        store.set_pinned([ancient[0].seq], True)
    finally:
        store.close()
    proc = CliProcess(
        "listen",
        "--port",
        "0",
        "--keep-events",
        "15",
        "--data-dir",
        str(data),
        "--config-dir",
        str(tmp_path / "c"),
    )
    try:
        url, _port = proc.wait_listening()
        # The 40-day-old ones go (default --keep-days 30), then all but the newest 15.
        wait_until(lambda: stored_ids(data) == ["old_0", *[f"old_{i}" for i in range(15, 30)]])
        for i in range(5):
            reply = requests.post(
                f"{url}/hooks",
                json={"event_id": f"new_{i}", "event_identifier": "card.updated", "data": {}},
                timeout=10,
            )
            assert reply.status_code == 200
        expected = ["old_0", *[f"old_{i}" for i in range(20, 30)], *[f"new_{i}" for i in range(5)]]
        wait_until(lambda: stored_ids(data) == expected)
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    assert "history: keeping 30 days, 15 events or 2 GB, whichever comes first" in proc.stderr
    assert "Traceback" not in "\n".join(proc.stderr)


def test_a_limit_that_is_no_limit_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("listen", "--keep-size", "lots", "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert (
        "argument --keep-size: 'lots' is not a size: write it like 2GB, 500MB or 1.5GiB (or none)"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()  # refused before anything was created
