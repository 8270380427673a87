"""When something goes wrong: the log, crash reports, excepthooks and the diagnostics text.

Qt-free; the crash dialog is inspector.ui.crash_dialog. Modules:

- secret_registry: `register_secret` for every secret the process holds;
- text_redaction: `redact_text`, the free-text version of the store's redaction rules;
- log_filter: `RedactingFilter`, on every handler;
- log_setup: `setup_logging` (rotating owner-only file, stderr with --verbose);
- log_events: the INFO vocabulary (`listener_bound`, `delivery_rejected`, ...);
- excepthooks: `install_excepthooks`, `doing`, `crash_details`;
- crash_capture: faulthandler into a file, `previous_crash` at the next start;
- report: `diagnostics`, the text for --diagnostics and Help → Diagnostics;
- run: `start_run`, all of the above for one command.
"""

from inspector.core.diagnostics.crash_capture import (
    CrashCapture,
    CrashReport,
    previous_crash,
    start_crash_capture,
)
from inspector.core.diagnostics.excepthooks import (
    InstalledHooks,
    OnError,
    crash_details,
    doing,
    error_context,
    install_excepthooks,
    stderr_notice,
)
from inspector.core.diagnostics.log_filter import RedactingFilter, safe_lines, safe_text
from inspector.core.diagnostics.log_setup import (
    LOG_DIR_ENV,
    LogSetup,
    default_log_dir,
    setup_logging,
    shutdown_logging,
)
from inspector.core.diagnostics.report import DiagnosticPaths, diagnostics
from inspector.core.diagnostics.run import RunDiagnostics, start_run
from inspector.core.diagnostics.secret_registry import MIN_SECRET_LENGTH, register_secret
from inspector.core.diagnostics.text_redaction import redact_text

__all__ = [
    "LOG_DIR_ENV",
    "MIN_SECRET_LENGTH",
    "CrashCapture",
    "CrashReport",
    "DiagnosticPaths",
    "InstalledHooks",
    "LogSetup",
    "OnError",
    "RedactingFilter",
    "RunDiagnostics",
    "crash_details",
    "default_log_dir",
    "diagnostics",
    "doing",
    "error_context",
    "install_excepthooks",
    "previous_crash",
    "redact_text",
    "register_secret",
    "safe_lines",
    "safe_text",
    "setup_logging",
    "shutdown_logging",
    "start_crash_capture",
    "start_run",
    "stderr_notice",
]
