"""Secrets scrubbed out of free text: log messages, tracebacks, crash details, diagnostics.

The store redacts headers and queries it knows the structure of (inspector.core.redaction). Free
text has no structure, so the same name rule (`is_secret_name`) is applied to the shapes a secret
takes when code formats one into a message:

- every secret registered at run time (secret_registry), in any of its spellings;
- `Name: value` header lines (value to the end of the line; a scheme word is kept);
- quoted pairs from a repr or JSON: `'Authorization': 'Bearer …'`, `("token", "…")`;
- `name=value` pairs: queries, form bodies, keyword reprs (`token='…'`);
- an auth scheme followed by a credential (`Bearer abc.def`), anywhere;
- the password of a URL's user info (`https://user:pw@host`), and JWTs (`eyJ….….…`).

Over-redacting a word of a message is harmless; leaking a token is not, so where a shape is
ambiguous the rule leans to redacting.
"""

from __future__ import annotations

import re

from inspector.core.diagnostics.secret_registry import redact_registered
from inspector.core.redaction import AUTH_SCHEMES, REDACTED, is_secret_name, query_name, redacted_value

# `Name:` at the start of a word; the value is the rest of the line.
_HEADER_NAME = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_-]{0,99})[ \t]*:(?!//)[ \t]*")
_QUOTED_PAIR = re.compile(
    r"""(?P<nq>['"])(?P<name>[^'"\r\n]{1,100})(?P=nq)"""
    r"""(?P<sep>\s*[:,=]\s*b?)(?P<vq>['"])(?P<value>(?:\\.|(?!(?P=vq))[^\\\r\n])*)(?P=vq)"""
)
_KEY_VALUE = re.compile(
    r"""(?<![A-Za-z0-9_%.+\[\]-])(?P<name>[A-Za-z0-9_%.+\[\]-]{1,100})="""
    r"""(?:(?P<q>['"])(?P<qvalue>(?:\\.|(?!(?P=q))[^\\\r\n])*)(?P=q)|(?P<value>[^\s&;'",)\]}>]+))"""
)
_SCHEMES = "|".join(re.escape(s) for s in sorted(AUTH_SCHEMES, key=len, reverse=True))
_SCHEME_CREDENTIAL = re.compile(rf"(?i)(?<![A-Za-z0-9-])({_SCHEMES})([ \t]+)([A-Za-z0-9._~+/=-]+)")
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)([^/\s@]+)(@)")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_INNER_UPPER = re.compile(r".[A-Z]")
_LINE_END = re.compile(r"[\r\n]")
_LONG_CREDENTIAL = 20


def _looks_like_credential(word: str) -> bool:
    """A word after "Bearer"/"Basic"/"Token" that is a credential rather than English.

    "token verification failed" must stay readable; "Token abc123def" and "Basic dXNlcjpw" not.
    """
    if len(word) >= _LONG_CREDENTIAL:
        return True
    if len(word) < 8:
        return False
    return (
        any(c.isdigit() for c in word) or any(c in "._~+/=-" for c in word) or bool(_INNER_UPPER.search(word))
    )


def _header_lines(text: str) -> str:
    out: list[str] = []
    pos = 0
    while True:
        match = _HEADER_NAME.search(text, pos)
        if match is None:
            break
        if not is_secret_name(match.group(1)):
            out.append(text[pos : match.end()])
            pos = match.end()
            continue
        eol = _LINE_END.search(text, match.end())
        end = eol.start() if eol is not None else len(text)
        value = text[match.end() : end]
        out.append(text[pos : match.end()])
        out.append(redacted_value(value) if value.strip() else value)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _quoted_pair(match: re.Match[str]) -> str:
    if not match.group("value") or not is_secret_name(match.group("name")):
        return match.group(0)
    quote = match.group("vq")
    head = match.group(0)[: match.start("value") - match.start()]
    return f"{head}{redacted_value(match.group('value'))}{quote}"


def _key_value(match: re.Match[str]) -> str:
    name = match.group("name")
    if not is_secret_name(query_name(name)):
        return match.group(0)
    quote = match.group("q")
    if quote is not None:
        return f"{name}={quote}{REDACTED}{quote}" if match.group("qvalue") else match.group(0)
    return f"{name}={REDACTED}"


def _scheme_credential(match: re.Match[str]) -> str:
    scheme, space, credential = match.groups()
    if not _looks_like_credential(credential):
        return match.group(0)
    return f"{scheme}{space}{REDACTED}"


def redact_text(text: str) -> str:
    """`text` with every secret this module can recognise replaced by "[redacted]"."""
    if not text:
        return text
    text = redact_registered(text, REDACTED)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)
    text = _JWT.sub(REDACTED, text)
    text = _QUOTED_PAIR.sub(_quoted_pair, text)
    text = _header_lines(text)
    text = _KEY_VALUE.sub(_key_value, text)
    return _SCHEME_CREDENTIAL.sub(_scheme_credential, text)
