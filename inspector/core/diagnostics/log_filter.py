"""The filter on every log handler: a record leaves it redacted and printable, whoever wrote it.

Redaction happens on the final text (message with its arguments merged in, the formatted
traceback, the stack), because a secret can arrive through any of them: `log.info("%s", token)`,
an exception message, a URL in a traceback line. After the filter the record carries that text
only: `args` and `exc_info` are dropped, so no later formatter can render the originals again.

The message is also made one line (control characters escaped), so a request path with a CR LF
in it cannot forge a log line; each line of a traceback is escaped the same way.
"""

from __future__ import annotations

import logging
import traceback

from inspector.core.diagnostics.text_redaction import redact_text
from inspector.core.terminal_text import escape_controls


def safe_text(text: str) -> str:
    """One redacted, printable line."""
    return escape_controls(redact_text(text))


def safe_lines(text: str) -> str:
    """Redacted, printable text that keeps its line breaks (a traceback)."""
    return "\n".join(escape_controls(line) for line in redact_text(text).splitlines())


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception as exc:  # a bad format string must not take the logging call down with it
        return f"{record.msg!r} (could not be formatted with its arguments: {type(exc).__name__})"


class RedactingFilter(logging.Filter):
    """Rewrites each record in place; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_inspector_safe", False):
            return True  # another handler's filter already did this record
        record.msg = safe_text(_message(record))
        record.args = None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = None
        if record.exc_text:
            record.exc_text = safe_lines(record.exc_text)
        if record.stack_info:
            record.stack_info = safe_lines(record.stack_info)
        record._inspector_safe = True
        return True
