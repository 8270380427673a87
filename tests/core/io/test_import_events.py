"""Import of NDJSON and HAR files back into a real store."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from inspector.core.events import NewEvent, StoredEvent
from inspector.core.io.export_har import write_har
from inspector.core.io.export_ndjson import write_ndjson
from inspector.core.io.import_events import ImportFileError, detect_format, import_file, import_ndjson
from inspector.core.store.event_store import EventStore


def body(event_id: str, identifier: str = "transaction.authorized") -> bytes:
    doc = {"event_id": event_id, "event_identifier": identifier, "data": {"amount": 7, "who": "Zoë"}}
    return json.dumps(doc, ensure_ascii=False).encode()  # the provider's (sandbox's) own serialisation


@pytest.fixture
def history(store: EventStore) -> list[StoredEvent]:
    yesterday = time.time() - 86400
    news = [
        NewEvent(
            yesterday,
            "POST",
            "/hooks",
            "a=1",
            (("Content-Type", "application/json"), ("Authorization", "Bearer [redacted]")),
            body("evt_1"),
            200,
            12.5,
            "evt_1",
            "transaction.authorized",
            ("unverified",),
        ),
        NewEvent(
            yesterday + 1,
            "POST",
            "/hooks",
            "",
            (),
            body("evt_1"),
            200,
            1.0,
            "evt_1",
            "transaction.authorized",
        ),
        NewEvent(
            yesterday + 2,
            "POST",
            "/hooks",
            "",
            (),
            b"\x00\xff raw",
            400,
            flags=("invalid_json",),
            error="the body is not UTF-8",
        ),
        NewEvent(
            yesterday + 3, "GET", "/x", "", (), b"", 405, flags=("method_not_allowed",), error="only POST"
        ),
    ]
    return store.insert_many(news)


def rows(store: EventStore) -> list[tuple]:
    return [
        (
            e.method,
            e.path,
            e.query,
            e.headers,
            e.body,
            e.status,
            e.event_id,
            e.event_identifier,
            e.flags,
            e.duplicate_of is not None,
            e.error,
            e.duration_ms,
        )
        for e in store.iter_events()
    ]


def test_ndjson_round_trip_gives_equal_rows(
    store: EventStore, history: list[StoredEvent], tmp_path: Path
) -> None:
    path = tmp_path / "events.ndjson"
    with path.open("w", encoding="utf-8") as f:
        write_ndjson(store.iter_events(), f)
    fresh = EventStore.open(tmp_path / "fresh")
    try:
        report = import_file(path, fresh)
        assert (report.imported, report.skipped, report.errors) == (4, 0, [])
        assert rows(fresh) == rows(store)
        assert report.summary() == "imported 4 events"
        # NDJSON carries the time to the millisecond (ISO 8601, truncated): that much is kept.
        for got, want in zip(fresh.iter_events(), store.iter_events(), strict=True):
            assert abs(got.received_at - want.received_at) < 0.001
    finally:
        fresh.close()


def test_har_file_round_trip(store: EventStore, history: list[StoredEvent], tmp_path: Path) -> None:
    path = tmp_path / "events.har"
    with path.open("w", encoding="utf-8") as f:
        write_har(store.iter_events(), f)
    fresh = EventStore.open(tmp_path / "fresh")
    try:
        assert import_file(path, fresh).imported == 4
        assert rows(fresh) == rows(store)
        assert [e.received_at for e in fresh.iter_events()] == [e.received_at for e in history]
    finally:
        fresh.close()


def test_bad_lines_are_skipped_counted_and_named(store: EventStore) -> None:
    good = {
        "received_at": "2026-11-26T10:00:00.000Z",
        "method": "POST",
        "path": "/h",
        "status": 200,
        "body": {},
    }
    lines = [
        json.dumps(good),
        "",
        "{not json",
        "[1, 2]",
        json.dumps({**good, "method": None}),
        json.dumps({**good, "status": 999}),
        json.dumps({**good, "received_at": "yesterday"}),
        json.dumps({**good, "body": None, "body_base64": "!!!"}),
        json.dumps({**good, "headers": "Authorization: x"}),
        "   ",
        json.dumps(good),
    ]
    raw = [line.encode() for line in lines] + [b"\xff\xfe{}"]
    report = import_ndjson(raw, store)
    assert (report.imported, report.skipped) == (2, 8)
    assert report.errors == [
        "line 3: not JSON (Expecting property name enclosed in double quotes at column 2)",
        "line 4: not a JSON object",
        "line 5: method is missing or not an HTTP method",
        "line 6: status must be an HTTP status code (100-599)",
        "line 7: received_at 'yesterday' is not an ISO 8601 time",
        "line 8: body_base64 is not valid base64",
        "line 9: headers must be a list",
        "line 12: not UTF-8 (byte 1)",
    ]
    assert "skipped 8 bad records (first: line 3:" in report.summary()
    (first, _) = store.iter_events()
    assert first.received_at == 1_795_687_200.0  # 2026-11-26T10:00:00Z, the original time
    assert first.body == b"{}"


def test_secrets_in_imported_files_are_redacted(store: EventStore) -> None:
    record = {
        "received_at": 1_700_000_000,
        "method": "POST",
        "path": "/h",
        "query": "token=abc&x=1",
        "status": 200,
        "headers": [["Authorization", "Bearer live-secret"], ["X-Api-Key", "k-123"]],
        "body": {"event_id": "e"},
    }
    assert import_ndjson([json.dumps(record)], store).imported == 1
    (event,) = store.iter_events()
    assert event.headers == (("Authorization", "Bearer [redacted]"), ("X-Api-Key", "[redacted]"))
    assert "abc" not in event.query
    assert event.event_id == "e"  # taken from the body when the record does not say
    assert b"live-secret" not in store.path.read_bytes()


def test_no_malformed_record_crashes_the_import(store: EventStore) -> None:
    good = {"received_at": 1_700_000_000.5, "method": "POST", "path": "/h", "status": 200, "body": {"a": 1}}
    weird: list[object] = [None, True, -1, 1e309, 1.5, "x", "", [], {}, [[1, 2]], [["a"]], {"k": "v"}, "\x00"]
    lines = [
        json.dumps({**good, key: value})
        for key in [
            *good,
            "headers",
            "flags",
            "body_base64",
            "event_id",
            "event_identifier",
            "webhook_id",
            "error",
            "duration_ms",
            "body_size",
            "query",
        ]
        for value in weird
    ]
    lines += ["[" * 100_000, "1", '"s"', "null", "{}"]
    report = import_ndjson(lines, store)
    assert report.imported + report.skipped == len(lines)
    assert report.imported == store.count()
    assert len(report.errors) <= 100


def test_har_that_is_not_a_har(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "x.har"
    path.write_text("{oops")
    with pytest.raises(ImportFileError, match="not JSON"):
        import_file(path, store)
    path.write_text('{"log": {}}')
    with pytest.raises(ImportFileError, match=r"no log\.entries"):
        import_file(path, store)
    path.write_text(
        '{"log": {"entries": [1, {"request": {}}, {"request": {"url": "http://h/p", "method": "POST"}, '
        '"response": {"status": 200}, "startedDateTime": "2026-01-01T00:00:00Z"}]}}'
    )
    report = import_file(path, store)
    assert (report.imported, report.skipped) == (1, 2)
    assert report.errors == ["entry 1: not a JSON object", "entry 2: response is missing"]
    with pytest.raises(ImportFileError, match="cannot read"):
        import_file(tmp_path / "missing.ndjson", store)


def test_format_detection(tmp_path: Path) -> None:
    ndjson = tmp_path / "export.txt"
    ndjson.write_text('{"seq": 1, "method": "POST"}\n')
    har = tmp_path / "capture.json"
    out = io.StringIO()
    write_har([], out)
    har.write_text(out.getvalue())
    assert detect_format(ndjson) == "ndjson"
    assert detect_format(har) == "har"
    assert detect_format(tmp_path / "a.HAR") == "har"
