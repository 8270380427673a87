"""SIGKILL in the middle of a burst: every delivery that got a 2xx is in the store afterwards."""

from __future__ import annotations

import http.client
import signal
import threading
from pathlib import Path

from inspector.core.store.event_store import EventStore
from tests.core.raw_http import envelope, post
from tests.listen_process import CliProcess
from tests.waiting import wait_until

SENDERS = 6
KILL_AFTER_ACKS = 150


def test_acknowledged_deliveries_survive_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ("--port", "0", "--data-dir", str(data), "--config-dir", str(tmp_path / "config"))
    proc = CliProcess("listen", *args)
    _, port = proc.wait_listening()

    acked: list[str] = []
    failed_after_kill: list[str] = []
    killed = threading.Event()
    stop = threading.Event()

    def sender(n: int) -> None:
        i = 0
        while not stop.is_set():
            event_id = f"evt_{n}_{i}"
            i += 1
            try:
                reply = post(port, envelope(event_id, amount=i), timeout=5)
            except (OSError, http.client.HTTPException):
                if killed.is_set():
                    failed_after_kill.append(event_id)
                    return
                raise
            if 200 <= reply.status < 300:
                acked.append(event_id)  # list.append is atomic: no lock needed

    threads = [threading.Thread(target=sender, args=(n,), daemon=True) for n in range(SENDERS)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: len(acked) >= KILL_AFTER_ACKS or proc.proc.poll() is not None, timeout=30)
        assert proc.proc.poll() is None, proc.stderr
        killed.set()
        proc.proc.send_signal(signal.SIGKILL)
        assert proc.wait_exit() == -signal.SIGKILL
        # The senders were still going: each one fails once the process is gone.
        for t in threads:
            t.join(10)
    finally:
        stop.set()
        proc.kill()
    assert all(not t.is_alive() for t in threads)
    assert len(failed_after_kill) == SENDERS
    acked_now = list(acked)
    assert len(acked_now) >= KILL_AFTER_ACKS

    store = EventStore.open(data)
    try:
        assert store.integrity_check() == "ok"
        stored = {e.event_id for e in store.iter_events()}
        missing = [e for e in acked_now if e not in stored]
        assert missing == [], f"{len(missing)} acknowledged deliveries lost, e.g. {missing[:5]}"
        last_seq = store.max_seq()
    finally:
        store.close()

    # The same data dir serves again after the crash.
    again = CliProcess("listen", *args)
    try:
        _, port2 = again.wait_listening()
        reply = post(port2, envelope("evt_after_restart"))
        assert reply.status == 200
        assert reply.json()["seq"] > last_seq
    finally:
        again.proc.send_signal(signal.SIGTERM)
    assert again.wait_exit() == 0
