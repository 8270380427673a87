"""`webhook-inspector gui` (and plain `webhook-inspector`): the desktop window, listener running."""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings, QTimer

    from inspector.core.capture.listener import ListenerConfig
    from inspector.core.capture.token_ring import TokenRing
    from inspector.core.provider.token_sync import TokenSync
    from inspector.core.store.event_store import EventStore
    from inspector.ui.background import BackgroundRunner
    from inspector.ui.window.main_window import MainWindow


def add_parser(sub: Any) -> None:
    from inspector.commands import options

    p = sub.add_parser(
        "gui",
        help="open the desktop app (the default)",
        description="Open the window with the listener running; history from earlier runs is kept.",
    )
    options.listener(p)


# How often the window re-reads the webhook index (one stat() when nothing changed), so a webhook
# created by the CLI or the webhooks panel is verified without a restart.
TOKEN_SYNC_MS = 2000


def attach_token_sync(window: MainWindow, sync: TokenSync, interval_ms: int = TOKEN_SYNC_MS) -> QTimer:
    """Poll `sync.refresh()` on the GUI thread; the status bar says when a token is missing.

    Sends from the window to its own listener carry the --token-env token, else the token of a
    webhook the ring knows (read from the keyring when a send starts, never kept elsewhere).
    """
    from PySide6.QtCore import QTimer

    def refresh() -> None:
        try:
            sync.refresh()
        except Exception as exc:  # a broken keyring or index must not stop the timer
            window.status.set_token_problem(f"cannot reload verification tokens: {exc}")
            return
        window.status.set_token_problem(sync.problem)

    window.event_actions.token_source = sync.token_for_sends
    timer = QTimer(window)
    timer.setObjectName("tokenSyncTimer")
    timer.setInterval(interval_ms)
    timer.timeout.connect(refresh)
    timer.start()
    window.status.set_token_problem(sync.problem)
    return timer


def attach_integrity_check(window: MainWindow, store: EventStore) -> BackgroundRunner:
    """Run SQLite's quick_check off the GUI thread; a damaged file shows in the status bar.

    The window opens at once and stays usable: the check reads the whole file, seconds for a
    large history, and the file is only read, never repaired or rewritten.
    """
    from inspector.commands.runtime import store_problem
    from inspector.ui.background import BackgroundRunner

    runner = BackgroundRunner(window)
    runner.setObjectName("storeCheckRunner")
    runner.done.connect(lambda _tag, problem: window.status.set_store_problem(problem))
    runner.submit("quick_check", lambda: store_problem(store))
    return runner


def announce(url: str) -> None:
    print(f"listening on {url}", flush=True)


def start_window(
    store: EventStore,
    config: ListenerConfig,
    tokens: TokenRing,
    settings: QSettings,
    on_listening: Callable[[str], None] = announce,
) -> MainWindow:
    """Bind the listener and build the window; a taken port opens the window with an offer.

    The window then says the port is taken and offers to listen on any free port instead, rather
    than failing at start. Other bind errors (bad address, privileged port) are the user's to fix.
    """
    from inspector.commands import UserError
    from inspector.core.capture.listener import Listener, ListenerBindError
    from inspector.ui.window.main_window import build_main_window

    listener = Listener(store, config, tokens)
    try:
        listener.start()
    except ListenerBindError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise UserError(str(exc)) from None
        print(f"webhook-inspector: {exc}; the window offers a free port", file=sys.stderr, flush=True)
        window = build_main_window(store, None, settings)

        def start_free() -> Listener:
            free = Listener(store, replace(config, port=0), tokens)
            free.start()
            on_listening(free.url)
            return free

        window.offer_free_port(str(exc), start_free)
        return window
    on_listening(listener.url)
    return build_main_window(store, listener, settings)


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QThreadPool

    from inspector.commands import options
    from inspector.commands.runtime import open_store, token_sync
    from inspector.core.capture.listener import ListenerConfig
    from inspector.ui.app import SignalWaker, create_application, release_clipboard, window_settings
    from inspector.ui.provider_worker import wait_for_network_calls
    from inspector.ui.webhooks.webhooks_dock import add_webhooks_dock

    sync = token_sync(args)  # before the store: a bad --token-env must not create files
    tokens = sync.ring
    store = open_store(args)
    try:
        app = create_application()
        waker = SignalWaker(app)  # before the URL is printed: a SIGTERM from then on quits cleanly
        dirs = options.dirs(args)
        settings = window_settings(str(dirs.config))
        window = start_window(store, ListenerConfig(host=args.host, port=args.port), tokens, settings)
        attach_token_sync(window, sync)
        attach_integrity_check(window, store)
        # The panel shares TokenSync's keyring handle: one probe of the keyring per run.
        add_webhooks_dock(window, dirs.config, tokens, settings, sync.secrets())
        window.show()
        if sync.problem:
            print(f"warning: {sync.problem}", file=sys.stderr, flush=True)
        elif not tokens:
            print(
                "note: no verification token configured; deliveries are accepted and flagged unverified",
                file=sys.stderr,
                flush=True,
            )
        code = app.exec()
        release_clipboard(app)
        waker.close()
        window.close()
        if window.listener is not None:
            window.listener.stop()
        # Background counts/queries still running would hit a closed store; provider calls in
        # flight finish (or time out) before the process tears Qt down under them. A quick_check
        # of a large file is stopped rather than waited for.
        store.interrupt_checks()
        QThreadPool.globalInstance().waitForDone(5000)
        wait_for_network_calls(5000)
        return int(code)
    finally:
        store.close()
