"""Which registered webhooks point at the old tunnel, and where they should point now.

Pure logic: the caller (the webhook service) makes the provider calls. A webhook points at the
old tunnel when its URL has the old URL's scheme, host and port (host compared case-insensitively,
a trailing dot and a default port ignored); its path, query and fragment are kept, so
`https://old.trycloudflare.com/hooks?x=1` becomes `https://new.trycloudflare.com/hooks?x=1`.

Without an old URL (the app just started, and the tunnel of the previous session is gone), the
webhooks on a quick-tunnel domain of the same tool as the new URL are the ones to move: a free
quick tunnel never comes back under its old name. `known_urls` are earlier public URLs of our
tunnels (inspector/core/tunnel/settings.py keeps them): a webhook on any of them moves too, which
covers an ngrok session on a domain that is not a per-run one, and webhooks left behind by an
update that failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import SplitResult, urlsplit, urlunsplit

# Hosts handed out per run (never a user's own domain), by the tool whose URLs they are.
QUICK_TUNNEL_DOMAINS: dict[str, tuple[str, ...]] = {
    "cloudflared": ("trycloudflare.com",),
    "ngrok": ("ngrok-free.app", "ngrok-free.dev", "ngrok.io"),
}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class WebhookLike(Protocol):
    """A known webhook (inspector/core/provider/webhook_index.py) or the provider's answer for one."""

    @property
    def id(self) -> str: ...

    @property
    def url(self) -> str: ...


@dataclass(frozen=True, slots=True)
class FollowMove:
    webhook_id: str
    old_url: str
    new_url: str


@dataclass(frozen=True, slots=True)
class FollowPlan:
    new_origin: str
    moves: tuple[FollowMove, ...]  # webhooks to update, with their new URL
    current: tuple[str, ...]  # ids already on the new tunnel

    @property
    def empty(self) -> bool:
        return not self.moves


Origin = tuple[str, str, int]


def _origin(parts: SplitResult) -> Origin | None:
    try:
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


def quick_tunnel_tool(url: str) -> str | None:
    """ "cloudflared" / "ngrok" when `url` is on one of that tool's per-run domains, else None."""
    origin = _origin(urlsplit(url.strip()))
    if origin is None:
        return None
    for tool, domains in QUICK_TUNNEL_DOMAINS.items():
        if any(origin[1].endswith("." + domain) for domain in domains):
            return tool
    return None


def plan_follow(
    webhooks: Iterable[WebhookLike],
    old_url: str | None,
    new_url: str,
    *,
    known_urls: Iterable[str] = (),
) -> FollowPlan:
    """The moves that put the webhooks of the old tunnel (see the module doc for `old_url=None`
    and `known_urls`) on `new_url`."""
    new_parts = urlsplit(new_url.strip())
    new_origin = _origin(new_parts)
    if new_origin is None:
        raise ValueError(f"not an http(s) URL: {new_url!r}")
    old_origin = _origin(urlsplit(old_url.strip())) if old_url else None
    if old_url and old_origin is None:
        raise ValueError(f"not an http(s) URL: {old_url!r}")
    tool = quick_tunnel_tool(new_url) if old_url is None else None
    known = {o for u in known_urls if (o := _origin(urlsplit(u.strip()))) is not None}
    new_hostport = new_parts.netloc.rpartition("@")[2]

    moves: list[FollowMove] = []
    current: list[str] = []
    for webhook in webhooks:
        parts = urlsplit(webhook.url.strip())
        origin = _origin(parts)
        if origin is None:
            continue
        if origin == new_origin:
            current.append(webhook.id)
            continue
        if origin in known:
            pass
        elif old_origin is not None:
            if origin != old_origin:
                continue
        elif tool is None or quick_tunnel_tool(webhook.url) != tool:
            continue
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{new_hostport}" if userinfo else new_hostport
        moved = urlunsplit((new_parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        moves.append(FollowMove(webhook.id, webhook.url, moved))
    origin_text = urlunsplit((new_parts.scheme, new_hostport, "", "", ""))
    return FollowPlan(origin_text, tuple(moves), tuple(current))
