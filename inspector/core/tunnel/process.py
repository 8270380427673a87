"""A child process in its own process group, ended together with everything it started.

On POSIX the tool leads a new session (so a process group of its own), and ending it signals the
whole group: SIGTERM, then SIGKILL after a grace period. The leader is not reaped until the group
has been killed: while it is an unreaped zombie its pid stays taken, so the group id cannot be
reused by an unrelated process in between (`os.waitid(..., WNOWAIT)` waits without reaping).

Windows has no process groups in that sense; the tool gets a new console process group and is
terminated alone (cloudflared and ngrok do not start children).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import IO

POSIX = sys.platform != "win32"


class GroupProcess:
    """`command` running with stdout and stderr merged into one pipe (`self.output`)."""

    def __init__(
        self,
        command: Sequence[str],
        env: Mapping[str, str] | None = None,
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        # A group of its own, so stopping it reaches every child it started.
        new_group = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        self._proc = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            close_fds=True,
            start_new_session=POSIX,
            creationflags=0 if POSIX else new_group,
        )
        self.pid = self._proc.pid
        self.exited = threading.Event()  # the leader is gone (maybe not reaped yet)
        self._on_exit = on_exit
        self._lock = threading.Lock()
        self._returncode: int | None = None
        threading.Thread(target=self._wait, name=f"tunnel-wait-{self.pid}", daemon=True).start()

    @property
    def output(self) -> IO[bytes]:
        assert self._proc.stdout is not None
        return self._proc.stdout

    @property
    def returncode(self) -> int | None:
        return self._returncode

    def _wait(self) -> None:
        if POSIX and hasattr(os, "waitid"):
            while True:
                try:
                    os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
                    break
                except ChildProcessError:
                    break  # already reaped by finish()
                except InterruptedError:
                    continue
        else:
            self._proc.wait()
        self.exited.set()
        if self._on_exit is not None:
            self._on_exit()

    def _signal_group(self, sig: int) -> None:
        if self._returncode is not None:
            return  # reaped: the group id may belong to someone else by now
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if POSIX:
                os.killpg(self.pid, sig)
            elif sig == signal.SIGTERM:
                self._proc.terminate()
            else:
                self._proc.kill()

    def terminate(self, grace: float) -> None:
        """SIGTERM to the group, SIGKILL to what is left after `grace` seconds, then reap."""
        with self._lock:
            if self._returncode is None:
                self._signal_group(signal.SIGTERM)
                self.exited.wait(grace)
        self.finish()

    def finish(self) -> int:
        """Kill whatever is left of the group and reap the leader; returns its exit status."""
        with self._lock:
            if self._returncode is None:
                self._signal_group(signal.SIGKILL if POSIX else signal.SIGTERM)
                # The pipe is left to the reader: it sees EOF now that every writer is gone.
                self._returncode = self._proc.wait()
            return self._returncode


def describe_exit(name: str, returncode: int) -> str:
    """'cloudflared exited with code 1' / 'ngrok was killed by SIGKILL'."""
    if returncode < 0:
        try:
            signame = signal.Signals(-returncode).name
        except ValueError:
            signame = f"signal {-returncode}"
        return f"{name} was killed by {signame}"
    return f"{name} exited with code {returncode}"
