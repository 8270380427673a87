"""Run the real `python -m inspector ...` as a subprocess and read its output line by line."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

from tests.waiting import wait_until

LISTENING = re.compile(r"^listening on (http://127\.0\.0\.1:(\d+))$")


class CliProcess:
    """A running `inspector` subprocess; stdout/stderr lines are collected by reader threads."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "inspector", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=full_env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object, sink: list[str]) -> None:
        with stream:  # type: ignore[attr-defined]  # closed when the process's end of it is
            for line in stream:  # type: ignore[attr-defined]
                sink.append(line.rstrip("\n"))

    def wait_listening(self, timeout: float = 15.0) -> tuple[str, int]:
        """The URL and port from the `listening on` line (or fail with what the process said)."""

        def found() -> tuple[str, int] | None:
            for line in self.stdout:
                m = LISTENING.match(line)
                if m:
                    return m.group(1), int(m.group(2))
            if self.proc.poll() is not None:
                raise AssertionError(f"exited {self.proc.returncode}: {self.stderr}")
            return None

        return wait_until(found, timeout=timeout)

    def wait_exit(self, timeout: float = 15.0) -> int:
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait_exit()


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30.0
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion (export, a failing listen)."""
    return subprocess.run(
        [sys.executable, "-m", "inspector", *args],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
        timeout=timeout,
        cwd=Path(__file__).resolve().parent.parent,
    )
