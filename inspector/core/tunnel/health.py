"""One request through the tunnel's public URL: does it reach this listener?

The listener answers `GET /_inspector/health` with `{"status": "ok", "instance": "<id>"}`, the id
being random per listener, so an answer from another running copy (the tunnel points at another
port) is told apart from ours. Anything else that answers is described in one sentence: the
tunnel edge's own error pages (ngrok's ERR_NGROK_3200 "endpoint offline" and ERR_NGROK_8012
"upstream unreachable", Cloudflare's 1033 "tunnel not connected" and 502 "bad gateway"), a web
page, a timeout.

The request goes out like any other to a public URL (the user's proxy settings apply), without
following redirects, and with `ngrok-skip-browser-warning` so ngrok's free-plan interstitial page
does not stand in for the answer.
"""

from __future__ import annotations

import enum
import json
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import requests

from inspector import __version__
from inspector.core.capture.delivery_handler import HEALTH_PATH
from inspector.core.terminal_text import escape_controls

MAX_BODY = 64 * 1024
MAX_INSTANCE_CHARS = 64


class Reach(enum.StrEnum):
    THIS_LISTENER = "this-listener"
    OTHER_INSTANCE = "other-instance"  # another Webhook Inspector listener answered
    UNIDENTIFIED_INSPECTOR = "unidentified-inspector"  # an inspector that does not say which one
    OTHER_SERVER = "other-server"  # something else answered 2xx/3xx (a web page, a login)
    EDGE_ERROR = "edge-error"  # an error status, from the tunnel's edge or what it forwards to
    UNREACHABLE = "unreachable"  # no connection (DNS, refused, TLS)
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class HealthCheck:
    reach: Reach
    message: str  # one sentence for the user
    seconds: float | None = None  # round trip, when an answer came
    status: int | None = None
    instance: str | None = None  # the instance id that answered, if any

    @property
    def ok(self) -> bool:
        return self.reach is Reach.THIS_LISTENER


def check_through(
    public_url: str,
    expected_instance: str,
    timeout: float = 10.0,
    *,
    verify: bool | str = True,
) -> HealthCheck:
    """GET /_inspector/health once at `public_url`'s origin and say whose answer came back.

    `verify` is requests' TLS setting: True (the system's CAs) or a CA bundle path.
    """
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return HealthCheck(Reach.UNREACHABLE, f"{public_url!r} is not an http(s) URL.")
    host = parts.netloc
    # The tunnel forwards paths as they are, and the health answer is at the listener's root.
    url = f"{parts.scheme}://{parts.netloc}{HEALTH_PATH}"
    headers = {
        "User-Agent": f"webhook-inspector/{__version__} (tunnel health check)",
        "Accept": "application/json",
        "ngrok-skip-browser-warning": "1",
    }
    started = time.perf_counter()
    try:
        with requests.get(
            url, headers=headers, timeout=timeout, verify=verify, allow_redirects=False, stream=True
        ) as response:
            body = response.raw.read(MAX_BODY, decode_content=True) or b""
            status = response.status_code
            location = response.headers.get("Location")
    except requests.exceptions.Timeout:
        return HealthCheck(
            Reach.TIMEOUT,
            f"No answer through {host} within {timeout:g} s: the tunnel is down, still starting, or "
            "points at something that does not answer.",
        )
    except requests.exceptions.SSLError:
        return HealthCheck(
            Reach.UNREACHABLE,
            f"The TLS certificate of {host} was not accepted, so the check could not go through.",
        )
    except (requests.exceptions.RequestException, OSError) as exc:
        return HealthCheck(Reach.UNREACHABLE, _unreachable(host, exc))
    seconds = time.perf_counter() - started
    return _judge(host, expected_instance, status=status, body=body, location=location, seconds=seconds)


# What a tunnel that has only just started may answer for a few seconds: a new quick tunnel's
# hostname resolves, and its edge connects, a moment after the tool printed it.
SETTLING = frozenset({Reach.UNREACHABLE, Reach.TIMEOUT, Reach.EDGE_ERROR})


def check_settled(
    public_url: str,
    expected_instance: str,
    *,
    within: float = 30.0,
    timeout: float = 10.0,
    interval: float = 1.0,
    verify: bool | str = True,
    stop: threading.Event | None = None,
) -> HealthCheck:
    """`check_through` again every `interval` s while the answer may be a tunnel still starting
    (`SETTLING`), for at most `within` s or until `stop` is set; the last answer."""
    deadline = time.monotonic() + within
    stop = stop if stop is not None else threading.Event()
    while True:
        left = deadline - time.monotonic()
        result = check_through(public_url, expected_instance, min(timeout, max(left, 0.5)), verify=verify)
        if result.reach not in SETTLING or time.monotonic() + interval >= deadline:
            return result
        if stop.wait(interval):
            return result


def _unreachable(host: str, exc: BaseException) -> str:
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return f"{host} does not resolve: the tunnel was closed or its URL changed."
    if "refused" in text.lower():
        return f"Nothing accepts connections at {host}: the tunnel is down."
    return f"Could not connect to {host}: the tunnel is down or unreachable from here."


def _judge(
    host: str, expected: str, *, status: int, body: bytes, location: str | None, seconds: float
) -> HealthCheck:
    ms = f"{seconds * 1000:.0f} ms"
    answer = _json(body) if 200 <= status < 300 else None
    if isinstance(answer, dict) and answer.get("status") == "ok":
        instance = answer.get("instance")
        if isinstance(instance, str):
            instance = escape_controls(instance[:MAX_INSTANCE_CHARS])  # whoever answered chose it
        if not isinstance(instance, str) or not instance:
            return HealthCheck(
                Reach.UNIDENTIFIED_INSPECTOR,
                f"The tunnel reaches a Webhook Inspector listener that does not say which one it is "
                f"(an older version?), so it may not be this one (round trip {ms}).",
                seconds,
                status,
            )
        if instance == expected:
            return HealthCheck(
                Reach.THIS_LISTENER,
                f"The tunnel reaches this listener (round trip {ms}).",
                seconds,
                status,
                instance,
            )
        return HealthCheck(
            Reach.OTHER_INSTANCE,
            f"The tunnel reaches another Webhook Inspector listener (instance {instance}), not this one: "
            "it points at another port, or another copy of the app is running.",
            seconds,
            status,
            instance,
        )
    if 200 <= status < 300:
        kind = "a web page" if b"<html" in body[:2048].lower() else "a server that is not Webhook Inspector"
        return HealthCheck(
            Reach.OTHER_SERVER,
            f"The tunnel reaches {kind}, not this listener: it points at another port or server.",
            seconds,
            status,
        )
    if 300 <= status < 400:
        where = f" to {location}" if location else ""
        return HealthCheck(
            Reach.OTHER_SERVER,
            f"The tunnel answered with a redirect{where}: it points at a server that is not this "
            "listener, or asks for a login.",
            seconds,
            status,
        )
    return HealthCheck(Reach.EDGE_ERROR, _edge_error(host, status, body), seconds, status)


def _edge_error(host: str, status: int, body: bytes) -> str:
    text = body[:MAX_BODY].decode("utf-8", "replace")
    if "ERR_NGROK_3200" in text:
        return f"The ngrok endpoint {host} is offline (ERR_NGROK_3200): the tunnel was closed or moved."
    if "ERR_NGROK_8012" in text:
        return (
            "ngrok is up but cannot reach the local port it forwards to (ERR_NGROK_8012): "
            "the listener is not on that port."
        )
    if status == 530 or ("1033" in text and "cloudflare" in text.lower()):
        return f"Cloudflare has no connected tunnel for {host} (error 1033): cloudflared is not running."
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    if status in (502, 503, 504):
        return (
            f"The tunnel answered {status} {phrase}: it could not reach what it forwards to; "
            "is the listener running on the port the tunnel points at?"
        )
    return (
        f"The tunnel answered {status} {phrase} instead of the listener's health answer: it points at "
        "something that is not this listener (another port or server)."
    )


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None
