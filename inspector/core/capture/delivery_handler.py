"""The handler that judges, records and answers each delivery (what README.md's "What the listener
answers" table says), for requests framed by inspector/core/capture/http_request.py."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from inspector.core import events as ev
from inspector.core.capture.http_request import ReceivedRequest
from inspector.core.capture.http_server import Response, json_response
from inspector.core.capture.json_body import JsonBodyError, parse_json_body
from inspector.core.capture.token_ring import TokenRing
from inspector.core.diagnostics.log_events import delivery_rejected, delivery_stored
from inspector.core.events import NewEvent, StoredEvent
from inspector.core.redaction import redact_headers, redact_query
from inspector.core.store.batch_writer import BatchWriter

if TYPE_CHECKING:
    from inspector.core.capture.payload_learning import PayloadLearning

HEALTH_PATH = "/_inspector/health"
REJECTED_BODY_CAP = 64 * 1024  # bodies of rejected requests are kept up to this size
COMMIT_WAIT_SECONDS = 10.0
MAX_RULE_DELAY_SECONDS = 30.0
# A declared size is recorded as the body size, but SQLite integers stop at 2**63.
MAX_RECORDED_SIZE = 2**62
_JSON_TYPE = re.compile(r"^\s*(application/json|[\w.+-]+/[\w.-]+\+json)\s*(;.*)?$", re.IGNORECASE)
# Flags for requests refused before their body was judged, by the status we answered.
_FRAMING_FLAGS = {413: ev.FLAG_TOO_LARGE}


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


class _RequestFields(TypedDict):
    """What every record of a request carries, whatever was answered."""

    received_at: float
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    remote_addr: str
    received_on: str


class _Reply(Exception):
    """Ends handling early with an error answer; carries what to record."""

    def __init__(self, status: int, message: str, flag: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.flag = flag


class DeliveryHandler:
    def __init__(
        self,
        writer: BatchWriter,
        tokens: TokenRing,
        *,
        max_body: int,
        strict_envelope: bool = False,
        commit_wait: float = COMMIT_WAIT_SECONDS,
        instance_id: str = "",
    ) -> None:
        self.writer = writer
        # Named in the health answer, so a check through a tunnel can tell this listener from another.
        self.instance_id = instance_id
        self.commit_wait = commit_wait
        self.tokens = tokens
        self.max_body = max_body
        self.strict_envelope = strict_envelope
        self.rule_hook: RuleHook | None = None
        self.forward_hook: ForwardHook | None = None
        self.learning: PayloadLearning | None = None  # learned shapes (new_shape, schema_invalid)
        # The listener's base URL once bound (recorded with each event: where exports point).
        self.listener_url = ""

    def __call__(self, request: ReceivedRequest, remote_addr: str) -> Response:
        started = time.perf_counter()
        head = request.head
        if head.path == HEALTH_PATH and head.method in ("GET", "HEAD") and request.complete:
            return json_response(200, {"status": "ok", "instance": self.instance_id})
        raw_headers = head.headers
        base: _RequestFields = {
            "received_at": time.time(),
            "method": head.method,
            "path": head.path or head.target[:2048],
            "query": redact_query(head.query),
            "headers": redact_headers(raw_headers),
            "remote_addr": remote_addr,
            "received_on": self.listener_url,
        }
        body = request.body
        body_size: int | None = request.body_size if request.body_size != len(body) else None
        webhook_id: str | None = None
        flags: list[str] = []
        try:
            if request.problem is not None:
                problem = request.problem
                flag = _FRAMING_FLAGS.get(problem.status)
                if flag is None:
                    # A body cut short is not the JSON document it was meant to be.
                    flag = ev.FLAG_INVALID_JSON if problem.incomplete else ev.FLAG_BAD_REQUEST
                raise _Reply(problem.status, problem.message, flag)
            if head.method != "POST":
                raise _Reply(405, "only POST is accepted here", ev.FLAG_METHOD_NOT_ALLOWED)
            auth_values = [v for k, v in raw_headers if k.lower() == "authorization"]
            verdict = self.tokens.check(auth_values)
            if not verdict.ok:
                raise _Reply(401, verdict.reason, ev.FLAG_UNAUTHORIZED)
            webhook_id = verdict.label
            if webhook_id is None:
                flags.append(ev.FLAG_UNVERIFIED)
            types = {v.strip() for k, v in raw_headers if k.lower() == "content-type"}
            content_type = types.pop() if len(types) == 1 else ""
            if not _JSON_TYPE.match(content_type) or not _utf8_charset(content_type):
                shown = content_type or ("several" if types else "none")
                raise _Reply(
                    415,
                    f"content type {shown[:80]} is not JSON (application/json expected)",
                    ev.FLAG_UNSUPPORTED_MEDIA_TYPE,
                )
            try:
                parsed = parse_json_body(body)
            except JsonBodyError as exc:
                raise _Reply(400, str(exc), ev.FLAG_INVALID_JSON) from None
        except _Reply as reply:
            flags.append(reply.flag)
            kept = body[:REJECTED_BODY_CAP]
            full = min(body_size if body_size is not None else len(body), MAX_RECORDED_SIZE)
            if full > len(kept):
                flags.append(ev.FLAG_TRUNCATED)
            new = NewEvent(
                **base,
                body=kept,
                body_size=full if full != len(kept) else None,
                status=reply.status,
                duration_ms=(time.perf_counter() - started) * 1000,
                flags=tuple(flags),
                webhook_id=webhook_id,
                error=reply.message,
            )
            return self._record_and_answer(new, reply)

        if parsed.duplicate_keys:
            flags.append(ev.FLAG_DUPLICATE_KEYS)
        status = 200
        error: str | None = None
        if parsed.missing_fields:
            flags.append(ev.FLAG_NOT_ENVELOPE)
            if self.strict_envelope:
                status = 422
                error = "not a webhook envelope: missing " + ", ".join(parsed.missing_fields)
        rule_hook = self.rule_hook
        outcome = rule_hook(parsed.event_identifier) if rule_hook else None
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
        learning = self.learning
        note = None
        if learning is not None and parsed.event_identifier is not None and 200 <= status < 300:
            note = learning.note(parsed.event_identifier, parsed.value)
        try:
            stored = self.writer.write(new, timeout=self.commit_wait, note=note)
        except Exception as exc:  # stopped, timed out, or the commit failed
            return json_response(
                503,
                {"error": f"the delivery could not be stored ({_short(exc)}); please retry"},
                headers=[("Retry-After", "5")],
            )
        delivery_stored(stored.seq, status, flags, new.path)
        forward_hook = self.forward_hook
        if forward_hook is not None and 200 <= status < 300:
            forward_hook(stored, raw_headers)
        if outcome is not None:
            return Response(
                outcome.status,
                outcome.body,
                content_type=outcome.content_type,
                delay=min(max(outcome.delay_seconds, 0.0), MAX_RULE_DELAY_SECONDS),
            )
        if error is not None:
            delivery_rejected(status, ev.FLAG_NOT_ENVELOPE, new.path)
            return json_response(status, {"error": error, "seq": stored.seq})
        answer: dict[str, Any] = {"received": True, "seq": stored.seq}
        if stored.duplicate_of is not None:
            answer["duplicate_of"] = stored.duplicate_of
        return json_response(200, answer)

    def _record_and_answer(self, new: NewEvent, reply: _Reply) -> Response:
        extra = [("Allow", "POST")] if reply.status == 405 else []
        delivery_rejected(reply.status, reply.flag, new.path)
        try:
            self.writer.write(new, timeout=self.commit_wait)
        except Exception:  # recording a rejection is best effort; the answer is the same
            pass
        return json_response(reply.status, {"error": reply.message}, headers=extra)


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _utf8_charset(content_type: str) -> bool:
    m = re.search(r"charset\s*=\s*\"?([\w-]+)", content_type, re.IGNORECASE)
    return m is None or m.group(1).lower() in ("utf-8", "utf8")
