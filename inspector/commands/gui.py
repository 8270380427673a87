"""`webhook-inspector gui` (and plain `webhook-inspector`): the desktop window, listener running."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    from inspector.commands import options

    p = sub.add_parser(
        "gui",
        help="open the desktop app (the default)",
        description="Open the window with the listener running; history from earlier runs is kept.",
    )
    options.listener(p)


def announce(url: str) -> None:
    print(f"listening on {url}", flush=True)


def run(args: argparse.Namespace) -> int:
    from inspector.commands import UserError, options
    from inspector.commands.run_diagnostics import run_of
    from inspector.commands.runtime import open_store, token_sync
    from inspector.core.capture.listener import ListenerBindError, ListenerConfig
    from inspector.ui.app import SignalWaker, create_application, release_clipboard, window_settings
    from inspector.ui.crash_reporting import install_crash_reporting
    from inspector.ui.dialogs.diagnostics_dialog import add_help_menu
    from inspector.ui.history_keeper import limits_from_settings
    from inspector.ui.session import InspectorSession
    from inspector.ui.shapes.shapes_dock import add_shapes_dock
    from inspector.ui.webhooks.webhooks_dock import add_webhooks_dock
    from inspector.ui.window.main_window import build_main_window

    run = run_of(args)
    previous_on_error = run.hooks.on_error if run is not None else None
    sync = token_sync(args)  # before the store: a bad --token-env must not create files
    schemas = options.load_schemas(args)  # so is a schema that cannot be used
    store = open_store(args)
    dirs = options.dirs(args)
    try:
        app = create_application()
        waker = SignalWaker(app)  # before the URL is printed: a SIGTERM from then on quits cleanly
        settings = window_settings(str(dirs.config))
        # --keep-* given: for this run; the rest as saved in the window's "Keep history".
        keep = options.keep_limits_of(args, limits_from_settings(settings))
        session = InspectorSession(
            store,
            dirs,
            config=ListenerConfig(host=args.host, port=args.port, schemas=schemas),
            sync=sync,
            keep=keep,
        )
        session.listenerStarted.connect(announce)
        session.listenerFailed.connect(
            lambda problem: print(
                f"webhook-inspector: {problem}; the window offers a free port", file=sys.stderr, flush=True
            )
        )
        try:
            session.start_listener()  # a taken port: the window says so and offers a free one
        except ListenerBindError as exc:  # a bad address or a privileged port: the user's to fix
            session.shutdown()
            raise UserError(str(exc)) from None
        window = build_main_window(session, settings)
        add_webhooks_dock(window, settings)
        add_shapes_dock(window, settings)
        # Help last in the menu bar. Once the window shows, an unexpected error opens the crash dialog.
        add_help_menu(window, run.log if run is not None else None)
        session.check_store()  # off the GUI thread; a damaged file shows in the status bar
        window.show()
        reporting = install_crash_reporting(window, run) if run is not None else None
        if sync.problem:
            print(f"warning: {sync.problem}", file=sys.stderr, flush=True)
        elif not sync.ring:
            print(
                "note: no verification token configured; deliveries are accepted and flagged unverified",
                file=sys.stderr,
                flush=True,
            )
        code = app.exec()
        if run is not None and reporting is not None:
            run.hooks.on_error = previous_on_error  # the dialog goes with the window
        release_clipboard(app)
        waker.close()
        window.close()
        session.shutdown()
        return int(code)
    finally:
        store.close()
