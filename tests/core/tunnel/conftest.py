"""Fixtures for the tunnel tests: the fake tools on PATH, their runs, listener-like servers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from inspector.core.capture.delivery_handler import HEALTH_PATH
from inspector.core.tunnel.supervisor import Backoff, Phase, TunnelSupervisor
from inspector.core.tunnel.tools import ToolName, find_tool
from tests.fake_tunnel_agent import FakeAgent
from tests.fakes.certs import TlsFiles, make_tls
from tests.waiting import wait_until

FAKES = Path(__file__).resolve().parents[2] / "fakes"


def alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting for its reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not Path("/proc/self/stat").exists():
        return True  # no /proc (macOS): zombies cannot be told apart, and ours are reaped
    try:
        # The state letter follows the command name, which is in parentheses and may hold spaces.
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False  # gone in between


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


@dataclass
class FakeTools:
    """The fake tools first on PATH (the venv's python next, for their shebang)."""

    folder: Path  # where each run writes <pid>.json
    tls: TlsFiles
    env: dict[str, str] = field(default_factory=dict)
    supervisors: list[TunnelSupervisor] = field(default_factory=list)

    def runs(self) -> list[dict[str, Any]]:
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(json.loads(path.read_text()))
            except ValueError:
                continue  # being replaced
        return found

    def run_of(self, pid: int | None) -> dict[str, Any] | None:
        return next((run for run in self.runs() if run["pid"] == pid), None)

    def supervisor(self, tool: ToolName, port: int, **options: Any) -> TunnelSupervisor:
        lookup = find_tool(tool, search_path=self.env["PATH"])
        assert lookup.path == str(FAKES / tool), lookup
        options.setdefault("backoff", Backoff(first=0.05, maximum=0.4, stable_after=60))
        options.setdefault("poll_interval", 0.2)
        options.setdefault("stop_grace", 3.0)
        supervisor = TunnelSupervisor(tool, lookup.path, port, env=self.env, **options)
        self.supervisors.append(supervisor)
        return supervisor

    def running(self, supervisor: TunnelSupervisor) -> dict[str, Any]:
        """Start `supervisor`, wait until it has a URL; the fake's run record."""
        supervisor.start()
        state = wait_until(lambda: supervisor.state if supervisor.state.phase is Phase.RUNNING else None)
        return wait_until(lambda: self.run_of(state.pid))


@pytest.fixture
def fake_tools(tmp_path: Path, tls: TlsFiles) -> Iterator[FakeTools]:
    folder = tmp_path / "runs"
    folder.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FAKE_TUNNEL_", "FAKE_NGROK_", "NGROK_", "TUNNEL_"))
    }
    env["PATH"] = os.pathsep.join([str(FAKES), str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(FAKE_TUNNEL_DIR=str(folder), FAKE_TUNNEL_CERT=str(tls.cert), FAKE_TUNNEL_KEY=str(tls.key))
    tools = FakeTools(folder, tls, env)
    yield tools
    for supervisor in tools.supervisors:
        supervisor.stop(grace=1.0)


InstanceServer = Callable[[str], FakeAgent]


@pytest.fixture
def instance_server() -> Iterator[InstanceServer]:
    """A listener-like server whose health answer carries `instance` (what the listener will send)."""
    started: list[FakeAgent] = []

    def make(instance: str) -> FakeAgent:
        agent = FakeAgent({HEALTH_PATH: {"status": "ok", "instance": instance}}).__enter__()
        started.append(agent)
        return agent

    yield make
    for agent in started:
        agent.__exit__(None, None, None)
