"""The INFO lines come from the real components at the real moments (not just the helpers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.core.diagnostics import setup_logging
from inspector.core.provider.client import NotFoundError, ProviderClient
from inspector.core.provider.profiles import Profile
from inspector.core.store.event_store import EventStore
from inspector.core.store.keep_limits import KeepLimits
from inspector.core.store.retention import Pruner, RetentionWorker
from inspector.core.tunnel.supervisor import Phase
from inspector.sandbox.server import SandboxServer
from tests.core.store.test_retention import fill
from tests.fakes.helpers import FakeTools
from tests.waiting import wait_until

pytestmark = pytest.mark.usefixtures("clean_logging")
ACCESS = "tok-wiring-access-3f9a7c1e"


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "logs" / "app.log"
    setup_logging(verbose=False, log_file=path, command="app")
    return path


def messages(path: Path) -> list[str]:
    return [line.split("] ", 1)[1] for line in path.read_text().splitlines()]


def test_sandbox_start_stop_and_provider_calls(log_file: Path) -> None:
    server = SandboxServer(access_token=ACCESS)
    server.start()
    try:
        with ProviderClient(Profile("Local sandbox", server.url + "/v1", is_sandbox=True), ACCESS) as client:
            assert client.list() == []
            with pytest.raises(NotFoundError):
                client.get("wh_missing")
    finally:
        server.stop()
    logged = messages(log_file)
    assert logged[0] == f"sandbox started at {server.url}"
    assert logged[1].startswith("provider GET /webhooks -> 200 in ")
    assert logged[2].startswith("provider GET /webhooks/wh_missing -> 404 in ")
    assert logged[3] == "sandbox stopped" and len(logged) == 4
    assert ACCESS not in log_file.read_text()


def test_a_pruning_run_is_one_line(log_file: Path, store: EventStore) -> None:
    fill(store, 12)
    worker = RetentionWorker(Pruner(store, KeepLimits(days=None, events=5, size=None)))
    assert worker.run_once() == 7
    assert worker.run_once() == 0  # nothing to do: no line
    pruned = [m for m in messages(log_file) if m.startswith("pruned")]
    assert pruned == ["pruned 7 events (keeping 5 events); 5 left"]


def test_tunnel_start_and_stop(log_file: Path, fake_tools: FakeTools) -> None:
    supervisor = fake_tools.supervisor("cloudflared", 9)
    fake_tools.running(supervisor)
    url = supervisor.state.url
    supervisor.stop(grace=1.0)
    wait_until(lambda: supervisor.state.phase is Phase.STOPPED)
    tunnel = [m for m in messages(log_file) if m.startswith("tunnel")]
    assert tunnel == [f"tunnel started: cloudflared at {url}", "tunnel stopped: cloudflared (stopped)"]
