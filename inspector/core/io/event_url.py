"""The URL a stored event is exported (HAR) or resent (cURL) to, built from validated parts.

A stored path, query and Host header are whatever a stranger sent, or an imported file said.
Pasted onto a base URL as text, the path `@evil.example/hooks` makes
`http://127.0.0.1:8765@evil.example/hooks`: host evil.example, userinfo "127.0.0.1:8765", and a
cURL script that sends `Authorization: Bearer ${WEBHOOK_TOKEN}` there. A `#` or `?` in the path,
or a `#` in the query, would cut the URL short the same way.

So a URL is put together from parts that cannot run into each other: an http(s) scheme, a host
that is a DNS name or an IP address, a port, then the path with exactly one leading `/` and
everything outside the path's character set percent-encoded, then the query with everything a
query cannot carry (`#`, spaces, controls, non-ASCII) percent-encoded.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from inspector.core.events import StoredEvent

DEFAULT_BASE_URL = "http://127.0.0.1:8765"

# RFC 3986 pchar minus "%": a stored path is decoded text, so a "%" in it is a literal percent sign
# (an import unquotes back to the exact stored path).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
# The query is stored as sent (still encoded), so "%" stays; "[" and "]" are kept readable
# ("token=[redacted]"): no URL parser reads them as anything but data after the "?".
_QUERY_SAFE = "/?:@!$&'()*+,;=-._~%[]"
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_HOST_PORT = re.compile(r"(?P<host>\[[^\]]*\]|[^:\[\]]*)(?::(?P<port>[0-9]{1,5}))?")


@dataclass(frozen=True, slots=True)
class Base:
    """Where URLs point: scheme, host (a name, an IPv4 address or "[v6]"), port, path prefix."""

    scheme: str
    host: str
    port: int | None
    prefix: str = ""  # "" or "/api": percent-encoded, no trailing "/"

    def url(self, path: str, query: str = "") -> str:
        port = f":{self.port}" if self.port is not None else ""
        full = f"{self.scheme}://{self.host}{port}{self.prefix}{url_path(path)}"
        return f"{full}?{url_query(query)}" if query else full


def url_path(path: str) -> str:
    """The stored path as a URL path: exactly one leading "/", everything else percent-encoded."""
    return "/" + quote(path.lstrip("/"), safe=_PATH_SAFE)


def url_query(query: str) -> str:
    return quote(query, safe=_QUERY_SAFE)


def _valid_host(host: str) -> str | None:
    """`host` as it goes into a URL when it is a DNS name or an IP address, else None."""
    if host.startswith("[") and host.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            return None
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        return None
    return host.lower()


def _host_port(netloc: str) -> tuple[str, int | None] | None:
    """(host, port) from "host[:port]" when the host is a DNS name or an IP address, else None."""
    match = _HOST_PORT.fullmatch(netloc)
    if match is None:
        return None
    host = _valid_host(match.group("host"))
    port = int(match.group("port")) if match.group("port") else None
    if host is None or (port is not None and not 1 <= port <= 65535):
        return None
    return host, port


def parse_base(text: str) -> Base:
    """A base URL the caller chose (`--url`, a setting); ValueError with a sentence if unusable.

    Only scheme, host, port and a path prefix: userinfo would write a password into the export,
    and a query or fragment would end up in front of every event's path.
    """
    problem = ValueError(f"{text!r} is not a base URL like http://127.0.0.1:8765 or https://example.test/api")
    if any(c.isspace() or not c.isprintable() for c in text) or "?" in text or "#" in text:
        raise problem
    try:
        parts = urlsplit(text)
    except ValueError:
        raise problem from None
    found = _host_port(parts.netloc) if parts.scheme in ("http", "https") else None
    if found is None:
        raise problem
    prefix = quote(parts.path.rstrip("/"), safe=_PATH_SAFE + "%")
    return Base(parts.scheme, *found, prefix)


def base_from_host_header(value: str | None) -> Base | None:
    """http://<Host> when the stored Host header is a bare host[:port], else None."""
    found = _host_port(value) if value else None
    return Base("http", *found) if found else None


DEFAULT_BASE = parse_base(DEFAULT_BASE_URL)


def event_base(event: StoredEvent, base_url: str | None = None) -> Base:
    """Where an export of `event` points; the one rule for cURL and HAR (README "Export and import").

    `base_url` (the user's `--url`) when given; else the listener the event was received on; else
    (rows recorded before that was kept, imported rows) the host its Host header names; else the
    default listener address.
    """
    if base_url is not None:
        return parse_base(base_url)
    if event.received_on is not None:
        try:
            return parse_base(event.received_on)
        except ValueError:
            pass  # not a base URL we would have written: fall through to the Host header
    host = next((v for k, v in event.headers if k.strip().lower() == "host"), None)
    return base_from_host_header(host) or DEFAULT_BASE


def event_url(event: StoredEvent, base_url: str | None = None) -> str:
    """The event's URL on `event_base(event, base_url)`."""
    return event_base(event, base_url).url(event.path, event.query)
