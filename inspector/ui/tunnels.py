"""The tunnel the user starts from the app, as a member of the session (`session.tunnels`).

It owns the TunnelSupervisor's lifetime (start, stop, restart, stopped at shutdown), turns what
the supervisor reports on its own thread into Qt signals on the GUI thread, tells the session's
TunnelProbe the started tunnel's URL (so it is *the* public URL while it runs), checks through
the tunnel that it reaches this listener, and keeps registered webhooks on the tunnel: after a
tunnel URL change it offers the updates (inspector/core/tunnel/follower.py), or applies them at
once for a profile whose "keep my webhooks on this tunnel" is ticked.

Transport from the supervisor's thread: a thread-safe inbox plus a queued signal, drained on the
GUI thread; while a tunnel runs, a slow timer drains it too, for the same lost wake-ups the runner
guards against (inspector/ui/runner.py). The inbox carries the states, so nothing is lost.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from inspector.core.tunnel.follower import FollowOffer, FollowResult, TunnelFollower
from inspector.core.tunnel.health import HealthCheck, Reach, check_settled, check_through
from inspector.core.tunnel.settings import TunnelSettings
from inspector.core.tunnel.supervisor import Phase, TunnelState, TunnelSupervisor
from inspector.core.tunnel.tools import TOOL_NAMES, ToolLookup, ToolName

if TYPE_CHECKING:
    from inspector.ui.session import InspectorSession

log = logging.getLogger(__name__)

SupervisorFactory = Callable[..., TunnelSupervisor]  # (tool, executable, local_port) -> not started
ToolFinder = Callable[[ToolName, str | None], ToolLookup]  # (tool, configured path) -> where it is
DRAIN_MS = 250
HEALTH_TIMEOUT = 10.0
HEALTH_SETTLE = 30.0  # a new quick tunnel's hostname takes a moment to resolve
SHUTDOWN_GRACE = 2.0
LIVE = (Phase.STARTING, Phase.RUNNING, Phase.RESTARTING)


class Tunnels(QObject):
    stateChanged = Signal(object)  # TunnelState of the tunnel started here, None before the first
    healthChecked = Signal(object)  # HealthCheck; None when a check starts
    offersChanged = Signal()  # `offers` changed
    followed = Signal(object)  # FollowResult, after a one-click or automatic update
    toolsChanged = Signal()  # a tool's path was set or cleared
    _news = Signal()  # emitted on the supervisor's thread: drain the inbox

    def __init__(
        self,
        session: InspectorSession,
        *,
        supervisor_factory: SupervisorFactory = TunnelSupervisor,
        find: ToolFinder,
    ) -> None:
        super().__init__(session)
        self.setObjectName("tunnels")
        self._session = session
        self._factory = supervisor_factory
        self._find = find
        self.settings = TunnelSettings(session.dirs.config)
        self.follower = TunnelFollower(session.webhooks, session.profiles, self.settings)
        self.supervisor: TunnelSupervisor | None = None
        self.state: TunnelState | None = None
        self.health: HealthCheck | None = None
        self.checking = False
        self.offers: list[FollowOffer] = []
        self.following: set[str] = set()  # profiles whose update is in flight
        self.last_result: FollowResult | None = None
        self._last_supervisor: TunnelSupervisor | None = None  # for output() once it ended
        self._retiring: list[TunnelSupervisor] = []  # stopping on the network pool
        self._after_retired: Callable[[], None] | None = None
        self._dismissed: set[tuple[str, str]] = set()  # (profile, new URL) the user said "not now" to
        self._inbox: queue.SimpleQueue[tuple[TunnelSupervisor, TunnelState]] = queue.SimpleQueue()
        self._shut_down = False
        self._health_stop = threading.Event()
        self._noting = False
        self._note_next: str | None = None  # a tunnel URL to remember once the one before is
        self._news.connect(self._drain)
        self._drain_timer = QTimer(self)
        self._drain_timer.setObjectName("tunnelDrainTimer")
        self._drain_timer.setInterval(DRAIN_MS)
        self._drain_timer.timeout.connect(self._drain)
        session.tunnel.publicUrlChanged.connect(self._on_public_url)
        session.listenerStarted.connect(self._on_listener)

    # -- tools --------------------------------------------------------------------------------------

    def tools(self) -> dict[ToolName, ToolLookup]:
        """Where each tool is (the path the user set, else PATH), or why it is not there."""
        paths = self.settings.read().tool_paths
        return {tool: self._find(tool, paths.get(tool)) for tool in TOOL_NAMES}

    def installed(self) -> list[ToolName]:
        return [tool for tool, lookup in self.tools().items() if lookup.found]

    def set_tool_path(self, tool: ToolName, path: str | None) -> ToolLookup:
        """Use `path` for `tool` from now on (None: PATH again); where it was found, or why not."""
        self.settings.set_tool_path(tool, path)
        self.toolsChanged.emit()
        return self.tools()[tool]

    # -- the tunnel --------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """A tunnel is starting, running or restarting here (also while an earlier one still stops)."""
        pending = self.supervisor is not None or self._after_retired is not None
        return pending and self.state is not None and self.state.phase in LIVE

    @property
    def tool(self) -> ToolName | None:
        return self.supervisor.tool if self.supervisor is not None else None

    def start(self, tool: ToolName | None = None) -> str | None:
        """Start `tool` (default: the first one installed) against the listener's port.

        None when it is starting, else one sentence saying why it cannot start.
        """
        listener = self._session.listener
        if listener is None:
            return "The listener is not running, so there is nothing for a tunnel to reach."
        lookups = self.tools()
        if tool is None:
            tool = next((name for name, lookup in lookups.items() if lookup.found), None)
            if tool is None:
                return (
                    "Neither cloudflared nor ngrok is installed: install one (see how below) or set its path."
                )
        lookup = lookups[tool]
        if lookup.path is None:
            return lookup.problem or f"{tool} was not found."
        path, port = lookup.path, listener.port
        # Said before the spawn: what the new supervisor reports must come after, never before.
        self._set_state(TunnelState(tool, Phase.STARTING))
        self._retire(then=lambda: self._spawn(tool, path, port))
        return None

    def stop(self) -> None:
        """Stop the tunnel (the process ends on the network pool: it may take a few seconds)."""
        tool = self.tool
        self._retire()
        if tool is not None:
            self._set_state(TunnelState(tool, Phase.STOPPED))

    def restart(self) -> str | None:
        """Stop and start the same tool again (a free quick tunnel comes back with a new URL)."""
        return self.start(self.tool or (self.state.tool if self.state is not None else None))

    def output(self) -> list[str]:
        """The tool's last lines (redacted), also after it stopped or failed."""
        supervisor = self.supervisor or self._last_supervisor
        return supervisor.output() if supervisor is not None else []

    def _spawn(self, tool: ToolName, path: str, port: int) -> None:
        if self._shut_down:
            return
        supervisor = self._factory(tool, path, port)
        supervisor.add_listener(partial(self._post, supervisor))
        self.supervisor = self._last_supervisor = supervisor
        self.health = None
        supervisor.start()
        self._drain_timer.start()
        self._drain()

    def _retire(self, then: Callable[[], None] | None = None) -> None:
        """Stop the current tunnel on the network pool; `then` runs once every tunnel being
        stopped has ended (ngrok allows one agent session at a time)."""
        supervisor, self.supervisor = self.supervisor, None
        self._after_retired = then
        if supervisor is not None:
            self._retiring.append(supervisor)

            def stopped(_result: object = None) -> None:
                if supervisor in self._retiring:
                    self._retiring.remove(supervisor)
                self._run_after_retired()

            # stop() waits for the process to end (SIGTERM, then SIGKILL): never on the GUI thread.
            self._session.runner.submit(
                supervisor.stop, on_done=stopped, on_error=stopped, pool="net", owner=self
            )
        self._sync_probe()
        self._run_after_retired()

    def _run_after_retired(self) -> None:
        if not self._retiring and self._after_retired is not None:
            then, self._after_retired = self._after_retired, None
            then()

    def _on_listener(self, _url: str) -> None:
        listener = self._session.listener
        if (
            self.supervisor is not None
            and listener is not None
            and self.supervisor.local_port != listener.port
        ):
            self.restart()  # the listener moved (a free port): the tunnel must follow it

    # -- news from the supervisor's thread ---------------------------------------------------------

    def _post(self, supervisor: TunnelSupervisor, state: TunnelState) -> None:
        self._inbox.put((supervisor, state))
        try:
            self._news.emit()
        except RuntimeError:  # the session is gone; nothing to tell
            pass

    def _drain(self) -> None:
        latest: TunnelState | None = None
        while True:
            try:
                supervisor, state = self._inbox.get_nowait()
            except queue.Empty:
                break
            if supervisor is self.supervisor:
                latest = state
        if latest is not None:
            self._set_state(latest)
        if self.supervisor is None and not self._retiring:
            self._drain_timer.stop()

    def _set_state(self, state: TunnelState) -> None:
        if state == self.state:
            return
        self.state = state
        self._sync_probe()
        self.stateChanged.emit(state)

    def _sync_probe(self) -> None:
        state = self.state
        running = self.supervisor is not None and state is not None and state.phase is Phase.RUNNING
        # While a start waits for the previous tunnel to end, there is no public URL rather than
        # whatever a detected agent (maybe the one ending) would say.
        active = (
            running
            or self._after_retired is not None
            or (self.supervisor is not None and state is not None and state.phase in LIVE)
        )
        url = state.url if running and state is not None and state.url else ""
        self._session.tunnel.set_started(active, url)

    # -- the health check --------------------------------------------------------------------------

    def check_health(self, *, settle: bool = False) -> bool:
        """One request to PUBLIC_URL/_inspector/health off the GUI thread (`settle`: again while a
        new tunnel may still be starting); `healthChecked` says how it went. False: no URL yet."""
        url, listener = self._session.public_url, self._session.listener
        if not url or listener is None:
            self._on_health(HealthCheck(Reach.UNREACHABLE, "There is no public URL to check yet."))
            return False
        instance = listener.instance_id
        self._health_stop.set()  # a check of an earlier URL still asking again is moot now
        stop = self._health_stop = threading.Event()
        self.checking = True
        self.healthChecked.emit(None)

        def check() -> HealthCheck:
            if settle:
                return check_settled(url, instance, within=HEALTH_SETTLE, timeout=HEALTH_TIMEOUT, stop=stop)
            return check_through(url, instance, HEALTH_TIMEOUT)

        def done(result: HealthCheck) -> None:
            if not stop.is_set():  # else a newer check (or the end) took over
                self._on_health(result)

        self._session.runner.submit(
            check, on_done=done, on_error=self._on_health_error, pool="net", owner=self
        )
        return True

    def _on_health(self, result: HealthCheck) -> None:
        self.checking = False
        self.health = result
        self.healthChecked.emit(result)

    def _on_health_error(self, error: BaseException) -> None:
        self._on_health(HealthCheck(Reach.UNREACHABLE, f"The check could not be made: {error}"))

    # -- keeping webhooks on the tunnel -----------------------------------------------------------

    def follows(self, profile: str) -> bool:
        return self.follower.follows(profile)

    def set_follow(self, profile: str, follow: bool) -> None:
        """The profile's "keep my webhooks on this tunnel"; ticking it applies a pending offer."""
        self.settings.set_follow(profile, follow)
        if follow:
            for offer in [o for o in self.offers if o.profile == profile]:
                self.apply(offer, automatic=True)

    def apply(self, offer: FollowOffer, *, automatic: bool = False) -> None:
        """Update the offer's webhooks with the provider, on the network pool; then `followed`."""
        if offer.profile in self.following:
            return
        self.following.add(offer.profile)
        self.offersChanged.emit()
        follower = self.follower

        def done(result: FollowResult) -> None:
            self.following.discard(offer.profile)
            self.last_result = result
            if result.moved:
                self._session.webhooks_changed_here()
            self._refresh_offers()
            self.followed.emit(result)

        def failed(error: BaseException) -> None:
            done(FollowResult(offer.profile, offer.new_url, problem=f"The update failed: {error}"))

        self._session.runner.submit(
            lambda: follower.apply(offer.profile, offer.new_url, automatic=automatic),
            on_done=done,
            on_error=failed,
            pool="net",
            owner=self,
        )

    def dismiss(self, offer: FollowOffer) -> None:
        """ "Not now": the offer is not shown again until the tunnel's URL changes again."""
        self._dismissed.add((offer.profile, offer.new_url))
        self._refresh_offers()

    def _on_public_url(self, url: str) -> None:
        if self.checking:
            self._health_stop.set()  # that check was for the URL before this one
            self.checking = False
        probe = self._session.tunnel
        source = probe.source
        if not url or source not in ("started", "detected"):
            return  # no tunnel, or a URL the user typed: nothing moved
        if source == "detected" and probe.result is not None and probe.result.warning:
            self._set_offers([])
            return  # it forwards to another port: webhooks moved there would reach nothing here
        if source == "started":
            self.check_health(settle=True)
        self._note_next = url
        self._note()

    def _note(self) -> None:
        """Remember the newest tunnel URL and work out the offers, off the GUI thread (files are
        written and synced), one URL at a time so they are remembered in the order they came."""
        if self._noting or self._note_next is None or self._shut_down:
            return
        url, self._note_next = self._note_next, None
        self._noting = True
        follower = self.follower

        def note() -> tuple[list[FollowOffer], set[str]]:
            try:
                offers = follower.url_changed(url)
            except OSError as exc:  # the config dir is not writable: the tunnel works all the same
                log.warning("cannot remember the tunnel URL: %s", exc)
                offers = follower.offers(url)
            return offers, {o.profile for o in offers if follower.follows(o.profile)}

        def done(result: tuple[list[FollowOffer], set[str]]) -> None:
            self._noting = False
            offers, automatic = result
            if url == self._session.public_url:  # else a newer URL is on its way
                self._set_offers(offers)
                for offer in offers:
                    if offer.profile in automatic:
                        self.apply(offer, automatic=True)
            self._note()

        def failed(error: BaseException) -> None:
            self._noting = False
            log.warning("cannot work out which webhooks follow the tunnel: %s", error)
            self._note()

        self._session.runner.submit(note, on_done=done, on_error=failed, pool="net", owner=self)

    def _refresh_offers(self) -> None:
        probe = self._session.tunnel
        url, source = probe.public_url, probe.source
        elsewhere = source == "detected" and probe.result is not None and bool(probe.result.warning)
        ours = url and source in ("started", "detected") and not elsewhere
        self._set_offers(self.follower.offers(url) if ours else [])

    def _set_offers(self, offers: list[FollowOffer]) -> None:
        self.offers = [o for o in offers if (o.profile, o.new_url) not in self._dismissed]
        self.offersChanged.emit()  # also when only `following` changed

    # -- the end ------------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the tunnel now and wait for it (the app is quitting). Safe to call twice."""
        self._shut_down = True
        self._after_retired = None
        self._health_stop.set()
        self._drain_timer.stop()
        for supervisor in [s for s in (self.supervisor, *self._retiring) if s is not None]:
            supervisor.stop(grace=SHUTDOWN_GRACE)
        self.supervisor = None

    def describe(self) -> str:
        """The tunnel's state in one sentence (for a status line)."""
        state = self.state
        if state is None:
            return "No tunnel started here."
        if state.phase is Phase.RUNNING:
            where = "its local API" if state.source == "api" else "its output"
            return f"{state.tool} tunnel at {state.url} (read from {where})"
        return state.describe()
