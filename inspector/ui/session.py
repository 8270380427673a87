"""The app's long-running services and their lifetimes, in one object the widgets are given.

`InspectorSession` owns the store's listener, the bridge that carries committed batches to the GUI
thread, the response rules, forwarding, the sandbox the user started, the token sync, the tunnel
probe, the tunnel the user started (`tunnels`, inspector/ui/tunnels.py), the pruner that keeps the
history within its limits (`history`, inspector/ui/history_keeper.py), and the runner every
background call goes through. Widgets call its methods and listen to its signals; they never
start a server, poll a file, or set a core object's attributes. `shutdown()` is the one place
everything stops, in order: nothing new in, then the listener, then what it fed.
"""

from __future__ import annotations

import errno
import logging
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from inspector.core.actions.forwarder import Forwarder, normalize_target_url
from inspector.core.actions.response_rules import RuleSet
from inspector.core.capture.listener import Listener, ListenerBindError, ListenerConfig
from inspector.core.capture.payload_learning import PayloadLearning
from inspector.core.paths import AppDirs
from inspector.core.provider.client import ProviderClient
from inspector.core.provider.profiles import LOCAL_SANDBOX, Profile, ProfileStore
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.token_sync import TokenSync
from inspector.core.provider.webhook_service import ClientFactory, WebhookService
from inspector.core.store.event_store import EventStore
from inspector.core.store.keep_limits import KeepLimits
from inspector.core.tunnel.detect import TunnelResult, detect_tunnel
from inspector.core.tunnel.supervisor import TunnelSupervisor
from inspector.core.tunnel.tools import find_tool
from inspector.sandbox.state import StateFileError
from inspector.ui.bridge import CommitNotice, EventBridge
from inspector.ui.history_keeper import HistoryKeeper
from inspector.ui.runner import Runner
from inspector.ui.tunnels import SupervisorFactory, ToolFinder, Tunnels

if TYPE_CHECKING:
    from inspector.sandbox.server import SandboxServer

log = logging.getLogger(__name__)

# How often the webhook index is looked at (one stat() when nothing changed), so a webhook created
# by the CLI or another window is verified without a restart.
TOKEN_SYNC_MS = 2000
TUNNEL_POLL_MS = 10_000
FORWARD_CLOSE_SECONDS = 2.0  # a request in flight when forwarding stops may take this long to end
SandboxFactory = Callable[[str], "SandboxServer"]  # access token -> a not yet started server
Detector = Callable[[int], TunnelResult]


SANDBOX_STATE_FILE = "sandbox-state.json"  # in the config dir, mode 0600 (test tokens only)


def sandbox_keeping_state(state_file: Path) -> SandboxFactory:
    """The window's own sandbox keeps its webhooks across restarts, as `sandbox --state FILE` does."""

    def make(access_token: str) -> SandboxServer:
        # Imported here: the sandbox (its Werkzeug server and payload generators) is ~0.1 s of
        # imports that a start without it need not pay.
        from inspector.sandbox.server import SandboxServer

        return SandboxServer(port=0, access_token=access_token, state_file=state_file)

    return make


class Forwarding(QObject):
    """The Forwarder's lifetime: on, off, a new target; results relayed to the GUI thread."""

    changed = Signal(bool)  # forwarding on/off
    result = Signal(int, object)  # (seq, record), after the record is stored with the event
    _fromWorker = Signal(int, object)  # emitted on a forwarder thread, delivered queued

    def __init__(self, session: InspectorSession, *, timeout: float = 10.0) -> None:
        super().__init__(session)
        self._session = session
        self.timeout = timeout
        self.forwarder: Forwarder | None = None
        self._fromWorker.connect(self.result)

    @property
    def on(self) -> bool:
        return self.forwarder is not None

    @property
    def target_url(self) -> str:
        return self.forwarder.target_url if self.forwarder is not None else ""

    def start(self, url: str) -> str:
        """Forward every accepted delivery to `url` (normalised and returned); ValueError if unusable."""
        url = normalize_target_url(url)
        if self.forwarder is not None:
            self.forwarder.target_url = url  # read per job: the next delivery goes to the new URL
            return url
        self.forwarder = Forwarder(url, self._session.store, timeout=self.timeout, on_result=self._relay)
        self._session._hook_listener()
        self.changed.emit(True)
        return url

    def stop(self, *, wait: bool = False) -> None:
        forwarder, self.forwarder = self.forwarder, None
        if forwarder is None:
            return
        self._session._hook_listener()
        forwarder.on_result = None
        if wait:
            forwarder.close(timeout=FORWARD_CLOSE_SECONDS)
        else:
            # close() joins worker threads that may be inside a request: never on the GUI thread.
            self._session.runner.submit(lambda: forwarder.close(timeout=FORWARD_CLOSE_SECONDS), pool="net")
        self.changed.emit(False)

    def _relay(self, seq: int, record: dict[str, Any]) -> None:
        try:
            self._fromWorker.emit(seq, record)
        except RuntimeError:  # the session is gone; the record is stored anyway
            pass


class TunnelProbe(QObject):
    """Asks local ngrok/cloudflared agents for the public URL every ~10 s, on the network pool.

    `public_url` is the one public URL of the session, and `source` says where it came from: the
    tunnel this app started ("started", set by inspector/ui/tunnels.py; while it is active,
    detection pauses and nothing else stands in for it), else a detected agent ("detected"), else
    the URL the user typed ("manual").
    """

    found = Signal(object)  # every TunnelResult
    publicUrlChanged = Signal(str)  # "" when there is none

    def __init__(
        self,
        runner: Runner,
        parent: QObject | None = None,
        *,
        detect: Detector = detect_tunnel,
        interval_ms: int = TUNNEL_POLL_MS,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._detect = detect
        self.port: int | None = None
        self.result: TunnelResult | None = None
        self.manual_url = ""
        self.public_url = ""
        self.source = ""  # "started", "detected", "manual", or "" with no public URL
        self.started_active = False
        self.started_url = ""
        self.probing = False
        self.timer = QTimer(self)
        self.timer.setObjectName("tunnelProbeTimer")
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh)

    def watch(self, port: int | None) -> None:
        self.port = port
        if port is None or self.started_active:
            self.timer.stop()
            return
        self.timer.start()
        self.refresh()

    def set_started(self, active: bool, url: str = "") -> None:
        """The tunnel this app runs: while `active`, `url` ("" until it is known) is the public URL."""
        was_active = self.started_active
        self.started_active = active
        self.started_url = url.strip().rstrip("/") if active else ""
        if active:
            self.timer.stop()
        elif was_active:
            self.watch(self.port)  # back to asking the agents someone else started
        self._update()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """One probe off the GUI thread, unless one is still running."""
        if self.probing or self.port is None or self.started_active:
            return
        self.probing = True
        port, detect = self.port, self._detect
        self._runner.submit(
            lambda: detect(port), on_done=self._on_found, on_error=self._on_failed, pool="net", owner=self
        )

    def set_manual_url(self, url: str) -> None:
        self.manual_url = url.strip().rstrip("/")
        self._update()

    def _on_failed(self, _error: BaseException) -> None:  # detection must never break the window
        self._on_found(TunnelResult(None, None))

    def _on_found(self, result: TunnelResult) -> None:
        self.probing = False
        self.result = result
        self._update()
        self.found.emit(result)

    def _update(self) -> None:
        detected = self.result.url if self.result is not None and self.result.url else ""
        manual = self.manual_url if self.manual_url.startswith(("http://", "https://")) else ""
        if self.started_active:
            url, source = self.started_url, "started"
        else:
            url, source = (detected, "detected") if detected else (manual, "manual")
        self.source = source if url else ""
        if url != self.public_url:
            self.public_url = url
            self.publicUrlChanged.emit(url)


class InspectorSession(QObject):
    listenerStarted = Signal(str)  # the URL, once a listener runs (again after a rebind)
    listenerFailed = Signal(str)  # why the listener could not start (the port is taken)
    committed = Signal(object)  # CommitNotice, on the GUI thread
    tokensChanged = Signal()  # the ring changed (a webhook's token loaded, rotated, removed)
    tokenProblem = Signal(object)  # str | None: deliveries cannot be verified as they should
    sandboxChanged = Signal(object)  # the sandbox's profile when it started, None when it stopped
    storeProblem = Signal(object)  # str | None: what SQLite's quick_check found
    webhooksChanged = Signal()  # a webhook was created, updated or deleted (here or elsewhere)

    def __init__(
        self,
        store: EventStore,
        dirs: AppDirs,
        *,
        config: ListenerConfig | None = None,
        sync: TokenSync | None = None,
        secrets: SecretStore | None = None,
        client_factory: ClientFactory = ProviderClient,
        sandbox_factory: SandboxFactory | None = None,
        detect: Detector = detect_tunnel,
        token_poll_ms: int = TOKEN_SYNC_MS,
        keep: KeepLimits | None = None,
        supervisor_factory: SupervisorFactory = TunnelSupervisor,
        find_tool: ToolFinder = find_tool,
        parent: QObject | None = None,
    ) -> None:
        """`keep`: the history's limits (None prunes nothing until the user sets some)."""
        super().__init__(parent)
        self.setObjectName("inspectorSession")
        self.store = store
        self.dirs = dirs
        self.config = config or ListenerConfig()
        self.runner = Runner(self)
        self.bridge = EventBridge(self)
        self.bridge.committed.connect(self.committed)
        self.history = HistoryKeeper(store, self.runner, keep, self)
        self.bridge.committed.connect(self.history.poke)
        if sync is None:
            from inspector.core.provider.webhook_index import WebhookIndex

            sync = TokenSync(WebhookIndex(dirs.config), lambda: secrets or SecretStore())
        self.sync = sync
        self._secrets = secrets
        self.webhooks = WebhookService(
            self.secrets,
            sync.index,
            ring=sync.ring,
            client_factory=client_factory,
            grace_seconds=sync.grace_seconds,
        )
        self.profiles = ProfileStore(dirs.config)
        self.rules = RuleSet()
        self.forwarding = Forwarding(self)
        self.tunnel = TunnelProbe(self.runner, self, detect=detect)
        self.tunnels = Tunnels(self, supervisor_factory=supervisor_factory, find=find_tool)
        self.listener: Listener | None = None
        # The learned payload shapes, kept across restarts of the listener (a rebind to a free port).
        self.learning: PayloadLearning | None = None
        if self.config.learn_shapes or self.config.schemas is not None:
            self.learning = PayloadLearning(store, schemas=self.config.schemas)
        self._own_listeners: list[Listener] = []  # the ones this session started (and so stops)
        self.listener_problem: str | None = None
        self.sandbox: SandboxServer | None = None
        self._sandbox_factory = sandbox_factory or sandbox_keeping_state(dirs.config / SANDBOX_STATE_FILE)
        self.token_problem: str | None = sync.problem
        self._syncing = False
        self._shut_down = False
        self._token_timer = QTimer(self)
        self._token_timer.setObjectName("tokenSyncTimer")
        self._token_timer.setInterval(token_poll_ms)
        self._token_timer.timeout.connect(self.sync_tokens)
        self._token_timer.start()

    # -- what the session holds ---------------------------------------------------------------------

    @property
    def secrets(self) -> SecretStore:
        """The keyring (opened once per run, shared by token sync and the webhook service)."""
        if self._secrets is None:
            self._secrets = self.sync.secrets()
        return self._secrets

    @property
    def tokens(self) -> Any:
        return self.sync.ring

    @property
    def url(self) -> str:
        return self.listener.url if self.listener is not None else ""

    @property
    def public_url(self) -> str:
        """Where the provider reaches the listener from outside: the tunnel started here, else a
        detected one, else the URL the user typed ("" when none); `tunnel.publicUrlChanged`."""
        return self.tunnel.public_url

    def authorization(self) -> str | None:
        """The Authorization header for sends to our own listener (replay, edit-and-send), from a
        token this session knows; None sends bare (the listener flags it or answers 401)."""
        token = self.sync.token_for_sends()
        return f"Bearer {token}" if token else None

    # -- the listener -------------------------------------------------------------------------------

    def start_listener(self) -> bool:
        """Bind and serve; a taken port is said by `listenerFailed` (other bind errors raise)."""
        listener = Listener(self.store, self.config, self.sync.ring, learning=self.learning)
        try:
            listener.start()
        except ListenerBindError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            self.listener_problem = str(exc)
            self.listenerFailed.emit(str(exc))
            return False
        self._own_listeners.append(listener)
        self.attach_listener(listener)
        return True

    def start_on_free_port(self) -> bool:
        self.config = replace(self.config, port=0)
        return self.start_listener()

    def attach_listener(self, listener: Listener) -> None:
        """Serve through `listener` (already started); the previous one is let go (and stopped, if
        this session started it)."""
        previous, self.listener = self.listener, listener
        if previous is not None and previous is not listener:
            self._release(previous)
        self.listener_problem = None
        if listener.learning is not None:
            self.learning = listener.learning  # one the caller brought (session_around)
        listener.subscribe(self.bridge.on_committed)
        self._hook_listener()
        self.tunnel.watch(listener.port)
        self.listenerStarted.emit(listener.url)

    def _release(self, listener: Listener) -> None:
        listener.unsubscribe(self.bridge.on_committed)
        listener.set_rule_hook(None)
        listener.set_forward_hook(None)
        if listener in self._own_listeners:
            self._own_listeners.remove(listener)
            listener.stop()

    def _hook_listener(self) -> None:
        listener = self.listener
        if listener is None:
            return
        listener.set_rule_hook(self.rules.decide)
        forwarder = self.forwarding.forwarder
        listener.set_forward_hook(forwarder.submit if forwarder is not None else None)

    def catch_up_notice(self) -> CommitNotice:
        """What a view that just attached must catch up to (rows committed before it listened)."""
        newest = self.store.max_seq()
        return CommitNotice(newest, newest, frozenset())

    def check_store(self) -> None:
        """SQLite's quick_check of the whole file, off the GUI thread; `storeProblem` says what it found."""
        self.runner.submit(self.store.damage, on_done=self.storeProblem.emit, owner=self)

    # -- tokens ---------------------------------------------------------------------------------------

    def sync_tokens(self, *, force: bool = False) -> None:
        """Reload the ring from the index and keyring on the network pool (one load at a time)."""
        if self._syncing or self._shut_down:
            return
        self._syncing = True
        sync = self.sync
        self.runner.submit(
            lambda: sync.refresh(force=force),
            on_done=self._on_synced,
            on_error=self._on_sync_failed,
            pool="net",
            owner=self,
        )

    def _on_synced(self, loaded: bool) -> None:
        self._syncing = False
        if loaded:
            self.tokensChanged.emit()
            self.webhooksChanged.emit()
        self._set_token_problem(self.sync.problem)

    def _on_sync_failed(self, error: BaseException) -> None:
        self._syncing = False  # a broken keyring or index must not stop the polling
        self._set_token_problem(f"cannot reload verification tokens: {error}")

    def _set_token_problem(self, problem: str | None) -> None:
        if problem != self.token_problem:
            self.token_problem = problem
            self.tokenProblem.emit(problem)

    def webhooks_changed_here(self) -> None:
        """A change made through `webhooks` in this window: the ring is current already."""
        self.tokensChanged.emit()
        self.webhooksChanged.emit()

    # -- the sandbox ----------------------------------------------------------------------------------

    def start_sandbox(
        self, on_ready: Callable[[Profile], None], on_error: Callable[[BaseException], None]
    ) -> bool:
        """Start the provider emulator on a free port; its profile is saved (and its access token
        kept) off the GUI thread, then `on_ready(profile)`. False when it could not start."""
        if self.sandbox is not None:
            return True
        access_token = pysecrets.token_urlsafe(24)
        try:
            server = self._sandbox_factory(access_token)  # reads the kept state: may be unreadable
            server.start()  # binds 127.0.0.1:0 and serves on its own thread: no waiting here
        except (OSError, StateFileError) as exc:
            on_error(exc)
            return False
        self.sandbox = server
        profile = Profile(LOCAL_SANDBOX, server.url + "/v1", is_sandbox=True)
        profiles, secrets = self.profiles, self.secrets

        def remember() -> Profile:
            profiles.save(profile)  # the port (non-secret) in profiles.json
            secrets.set_api_token(LOCAL_SANDBOX, access_token)
            return profile

        def ready(saved: Profile) -> None:
            self.sandboxChanged.emit(saved)
            on_ready(saved)

        self.runner.submit(remember, on_done=ready, on_error=on_error, pool="net", owner=self)
        return True

    # -- the end --------------------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop everything this session started, in order. Safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self._token_timer.stop()
        self.tunnels.shutdown()  # the tunnel first: nothing new comes in through it meanwhile
        self.tunnel.stop()
        listener = self.listener
        if listener is not None:
            # Nothing new in first: then forwarding, which the listener fed, can be drained.
            self._release(listener)
        self.bridge.detach()  # a batch already on its way from the writer thread is dropped
        self.forwarding.stop(wait=True)
        self.history.stop()  # a batch in progress ends; nothing is deleted after this
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
            self.sandboxChanged.emit(None)
        # Background counts and queries still running would hit a closed store; a quick_check of a
        # large file is stopped rather than waited for.
        self.store.interrupt_checks()
        self.runner.close(timeout_ms)


def session_around(
    store: EventStore,
    listener: Listener | None,
    dirs: AppDirs,
    *,
    secrets: SecretStore | None = None,
    sync: TokenSync | None = None,
    **kwargs: Any,
) -> InspectorSession:
    """A session on a store and an already started listener, sharing its token ring: for
    `--self-test`, the benchmarks and the tests, which bring their own listener."""
    from inspector.core.capture.token_ring import TokenRing
    from inspector.core.provider.webhook_index import WebhookIndex

    if sync is None:
        ring = listener.tokens if listener is not None else TokenRing()
        sync = TokenSync(WebhookIndex(dirs.config), lambda: secrets or SecretStore(), ring)
    config = listener.config if listener is not None else ListenerConfig(port=0)
    session = InspectorSession(store, dirs, config=config, sync=sync, secrets=secrets, **kwargs)
    if listener is not None:
        session.attach_listener(listener)
    return session
