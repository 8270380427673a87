"""`webhook-inspector export`: stored events to stdout or a file."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from inspector.core.events import StoredEvent

Writer = Callable[[Iterable[StoredEvent], TextIO], int]


def writers() -> dict[str, Writer]:
    from inspector.core.io.export_ndjson import write_ndjson

    found: dict[str, Writer] = {"ndjson": write_ndjson}
    with contextlib.suppress(ImportError):
        from inspector.core.io.export_har import write_har

        found["har"] = write_har
    with contextlib.suppress(ImportError):
        from inspector.core.io.export_curl import write_curl

        found["curl"] = write_curl
    return found


def add_parser(sub: Any) -> None:
    from inspector.commands import options

    p = sub.add_parser(
        "export",
        help="write stored events (ndjson | har | curl) to stdout or --out",
        description=(
            "Write the stored events that match --filter, oldest first, as NDJSON (one record per"
            " line), a HAR 1.2 document, or a shell script of curl commands. Secrets are redacted;"
            " cURL scripts read secret headers from $WEBHOOK_TOKEN. Only reads the history."
        ),
    )
    options.store(p)
    p.add_argument(
        "--format", default="ndjson", choices=("ndjson", "har", "curl"), help="output format (default ndjson)"
    )
    p.add_argument(
        "--filter",
        default="",
        metavar="QUERY",
        help='which events, in the filter language: "type:card.* status:2xx"',
    )
    p.add_argument("--out", metavar="FILE", help="write here (atomically) instead of stdout")
    p.add_argument(
        "--url",
        metavar="BASE",
        help=(
            "where cURL/HAR requests point, e.g. http://localhost:3000/api"
            " (default: the listener each event was received on)"
        ),
    )


def _on_base(write: Writer, base_url: str) -> Writer:
    """`write` (the HAR or cURL writer) with every request pointed at `base_url`."""
    with_base: Callable[..., int] = write
    return lambda events, out: with_base(events, out, base_url=base_url)


class _Counted:
    """The events as they are read, counted, so a failed read can say how far the export got."""

    def __init__(self, events: Iterable[StoredEvent]) -> None:
        self._events = events
        self.n = 0

    def __iter__(self) -> Iterator[StoredEvent]:
        for event in self._events:
            yield event
            self.n += 1


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from inspector.commands import UserError, options
    from inspector.commands.runtime import open_store
    from inspector.core.io.atomic_file import atomic_file
    from inspector.core.store.connection import damage_sentence, is_damage
    from inspector.core.store.filter_query import FilterError, parse_filter

    write = writers().get(args.format)
    if write is None:
        raise UserError(f"--format {args.format} is not available in this build")
    if args.url is not None:
        from inspector.core.io.event_url import parse_base

        if args.format == "ndjson":
            raise UserError("--url is for --format har or curl (NDJSON keeps the path as received)")
        try:
            parse_base(args.url)
        except ValueError as exc:
            raise UserError(f"--url: {exc}") from None
        write = _on_base(write, args.url)
    try:
        flt = parse_filter(args.filter)
    except FilterError as exc:
        raise UserError(f"--filter: {exc} (at character {exc.position + 1})") from None
    dirs = options.dirs(args)
    if not dirs.database.exists():
        raise UserError(f"no event database in {dirs.data} (use --data-dir)")
    # Read-only: an export works on a data dir the user cannot write, and never changes the file.
    store = open_store(args, read_only=True)
    events = _Counted(store.iter_events(flt))
    try:
        if not args.out:
            write(events, sys.stdout)
            sys.stdout.flush()
        else:
            try:
                with atomic_file(Path(args.out)) as f:
                    write(events, f)  # type: ignore[arg-type]  # text mode: a TextIO
            except OSError as exc:
                raise UserError(f"cannot write {args.out}: {exc.strerror or exc}") from None
            noun = "event" if events.n == 1 else "events"
            print(f"exported {events.n:,} {noun} to {args.out}", file=sys.stderr)
    except sqlite3.DatabaseError as exc:
        written = f"nothing was written to {args.out}" if args.out else f"{events.n:,} were written"
        if is_damage(exc):
            problem = damage_sentence(store.path, str(exc))
        else:
            problem = f"cannot read the event database {store.path} ({exc})"
        raise UserError(f"{problem}; the export stopped after {events.n:,} events, {written}") from None
    finally:
        store.close()
    return 0
