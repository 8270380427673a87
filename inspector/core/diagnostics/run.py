"""Everything a command does about diagnostics at start and exit, in one call each.

    run = start_run("listen", verbose=args.verbose, log_file=args.log_file)
    if run.previous_crash: print(run.previous_crash.message, file=sys.stderr)
    ...
    run.close(exit_code)

The window passes its crash dialog's `report` as `on_error`; commands get one sentence on stderr.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inspector.core.diagnostics.crash_capture import (
    CrashCapture,
    CrashReport,
    previous_crash,
    start_crash_capture,
)
from inspector.core.diagnostics.excepthooks import (
    InstalledHooks,
    OnError,
    install_excepthooks,
    stderr_notice,
)
from inspector.core.diagnostics.log_events import app_started, app_stopped
from inspector.core.diagnostics.log_setup import LogSetup, default_log_dir, setup_logging


@dataclass
class RunDiagnostics:
    command: str
    log: LogSetup
    crash: CrashCapture | None  # None: the crash dir could not be written
    previous_crash: CrashReport | None  # a crash of an earlier run, reported once
    hooks: InstalledHooks

    def close(self, exit_code: int = 0) -> None:
        """A clean exit: say so in the log, drop this run's crash marker, restore the hooks."""
        app_stopped(self.command, exit_code)
        if self.crash is not None:
            self.crash.close()
        self.hooks.uninstall()


def start_run(
    command: str,
    *,
    verbose: bool = False,
    log_file: Path | None = None,
    on_error: OnError | None = None,
    crash_dir: Path | None = None,
) -> RunDiagnostics:
    """Logging, crash capture and excepthooks for one command; crash files go to the log dir."""
    log = setup_logging(verbose=verbose, log_file=log_file, command=command)
    app_started(command)
    where = crash_dir if crash_dir is not None else default_log_dir()
    previous: CrashReport | None = None
    crash: CrashCapture | None = None
    # The default log dir already failed (and said so once): no second warning for the same dir.
    if crash_dir is not None or log.log_file is not None or log_file is not None:
        previous = previous_crash(where)
        crash = start_crash_capture(where, command)
    log_path = str(log.log_file) if log.log_file is not None else None
    hooks = install_excepthooks(on_error if on_error is not None else stderr_notice(log_path))
    return RunDiagnostics(command, log, crash, previous, hooks)
