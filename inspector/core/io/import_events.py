"""Import NDJSON (our export format) and HAR 1.2 back into the history, with the original times.

A bad line or entry is skipped and counted with its reason and number (inspector/core/io/import_fields.py
says what "bad" is); it never stops the import. A line already in the history (an earlier import of
the same file) is skipped too, and counted apart. Headers and query strings are redacted again on the
way in, because a file from elsewhere may carry secrets that must not reach the database.

Only a failing store (a full disk, a damaged database) or a file that cannot be read further stops
an import midway; the report then says where, and `imported` is what was committed before.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from inspector.core.events import RECEIVED_ON, NewEvent
from inspector.core.io import import_fields as fields
from inspector.core.io.event_url import parse_base
from inspector.core.io.export_har import CUSTOM_KEY
from inspector.core.io.import_fields import BadRecord
from inspector.core.io.import_report import ImportReport, SkipReason
from inspector.core.redaction import redact_query
from inspector.core.store.event_store import EventStore

__all__ = [
    "BadRecord",
    "ImportFileError",
    "ImportReport",
    "SkipReason",
    "detect_format",
    "har_entry_to_event",
    "import_file",
    "import_har",
    "import_ndjson",
    "ndjson_record_to_event",
]

BATCH = 500
MAX_HAR_BYTES = 1024 * 1024 * 1024  # a HAR is one JSON document: refuse what cannot fit in memory
MAX_LINE_BYTES = 256 * 1024 * 1024  # an NDJSON line is read whole; a longer one is skipped unread


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (not readable, not a HAR document); nothing was stored."""


class _ReadError(Exception):
    """The file stopped being readable midway (an I/O error); what was read so far is kept."""


Numbered = Iterable[tuple[int, NewEvent]]


# -- one record -----------------------------------------------------------------------------------


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
    event_id = fields.optional_text(extra, "event_id")
    identifier = fields.optional_text(extra, "event_identifier")
    if not has_ids:
        event_id, identifier = _envelope_fields(body)
    return NewEvent(
        received_at=received_at,
        method=method,
        path=path,
        query=redact_query(query),
        headers=headers,
        body=body,
        status=status,
        duration_ms=fields.duration_ms(extra.get("duration_ms")),
        event_id=event_id,
        event_identifier=identifier,
        flags=fields.flags(extra.get("flags")),
        webhook_id=fields.optional_text(extra, "webhook_id"),
        remote_addr=fields.optional_text(extra, "remote_addr") or "",
        body_size=fields.body_size(extra.get("body_size"), len(body)),
        error=fields.optional_text(extra, "error"),
        received_on=_received_on(extra),
    )


def _received_on(extra: dict[str, Any]) -> str:
    """The listener a file says the event came to, when it is a plain base URL (else none)."""
    value = fields.optional_text(extra, RECEIVED_ON)
    if not value:
        return ""
    try:
        parse_base(value)
    except ValueError:
        return ""
    return value


def _envelope_fields(body: bytes) -> tuple[str | None, str | None]:
    """event_id and event_identifier read from the body, for files that do not carry them."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    eid, ident = document.get("event_id"), document.get("event_identifier")
    return (eid if isinstance(eid, str) else None), (ident if isinstance(ident, str) else None)


def _base64(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise BadRecord(f"{name} must be a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadRecord(f"{name} is not valid base64") from None


def ndjson_record_to_event(record: Any) -> NewEvent:
    """One export record (the `export --format ndjson` record) back into a NewEvent."""
    if not isinstance(record, dict):
        raise BadRecord("not a JSON object")
    if record.get("body_base64") is not None:
        body = _base64(record["body_base64"], "body_base64")
    elif record.get("body") is not None:
        # The export keeps the parsed JSON, not the bytes: this gives back the same document with
        # Python's default separators (what the provider's sandbox sends), not necessarily the
        # original spacing.
        try:
            text = json.dumps(record["body"], ensure_ascii=False)
        except RecursionError:
            raise BadRecord("body is nested too deeply") from None
        body = fields.text(text, "body").encode("utf-8")
    else:
        body = b""
    return _finish(
        received_at=fields.timestamp(record.get("received_at")),
        method=fields.method(record.get("method")),
        path=_required_text(record, "path"),
        query=fields.text(record.get("query") or "", "query"),
        headers=fields.headers(record.get("headers")),
        body=body,
        status=fields.status(record.get("status")),
        extra=record,
    )


def _required_text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        raise BadRecord(f"{key} is missing")
    return fields.text(value, key)


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
    try:
        parts = urlsplit(fields.text(url, "request.url"))
    except ValueError as exc:
        if isinstance(exc, BadRecord):
            raise
        raise BadRecord(f"request.url is not a valid URL ({exc})", "request.url is not a valid URL") from None
    # Our own export keeps the exact path and query beside the URL (the URL is percent-encoded).
    path = custom.get("path") if isinstance(custom.get("path"), str) else unquote(parts.path or "/")
    query = custom.get("query") if isinstance(custom.get("query"), str) else parts.query
    post = request.get("postData")
    body = b""
    if isinstance(post, dict) and isinstance(post.get("text"), str):
        if post.get("encoding") == "base64":
            body = _base64(post["text"], "postData.text")
        else:
            body = fields.text(post["text"], "postData.text").encode("utf-8")
    received = custom.get("received_at")
    received_at = fields.timestamp(received if received is not None else entry.get("startedDateTime"))
    if "duration_ms" not in custom:
        took = entry.get("time")
        # HAR writes -1 for "does not apply".
        custom = {**custom, "duration_ms": None if took == -1 else took}
    return _finish(
        received_at=received_at,
        method=fields.method(request.get("method")),
        path=fields.text(path, "path"),
        query=fields.text(query, "query"),
        headers=fields.headers(request.get("headers")),
        body=body,
        status=fields.status(response.get("status")),
        extra=custom,
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(text: str | bytes) -> Any:
    """Strict JSON: NaN and Infinity (which Python's json accepts) are refused, as the listener does."""
    return json.loads(text, parse_constant=_reject_constant)


# -- NDJSON ---------------------------------------------------------------------------------------


def import_ndjson(
    lines: Iterable[bytes | str | None], store: EventStore, *, batch: int = BATCH
) -> ImportReport:
    """Import lines (None stands for a line too long to read); the report says what happened."""
    report = ImportReport(unit="line")
    _store_in_batches(_ndjson_events(lines, report), store, batch, report)
    return report


def _ndjson_events(lines: Iterable[bytes | str | None], report: ImportReport) -> Numbered:
    """The events of the good lines, numbered; each bad line is counted in `report`."""
    for lineno, raw in enumerate(lines, 1):
        try:
            event = _ndjson_line(raw)
        except BadRecord as exc:
            report.bad(lineno, str(exc), exc.kind)
            continue
        except Exception as exc:  # a line no check foresaw: skip and say so, never stop the import
            report.bad(lineno, f"cannot be read ({type(exc).__name__}: {exc})"[:200], "cannot be read")
            continue
        if event is not None:
            yield lineno, event


def _ndjson_line(raw: bytes | str | None) -> NewEvent | None:
    if raw is None:
        raise BadRecord(f"longer than {MAX_LINE_BYTES // 2**20} MiB", "line too long")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise BadRecord(f"not UTF-8 (byte {exc.start + 1})", "not UTF-8") from None
    if not text.strip():
        return None
    try:
        record = _loads(text)
    except RecursionError:
        raise BadRecord("nested too deeply") from None
    except ValueError as exc:
        raise BadRecord(f"not JSON ({_json_reason(exc)})", "not JSON") from None
    return ndjson_record_to_event(record)


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)[:80]


def _file_lines(f: BinaryIO) -> Iterator[bytes | None]:
    """The lines of `f`, each at most MAX_LINE_BYTES (None for a longer one, which is read past)."""
    while True:
        try:
            line = f.readline(MAX_LINE_BYTES + 1)
        except OSError as exc:
            raise _ReadError(exc.strerror or str(exc)) from exc
        if not line:
            return
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):  # skip the rest of the long line, in bounded reads
            try:
                line = f.readline(MAX_LINE_BYTES)
            except OSError as exc:
                raise _ReadError(exc.strerror or str(exc)) from exc
        yield None


# -- HAR ------------------------------------------------------------------------------------------


def import_har(document: Any, store: EventStore, *, batch: int = BATCH) -> ImportReport:
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise ImportFileError("not a HAR file: no log.entries list")
    report = ImportReport(unit="entry")

    def good_entries() -> Numbered:
        for number, entry in enumerate(entries, 1):
            try:
                yield number, har_entry_to_event(entry)
            except BadRecord as exc:
                report.bad(number, str(exc), exc.kind)
            except Exception as exc:  # an entry no check foresaw: skip and say so
                report.bad(number, f"cannot be read ({type(exc).__name__}: {exc})"[:200], "cannot be read")

    _store_in_batches(good_entries(), store, batch, report)
    return report


# -- storing --------------------------------------------------------------------------------------


def _store_in_batches(events: Numbered, store: EventStore, batch: int, report: ImportReport) -> None:
    """Insert in batches of `batch` (memory stays bounded for huge files), counting into `report`.

    Rows already in the history before this import started are left out, so importing a file twice
    does not double it; twin lines inside one file still both go in the first time.
    """
    pending: list[tuple[int, NewEvent]] = []
    try:
        known_upto = store.max_seq()
    except Exception as exc:  # a damaged or vanished database: nothing was stored
        report.stopped = f"stopped before the first {report.unit}: {_sentence(exc)}"
        return

    def flush() -> bool:
        if not pending:
            return True
        first_number = pending[0][0]
        news = [e for _, e in pending]
        try:
            present = store.already_stored(news, upto_seq=known_upto)
            fresh = [e for e, known in zip(news, present, strict=True) if not known]
            if fresh:
                report.imported += len(store.insert_many(fresh))
        except Exception as exc:  # a full disk, a damaged or locked database: stop, and say where
            report.stopped = f"stopped at {report.unit} {first_number:,}: {_sentence(exc)}"
            return False
        report.already_present += len(news) - len(fresh)
        pending.clear()
        return True

    try:
        for numbered in events:
            pending.append(numbered)
            if len(pending) >= batch and not flush():
                return
    except _ReadError as exc:
        if flush():
            report.stopped = f"stopped: the file could not be read further ({exc})"
        return
    flush()


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


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
    except (ValueError, RecursionError):
        return "har"  # a HAR document usually spans many lines, so its first line is not JSON
    return "har" if isinstance(record, dict) and "log" in record else "ndjson"


def import_file(path: Path, store: EventStore, fmt: str | None = None) -> ImportReport:
    """Import `path` into `store`. ImportFileError only when nothing was stored; any later trouble
    ends the import with `report.stopped` set instead of an exception."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ImportFileError(f"{path} is a folder, not a file")
        fmt = fmt or detect_format(path)
        if fmt == "ndjson":
            with path.open("rb") as f:
                return import_ndjson(_file_lines(f), store)
        if fmt == "har":
            return import_har(_load_har(path), store)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    raise ImportFileError(f"unknown import format {fmt!r} (ndjson or har)")


def _load_har(path: Path) -> Any:
    if path.stat().st_size > MAX_HAR_BYTES:
        raise ImportFileError(f"{path.name} is larger than {MAX_HAR_BYTES // 2**20} MiB")
    with path.open("rb") as f:
        data = f.read()
    try:
        # Decoded strictly first: json.loads of bytes would let CESU-8 surrogates through.
        return _loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise ImportFileError(f"{path.name} is nested too deeply") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path.name} is not JSON: {exc.msg} at line {exc.lineno}") from None
    except ValueError as exc:
        raise ImportFileError(f"{path.name} is not JSON: {exc}") from None
