"""One `curl` command per stored event, to send a delivery again from a terminal.

Everything that comes from the event is shell-quoted with shlex.quote, including what goes into
comments (a newline there would start a command). The body is sent byte for byte: as one quoted
argument when it is plain text, else as a `printf` of octal escapes piped to `--data-binary @-`
(POSIX sh, any bytes, no argument-size limit because printf is a shell builtin). Secret headers were
redacted when stored; they come out as a `$WEBHOOK_TOKEN` reference for the user to set, never a value.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import TextIO

from inspector.core.actions.forwarder import HOP_BY_HOP
from inspector.core.events import StoredEvent
from inspector.core.io.event_url import event_url
from inspector.core.redaction import auth_scheme, is_secret_name, redact_event

TOKEN_VARIABLE = "WEBHOOK_TOKEN"
INLINE_BODY_LIMIT = 64 * 1024  # one shell argument is limited (128 KiB on Linux); stay well below
_PLAIN_CONTROLS = {"\n", "\t"}
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _comment(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def _inline_body(body: bytes) -> str | None:
    """The body as one shell word, or None when it must go through printf."""
    if len(body) > INLINE_BODY_LIMIT or body.startswith(b"@"):  # curl reads "@name" as a file
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any((not c.isprintable() and c not in _PLAIN_CONTROLS) for c in text):
        return None  # NUL cannot be in an argument; CR and friends would not survive copy-paste
    return shlex.quote(text)


def printf_word(body: bytes) -> str:
    """A printf format that writes exactly `body`: printable ASCII as is, every other byte as \\ooo."""
    parts: list[str] = []
    for byte in body:
        if byte == 0x25:
            parts.append("%%")
        elif byte == 0x5C:
            parts.append("\\\\")
        elif 0x20 <= byte < 0x7F:
            parts.append(chr(byte))
        else:
            parts.append(f"\\{byte:03o}")
    return shlex.quote("".join(parts))


def _secret_header(name: str, stored_value: str, variable: str) -> list[str]:
    # Keep a recognised scheme ("Bearer [redacted]" -> "Bearer $WEBHOOK_TOKEN"): a wrong scheme is
    # a common mistake worth reproducing. Double quotes so the shell expands the variable; the
    # scheme is a word from a fixed list, so it needs no quoting.
    scheme = auth_scheme(stored_value)
    safe_name = "".join(c for c in name if c.isalnum() or c in "-_")
    if scheme is not None and stored_value.strip() == scheme:
        return ["-H", shlex.quote(f"{safe_name}: {scheme}")]  # a scheme alone: nothing was secret
    prefix = f"{scheme} " if scheme else ""
    return [f'-H "{safe_name}: {prefix}${{{variable}}}"']


def curl_command(
    event: StoredEvent,
    *,
    base_url: str | None = None,
    target_url: str | None = None,
    token_variable: str = TOKEN_VARIABLE,
) -> str:
    """The command (with a comment line) for one event; `target_url` replaces the URL entirely."""
    if not _VARIABLE.match(token_variable):
        raise ValueError(f"{token_variable!r} is not a shell variable name")
    event = redact_event(event)
    url = target_url or event_url(event, base_url)  # the same rule as HAR
    about = " · ".join(
        x for x in (f"seq {event.seq}", event.event_identifier, event.event_id, event.received_at_iso) if x
    )
    lines = [f"# {_comment(about)}"]
    # -g: a "[" or "{" in the URL is data ("token=[redacted]"), not one of curl's URL globs.
    args = ["curl", "-sSg"]
    if event.method != "POST" or not event.body:
        args += ["-X", shlex.quote(event.method)]
    args.append(shlex.quote(url))
    for name, value in event.headers:
        lowered = name.lower()
        if lowered in HOP_BY_HOP or lowered.startswith("proxy-") or lowered == "expect":
            continue
        if is_secret_name(name):
            args += _secret_header(name, value, token_variable)
        else:
            args += ["-H", shlex.quote(f"{name}: {value}")]
    # Without this curl adds "Expect: 100-continue" for large bodies, which the delivery never had.
    args += ["-H", "'Expect:'"]
    pipe = ""
    if event.body:
        inline = _inline_body(event.body)
        if inline is not None:
            args += ["--data-binary", inline]
        else:
            pipe = f"printf {printf_word(event.body)} |\n  "
            args += ["--data-binary", "@-"]
    if event.body_truncated:
        lines.append(f"# only the first {len(event.body)} of {event.body_size} bytes were stored")
    lines.append(pipe + " \\\n  ".join(_group(args)))
    return "\n".join(lines) + "\n"


def _group(args: list[str]) -> list[str]:
    """Pair options with their values so each continued line reads `-H 'Name: value'`."""
    out: list[str] = []
    i = 0
    head = []
    while i < len(args) and not args[i].startswith("-H") and args[i] != "--data-binary":
        head.append(args[i])
        i += 1
    out.append(" ".join(head))
    while i < len(args):
        if args[i] in ("-H", "--data-binary") and i + 1 < len(args):
            out.append(f"{args[i]} {args[i + 1]}")
            i += 2
        else:
            out.append(args[i])
            i += 1
    return out


def write_curl(
    events: Iterable[StoredEvent],
    out: TextIO,
    *,
    base_url: str | None = None,
    target_url: str | None = None,
    token_variable: str = TOKEN_VARIABLE,
) -> int:
    """A shell script of one curl command per event; returns how many."""
    if not _VARIABLE.match(token_variable):
        raise ValueError(f"{token_variable!r} is not a shell variable name")
    out.write(
        "#!/bin/sh\n"
        f"# Exported by webhook-inspector. Secret headers read ${token_variable} "
        f"(export {token_variable}=... first).\n\n"
    )
    n = 0
    for event in events:
        out.write(
            curl_command(event, base_url=base_url, target_url=target_url, token_variable=token_variable)
        )
        out.write("\n")
        n += 1
    return n
