"""The WSGI application that judges, records and answers each delivery (DESIGN.md "Listener (HTTP)")."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wsgi import get_input_stream

from inspector.core import events as ev
from inspector.core.batch_writer import BatchWriter
from inspector.core.events import NewEvent, StoredEvent
from inspector.core.json_body import JsonBodyError, parse_json_body
from inspector.core.redaction import redact_headers, redact_query
from inspector.core.token_check import TokenRing

HEALTH_PATH = "/_inspector/health"
REJECTED_BODY_CAP = 64 * 1024  # bodies of rejected requests are kept up to this size
COMMIT_WAIT_SECONDS = 10.0
# A declared Content-Length is recorded as the body size, but SQLite integers stop at 2**63.
MAX_RECORDED_SIZE = 2**62
_JSON_TYPE = re.compile(r"^\s*(application/json|[\w.+-]+/[\w.-]+\+json)\s*(;.*)?$", re.IGNORECASE)

StartResponse = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What a user-set response rule makes us answer instead of the normal acknowledgement."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    delay_seconds: float = 0.0


# (event_identifier) -> outcome or None; set by the response-rules feature.
RuleHook = Callable[[str | None], RuleOutcome | None]
# (stored event, original headers incl. secrets, kept in memory only) -> None; set by forwarding.
ForwardHook = Callable[[StoredEvent, list[tuple[str, str]]], None]


class _Reply(Exception):
    """Ends handling early with an error answer; carries what to record."""

    def __init__(self, status: int, message: str, flag: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.flag = flag


class ListenerApp:
    def __init__(
        self,
        writer: BatchWriter,
        tokens: TokenRing,
        *,
        max_body: int,
        strict_envelope: bool = False,
    ) -> None:
        self.writer = writer
        self.tokens = tokens
        self.max_body = max_body
        self.strict_envelope = strict_envelope
        self.rule_hook: RuleHook | None = None
        self.forward_hook: ForwardHook | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        received_at = time.time()
        path = environ.get("PATH_INFO", "") or "/"
        if path == HEALTH_PATH and environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            return _respond(start_response, 200, {"status": "ok"})

        raw_headers: list[tuple[str, str]] = environ.get("inspector.raw_headers") or _headers_from(environ)
        base = {
            "received_at": received_at,
            "method": environ["REQUEST_METHOD"],
            "path": path,
            "query": redact_query(environ.get("QUERY_STRING", "")),
            "headers": redact_headers(raw_headers),
            "remote_addr": environ.get("REMOTE_ADDR", ""),
        }
        body = b""
        body_size: int | None = None
        webhook_id: str | None = None
        flags: list[str] = []
        try:
            if environ["REQUEST_METHOD"] != "POST":
                body, body_size = _read_capped(environ, REJECTED_BODY_CAP)
                raise _Reply(405, "only POST is accepted here", ev.FLAG_METHOD_NOT_ALLOWED)
            auth_values = [v for k, v in raw_headers if k.lower() == "authorization"]
            verdict = self.tokens.check(auth_values)
            if not verdict.ok:
                body, body_size = _read_capped(environ, REJECTED_BODY_CAP)
                raise _Reply(401, verdict.reason, ev.FLAG_UNAUTHORIZED)
            webhook_id = verdict.label
            if webhook_id is None:
                flags.append(ev.FLAG_UNVERIFIED)
            declared = environ.get("CONTENT_LENGTH")
            if declared and declared.isdigit() and int(declared) > self.max_body:
                body_size = min(int(declared), MAX_RECORDED_SIZE)
                raise _Reply(413, self._too_large(), ev.FLAG_TOO_LARGE)
            content_type = environ.get("CONTENT_TYPE", "")
            if not _JSON_TYPE.match(content_type) or not _utf8_charset(content_type):
                body, body_size = _read_capped(environ, REJECTED_BODY_CAP)
                shown = content_type or "none"
                raise _Reply(
                    415,
                    f"content type {shown[:80]} is not JSON (application/json expected)",
                    ev.FLAG_UNSUPPORTED_MEDIA_TYPE,
                )
            body, over = _read_limited(environ, self.max_body)
            if over:
                body_size = len(body)
                body = body[:REJECTED_BODY_CAP]
                raise _Reply(413, self._too_large(), ev.FLAG_TOO_LARGE)
            try:
                parsed = parse_json_body(body)
            except JsonBodyError as exc:
                body_size = len(body)
                body = body[:REJECTED_BODY_CAP]
                raise _Reply(400, str(exc), ev.FLAG_INVALID_JSON) from None
        except _Reply as reply:
            flags.append(reply.flag)
            if body_size is not None and body_size > len(body):
                flags.append(ev.FLAG_TRUNCATED)
            new = NewEvent(
                **base,
                body=body,
                body_size=body_size,
                status=reply.status,
                duration_ms=(time.perf_counter() - started) * 1000,
                flags=tuple(flags),
                webhook_id=webhook_id,
                error=reply.message,
            )
            return self._record_and_answer(new, start_response, reply)
        except (ClientDisconnected, OSError, ValueError):
            # The client went away or sent broken chunked framing mid-body: nothing to answer.
            reply = _Reply(400, "the request body could not be read", ev.FLAG_INVALID_JSON)
            flags.append(reply.flag)
            new = NewEvent(
                **base,
                body=body,
                status=400,
                duration_ms=(time.perf_counter() - started) * 1000,
                flags=tuple(flags),
                error=reply.message,
            )
            return self._record_and_answer(new, start_response, reply)

        if parsed.duplicate_keys:
            flags.append(ev.FLAG_DUPLICATE_KEYS)
        status = 200
        error: str | None = None
        if parsed.missing_fields:
            flags.append(ev.FLAG_NOT_ENVELOPE)
            if self.strict_envelope:
                status = 422
                error = "not a webhook envelope: missing " + ", ".join(parsed.missing_fields)
        outcome = self.rule_hook(parsed.event_identifier) if self.rule_hook else None
        if outcome is not None:
            status = outcome.status
            flags.append(ev.FLAG_RULE)
        new = NewEvent(
            **base,
            body=body,
            status=status,
            flags=tuple(flags),
            webhook_id=webhook_id,
            event_id=parsed.event_id,
            event_identifier=parsed.event_identifier,
            error=error,
            duration_ms=(time.perf_counter() - started) * 1000,
        )
        try:
            stored = self.writer.write(new, timeout=COMMIT_WAIT_SECONDS)
        except Exception as exc:  # stopped, timed out, or the commit failed
            return _respond(
                start_response,
                503,
                {"error": f"the delivery could not be stored ({_short(exc)}); please retry"},
                extra_headers=[("Retry-After", "5")],
            )
        if self.forward_hook is not None and 200 <= status < 300:
            self.forward_hook(stored, raw_headers)
        if outcome is not None:
            if outcome.delay_seconds > 0:
                time.sleep(min(outcome.delay_seconds, 30.0))  # a user-chosen delay, bounded
            start_response(
                f"{outcome.status} {_reason(outcome.status)}",
                [
                    ("Content-Type", outcome.content_type),
                    ("Content-Length", str(len(outcome.body))),
                ],
            )
            return [outcome.body]
        if error is not None:
            return _respond(start_response, status, {"error": error, "seq": stored.seq})
        answer: dict[str, Any] = {"received": True, "seq": stored.seq}
        if stored.duplicate_of is not None:
            answer["duplicate_of"] = stored.duplicate_of
        return _respond(start_response, 200, answer)

    def _too_large(self) -> str:
        return f"the body is larger than the {self.max_body} byte limit"

    def _record_and_answer(
        self, new: NewEvent, start_response: StartResponse, reply: _Reply
    ) -> Iterable[bytes]:
        # No "Connection: close" needed for unread bodies: Werkzeug's server closes every
        # connection after one response anyway.
        extra = [("Allow", "POST")] if reply.status == 405 else []
        try:
            self.writer.write(new, timeout=COMMIT_WAIT_SECONDS)
        except Exception:  # recording a rejection is best effort; the answer is the same
            pass
        return _respond(start_response, reply.status, {"error": reply.message}, extra_headers=extra)


def _respond(
    start_response: StartResponse,
    status: int,
    payload: dict[str, Any],
    extra_headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    data = json.dumps(payload).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(f"{status} {_reason(status)}", headers + (extra_headers or []))
    return [data]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _utf8_charset(content_type: str) -> bool:
    m = re.search(r"charset\s*=\s*\"?([\w-]+)", content_type, re.IGNORECASE)
    return m is None or m.group(1).lower() in ("utf-8", "utf8")


def _headers_from(environ: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out.append((key[5:].replace("_", "-").title(), value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            out.append((key.replace("_", "-").title(), value))
    return out


def _read_limited(environ: dict[str, Any], limit: int) -> tuple[bytes, bool]:
    """Read the whole body, or stop one byte past `limit` (chunked bodies have no length to check)."""
    stream = get_input_stream(environ, safe_fallback=True)
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = stream.read(min(65536, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks), total > limit


def _read_capped(environ: dict[str, Any], cap: int) -> tuple[bytes, int | None]:
    """Keep at most `cap` bytes of a rejected body; report the declared size when it is larger."""
    declared = environ.get("CONTENT_LENGTH")
    size = min(int(declared), MAX_RECORDED_SIZE) if declared and declared.isdigit() else None
    if size is not None and size > cap:
        body, _ = _read_limited_safe(environ, cap)
        return body, size
    body, over = _read_limited_safe(environ, cap)
    return body[:cap], (len(body) if over else None)


def _read_limited_safe(environ: dict[str, Any], cap: int) -> tuple[bytes, bool]:
    try:
        return _read_limited(environ, cap)
    except (ClientDisconnected, OSError, ValueError):
        return b"", False
