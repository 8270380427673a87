"""`webhook-inspector sandbox` as a real process: banner, API, clean SIGTERM/Ctrl-C, port taken."""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

BANNER = re.compile(r"^sandbox on (http://127\.0\.0\.1:(\d+))$")


class SandboxProcess:
    """`python -m inspector sandbox` with its stdout lines collected by a thread: a pipe read
    with a deadline, and no line lost in a buffer the way select() on a text pipe can."""

    def __init__(self, *args: str) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "inspector", "sandbox", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._lines.put(line.rstrip("\n"))

    def read_line(self, timeout: float = 20.0) -> str:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output line within {timeout} s") from None

    def finish(self, sig: int) -> tuple[int, str]:
        """Send `sig`, wait for the exit: (exit code, stderr)."""
        self.popen.send_signal(sig)
        self.popen.wait(15)
        self._reader.join(5)
        assert self.popen.stderr is not None
        return self.popen.returncode, self.popen.stderr.read()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inspector", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
def proc() -> Iterator[SandboxProcess]:
    p = SandboxProcess()
    yield p
    p.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_the_api_and_stops_cleanly(proc: SandboxProcess, sig: int) -> None:
    match = BANNER.match(proc.read_line())
    assert match, "first line is the banner with the real port"
    url = match.group(1)
    assert int(match.group(2)) > 0
    ok = requests.get(url + "/v1/webhooks", headers={"Authorization": "Bearer sandbox-token"}, timeout=5)
    assert ok.status_code == 200
    assert requests.get(url + "/v1/webhooks", timeout=5).status_code == 401
    returncode, stderr = proc.finish(sig)
    assert returncode == 0
    assert "access token: sandbox-token" in stderr  # the default is shown so it can be copied
    assert "Traceback" not in stderr


def test_prints_one_line_per_delivery_attempt(tmp_path: Path) -> None:
    proc = SandboxProcess("--access-token", "my-own-token", "--retry-schedule", "0.05")
    try:
        url = BANNER.match(proc.read_line()).group(1)  # type: ignore[union-attr]
        headers = {"Authorization": "Bearer my-own-token"}
        with socket.socket() as closed:  # bound, never listening: connection refused
            closed.bind(("127.0.0.1", 0))
            target = f"http://127.0.0.1:{closed.getsockname()[1]}/hooks"
            created = requests.post(
                url + "/v1/webhooks",
                json={"url": target, "events": ["card.created"]},
                headers=headers,
                timeout=5,
            )
            assert created.status_code == 201
            event = requests.post(
                url + "/v1/sandbox/events",
                json={"event_identifier": "card.created"},
                headers=headers,
                timeout=5,
            ).json()
            first, second = proc.read_line(), proc.read_line()
        assert first.startswith(f"card.created {event['event_id']} -> {created.json()['id']} attempt 1:")
        assert first.endswith("will retry")
        assert "attempt 2" in second and second.endswith("giving up")
        returncode, stderr = proc.finish(signal.SIGTERM)
        assert returncode == 0
        assert "my-own-token" not in stderr  # a token the user chose is not echoed
    finally:
        proc.kill()


def test_port_taken_is_one_line_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("--port", str(port))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "in use" in lines[0]


def test_bad_state_file_is_one_line_exit_2(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{broken")
    result = run_cli("--port", "0", "--state", str(state))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "not valid JSON" in result.stderr


def test_help_documents_the_token_and_the_state_file() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "sandbox-token" in text
    assert "0600" in text and "authorization tokens" in text
    assert "not the provider's official list" in text
    assert "(default 8766; 0 = any free)" in text


def test_default_port_is_not_the_listeners() -> None:
    from inspector.cli import build_parser, with_command

    args = build_parser().parse_args(["sandbox"])
    assert args.port == 8766
    assert build_parser().parse_args(["sandbox", "--port", "9000"]).port == 9000
    # The sandbox's default must not leak into the shared common options.
    assert build_parser().parse_args(["listen"]).port == 8765
    assert build_parser().parse_args(with_command([])).port == 8765  # plain webhook-inspector = gui
