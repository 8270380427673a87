"""Unexpected exceptions: logged (redacted) and handed to the app, never lost on a hidden stderr.

`sys.excepthook` sees an exception that escapes the main thread, and under PySide6 also every
exception that escapes a slot, a QRunnable.run or a Qt virtual method called from the event loop:
PySide6 reports them through sys.excepthook (on the thread that ran the slot) and carries on.
`threading.excepthook` sees those escaping a threading.Thread. Both hooks log the error on the
`inspector.crash` logger and call `on_error(context, exc)`, from whatever thread it happened on.

`context` says what was being done: the innermost `doing("…")` block the exception left, else
the function at the bottom of its traceback (for a slot: the slot itself), plus the thread when
that is not the main thread.
"""

from __future__ import annotations

import contextlib
import platform
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from inspector import __version__
from inspector.core.diagnostics.log_events import CRASH
from inspector.core.diagnostics.log_filter import safe_lines, safe_text

OnError = Callable[[str, BaseException], None]
_ACTIVITY = "_inspector_activity"
_reporting = threading.local()


@contextlib.contextmanager
def doing(what: str) -> Iterator[None]:
    """Name the work in progress, for the error report of an exception that escapes it.

    Also a decorator: `@doing("exporting events")`.
    """
    try:
        yield
    except BaseException as exc:
        if not hasattr(exc, _ACTIVITY):
            try:
                setattr(exc, _ACTIVITY, what)
            except (AttributeError, TypeError):
                pass  # an exception type without a __dict__
        raise


_PACKAGE_DIR = str(Path(__file__).resolve().parents[2])


def _where(tb: TracebackType | None) -> str | None:
    """The function to name: the innermost one of ours, else the outermost that is not a module.

    For a slot the outermost frame is the slot itself; inside our code the innermost frame of
    ours says more than a library's internals.
    """
    codes = []
    while tb is not None:
        codes.append((tb.tb_frame.f_code, tb.tb_frame.f_code.co_filename))
        tb = tb.tb_next
    if not codes:
        return None
    ours = [code for code, filename in codes if filename.startswith(_PACKAGE_DIR)]
    # A thread's traceback starts in threading.py (_bootstrap_inner, run): not what the app did.
    named = [code for code, name in codes if code.co_name != "<module>" and name != threading.__file__]
    code = ours[-1] if ours else named[0] if named else codes[-1][0]
    return getattr(code, "co_qualname", code.co_name)


def error_context(exc: BaseException, thread: threading.Thread | None = None) -> str:
    """ "while exporting events", "in MainWindow._export (thread worker-1)"."""
    activity = getattr(exc, _ACTIVITY, None)
    if isinstance(activity, str) and activity:
        text = f"while {activity}"
    else:
        where = _where(exc.__traceback__)
        text = f"in {where}" if where else "in the app"
    if thread is not None and thread is not threading.main_thread():
        text += f" (thread {thread.name})"
    return safe_text(text)


def crash_details(context: str, exc: BaseException, *, log_file: str | None = None) -> str:
    """The text a user copies into a bug report: versions, what was being done, the traceback.

    Redacted and printable; a traceback holds no local variables, only code lines and messages.
    """
    head = [
        f"Webhook Inspector {__version__}, Python {platform.python_version()}, {platform.platform()}",
        f"Unexpected error {context}: {type(exc).__name__}",
    ]
    if log_file:
        head.append(f"Log file: {log_file}")
    body = "".join(traceback.format_exception(exc))
    return "\n".join(safe_text(line) for line in head) + "\n\n" + safe_lines(body) + "\n"


SysHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]
ThreadingHook = Callable[[threading.ExceptHookArgs], object]


@dataclass
class InstalledHooks:
    """The hooks in place; `uninstall()` puts back the ones that were there before.

    `on_error` may be replaced at any time: a command starts with a line on stderr, and the
    window switches to its crash dialog once it exists.
    """

    on_error: OnError | None
    previous_sys: SysHook
    previous_threading: ThreadingHook
    sys_hook: SysHook | None = None
    threading_hook: ThreadingHook | None = None

    def uninstall(self) -> None:
        if sys.excepthook is self.sys_hook:
            sys.excepthook = self.previous_sys
        if threading.excepthook is self.threading_hook:
            threading.excepthook = self.previous_threading


def _report(on_error: OnError | None, exc: BaseException, thread: threading.Thread | None) -> None:
    if getattr(_reporting, "active", False):
        return  # the report itself failed: do not loop
    _reporting.active = True
    try:
        context = error_context(exc, thread)
        CRASH.error("unexpected error %s", context, exc_info=(type(exc), exc, exc.__traceback__))
        if on_error is not None:
            try:
                on_error(context, exc)
            except Exception as failure:
                CRASH.error("the error report itself failed", exc_info=failure)
    finally:
        _reporting.active = False


def install_excepthooks(on_error: OnError | None = None) -> InstalledHooks:
    """Take over sys.excepthook and threading.excepthook (Ctrl-C keeps its usual behaviour)."""
    installed = InstalledHooks(on_error, sys.excepthook, threading.excepthook)

    def sys_hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            installed.previous_sys(kind, exc, tb)
            return
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        _report(installed.on_error, exc, threading.current_thread())

    def threading_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return  # what the default hook ignores too
        _report(installed.on_error, args.exc_value, args.thread)

    installed.sys_hook, installed.threading_hook = sys_hook, threading_hook
    sys.excepthook = sys_hook
    threading.excepthook = threading_hook
    return installed


def stderr_notice(log_file: str | None) -> OnError:
    """An `on_error` for the command line: one sentence on stderr, the traceback only in the log."""

    def notice(context: str, exc: BaseException) -> None:
        where = f"; the details are in {log_file}" if log_file else ""
        if sys.stderr is not None:
            print(
                f"webhook-inspector: unexpected error {context} ({type(exc).__name__}){safe_text(where)}",
                file=sys.stderr,
                flush=True,
            )

    return notice
