"""`webhook-inspector listen`: the listener and store without a window, one line per delivery."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from inspector.core.events import EXTRA_SHAPE, StoredEvent
from inspector.core.terminal_text import escape_controls, json_line


def add_parser(sub: Any) -> None:
    from inspector.commands import options

    p = sub.add_parser(
        "listen",
        help="run the listener headless; one line per delivery on stdout",
        description="Receive deliveries without the window. Ctrl-C or SIGTERM stops cleanly.",
    )
    options.listener(p)
    options.tunnel(p)
    p.add_argument("--json", action="store_true", help="print each delivery as an NDJSON record")
    p.add_argument(
        "--strict", action="store_true", help="answer 422 to JSON objects that are not an envelope"
    )
    p.add_argument(
        "--max-body",
        type=int,
        default=5 * 1024 * 1024,
        metavar="BYTES",
        help="body size limit in bytes (default 5 MiB; larger bodies are answered 413)",
    )


def format_line(event: StoredEvent) -> str:
    """One delivery as a terminal line; every field a request chose is escaped (no CR LF, no ESC)."""
    tags = [*event.flags]
    if event.webhook_id:
        tags.append(f"verified {event.webhook_id}")
    flags = f"  [{','.join(tags)}]" if tags else ""
    return escape_controls(
        f"{event.received_at_iso}  {event.status}  {event.method} {event.path}  "
        f"{event.event_identifier or '-'}  {event.event_id or '-'}{flags}{shape_notes(event)}"
    )


def shape_notes(event: StoredEvent) -> str:
    """new_shape / schema_invalid: what differed, after the flags ("  data.wallet: new field (string)")."""
    entry = event.extra.get(EXTRA_SHAPE)
    if not isinstance(entry, dict):
        return ""
    lines = [str(d.get("text", "")) for d in entry.get("differences", []) if isinstance(d, dict)]
    lines += [str(p) for p in entry.get("schema_problems", [])]
    return "".join(f"  {line};" for line in lines).rstrip(";")


def warn_if_damaged(store: Any) -> None:
    """Check the whole database beside the running listener; say so on stderr if it is damaged."""

    problem = store.damage()
    if problem:
        print(f"warning: {problem}; new deliveries may be refused (503)", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from inspector.commands import UserError, options
    from inspector.commands.runtime import open_store, start_retention, token_sync
    from inspector.core.capture.listener import Listener, ListenerBindError, ListenerConfig

    if args.max_body < 1:
        raise UserError("--max-body must be a positive number of bytes")
    for option, value in (("--follow-webhooks", args.follow_webhooks), ("--tunnel-path", args.tunnel_path)):
        if value and not args.tunnel:
            raise UserError(f"{option} goes with --tunnel cloudflared|ngrok (the tunnel to follow)")
    sync = token_sync(args)
    tokens = sync.ring
    out_lock = threading.Lock()

    def say(line: str) -> None:
        with out_lock:
            sys.stdout.write(escape_controls(line) + "\n")
            sys.stdout.flush()

    tunnel = None
    if args.tunnel:
        from inspector.commands.listen_tunnel import ListenTunnel

        tunnel = ListenTunnel(args, tokens, say)  # a missing tool or profile is refused before binding
    schemas = options.load_schemas(args)  # a bad schema is refused before anything is opened
    store = open_store(args)
    config = ListenerConfig(
        host=args.host, port=args.port, max_body=args.max_body, strict_envelope=args.strict, schemas=schemas
    )
    listener = Listener(store, config, tokens)

    def print_batch(batch: list[StoredEvent]) -> None:
        if args.json:
            lines = [json_line(e.to_export_dict()) for e in batch]
        else:
            lines = [format_line(e) for e in batch]
        with out_lock:
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()

    listener.subscribe(print_batch)
    try:
        listener.start()
    except ListenerBindError as exc:
        store.close()
        raise UserError(str(exc)) from None
    stop = threading.Event()
    # SIGTERM (service managers, `kill`) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"listening on {listener.url}", flush=True)
    if sync.problem:
        print(f"warning: {escape_controls(sync.problem)}", file=sys.stderr, flush=True)
    elif not tokens:
        print(
            "note: no verification token configured; deliveries are accepted and flagged unverified",
            file=sys.stderr,
            flush=True,
        )
    threading.Thread(target=warn_if_damaged, args=(store,), name="store-check", daemon=True).start()
    retention = start_retention(args, store)
    listener.subscribe(lambda _batch: retention.poke())
    if tunnel is not None:
        tunnel.start(listener)
    try:
        while not stop.wait(0.5):
            # Webhooks created or rotated from another process (the app, `webhooks create`) take
            # effect here without a restart.
            if sync.refresh() and sync.problem:
                print(f"warning: {escape_controls(sync.problem)}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        if tunnel is not None:
            tunnel.stop()  # before the listener: nothing new comes in through it meanwhile
        listener.stop()
        retention.stop()
        store.close()
    print("stopped", file=sys.stderr, flush=True)
    return 0
