"""The supervisor against the fake cloudflared and ngrok (tests/fakes): real processes, real local
APIs, a real TLS "public" URL in front of a listener-like server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from inspector.core.tunnel.health import Reach, check_through
from inspector.core.tunnel.supervisor import Backoff, Phase, TunnelState, TunnelSupervisor
from tests.core.tunnel.conftest import InstanceServer
from tests.fakes.helpers import FakeTools, alive
from tests.waiting import wait_until

TOOLS = ["cloudflared", "ngrok"]
TOKEN = "2bQxk9TzR0yVmw8Lp3NfJs1aHdC_7uEoWqYt5GiKxZbVn2McRf"


class Recorder:
    """States and URL changes as the supervisor reports them (from its thread)."""

    def __init__(self, supervisor: TunnelSupervisor) -> None:
        self._lock = threading.Lock()
        self._states: list[TunnelState] = []
        self._urls: list[tuple[str | None, str]] = []
        supervisor.add_listener(self._state)
        supervisor.add_url_listener(self._url)

    def _state(self, state: TunnelState) -> None:
        with self._lock:
            self._states.append(state)

    def _url(self, old: str | None, new: str) -> None:
        with self._lock:
            self._urls.append((old, new))

    @property
    def states(self) -> list[TunnelState]:
        with self._lock:
            return list(self._states)

    @property
    def urls(self) -> list[tuple[str | None, str]]:
        with self._lock:
            return list(self._urls)

    def restarting(self) -> list[TunnelState]:
        return [s for s in self.states if s.phase is Phase.RESTARTING]


def next_run(
    fake_tools: FakeTools, supervisor: TunnelSupervisor, after: dict[str, Any]
) -> dict[str, Any] | None:
    """The fake's run record once the supervisor runs another process than `after`'s, with its URL."""
    state = supervisor.state
    if state.phase is not Phase.RUNNING or state.pid == after["pid"]:
        return None
    run = fake_tools.run_of(state.pid)
    return run if run is not None and run["url"] == state.url else None


@pytest.mark.parametrize("tool", TOOLS)
def test_url_is_read_from_the_agent_api(
    tool: str, fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    upstream = instance_server("me")
    # The output names another URL: the one reported must come from the API.
    fake_tools.env["FAKE_TUNNEL_OUTPUT_URL"] = "https://decoy-decoy-decoy.trycloudflare.com"
    supervisor = fake_tools.supervisor(tool, upstream.port)  # type: ignore[arg-type]
    supervisor.start()

    run = wait_until(lambda: fake_tools.run_of(supervisor.pid))
    state = wait_until(lambda: supervisor.state if supervisor.state.source == "api" else None)
    assert (state.phase, state.url, state.pid) == (Phase.RUNNING, run["url"], run["pid"])
    assert supervisor.url == run["url"]
    assert supervisor.wait_for_url(1.0) == run["url"]
    assert check_through(run["url"], "me", 10.0, verify=str(fake_tools.tls.ca)).reach is Reach.THIS_LISTENER


@pytest.mark.parametrize("tool", TOOLS)
def test_url_is_read_from_the_output_without_an_api(
    tool: str, fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    fake_tools.env["FAKE_TUNNEL_NO_API"] = "1"
    supervisor = fake_tools.supervisor(tool, instance_server("me").port)  # type: ignore[arg-type]
    run = fake_tools.running(supervisor)

    assert (supervisor.state.url, supervisor.state.source) == (run["url"], "output")
    assert check_through(run["url"], "me", 10.0, verify=str(fake_tools.tls.ca)).ok


@pytest.mark.parametrize("tool", TOOLS)
def test_a_dead_agent_is_restarted_with_backoff_and_its_new_url_reported(
    tool: str, fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    supervisor = fake_tools.supervisor(tool, instance_server("me").port)  # type: ignore[arg-type]
    recorder = Recorder(supervisor)
    first = fake_tools.running(supervisor)

    os.kill(first["pid"], signal.SIGKILL)
    second = wait_until(lambda: next_run(fake_tools, supervisor, first))
    os.kill(second["pid"], signal.SIGKILL)
    third = wait_until(lambda: next_run(fake_tools, supervisor, second))

    assert len({first["pid"], second["pid"], third["pid"]}) == 3
    assert len({first["url"], second["url"], third["url"]}) == 3
    restarts = recorder.restarting()
    assert [s.retry_in for s in restarts] == [0.05, 0.1]  # doubling: neither run was stable
    assert all(s.reason and s.reason.startswith(f"{tool} was killed by SIGKILL") for s in restarts)
    assert supervisor.state.restarts == 2
    assert recorder.urls == [
        (None, first["url"]),
        (first["url"], second["url"]),
        (second["url"], third["url"]),
    ]
    assert check_through(third["url"], "me", 10.0, verify=str(fake_tools.tls.ca)).ok


@pytest.mark.parametrize(("tool", "no_api"), [(t, n) for t in TOOLS for n in (False, True)])
def test_a_url_change_while_running_is_reported(
    tool: str, no_api: bool, fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    if no_api:
        fake_tools.env["FAKE_TUNNEL_NO_API"] = "1"
    supervisor = fake_tools.supervisor(tool, instance_server("me").port)  # type: ignore[arg-type]
    recorder = Recorder(supervisor)
    run = fake_tools.running(supervisor)

    os.kill(run["pid"], signal.SIGUSR1)
    changed = wait_until(lambda: (r := fake_tools.run_of(run["pid"])) and r["url"] != run["url"] and r)
    wait_until(lambda: supervisor.url == changed["url"])

    assert recorder.urls == [(None, run["url"]), (run["url"], changed["url"])]
    assert supervisor.pid == run["pid"]  # the same process: no restart
    assert recorder.restarting() == []


@pytest.mark.parametrize("tool", TOOLS)
def test_stop_ends_the_process_and_its_group(
    tool: str, fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    fake_tools.env["FAKE_TUNNEL_CHILD"] = "1"
    supervisor = fake_tools.supervisor(tool, instance_server("me").port)  # type: ignore[arg-type]
    run = fake_tools.running(supervisor)
    assert alive(run["pid"]) and alive(run["child_pid"])

    supervisor.stop()
    assert not alive(run["pid"])  # reaped before stop() returned
    wait_until(lambda: not alive(run["child_pid"]))
    assert supervisor.state.phase is Phase.STOPPED
    assert supervisor.url is None and supervisor.pid is None
    assert any("graceful shutdown" in line or "session closing" in line for line in supervisor.output())
    supervisor.stop()  # again: nothing to do, no error
    assert supervisor.state.phase is Phase.STOPPED


def test_stop_kills_a_tool_that_ignores_sigterm(
    fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    fake_tools.env["FAKE_TUNNEL_IGNORE_TERM"] = "1"
    supervisor = fake_tools.supervisor("cloudflared", instance_server("me").port)
    run = fake_tools.running(supervisor)

    supervisor.stop(grace=0.3)
    assert not alive(run["pid"])
    assert not any("graceful shutdown" in line for line in supervisor.output())


@pytest.mark.parametrize("tool", TOOLS)
def test_what_a_dead_agent_started_dies_with_it(
    tool: str, fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    fake_tools.env["FAKE_TUNNEL_CHILD"] = "1"
    supervisor = fake_tools.supervisor(tool, instance_server("me").port)  # type: ignore[arg-type]
    run = fake_tools.running(supervisor)

    os.kill(run["pid"], signal.SIGKILL)  # the child is left behind in the group
    wait_until(lambda: not alive(run["child_pid"]))
    wait_until(lambda: supervisor.pid not in (None, run["pid"]))


def test_a_rejected_ngrok_authtoken_fails_once_with_the_fix_and_stays_secret(
    fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    fake_tools.env.update(FAKE_NGROK_REJECT_AUTHTOKEN="1", NGROK_AUTHTOKEN=TOKEN)
    supervisor = fake_tools.supervisor("ngrok", instance_server("me").port)
    recorder = Recorder(supervisor)
    supervisor.start()

    state = wait_until(lambda: supervisor.state if supervisor.state.phase is Phase.FAILED else None)
    assert state.reason is not None and "ngrok config add-authtoken" in state.reason
    assert recorder.restarting() == []
    output = "\n".join(supervisor.output())
    assert "ERR_NGROK_105" in output
    assert "Your authtoken: [redacted]" in output
    assert TOKEN not in output
    assert supervisor.wait_for_url(1.0) is None


def test_a_tool_that_cannot_start_fails_with_a_sentence(tmp_path: Path) -> None:
    missing = tmp_path / "cloudflared"
    supervisor = TunnelSupervisor("cloudflared", str(missing), 8765)
    supervisor.start()
    state = wait_until(lambda: supervisor.state if supervisor.state.phase is Phase.FAILED else None)
    assert state.reason == f"Could not start cloudflared ({missing}): No such file or directory."
    supervisor.stop()
    assert supervisor.state.phase is Phase.FAILED  # stopping keeps the reason


def test_a_failing_listener_does_not_stop_the_tunnel_or_the_others(
    fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    supervisor = fake_tools.supervisor("cloudflared", instance_server("me").port)

    def broken(_state: TunnelState) -> None:
        raise RuntimeError("listener bug")

    supervisor.add_listener(broken)
    recorder = Recorder(supervisor)
    remove = supervisor.add_listener(broken)
    remove()
    remove()  # twice is fine
    run = fake_tools.running(supervisor)
    assert recorder.urls == [(None, run["url"])]


def test_stop_from_a_listener(fake_tools: FakeTools, instance_server: InstanceServer) -> None:
    supervisor = fake_tools.supervisor("ngrok", instance_server("me").port)
    pids: list[int] = []

    def stop_when_running(state: TunnelState) -> None:
        if state.phase is Phase.RUNNING and state.pid is not None:
            pids.append(state.pid)
            supervisor.stop(grace=1.0)

    supervisor.add_listener(stop_when_running)
    supervisor.start()
    wait_until(lambda: supervisor.state.phase is Phase.STOPPED)
    assert pids and not alive(pids[0])


APP = """
import json, sys
from inspector.core.tunnel.supervisor import TunnelSupervisor
supervisor = TunnelSupervisor("cloudflared", sys.argv[1], int(sys.argv[2]))
supervisor.start()
assert supervisor.wait_for_url(20), supervisor.output()
print(json.dumps({"pid": supervisor.pid}), flush=True)
# No stop(): the app just ends, and the atexit hook must end the tunnel.
"""


def test_nothing_outlives_the_app(fake_tools: FakeTools, instance_server: InstanceServer) -> None:
    fake_tools.env["FAKE_TUNNEL_CHILD"] = "1"
    app = subprocess.run(
        [
            sys.executable,
            "-c",
            APP,
            str(Path(fake_tools.env["PATH"].split(os.pathsep)[0]) / "cloudflared"),
            str(instance_server("me").port),
        ],
        env=fake_tools.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    pid = json.loads(app.stdout)["pid"]
    run = fake_tools.run_of(pid)
    assert run is not None
    assert not alive(pid)
    wait_until(lambda: not alive(run["child_pid"]))


def test_backoff_doubles_up_to_the_maximum_and_resets_after_a_stable_run() -> None:
    backoff = Backoff(first=1, maximum=30, stable_after=60)
    assert [backoff.next_delay(5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.next_delay(60) == 1
    assert backoff.next_delay(0.5) == 2


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown tunnel tool"):
        TunnelSupervisor("bore", "/bin/true", 8765)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a port"):
        TunnelSupervisor("ngrok", "/bin/true", 0)


def test_a_supervisor_starts_once(tmp_path: Path) -> None:
    supervisor = TunnelSupervisor("ngrok", str(tmp_path / "ngrok"), 8765)
    supervisor.stop()  # before start: nothing to end
    assert supervisor.state.phase is Phase.STOPPED
    with pytest.raises(RuntimeError, match="starts once"):
        supervisor.start()
