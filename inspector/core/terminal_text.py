"""Text from a request made safe for a terminal (or a table cell): control characters escaped.

Anyone who can reach the listener chooses the path, the event id and the event type. Printed raw,
a CR LF forges a whole output line, ESC/OSC sequences retitle or repaint the terminal, and bidi
overrides (U+202E) make text read differently from what it is. Everything `str.isprintable()`
rejects is shown as a Python-style escape instead: C0/C1 controls, DEL, line and paragraph
separators, format characters (bidi controls, zero-width characters), lone surrogates,
unassigned and private-use code points, and spaces other than U+0020. A backslash is doubled so an
escape in the output always stands for a character that was escaped.
"""

from __future__ import annotations

import json
from typing import Any

_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\\": "\\\\"}


def _escape(c: str) -> str:
    named = _NAMED.get(c)
    if named is not None:
        return named
    code = ord(c)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape_controls(text: str) -> str:
    """`text` with every non-printable character (and the backslash) as an escape."""
    if text.isprintable() and "\\" not in text:
        return text  # the common case: one C-level scan, no copy
    return "".join(c if c.isprintable() and c != "\\" else _escape(c) for c in text)


def _json_escape(c: str) -> str:
    code = ord(c)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON has no escape above U+FFFF: a UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_line(value: Any, **dumps_options: Any) -> str:
    """json.dumps(ensure_ascii=False) with what it leaves raw (DEL, C1, U+2028, U+202E, ...) escaped.

    Readable non-ASCII text (Zoë, 日本) stays as it is. The result parses back to `value`: those
    characters can only occur inside JSON strings, where a \\u escape means the same character.
    A raw newline can only be the layout of `indent=` (json escapes it inside strings), so it stays.
    """
    text = json.dumps(value, ensure_ascii=False, **dumps_options)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in text)
