"""`webhook-inspector import FILE`: an NDJSON export or a HAR file back into the history.

Prints what went in and what was skipped, one line per kind of problem with its first line
numbers. Exit 0 when the file was read to its end (skipped lines included), 2 for a file that
cannot be imported at all, 1 when the import stopped midway (a full disk): what went in before
stays, and the message says how much.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from inspector.core.terminal_text import escape_controls


def add_parser(sub: Any) -> None:
    from inspector.commands import options

    p = sub.add_parser(
        "import",
        help="read NDJSON or HAR back into the history; says what it imported and skipped",
        description=(
            "Add the events of an NDJSON export or a HAR file to the history, with their original"
            " times. Bad lines are skipped and counted; events already in the history are skipped,"
            " so importing a file twice does not double it."
        ),
    )
    options.store(p)
    p.add_argument("file", metavar="FILE", help="an NDJSON export (.ndjson, .jsonl) or a HAR file (.har)")
    p.add_argument(
        "--format", choices=("ndjson", "har"), help="the file's format (default: by name and first line)"
    )


def run(args: argparse.Namespace) -> int:
    from inspector.commands import UserError
    from inspector.commands.runtime import open_store
    from inspector.core.io.import_events import ImportFileError, import_file

    path = Path(args.file).expanduser()
    # Checked before the store is opened: a mistyped name must not create an empty history.
    if not path.exists():
        raise UserError(f"{escape_controls(str(path))} does not exist")
    if path.is_dir():
        raise UserError(f"{escape_controls(str(path))} is a folder, not a file")
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        raise UserError(f"cannot read {escape_controls(str(path))}: {exc.strerror or exc}") from None
    store = open_store(args)
    try:
        report = import_file(path, store, args.format)
    except ImportFileError as exc:
        raise UserError(escape_controls(str(exc))) from None
    finally:
        store.close()

    noun = "lines" if report.unit == "line" else "entries"
    events = f"event{'' if report.imported == 1 else 's'}"
    out = [f"imported {report.imported:,} {events} from {escape_controls(path.name)}"]
    if report.skipped:
        out.append(f"skipped {report.skipped:,} bad {noun if report.skipped != 1 else report.unit}:")
        out += [f"  {escape_controls(line)}" for line in report.reason_lines()]
    if report.already_present:
        out.append(f"skipped {report.already_present:,} already in the history")
    print("\n".join(out), flush=True)
    if report.stopped:
        before = (
            f"the {report.imported:,} events before it are in the history"
            if report.imported
            else "nothing was imported"
        )
        print(
            f"webhook-inspector: error: the import {escape_controls(report.stopped)}; {before}",
            file=sys.stderr,
        )
        return 1
    return 0
