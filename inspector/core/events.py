"""The records that flow listener -> store -> GUI/export. Plain data, no I/O."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Verdict flags stored with each delivery attempt. Strings, because they are part of the export format.
FLAG_DUPLICATE = "duplicate"  # same event_id as an earlier accepted delivery
FLAG_UNAUTHORIZED = "unauthorized"  # token missing or wrong (401)
FLAG_UNVERIFIED = "unverified"  # accepted while no verification token was known
FLAG_INVALID_JSON = "invalid_json"  # body is not strict JSON / not UTF-8 (400)
FLAG_NOT_ENVELOPE = "not_envelope"  # JSON object without event_id / event_identifier / data
FLAG_DUPLICATE_KEYS = "duplicate_keys"  # JSON object repeats a key (accepted)
FLAG_TOO_LARGE = "too_large"  # body over the limit (413)
FLAG_UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # not JSON (415)
FLAG_METHOD_NOT_ALLOWED = "method_not_allowed"  # not POST (405)
FLAG_TRUNCATED = "body_truncated"  # stored body was cut (rejected bodies keep 64 KiB)
FLAG_RULE = "response_rule"  # our answer came from a user-set response rule
FLAG_BAD_REQUEST = "bad_request"  # not valid HTTP/1.1 framing (target, headers, chunking) (400/431/5xx)
FLAG_NEW_SHAPE = "new_shape"  # differs from what was learned of its event type (inspector/core/shapes)
FLAG_SCHEMA_INVALID = "schema_invalid"  # does not validate against the loaded schema of its type
# The `extra` key holding a delivery's shape differences and schema problems (capture/payload_learning.py).
EXTRA_SHAPE = "shape"
# Received after an event that shares a reference with it, though its own time is earlier
# (inspector/core/store/references.py): a settlement seen before its authorization.
FLAG_OUT_OF_ORDER = "out_of_order"

# Flags that mean "we did not accept this delivery".
REJECTED_FLAGS = frozenset(
    {
        FLAG_UNAUTHORIZED,
        FLAG_INVALID_JSON,
        FLAG_TOO_LARGE,
        FLAG_UNSUPPORTED_MEDIA_TYPE,
        FLAG_METHOD_NOT_ALLOWED,
        FLAG_BAD_REQUEST,
    }
)


def iso_utc(ts: float) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. 2026-11-27T02:54:03.123Z.

    A time no calendar date can show (past year 9999, NaN; an older importer let some into
    databases) becomes "invalid time 1e+20" instead of an exception in every export and repaint.
    """
    try:
        dt = datetime.fromtimestamp(ts, tz=UTC)
    except (OverflowError, OSError, ValueError, TypeError):
        return f"invalid time {ts!r}"
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class NewEvent:
    """One delivery attempt as the listener saw it, before it is stored.

    `headers` are already redacted: secrets never reach this object.
    """

    received_at: float  # epoch seconds
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int
    duration_ms: float = 0.0
    event_id: str | None = None
    event_identifier: str | None = None
    flags: tuple[str, ...] = ()
    webhook_id: str | None = None  # whose token matched, if any
    remote_addr: str = ""
    body_size: int | None = None  # full size when `body` was cut; None means len(body)
    error: str | None = None  # the sentence we answered with, for rejected requests
    # The base URL of the listener that took it (http://127.0.0.1:8765): where a cURL or HAR export
    # of it points by default. Kept in the row's `extra` JSON as RECEIVED_ON.
    received_on: str = ""


RECEIVED_ON = "received_on"  # the `extra` key of NewEvent.received_on


@dataclass(frozen=True, slots=True)
class EventSummary:
    """What a table row needs: no body, no headers."""

    seq: int
    received_at: float
    method: str
    path: str
    event_id: str | None
    event_identifier: str | None
    status: int
    body_size: int
    flags: tuple[str, ...]
    webhook_id: str | None
    duplicate_of: int | None
    # None = not forwarded; 0 = forwarding got no HTTP answer; else the target's status.
    forward_status: int | None = None
    pinned: bool = False  # the user chose to keep it: retention never deletes it

    @property
    def received_at_iso(self) -> str:
        return iso_utc(self.received_at)

    @property
    def rejected(self) -> bool:
        return self.status >= 400 or bool(REJECTED_FLAGS.intersection(self.flags))


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One stored delivery attempt, complete."""

    seq: int
    received_at: float
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_size: int
    status: int
    duration_ms: float
    event_id: str | None
    event_identifier: str | None
    flags: tuple[str, ...]
    webhook_id: str | None
    duplicate_of: int | None
    remote_addr: str
    error: str | None
    extra: dict[str, Any] = field(default_factory=dict)  # forward/replay results and later additions

    @property
    def received_at_iso(self) -> str:
        return iso_utc(self.received_at)

    @property
    def received_on(self) -> str | None:
        """The listener base URL it came to, when recorded (older and imported rows have none)."""
        value = self.extra.get(RECEIVED_ON)
        return value if isinstance(value, str) and value else None

    @property
    def body_truncated(self) -> bool:
        return self.body_size > len(self.body)

    def body_json(self) -> Any | None:
        """The parsed body, or None when it is not JSON (callers show raw/hex instead)."""
        if FLAG_INVALID_JSON in self.flags or not self.body or self.body_truncated:
            return None
        try:
            # Decoded strictly: json.loads of bytes would accept CESU-8 surrogates, whose text no
            # exporter can encode again.
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, RecursionError):
            return None

    def summary(self) -> EventSummary:
        return EventSummary(
            seq=self.seq,
            received_at=self.received_at,
            method=self.method,
            path=self.path,
            event_id=self.event_id,
            event_identifier=self.event_identifier,
            status=self.status,
            body_size=self.body_size,
            flags=self.flags,
            webhook_id=self.webhook_id,
            duplicate_of=self.duplicate_of,
            forward_status=_forward_status(self.extra),
        )

    def to_export_dict(self) -> dict[str, Any]:
        """The ndjson export record (README.md "Export and import"). Headers are already redacted."""
        record: dict[str, Any] = {
            "seq": self.seq,
            "received_at": self.received_at_iso,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": [[k, v] for k, v in self.headers],
            "status": self.status,
            "event_id": self.event_id,
            "event_identifier": self.event_identifier,
            "flags": list(self.flags),
            "webhook_id": self.webhook_id,
            "duplicate_of": self.duplicate_of,
            "duration_ms": round(self.duration_ms, 3),
            "body_size": self.body_size,
        }
        parsed = self.body_json()
        if parsed is None and self.body:
            record["body"] = None
            record["body_base64"] = base64.b64encode(self.body).decode("ascii")
        else:
            record["body"] = parsed
        if self.error:
            record["error"] = self.error
        if self.extra.get(EXTRA_SHAPE):
            # new_shape / schema_invalid: what differed, one line each (no values, only paths and types).
            record["shape"] = self.extra[EXTRA_SHAPE]
        if self.received_on is not None:
            record[RECEIVED_ON] = self.received_on
        return record


def _forward_status(extra: dict[str, Any]) -> int | None:
    forward = extra.get("forward")
    if not isinstance(forward, dict):
        return None
    status = forward.get("status")
    return status if isinstance(status, int) else 0
