"""What each cell of the events table shows: columns, display text, tooltips, badges, colours.

Whoever reaches the listener chooses the method, path, event type and id (and an imported file the
webhook id): a CR LF would split a cell, a U+202E would make it read backwards. So every such text
is shown escaped; sorting and filtering use the stored values.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from inspector.core import events as ev
from inspector.core.events import EventSummary
from inspector.core.terminal_text import escape_controls
from inspector.ui import theme

COL_TIME = 0
COL_METHOD = 1
COL_PATH = 2
COL_TYPE = 3
COL_EVENT_ID = 4
COL_STATUS = 5
COL_SIZE = 6
COL_VERDICT = 7
COL_FORWARD = 8  # how the forward target answered; empty when not forwarded
HEADERS = ("Received", "Method", "Path", "Event type", "Event ID", "Status", "Size", "Verdict", "Forward")
TIME_HEADER_TIP = "Local time the delivery was received (sorts by arrival order)"

# flag -> (badge text, kind); kind picks the colour in the delegate ("bad", "warn", "info").
BADGES: dict[str, tuple[str, str]] = {
    ev.FLAG_UNAUTHORIZED: ("unauthorized", "bad"),
    ev.FLAG_INVALID_JSON: ("invalid JSON", "bad"),
    ev.FLAG_TOO_LARGE: ("too large", "bad"),
    ev.FLAG_UNSUPPORTED_MEDIA_TYPE: ("not JSON", "bad"),
    ev.FLAG_METHOD_NOT_ALLOWED: ("method", "bad"),
    ev.FLAG_DUPLICATE: ("duplicate", "warn"),
    ev.FLAG_NOT_ENVELOPE: ("not an envelope", "warn"),
    ev.FLAG_DUPLICATE_KEYS: ("duplicate keys", "warn"),
    ev.FLAG_OUT_OF_ORDER: ("out of order", "warn"),
    ev.FLAG_TRUNCATED: ("truncated", "info"),
    ev.FLAG_UNVERIFIED: ("unverified", "info"),
    ev.FLAG_RULE: ("rule", "info"),
    ev.FLAG_NEW_SHAPE: ("new shape", "warn"),
    ev.FLAG_SCHEMA_INVALID: ("schema invalid", "warn"),
}

# What a pill shows when the full texts do not fit; the verdict tooltip lists the full texts.
SHORT_BADGES: dict[str, str] = {
    "unauthorized": "401",
    "invalid JSON": "bad JSON",
    "too large": "413",
    "not JSON": "415",
    "method": "405",
    "duplicate": "dup",
    "not an envelope": "no envelope",
    "duplicate keys": "dup keys",
    "truncated": "cut",
}
VERIFIED_PREFIX = "verified: "


def short_badge(text: str) -> str:
    """The short form of a badge ("verified: wh_…" -> "verified", "duplicate" -> "dup")."""
    if text.startswith(VERIFIED_PREFIX):
        return "verified"
    return SHORT_BADGES.get(text, text)


RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def badges_for(summary: EventSummary) -> tuple[tuple[str, str], ...]:
    out = [BADGES[f] for f in summary.flags if f in BADGES]
    if summary.webhook_id:
        out.append((f"verified: {escape_controls(summary.webhook_id)}", "ok"))
    if summary.pinned:
        out.append(("kept", "info"))
    return tuple(out)


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = float(n)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    return f"{n} B"  # pragma: no cover - loop always returns


def forward_text(forward_status: int | None) -> str:
    """The Forward cell: empty when not forwarded, "no answer" when the target was down."""
    if forward_status is None:
        return ""
    return "no answer" if forward_status == 0 else str(forward_status)


def local_time(ts: float) -> str:
    try:
        lt = time.localtime(ts)
    except (OverflowError, OSError, ValueError):  # past what the platform's clock can show
        return ev.iso_utc(ts)
    return time.strftime("%Y-%m-%d %H:%M:%S", lt) + f".{int(ts * 1000) % 1000:03d}"


def display_texts(row: EventSummary) -> tuple[str, ...]:
    """The shown text of every column of a row, in column order."""
    return (
        local_time(row.received_at),
        escape_controls(row.method),
        escape_controls(row.path),
        escape_controls(row.event_identifier or ""),
        escape_controls(row.event_id or ""),
        str(row.status),
        human_size(row.body_size),
        " · ".join(text for text, _kind in badges_for(row)),
        forward_text(row.forward_status),
    )


def tooltip(row: EventSummary, col: int) -> str | None:
    if col == COL_TIME:
        return f"#{row.seq} received {row.received_at_iso}"
    if col == COL_SIZE:
        return f"{row.body_size:,} bytes"
    if col == COL_VERDICT:
        lines = [text for text, _kind in badges_for(row)]
        if row.duplicate_of is not None:
            lines.append(f"duplicate of delivery #{row.duplicate_of}")
        return "\n".join(lines) or None
    if col == COL_FORWARD and row.forward_status is not None:
        if row.forward_status == 0:
            return "Forwarded; the target gave no HTTP answer (refused, timed out or dropped)"
        return f"Forwarded; the target answered {row.forward_status}"
    return None


def foreground(row: EventSummary, col: int) -> QColor | None:
    if col == COL_STATUS:
        return theme.error_colour() if row.status >= 400 else theme.ok_colour()
    if col == COL_FORWARD and row.forward_status is not None:
        return theme.ok_colour() if 200 <= row.forward_status < 300 else theme.error_colour()
    return None


def verdict_kind(row: EventSummary) -> str | None:
    """How the row reads at a glance: "bad" (rejected), "warn" (duplicate, not an envelope), or None."""
    if row.rejected:
        return "bad"
    if row.duplicate_of is not None or ev.FLAG_NOT_ENVELOPE in row.flags:
        return "warn"
    return None


def background(row: EventSummary) -> QColor | None:
    """The row's tint by verdict (Wireshark's colouring rules), translucent over the palette's base."""
    kind = verdict_kind(row)
    return theme.tint(kind) if kind is not None else None
