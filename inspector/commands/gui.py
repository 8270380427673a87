"""`webhook-inspector gui` (and plain `webhook-inspector`): the desktop window, listener running."""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from inspector.core.event_store import EventStore
    from inspector.core.listener import ListenerConfig
    from inspector.core.token_check import TokenRing
    from inspector.ui.main_window import MainWindow


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    sub.add_parser(
        "gui",
        parents=[common],
        help="open the desktop app (the default)",
        description="Open the window with the listener running; history from earlier runs is kept.",
    )


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
    from inspector.core.listener import Listener, ListenerBindError
    from inspector.ui.main_window import build_main_window

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

    from inspector.commands.runtime import build_token_ring, config_dir, open_store
    from inspector.core.listener import ListenerConfig
    from inspector.ui.app import SignalWaker, create_application, release_clipboard, window_settings

    tokens = build_token_ring(args)  # before the store: a bad --token-env must not create files
    store = open_store(args)
    try:
        app = create_application()
        waker = SignalWaker(app)  # before the URL is printed: a SIGTERM from then on quits cleanly
        settings = window_settings(str(config_dir(args)))
        window = start_window(store, ListenerConfig(host=args.host, port=args.port), tokens, settings)
        window.show()
        if not tokens:
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
        # Background counts/queries still running would hit a closed store.
        QThreadPool.globalInstance().waitForDone(5000)
        return int(code)
    finally:
        store.close()
