"""What the app logs at INFO, one helper per event, so every command says it the same way.

Logger names (a user can filter the log file by them):

    inspector.app       start and stop of a command
    inspector.listener  listener bound; each rejected delivery
    inspector.store     store opened; commit failures and recoveries; pruning runs
    inspector.provider  calls to the provider API
    inspector.tunnel    tunnel tool start and stop
    inspector.sandbox   sandbox start and stop
    inspector.forward   deliveries that could not be forwarded
    inspector.crash     unexpected exceptions (excepthooks)

Each helper builds its line from the few fields it takes, already redacted and escaped (so a
handler without our filter cannot leak either), logs it and returns it. Request-controlled text
(a path, a route) is cut at its query, escaped and shortened: a line never carries a header value,
a body, a query or a control character.
"""

from __future__ import annotations

import logging
import os
import platform
import re
from collections.abc import Sequence
from pathlib import Path

from inspector import __version__
from inspector.core.diagnostics.log_filter import safe_text

APP = logging.getLogger("inspector.app")
LISTENER = logging.getLogger("inspector.listener")
STORE = logging.getLogger("inspector.store")
PROVIDER = logging.getLogger("inspector.provider")
TUNNEL = logging.getLogger("inspector.tunnel")
SANDBOX = logging.getLogger("inspector.sandbox")
FORWARD = logging.getLogger("inspector.forward")
CRASH = logging.getLogger("inspector.crash")

MAX_PATH_CHARS = 200
_FLAG = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")


# The line is made safe here already; the mark keeps RedactingFilter from escaping it twice.
_SAFE = {"_inspector_safe": True}


def _emit(logger: logging.Logger, line: str, level: int = logging.INFO) -> str:
    logger.log(level, "%s", line, extra=_SAFE)
    return line


def request_path(path: str) -> str:
    """A request path as it may be logged: no query or fragment, printable, at most 200 chars."""
    cut = re.split(r"[?#]", str(path), maxsplit=1)[0]
    text = safe_text(cut)
    return text if len(text) <= MAX_PATH_CHARS else text[: MAX_PATH_CHARS - 1] + "…"


def _word(text: object) -> str:
    return safe_text(str(text))[:80]


def _error(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        detail = str(error).strip()
        text = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    else:
        text = str(error)
    return safe_text(text)[:300]


def app_started(command: str) -> str:
    return _emit(
        APP,
        f"started webhook-inspector {__version__} ({_word(command)}), Python {platform.python_version()}, "
        f"pid {os.getpid()}",
    )


def app_stopped(command: str, exit_code: int = 0) -> str:
    return _emit(APP, f"stopped webhook-inspector ({_word(command)}), exit code {int(exit_code)}")


def listener_bound(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return _emit(LISTENER, f"listener bound to {_word(shown)}:{int(port)}")


def listener_stopped(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return _emit(LISTENER, f"listener on {_word(shown)}:{int(port)} stopped")


def delivery_stored(seq: int, status: int, flags: Sequence[str], path: str) -> str:
    """DEBUG, one line per delivery stored: its row, our status, its flags and the bare path."""
    if not LISTENER.isEnabledFor(logging.DEBUG):
        return ""  # on every delivery: build nothing when nobody listens
    shown = ",".join(f if _FLAG.fullmatch(f or "") else "other" for f in flags) or "-"
    return _emit(
        LISTENER,
        f"stored delivery {int(seq)}: status {int(status)}, flags {shown}, path {request_path(path)}",
        logging.DEBUG,
    )


def delivery_rejected(status: int, flag: str, path: str) -> str:
    """One line per rejected delivery: its status, the flag that says why, and the bare path."""
    flag_text = flag if _FLAG.fullmatch(flag or "") else "other"
    return _emit(
        LISTENER, f"rejected delivery: status {int(status)}, flag {flag_text}, path {request_path(path)}"
    )


def store_opened(path: Path | str, schema_version: int, rows: int) -> str:
    return _emit(
        STORE,
        f"store opened: {safe_text(str(path))}, schema version {int(schema_version)}, {int(rows)} events",
    )


def commit_failed(error: BaseException | str, pending: int) -> str:
    return _emit(
        STORE, f"commit failed ({_error(error)}); {int(pending)} deliveries answered 503", logging.WARNING
    )


def commit_recovered(failures: int, seconds: float) -> str:
    return _emit(STORE, f"commits work again after {int(failures)} failures over {seconds:.1f} s")


def pruning_run(removed: int, remaining: int, reason: str) -> str:
    return _emit(STORE, f"pruned {int(removed)} events ({_word(reason)}); {int(remaining)} left")


def provider_call(method: str, route: str, status: int | None, seconds: float) -> str:
    """A provider API call: method, route (no query), status (None: no answer) and duration."""
    answer = str(int(status)) if status is not None else "no answer"
    return _emit(
        PROVIDER, f"provider {_word(method).upper()} {request_path(route)} -> {answer} in {seconds:.3f} s"
    )


def forward_failed(seq: int, target: str, error: BaseException | str) -> str:
    """A delivery that could not be forwarded: the row, the target (no query) and why."""
    return _emit(
        FORWARD,
        f"forwarding delivery {int(seq)} to {request_path(target)} failed: {_error(error)}",
        logging.WARNING,
    )


def tunnel_started(tool: str, public_url: str | None = None) -> str:
    where = f" at {request_path(public_url)}" if public_url else ""
    return _emit(TUNNEL, f"tunnel started: {_word(tool)}{where}")


def tunnel_stopped(tool: str, reason: str = "stopped") -> str:
    return _emit(TUNNEL, f"tunnel stopped: {_word(tool)} ({_word(reason)})")


def sandbox_started(url: str) -> str:
    return _emit(SANDBOX, f"sandbox started at {request_path(url)}")


def sandbox_stopped() -> str:
    return _emit(SANDBOX, "sandbox stopped")
