"""Find the public URL of a tunnel (ngrok, cloudflared) that forwards to our listener.

It runs often (the status bar refreshes it), so every probe has a short timeout, the ports are
asked in parallel, and nothing here raises on a dead port or a strange answer.

- ngrok agent API: `GET http://127.0.0.1:4040/api/tunnels` (a second agent takes 4041, ...) ->
  `{"tunnels": [{"public_url": "https://...", "proto": "https", "config": {"addr": ...}}]}`;
  `config.addr` may be "http://localhost:8765", "localhost:8765" or just "8765".
- cloudflared quick tunnel: `GET http://127.0.0.1:<metrics port>/quicktunnel` ->
  `{"hostname": "xyz.trycloudflare.com"}`. It does not say which local port it forwards to.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

NGROK_PORTS = tuple(range(4040, 4046))
CLOUDFLARED_PORTS = tuple(range(20241, 20246))
DEFAULT_TIMEOUT = 0.5

# Never send these probes through a configured HTTP proxy: they are for this machine only.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True, slots=True)
class Tunnel:
    public_url: str
    source: str  # "ngrok" or "cloudflared"
    target_port: int | None  # local port it forwards to; None when the tool does not say


@dataclass(frozen=True, slots=True)
class TunnelResult:
    url: str | None  # public base URL to register, or None when nothing was found
    source: str | None
    warning: str | None = None  # e.g. the tunnel forwards to another port than our listener
    found: tuple[Tunnel, ...] = field(default=(), repr=False)


def detect_tunnel(
    listener_port: int,
    *,
    host: str = "127.0.0.1",
    ngrok_ports: Sequence[int] = NGROK_PORTS,
    cloudflared_ports: Sequence[int] = CLOUDFLARED_PORTS,
    timeout: float = DEFAULT_TIMEOUT,
) -> TunnelResult:
    """The best tunnel for `listener_port`: an ngrok https tunnel to that port first, then a
    cloudflared quick tunnel (port unknown), then (with a warning) one pointing elsewhere."""
    probes = [(_ngrok_tunnels, host, p, timeout) for p in ngrok_ports] + [
        (_cloudflared_tunnels, host, p, timeout) for p in cloudflared_ports
    ]
    found: list[Tunnel] = []
    if probes:
        with ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="tunnel-probe") as ex:
            for tunnels in ex.map(lambda args: args[0](*args[1:]), probes):
                found.extend(tunnels)
    found_t = tuple(found)

    for tunnel in found_t:
        if tunnel.source == "ngrok" and tunnel.target_port == listener_port:
            return TunnelResult(tunnel.public_url, tunnel.source, None, found_t)
    for tunnel in found_t:
        if tunnel.target_port is None:
            return TunnelResult(tunnel.public_url, tunnel.source, None, found_t)
    if found_t:
        tunnel = found_t[0]
        warning = (
            f"The {tunnel.source} tunnel {tunnel.public_url} forwards to port "
            f"{tunnel.target_port}, but the listener is on port {listener_port}: "
            f"deliveries will not reach it. Restart the tunnel for port {listener_port}."
        )
        return TunnelResult(tunnel.public_url, tunnel.source, warning, found_t)
    return TunnelResult(None, None, None, ())


def addr_port(addr: Any) -> int | None:
    """The port in an ngrok `config.addr`: "http://localhost:8765", "localhost:8765" or "8765"."""
    if isinstance(addr, int):
        return addr
    if not isinstance(addr, str) or not addr.strip():
        return None
    text = addr.strip()
    if text.isdigit():
        return int(text)
    try:
        if "://" in text:
            parts = urlsplit(text)
            if parts.port is not None:
                return parts.port
            return {"http": 80, "https": 443}.get(parts.scheme)
        _, sep, port = text.rpartition(":")
        return int(port) if sep and port.isdigit() else 80
    except ValueError:
        return None


_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
MAX_URL_CHARS = 300


def public_origin(url: object) -> str | None:
    """`url` as a bare https origin ("https://host[:port]", no trailing slash), or None when it is
    anything else: a path, a query, credentials, a host that is not a DNS name or an IP address,
    control or non-ASCII characters. The URL comes from a local agent's answer or a tool's output,
    and the app shows it, prints it and registers it with the provider."""
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS or not url.isascii() or not url.isprintable():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "https" or "@" in parts.netloc or parts.query or parts.fragment:
        return None
    if parts.path not in ("", "/") or url.strip().endswith(("?", "#")):
        return None
    try:
        parts.port  # noqa: B018 - raises ValueError when it is not a port
    except ValueError:
        return None
    host = parts.hostname or ""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return None
    elif len(host) > 253 or not all(_HOST_LABEL.match(label) for label in host.removesuffix(".").split(".")):
        return None
    return f"https://{parts.netloc}"


def _get_json(url: str, timeout: float) -> Any:
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            if response.status != 200:
                return None
            return json.loads(response.read(1024 * 1024))
    except (OSError, ValueError):  # refused, timeout, HTTP errors (URLError is an OSError), bad JSON
        return None


def _ngrok_tunnels(host: str, port: int, timeout: float) -> list[Tunnel]:
    data = _get_json(f"http://{host}:{port}/api/tunnels", timeout)
    tunnels = data.get("tunnels") if isinstance(data, dict) else None
    out = []
    for item in tunnels if isinstance(tunnels, list) else []:
        if not isinstance(item, dict):
            continue
        public = public_origin(item.get("public_url"))
        if item.get("proto") != "https" or public is None:
            continue
        config = item.get("config")
        target = addr_port(config.get("addr")) if isinstance(config, dict) else None
        out.append(Tunnel(public, "ngrok", target))
    return out


def _cloudflared_tunnels(host: str, port: int, timeout: float) -> list[Tunnel]:
    data = _get_json(f"http://{host}:{port}/quicktunnel", timeout)
    hostname = data.get("hostname") if isinstance(data, dict) else None
    if not isinstance(hostname, str) or not hostname.strip():
        return []
    hostname = hostname.strip()
    url = public_origin(hostname if hostname.startswith("https://") else f"https://{hostname}")
    return [Tunnel(url, "cloudflared", None)] if url is not None else []
