"""The fake cloudflared and ngrok (next to this file) as tests use them: on PATH, their runs, and
whether a process is still alive. The fixtures (`tls`, `fake_tools`) are in tests/conftest.py."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from inspector.core.tunnel.supervisor import Backoff, Phase, TunnelSupervisor
from inspector.core.tunnel.tools import ToolName, find_tool
from tests.fakes.certs import TlsFiles
from tests.waiting import wait_until

FAKES = Path(__file__).resolve().parent
# Quick restarts, so a test waits tenths of a second for the supervisor's backoff, not seconds.
FAST_BACKOFF = {"first": 0.05, "maximum": 0.4, "stable_after": 60}


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


def fast_supervisor(*args: Any, **options: Any) -> TunnelSupervisor:
    """A TunnelSupervisor with quick restarts and polls (what the session and tests start)."""
    options.setdefault("backoff", Backoff(**FAST_BACKOFF))
    options.setdefault("poll_interval", 0.2)
    options.setdefault("stop_grace", 3.0)
    return TunnelSupervisor(*args, **options)


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
        supervisor = fast_supervisor(tool, lookup.path, port, env=self.env, **options)
        self.supervisors.append(supervisor)
        return supervisor

    def running(self, supervisor: TunnelSupervisor) -> dict[str, Any]:
        """Start `supervisor`, wait until it has a URL; the fake's run record."""
        supervisor.start()
        state = wait_until(lambda: supervisor.state if supervisor.state.phase is Phase.RUNNING else None)
        return wait_until(lambda: self.run_of(state.pid))

    def on_path(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Put the fakes on this process's PATH (and their controls in its environment), as an
        installed tool would be for the app, and trust their TLS certificate for requests (the
        sandbox's deliveries, the health check) as a real tunnel's public CA would be."""
        for key, value in self.env.items():
            if key == "PATH" or key.startswith(("FAKE_TUNNEL_", "FAKE_NGROK_")):
                monkeypatch.setenv(key, value)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self.tls.ca))

    def env_for_subprocess(self, **extra: str) -> dict[str, str]:
        return {**self.env, "REQUESTS_CA_BUNDLE": str(self.tls.ca), **extra}

    def pids(self) -> set[int]:
        return {run["pid"] for run in self.runs()}


def fake_tools_env(folder: Path, tls: TlsFiles) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FAKE_TUNNEL_", "FAKE_NGROK_", "NGROK_", "TUNNEL_"))
    }
    env["PATH"] = os.pathsep.join([str(FAKES), str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(FAKE_TUNNEL_DIR=str(folder), FAKE_TUNNEL_CERT=str(tls.cert), FAKE_TUNNEL_KEY=str(tls.key))
    return env
