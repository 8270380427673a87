"""`webhook-inspector schema`: the learned payload shapes as JSON Schema, typed models or Markdown."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

FORMATS = ("json-schema", "pydantic", "dataclasses", "typeddict", "markdown")
PROGRESS_EVERY = 2.0  # seconds between progress lines on stderr


def add_parser(sub: Any) -> None:
    from inspector.commands import options

    p = sub.add_parser(
        "schema",
        help="learned payload shapes: json-schema | pydantic | dataclasses | typeddict | markdown",
        description=(
            "What was learned of each event type's payload, from the accepted deliveries in the history:"
            " its JSON Schema (draft 2020-12), Pydantic v2 models, dataclasses or TypedDicts for the"
            " whole envelope, or a Markdown table. Without --type, every type seen (for json-schema,"
            " one object mapping each type to its schema; for models, a union discriminated on"
            " event_identifier)."
        ),
    )
    options.store(p)
    p.add_argument("--type", metavar="TYPE", help="only this event type (transaction.authorized)")
    p.add_argument(
        "--format", default="json-schema", choices=FORMATS, help="what to write (default json-schema)"
    )
    p.add_argument(
        "--filter",
        default="",
        metavar="QUERY",
        help='learn only from the deliveries that match, in the filter language: "webhook:wh_1"',
    )
    p.add_argument("--out", metavar="FILE", help="write here (atomically) instead of stdout")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="relearn from the whole history and save that in place of what was learned",
    )
    p.add_argument(
        "--all-values",
        action="store_true",
        help="models accept any value where few were seen (no Literal of the currencies seen so far)",
    )


class _Progress:
    """A line on stderr every PROGRESS_EVERY seconds: how far learning from the history has got."""

    def __init__(self, total: int, what: str) -> None:
        self.total = total
        self.what = what
        self.started = time.monotonic()
        self.shown = self.started

    def __call__(self, n: int) -> None:
        now = time.monotonic()
        if now - self.shown >= PROGRESS_EVERY or n >= self.total:
            self.shown = now
            share = f" ({n / self.total:.0%})" if self.total else ""
            print(f"{self.what}: {n:,} of {self.total:,} events{share}", file=sys.stderr, flush=True)

    def done(self) -> None:
        took = time.monotonic() - self.started
        print(f"{self.what}: {self.total:,} events in {took:.1f} s", file=sys.stderr, flush=True)


def _learn(args: argparse.Namespace) -> Any:
    """The learner to write from: saved, rebuilt and saved (--rebuild), or learned now (--filter)."""
    from inspector.commands import UserError, options
    from inspector.commands.runtime import open_store
    from inspector.core.capture.payload_learning import PayloadLearning
    from inspector.core.shapes import ShapeLearner
    from inspector.core.store import shape_state
    from inspector.core.store.filter_query import FilterError, parse_filter

    try:
        flt = parse_filter(args.filter)
    except FilterError as exc:
        raise UserError(f"--filter: {exc} (at character {exc.position + 1})") from None
    if args.rebuild and not flt.empty:
        raise UserError("--rebuild relearns the whole history; leave out --filter (or --rebuild)")
    if not options.dirs(args).database.exists():
        raise UserError(f"no event database in {options.dirs(args).data} (use --data-dir)")
    store = open_store(args, read_only=not args.rebuild)
    try:
        if args.rebuild:
            learning = PayloadLearning(store)
            progress = _Progress(shape_state.count_learnable(store), "rebuilding")
            learning.rebuild(progress=progress)
            progress.done()
            return learning.learner
        if flt.empty:
            learning = PayloadLearning(store)
            if learning.problem:
                raise UserError(f"{learning.problem} (webhook-inspector schema --rebuild)")
            if learning.learner.event_types() or not shape_state.count_learnable(store):
                return learning.learner
            # A history from before shapes were learned: learn it now (--rebuild saves it too).
        learner = ShapeLearner()
        progress = _Progress(shape_state.count_learnable(store, flt), "learning")
        learner.rebuild(shape_state.learnable_bodies(store, flt), progress=progress)
        return learner
    finally:
        store.close()


def _render(learner: Any, args: argparse.Namespace) -> str:
    from inspector.commands import UserError
    from inspector.core.shapes import ModelsError, ModelsUnavailable, markdown_text, schema_json, schemas_json

    known = learner.event_types()
    if not known:
        raise UserError("nothing learned yet: no accepted deliveries of a named event type in the history")
    if args.type is not None and args.type not in known:
        shown = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
        raise UserError(f"no deliveries of type {args.type!r} were learned (known: {shown})")
    chosen = [args.type] if args.type else known
    if args.format == "json-schema":
        return schema_json(learner, args.type) if args.type else schemas_json(learner, chosen)
    if args.format == "markdown":
        return markdown_text(learner, chosen)
    from inspector.core.shapes import generate_models

    try:
        return generate_models(learner.schemas(chosen), args.format, value_sets=not args.all_values)
    except (ModelsUnavailable, ModelsError) as exc:
        raise UserError(str(exc)) from None


def _terminal_safe(text: str, escape: Any) -> str:
    """Lines holding a control or bidi character escaped; the others (JSON's backslashes) as they are."""
    lines = text.split("\n")
    return "\n".join(
        escape(line) if escape(line.replace("\\", "")) != line.replace("\\", "") else line for line in lines
    )


def run(args: argparse.Namespace) -> int:
    from inspector.commands import UserError
    from inspector.core.io.atomic_file import atomic_file
    from inspector.core.terminal_text import escape_controls

    text = _render(_learn(args), args)
    if not args.out:
        # Event types and example values came from whoever reached the listener: no raw controls.
        sys.stdout.write(_terminal_safe(text, escape_controls) if sys.stdout.isatty() else text)
        sys.stdout.flush()
        return 0
    try:
        with atomic_file(Path(args.out)) as f:
            f.write(text)
    except OSError as exc:
        raise UserError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.format} to {args.out}", file=sys.stderr)
    return 0
