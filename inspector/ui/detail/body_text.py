"""Turning a stored body into text the detail panes can show without freezing.

No Qt here: these are plain functions over bytes and parsed JSON, so their limits are easy to test.
Every function is bounded by a cap, because a text widget lays out what it is given and a 5 MB body
(or a single 1 MB line) takes Qt the better part of a second to lay out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from inspector.core.events import FLAG_INVALID_JSON, StoredEvent

PRETTY_CAP_CHARS = 512 * 1024  # pretty JSON shown in the JSON tab (1 MB of short lines: ~0.3 s layout)
RAW_CAP_CHARS = 512 * 1024  # UTF-8 body shown in the Raw tab (1 MB: ~0.1 s more layout)
HEX_CAP_BYTES = 64 * 1024  # bytes shown as a hex dump (4,096 lines)
DISPLAY_LINE_CHARS = 2_000  # longer lines are broken for display: Qt lays out a line as a whole
HEX_BYTES_PER_LINE = 16


@dataclass(frozen=True, slots=True)
class ParsedBody:
    """The body parsed once per selected event; `value` is meaningful only when `ok`."""

    ok: bool
    value: Any
    problem: str  # why it is not JSON, as a sentence; "" when ok


@dataclass(frozen=True, slots=True)
class DisplayText:
    text: str
    note: str  # what was cut or changed for display; "" when the text is the whole thing


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def parse_body(event: StoredEvent) -> ParsedBody:
    """Same verdict as StoredEvent.body_json(), but keeping the reason when it is not JSON."""
    body = event.body
    if not body:
        return ParsedBody(False, None, "The body is empty.")
    if event.body_truncated:
        return ParsedBody(
            False,
            None,
            f"Only the first {size_text(len(body))} of {size_text(event.body_size)} were stored "
            "(rejected bodies are cut), so the body cannot be parsed; the Raw tab shows what was kept.",
        )
    if FLAG_INVALID_JSON in event.flags:
        reason = event.error or "the body is not valid JSON"
        return ParsedBody(False, None, f"Not JSON: {reason}.")
    try:
        return ParsedBody(True, json.loads(body), "")
    except RecursionError:
        # json.loads recurses per nesting level; a 100,000-deep body blows the stack long before
        # the end, so it is shown as text only.
        return ParsedBody(
            False,
            None,
            "The JSON is nested too deeply to show as a tree; the Raw tab shows the text.",
        )
    except UnicodeDecodeError as exc:
        return ParsedBody(False, None, f"Not JSON: the body is not valid UTF-8 (byte {exc.start}).")
    except json.JSONDecodeError as exc:
        return ParsedBody(False, None, f"Not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}.")
    except ValueError as exc:  # e.g. an integer longer than sys.get_int_max_str_digits
        return ParsedBody(False, None, f"Not JSON: {str(exc).split(';')[0]}.")


def break_long_lines(text: str, width: int = DISPLAY_LINE_CHARS) -> tuple[str, bool]:
    """Insert line breaks into lines longer than `width`; returns (text, whether any was broken)."""
    if len(text) <= width:
        return text, False
    lines = text.split("\n")
    if all(len(line) <= width for line in lines):
        return text, False
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
        else:
            out.extend(line[i : i + width] for i in range(0, len(line), width))
    return "\n".join(out), True


def pretty_json(value: Any, cap: int = PRETTY_CAP_CHARS) -> DisplayText:
    """Indented JSON, stopping once `cap` characters are produced (the encoder is lazy)."""
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False)
    chunks: list[str] = []
    size = 0
    cut = False
    try:
        for chunk in encoder.iterencode(value):
            chunks.append(chunk)
            size += len(chunk)
            if size >= cap:
                cut = True
                break
    except RecursionError:
        return DisplayText("", "The JSON is nested too deeply to pretty-print.")
    text = "".join(chunks)
    if cut:
        text = text[:cap]
        return DisplayText(
            text,
            f"Showing the first {size_text(cap)} of the pretty-printed body; the Tree tab shows all of it.",
        )
    return DisplayText(text, "")


def utf8_text(body: bytes, truncated: bool) -> str | None:
    """The body as text when it is UTF-8 (a body cut mid-character still counts), else None."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A stored body cut at 64 KiB can end inside a multi-byte character.
        if truncated and exc.start >= len(body) - 3 and exc.reason == "unexpected end of data":
            try:
                return body[: exc.start].decode("utf-8")
            except UnicodeDecodeError:
                return None
        return None


def raw_text(body: bytes, truncated: bool, cap: int = RAW_CAP_CHARS) -> DisplayText:
    """The Raw tab: the text when UTF-8, otherwise a hex dump; both capped, with a note."""
    notes: list[str] = []
    if truncated:
        notes.append("The stored body was cut (rejected bodies keep the first 64 KiB).")
    text = utf8_text(body, truncated)
    if text is None:
        dump = hex_dump(body)
        notes.insert(0, "Not UTF-8 text: shown as a hex dump.")
        if len(body) > HEX_CAP_BYTES:
            notes.append(f"Showing the first {size_text(HEX_CAP_BYTES)} of {size_text(len(body))}.")
        return DisplayText(dump, " ".join(notes))
    if len(text) > cap:
        notes.append(f"Showing the first {cap:,} of {len(text):,} characters.")
        text = text[:cap]
    text, broken = break_long_lines(text)
    if broken:
        notes.append(
            f"Lines longer than {DISPLAY_LINE_CHARS:,} characters are broken for display; "
            "Copy body copies the original."
        )
    return DisplayText(text, " ".join(notes))


def hex_dump(data: bytes, cap: int = HEX_CAP_BYTES) -> str:
    """Classic "offset  hex  ascii" lines, 16 bytes each, like `hexdump -C`."""
    lines: list[str] = []
    view = data[:cap]
    # bytes.hex / translate do the per-byte work in C: a 64 KiB dump in a few milliseconds.
    printable = view.translate(_ASCII_TABLE).decode("ascii")
    for offset in range(0, len(view), HEX_BYTES_PER_LINE):
        chunk = view[offset : offset + HEX_BYTES_PER_LINE]
        left = chunk[:8].hex(" ")
        right = chunk[8:].hex(" ")
        ascii_part = printable[offset : offset + HEX_BYTES_PER_LINE]
        lines.append(f"{offset:08x}  {left:<23}  {right:<23}  |{ascii_part}|")
    return "\n".join(lines)


_ASCII_TABLE = bytes(b if 0x20 <= b < 0x7F else ord(".") for b in range(256))


def clipboard_text(body: bytes) -> str:
    """The body for the clipboard: exact when UTF-8, otherwise decoded with replacement marks."""
    return body.decode("utf-8", errors="replace")
