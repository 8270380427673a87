"""The tunnel tool's output as we keep and show it: secrets removed, controls escaped, last lines only.

ngrok prints the authtoken in some errors, e.g. (logfmt, as one line)
`err="The authtoken you specified does not look like a proper ngrok tunnel authtoken.\\nYour
authtoken: 1abc…_xyz…\\n…ERR_NGROK_105"`, and cloudflared prints its settings, which carry a tunnel
token when one is configured. Two passes catch them:

- every `name: value` / `name=value` whose name is secret by inspector/core/redaction.py's rule
  (authtoken, token, secret, …) gets "[redacted]" as its value; values of other names are searched
  the same way, so a secret inside `err="…"` or a URL's query is found too;
- anything shaped like an ngrok authtoken or a cloudflared tunnel token is replaced wherever it is.
"""

from __future__ import annotations

import re
import threading
from collections import deque

from inspector.core.redaction import REDACTED, is_secret_name
from inspector.core.terminal_text import escape_controls

MAX_LINE_CHARS = 2000

# A value is a quoted string, or runs to a space, a separator, a quote or an escaped newline
# (`\n` inside logfmt's quoted err="…").
_FIELD = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>\"?\s*[:=]\s*)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"?|(?:[^\s,;&\]}\\\"]|\\(?![nrt\"]))+)"
)
# ngrok authtokens: two base62 runs joined by "_" (27 + 1 + 21 characters today).
_NGROK_TOKEN = re.compile(r"\b[0-9][0-9A-Za-z]{20,}_[0-9A-Za-z]{15,}\b")
# cloudflared tunnel tokens: base64 of a JSON object, so they start with "eyJ".
_CLOUDFLARED_TOKEN = re.compile(r"\beyJ[0-9A-Za-z+/_=-]{30,}")


def _redact_fields(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name, sep, value = match["name"], match["sep"], match["value"]
        if is_secret_name(name):
            quote = '"' if value.startswith('"') else ""
            return f"{name}{sep}{quote}{REDACTED}{quote}"
        inner = value[1:] if value.startswith('"') else value
        if not inner:
            return match[0]
        return f"{name}{sep}{value[: len(value) - len(inner)]}{_redact_fields(inner)}"

    return _FIELD.sub(replace, text)


def redact_line(line: str) -> str:
    """`line` without anything that looks like a credential."""
    text = _redact_fields(line)
    text = _NGROK_TOKEN.sub(REDACTED, text)
    return _CLOUDFLARED_TOKEN.sub(REDACTED, text)


def clean_line(raw: str) -> str:
    """A line of tool output as we keep it: redacted, trailing newline gone, controls escaped."""
    return escape_controls(redact_line(raw.rstrip("\r\n")[:MAX_LINE_CHARS]))


class OutputLog:
    """The last `size` cleaned lines, safe to read from any thread."""

    def __init__(self, size: int = 200) -> None:
        self._lines: deque[str] = deque(maxlen=size)
        self._lock = threading.Lock()

    def append(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def last(self) -> str | None:
        with self._lock:
            return self._lines[-1] if self._lines else None
