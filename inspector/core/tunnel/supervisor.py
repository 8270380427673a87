"""Running one tunnel tool for the listener: start it, read its public URL, restart it, stop it.

Threads, no Qt: one supervisor thread per tunnel runs the tool (inspector/core/tunnel/process.py),
polls its local API and reacts to its output, which a reader thread feeds it. Listeners are
called on the supervisor thread; a Qt session re-emits them as queued signals.

A free quick tunnel gets a new URL each time it starts, so every restart re-reads the URL and a
change is reported to the URL listeners (old, new) for whoever keeps the webhooks on it.
Nothing outlives the app: `stop()` ends the tool's whole process group, and an atexit hook stops
every supervisor still running when the interpreter exits normally.
"""

from __future__ import annotations

import atexit
import enum
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from inspector.core.diagnostics.log_events import tunnel_started, tunnel_stopped
from inspector.core.tunnel.agents import AGENTS, Agent
from inspector.core.tunnel.output import OutputLog, clean_line
from inspector.core.tunnel.process import GroupProcess, describe_exit
from inspector.core.tunnel.tools import TOOL_NAMES, ToolName

logger = logging.getLogger(__name__)

MAX_LINE_BYTES = 8192
_STARTING_POLL = 0.2  # while no URL is known yet: the first URL is what the user waits for


class Phase(enum.StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPED = "stopped"
    FAILED = "failed"


_LIVE_PHASES = (Phase.STARTING, Phase.RUNNING)  # leaving these is "tunnel stopped" in the log


@dataclass(frozen=True, slots=True)
class TunnelState:
    tool: ToolName
    phase: Phase
    url: str | None = None  # the public URL while RUNNING
    source: str | None = None  # where the URL was read: "api" or "output"
    reason: str | None = None  # why RESTARTING or FAILED
    retry_in: float | None = None  # seconds until the restart, while RESTARTING
    restarts: int = 0
    pid: int | None = None

    def describe(self) -> str:
        """One sentence for a status bar or a terminal."""
        if self.phase is Phase.RUNNING:
            return f"{self.tool} tunnel at {self.url}"
        if self.phase is Phase.RESTARTING:
            return f"{self.reason}; restarting in {self.retry_in:g} s"
        if self.phase is Phase.FAILED:
            return self.reason or f"{self.tool} failed"
        if self.phase is Phase.STOPPED:
            return f"{self.tool} tunnel stopped"
        return f"starting {self.tool}…"


@dataclass
class Backoff:
    """Delays before restarts: first, 2 * first, 4 * first … up to `maximum`; a run that lasted
    `stable_after` seconds starts the sequence over."""

    first: float = 1.0
    maximum: float = 30.0
    stable_after: float = 60.0
    _failures: int = field(default=0, init=False, repr=False)

    def next_delay(self, ran_for: float) -> float:
        if ran_for >= self.stable_after:
            self._failures = 0
        delay = min(self.maximum, self.first * 2**self._failures)
        self._failures += 1
        return delay


StateListener = Callable[[TunnelState], None]
UrlListener = Callable[[str | None, str], None]  # (previous public URL or None, new public URL)


@dataclass
class _Run:
    agent: Agent
    proc: GroupProcess
    reader_done: threading.Event = field(default_factory=threading.Event)


class TunnelSupervisor:
    """Keeps `tool` (at `executable`) tunnelling to 127.0.0.1:`local_port` until `stop()`.

    One-shot: after `stop()` make a new supervisor to tunnel again.
    """

    def __init__(
        self,
        tool: ToolName,
        executable: str,
        local_port: int,
        *,
        env: Mapping[str, str] | None = None,
        backoff: Backoff | None = None,
        poll_interval: float = 2.0,
        api_timeout: float = 1.0,
        stop_grace: float = 5.0,
        output_lines: int = 200,
    ) -> None:
        if tool not in TOOL_NAMES:
            raise ValueError(f"unknown tunnel tool {tool!r}")
        if not 0 < local_port < 65536:
            raise ValueError(f"not a port: {local_port}")
        self.tool: ToolName = tool
        self.executable = executable
        self.local_port = local_port
        self.env = env
        self.backoff = backoff if backoff is not None else Backoff()
        self.poll_interval = poll_interval
        self.api_timeout = api_timeout
        self.stop_grace = stop_grace
        self._output = OutputLog(output_lines)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._state = TunnelState(tool, Phase.STOPPED)
        self._last_url: str | None = None
        self._run: _Run | None = None
        self._thread: threading.Thread | None = None
        self._listeners: list[StateListener] = []
        self._url_listeners: list[UrlListener] = []

    # -- what the window and the CLI use -------------------------------------------------------

    @property
    def state(self) -> TunnelState:
        with self._lock:
            return self._state

    @property
    def url(self) -> str | None:
        state = self.state
        return state.url if state.phase is Phase.RUNNING else None

    @property
    def pid(self) -> int | None:
        return self.state.pid

    def output(self) -> list[str]:
        """The tool's last lines (redacted, control characters escaped), oldest first."""
        return self._output.lines()

    def add_listener(self, callback: StateListener) -> Callable[[], None]:
        """Call `callback(state)` on every state change; returns a function that removes it."""
        with self._lock:
            self._listeners.append(callback)
        return lambda: self._remove(self._listeners, callback)

    def add_url_listener(self, callback: UrlListener) -> Callable[[], None]:
        """Call `callback(old, new)` whenever a public URL other than the last one is known
        (`old` is None for the first); returns a function that removes it."""
        with self._lock:
            self._url_listeners.append(callback)
        return lambda: self._remove(self._url_listeners, callback)

    def wait_for_url(self, timeout: float) -> str | None:
        """Block until the tunnel runs (its URL) or has failed or stopped (None), at most `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._state.phase in (Phase.STARTING, Phase.RESTARTING):
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
            return self._state.url if self._state.phase is Phase.RUNNING else None

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stopping.is_set():
                raise RuntimeError("a TunnelSupervisor starts once; make a new one to tunnel again")
            self._thread = threading.Thread(target=self._supervise, name=f"tunnel-{self.tool}", daemon=True)
            _LIVE.add(self)
        self._set(Phase.STARTING)
        self._thread.start()

    def stop(self, grace: float | None = None) -> None:
        """End the tool and everything it started (SIGTERM, SIGKILL after `grace` s). Safe to call
        twice, from any thread, listeners included."""
        grace = self.stop_grace if grace is None else grace
        with self._lock:
            self._stopping.set()
            run = self._run
            thread = self._thread
        self._wake.set()
        if run is not None:
            run.proc.terminate(grace)
            run.reader_done.wait(1.0)  # its last lines (why it ended) belong in output()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=grace + self.api_timeout + 5)
        _LIVE.discard(self)
        if self.state.phase is not Phase.FAILED:
            self._set(Phase.STOPPED, force=True)

    # -- the supervisor thread ------------------------------------------------------------------

    def _supervise(self) -> None:
        restarts = 0
        try:
            while not self._stopping.is_set():
                agent = AGENTS[self.tool](self.executable, self.local_port, self.api_timeout)
                run = self._spawn(agent, restarts)
                if run is None:
                    return
                started = time.monotonic()
                reason = self._watch(run)
                if reason is None or self._stopping.is_set():
                    return
                if agent.fatal is not None:
                    self._set(Phase.FAILED, reason=agent.fatal, restarts=restarts)
                    return
                delay = self.backoff.next_delay(time.monotonic() - started)
                self._set(Phase.RESTARTING, reason=reason, retry_in=delay, restarts=restarts)
                if self._stopping.wait(delay):
                    return
                restarts += 1
        except Exception:  # a bug here must not leave the tool running unsupervised
            logger.exception("the %s supervisor failed", self.tool)
            with self._lock:
                run = self._run
            if run is not None:
                run.proc.terminate(self.stop_grace)
            self._set(Phase.FAILED, reason=f"The {self.tool} supervisor stopped on an internal error.")

    def _spawn(self, agent: Agent, restarts: int) -> _Run | None:
        failure = None
        with self._lock:
            if self._stopping.is_set():
                return None
            try:
                self._run = _Run(agent, GroupProcess(agent.command(), env=self.env, on_exit=self._wake.set))
            except OSError as exc:
                failure = f"Could not start {self.tool} ({self.executable}): {exc.strerror or exc}."
            run = self._run
        if failure is not None or run is None:
            self._set(Phase.FAILED, reason=failure, restarts=restarts)
            return None
        self._set(Phase.STARTING, restarts=restarts)
        reader = threading.Thread(
            target=self._read, args=(run,), name=f"tunnel-out-{run.proc.pid}", daemon=True
        )
        reader.start()
        return run

    def _read(self, run: _Run) -> None:
        stream = run.proc.output
        try:
            while raw := stream.readline(MAX_LINE_BYTES):
                text = raw.decode("utf-8", "replace")
                line = clean_line(text)
                self._output.append(line)
                logger.debug("%s: %s", self.tool, line)
                if run.agent.feed(text):
                    self._wake.set()
        except (OSError, ValueError):
            pass  # the pipe went away with the process
        finally:
            stream.close()
            run.reader_done.set()
            self._wake.set()

    def _watch(self, run: _Run) -> str | None:
        """Follow one run until the tool exits (why, as a sentence) or we stop (None)."""
        agent, proc = run.agent, run.proc
        api_url: str | None = None  # once the API has answered, it wins over the output
        next_poll = 0.0
        seen_changes = 0
        while True:
            self._wake.clear()
            if self._stopping.is_set():
                return None
            if agent.fatal is not None:
                proc.terminate(self.stop_grace)
                return agent.fatal
            if proc.exited.is_set():
                run.reader_done.wait(1.0)  # its last words are usually the reason
                returncode = proc.finish()
                last = self._output.last()
                reason = describe_exit(self.tool, returncode)
                return agent.fatal or (f"{reason}: {last}" if last else reason)
            if agent.changes != seen_changes:
                # The output named a URL or the API's address: the API now likely has the URL.
                seen_changes = agent.changes
                next_poll = 0.0
            if time.monotonic() >= next_poll:
                api_url = agent.api_url() or api_url
                known = api_url or agent.output_url
                next_poll = time.monotonic() + (self.poll_interval if known else _STARTING_POLL)
            if api_url is not None:
                self._publish(api_url, "api")
            elif agent.output_url is not None:
                self._publish(agent.output_url, "output")
            self._wake.wait(max(0.0, next_poll - time.monotonic()))

    def _publish(self, url: str, source: str) -> None:
        state = self.state
        if self._stopping.is_set() or (
            state.phase is Phase.RUNNING and (state.url, state.source) == (url, source)
        ):
            return
        self._set(Phase.RUNNING, url=url, source=source)
        with self._lock:
            previous, self._last_url = self._last_url, url
            listeners = list(self._url_listeners) if previous != url else []
        for callback in listeners:
            self._call(callback, previous, url)

    # -- state ----------------------------------------------------------------------------------

    def _set(self, phase: Phase, *, force: bool = False, **fields: object) -> None:
        with self._changed:
            if self._stopping.is_set() and not force and phase is not Phase.FAILED:
                return  # once stopping, the only news is that it stopped
            live = self._run is not None and phase in (Phase.STARTING, Phase.RUNNING)
            fields.setdefault("pid", self._run.proc.pid if live and self._run is not None else None)
            fields.setdefault("restarts", self._state.restarts)
            new = replace(TunnelState(self.tool, phase), **fields)  # type: ignore[arg-type]
            if new == self._state:
                return
            was, self._state = self._state, new
            self._changed.notify_all()
            listeners = list(self._listeners)
        if phase is Phase.RUNNING and new.url != was.url:
            tunnel_started(self.tool, new.url)
        elif phase not in _LIVE_PHASES and was.phase in _LIVE_PHASES:
            tunnel_stopped(self.tool, str(fields.get("reason") or phase.value))
        for callback in listeners:
            self._call(callback, new)

    def _call(self, callback: Callable[..., None], *args: object) -> None:
        try:
            callback(*args)
        except Exception:  # one broken listener must not stop the tunnel or the others
            logger.exception("a %s tunnel listener failed", self.tool)

    def _remove(self, callbacks: list[Callable[..., None]], callback: Callable[..., None]) -> None:
        with self._lock:
            if callback in callbacks:
                callbacks.remove(callback)


_LIVE: weakref.WeakSet[TunnelSupervisor] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for supervisor in list(_LIVE):
        supervisor.stop(grace=2.0)
