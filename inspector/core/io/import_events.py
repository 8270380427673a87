"""Import NDJSON (our export format) and HAR 1.2 back into the history, with the original times.

A bad line or entry is skipped and counted, with a message naming its line (entry) number; it
never stops the import. Headers and query strings are redacted again on the way in, because a file
from elsewhere may carry secrets that must not reach the database.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from inspector.core import events as ev
from inspector.core.events import NewEvent
from inspector.core.io.export_har import CUSTOM_KEY
from inspector.core.redaction import redact_headers, redact_query
from inspector.core.store.event_store import EventStore

BATCH = 500
MAX_MESSAGES = 100  # errors kept for the report; the count goes on
MAX_HAR_BYTES = 1024 * 1024 * 1024  # a HAR is one JSON document: refuse what cannot fit in memory


class BadRecord(ValueError):
    """One line or entry that cannot become an event; the message says why."""


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (not readable, not a HAR document)."""


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)  # the first MAX_MESSAGES, "line 3: ..."

    def bad(self, message: str) -> None:
        self.skipped += 1
        if len(self.errors) < MAX_MESSAGES:
            self.errors.append(message)

    def summary(self) -> str:
        text = f"imported {self.imported} event{'s' if self.imported != 1 else ''}"
        if self.skipped:
            text += f", skipped {self.skipped} bad record{'s' if self.skipped != 1 else ''}"
            if self.errors:
                text += f" (first: {self.errors[0]})"
        return text


# -- field checks ---------------------------------------------------------------------------------


def _timestamp(value: Any) -> float:
    if isinstance(value, bool):
        raise BadRecord("received_at is not a time")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise BadRecord("received_at is not a valid time")
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise BadRecord(f"received_at {value[:40]!r} is not an ISO 8601 time") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.timestamp()
    raise BadRecord("received_at is missing")


def _str(record: dict[str, Any], key: str, *, required: bool = False, default: str | None = None) -> Any:
    value = record.get(key, default)
    if value is None:
        if required:
            raise BadRecord(f"{key} is missing")
        return default
    if not isinstance(value, str):
        raise BadRecord(f"{key} must be a string")
    return value


def _method(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not value
        or len(value) > 20
        or not value.isascii()
        or not value.isalpha()
    ):
        raise BadRecord("method is missing or not an HTTP method")
    return value.upper()


def _status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise BadRecord("status must be an HTTP status code (100-599)")
    return value


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadRecord("headers must be a list")
    pairs: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, dict):
            name, val = item.get("name"), item.get("value")
        elif isinstance(item, list | tuple) and len(item) == 2:
            name, val = item
        else:
            raise BadRecord("headers must be [name, value] pairs")
        if not isinstance(name, str) or not isinstance(val, str):
            raise BadRecord("header names and values must be strings")
        pairs.append((name, val))
    return redact_headers(pairs)


def _flags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        raise BadRecord("flags must be a list of strings")
    # The store decides what is a duplicate in *this* history.
    return tuple(f for f in value if f != ev.FLAG_DUPLICATE and f.isprintable() and "," not in f)


def _number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return max(0.0, float(value))
    return default


def _envelope_fields(body: bytes) -> tuple[str | None, str | None]:
    """event_id and event_identifier read from the body, for files that do not carry them."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    eid, ident = document.get("event_id"), document.get("event_identifier")
    return (eid if isinstance(eid, str) else None), (ident if isinstance(ident, str) else None)


def _finish(
    *,
    received_at: float,
    method: str,
    path: str,
    query: str,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    status: int,
    extra: dict[str, Any],
) -> NewEvent:
    if not path.startswith("/"):
        path = "/" + path
    has_ids = "event_id" in extra or "event_identifier" in extra
    event_id = _str(extra, "event_id")
    identifier = _str(extra, "event_identifier")
    if not has_ids:
        event_id, identifier = _envelope_fields(body)
    body_size = extra.get("body_size")
    if isinstance(body_size, bool) or not isinstance(body_size, int) or body_size <= len(body):
        body_size = None
    return NewEvent(
        received_at=received_at,
        method=method,
        path=path,
        query=redact_query(query),
        headers=headers,
        body=body,
        status=status,
        duration_ms=_number(extra.get("duration_ms")),
        event_id=event_id,
        event_identifier=identifier,
        flags=_flags(extra.get("flags")),
        webhook_id=_str(extra, "webhook_id"),
        remote_addr=_str(extra, "remote_addr", default="") or "",
        body_size=body_size,
        error=_str(extra, "error"),
    )


# -- NDJSON ---------------------------------------------------------------------------------------


def ndjson_record_to_event(record: Any) -> NewEvent:
    """One export record (DESIGN.md "Export (ndjson)") back into a NewEvent."""
    if not isinstance(record, dict):
        raise BadRecord("not a JSON object")
    if record.get("body_base64") is not None:
        encoded = record["body_base64"]
        if not isinstance(encoded, str):
            raise BadRecord("body_base64 must be a string")
        try:
            body = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise BadRecord("body_base64 is not valid base64") from None
    elif record.get("body") is not None:
        # The export keeps the parsed JSON, not the bytes: this gives back the same document with
        # Python's default separators (what the provider's sandbox sends), not necessarily the
        # original spacing.
        body = json.dumps(record["body"], ensure_ascii=False).encode("utf-8")
    else:
        body = b""
    return _finish(
        received_at=_timestamp(record.get("received_at")),
        method=_method(record.get("method")),
        path=_str(record, "path", required=True),
        query=_str(record, "query", default="") or "",
        headers=_headers(record.get("headers")),
        body=body,
        status=_status(record.get("status")),
        extra=record,
    )


def import_ndjson(lines: Iterable[bytes | str], store: EventStore, *, batch: int = BATCH) -> ImportReport:
    report = ImportReport()
    report.imported = _store_in_batches(_ndjson_events(lines, report), store, batch)
    return report


def _ndjson_events(lines: Iterable[bytes | str], report: ImportReport) -> Iterator[NewEvent]:
    """The events of the good lines; each bad line is counted in `report` with its number."""
    for lineno, raw in enumerate(lines, 1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            report.bad(f"line {lineno}: not UTF-8 (byte {exc.start + 1})")
            continue
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except RecursionError:
            report.bad(f"line {lineno}: nested too deeply")
            continue
        except ValueError as exc:
            report.bad(f"line {lineno}: not JSON ({_json_reason(exc)})")
            continue
        try:
            yield ndjson_record_to_event(record)
        except BadRecord as exc:
            report.bad(f"line {lineno}: {exc}")


def _store_in_batches(events: Iterable[NewEvent], store: EventStore, batch: int) -> int:
    """Insert in batches of `batch` (memory stays bounded for huge files); returns how many."""
    stored = 0
    pending: list[NewEvent] = []
    for event in events:
        pending.append(event)
        if len(pending) >= batch:
            stored += len(store.insert_many(pending))
            pending = []
    if pending:
        stored += len(store.insert_many(pending))
    return stored


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)[:80]


# -- HAR ------------------------------------------------------------------------------------------


def har_entry_to_event(entry: Any) -> NewEvent:
    if not isinstance(entry, dict):
        raise BadRecord("not a JSON object")
    request = entry.get("request")
    response = entry.get("response")
    if not isinstance(request, dict):
        raise BadRecord("request is missing")
    if not isinstance(response, dict):
        raise BadRecord("response is missing")
    custom = entry.get(CUSTOM_KEY)
    custom = custom if isinstance(custom, dict) else {}
    url = request.get("url")
    if not isinstance(url, str):
        raise BadRecord("request.url is missing")
    parts = urlsplit(url)
    path = custom["path"] if isinstance(custom.get("path"), str) else unquote(parts.path or "/")
    query = custom["query"] if isinstance(custom.get("query"), str) else parts.query
    post = request.get("postData")
    body = b""
    if isinstance(post, dict) and isinstance(post.get("text"), str):
        if post.get("encoding") == "base64":
            try:
                body = base64.b64decode(post["text"], validate=True)
            except (binascii.Error, ValueError):
                raise BadRecord("postData.text is not valid base64") from None
        else:
            body = post["text"].encode("utf-8", errors="surrogatepass")
    received = custom.get("received_at")
    received_at = _timestamp(received if received is not None else entry.get("startedDateTime"))
    if "duration_ms" not in custom:
        custom = {**custom, "duration_ms": entry.get("time")}
    return _finish(
        received_at=received_at,
        method=_method(request.get("method")),
        path=path,
        query=query,
        headers=_headers(request.get("headers")),
        body=body,
        status=_status(response.get("status")),
        extra=custom,
    )


def import_har(document: Any, store: EventStore, *, batch: int = BATCH) -> ImportReport:
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise ImportFileError("not a HAR file: no log.entries list")
    report = ImportReport()

    def good_entries() -> Iterator[NewEvent]:
        for number, entry in enumerate(entries, 1):
            try:
                yield har_entry_to_event(entry)
            except BadRecord as exc:
                report.bad(f"entry {number}: {exc}")

    report.imported = _store_in_batches(good_entries(), store, batch)
    return report


# -- files ----------------------------------------------------------------------------------------


def detect_format(path: Path) -> str:
    """ "har" or "ndjson", by extension first, else by the first line."""
    suffix = path.suffix.lower()
    if suffix == ".har":
        return "har"
    if suffix in (".ndjson", ".jsonl"):
        return "ndjson"
    with path.open("rb") as f:
        first = f.readline(1024 * 1024).strip()
    try:
        record = json.loads(first)
    except ValueError:
        return "har"  # a HAR document usually spans many lines, so its first line is not JSON
    return "har" if isinstance(record, dict) and "log" in record else "ndjson"


def import_file(path: Path, store: EventStore, fmt: str | None = None) -> ImportReport:
    path = Path(path)
    try:
        fmt = fmt or detect_format(path)
        if fmt == "ndjson":
            with path.open("rb") as f:
                return import_ndjson(f, store)
        if fmt == "har":
            return import_har(_load_har(path), store)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    raise ImportFileError(f"unknown import format {fmt!r} (ndjson or har)")


def _load_har(path: Path) -> Any:
    if path.stat().st_size > MAX_HAR_BYTES:
        raise ImportFileError(f"{path.name} is larger than {MAX_HAR_BYTES // 2**20} MiB")
    with path.open("rb") as f:
        stream: BinaryIO = f
        try:
            return json.load(stream)
        except RecursionError:
            raise ImportFileError(f"{path.name} is nested too deeply") from None
        except UnicodeDecodeError:
            raise ImportFileError(f"{path.name} is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{path.name} is not JSON: {exc.msg} at line {exc.lineno}") from None
