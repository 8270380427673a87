"""What every command does about diagnostics: --verbose, --log-file, --diagnostics, and the run.

cli.py adds the options to every subcommand (and to nested ones such as `webhooks list`), prints
the report for `--diagnostics`, and wraps each command in `run = Run(args, name)` ... `run.finish(code)`:
the log file, the crash capture, the excepthooks (inspector.core.diagnostics.run). The command
finds its run as `args.diagnostics_run` (the window hands it to its crash dialog).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from inspector.commands import options

if TYPE_CHECKING:
    from inspector.core.diagnostics import RunDiagnostics

# inspector.core.diagnostics is imported when a command runs, not for `--version` or `--help`.

RUN_ATTRIBUTE = "diagnostics_run"


def add_options(parser: argparse.ArgumentParser, *, repeated: bool = False) -> None:
    """The diagnostics options on `parser` and on every subcommand under it."""
    options.diagnostics(parser, repeated=repeated)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases share a parser
                add_options(child, repeated=True)


def log_file_of(args: argparse.Namespace) -> Path | None:
    given = getattr(args, "log_file", None)
    return Path(given).expanduser() if given else None


def print_diagnostics(args: argparse.Namespace, command: str) -> None:
    """`--diagnostics`: the same text as Help → Diagnostics, without opening or creating anything."""
    from inspector.core.diagnostics import DiagnosticPaths, default_log_dir, diagnostics
    from inspector.core.diagnostics.log_setup import log_file_name

    dirs = options.dirs(args)
    log_file = log_file_of(args) or default_log_dir() / log_file_name(command)
    paths = DiagnosticPaths(dirs.data, dirs.config, log_file.parent, log_file)
    sys.stdout.write(diagnostics(paths))
    sys.stdout.flush()


class Run:
    """One command's run: started before the command, finished after it whatever happened."""

    def __init__(self, args: argparse.Namespace, command: str) -> None:
        from inspector.core.diagnostics import start_run

        self._root_level = logging.getLogger().level
        self.diagnostics: RunDiagnostics = start_run(
            command, verbose=bool(getattr(args, "verbose", False)), log_file=log_file_of(args)
        )
        setattr(args, RUN_ATTRIBUTE, self.diagnostics)
        crash = self.diagnostics.previous_crash
        if crash is not None and sys.stderr is not None:
            print(f"webhook-inspector: note: {crash.message}", file=sys.stderr, flush=True)

    def finish(self, exit_code: int) -> None:
        """The clean end: "stopped" in the log, this run's crash marker removed, hooks put back.

        Logging is taken down too, so a command run in-process (the tests) leaves the root
        logger as it found it.
        """
        from inspector.core.diagnostics import shutdown_logging

        self.diagnostics.close(exit_code)
        shutdown_logging()
        logging.getLogger().setLevel(self._root_level)


def run_of(args: argparse.Namespace) -> RunDiagnostics | None:
    from inspector.core.diagnostics import RunDiagnostics

    found = getattr(args, RUN_ATTRIBUTE, None)
    return found if isinstance(found, RunDiagnostics) else None
