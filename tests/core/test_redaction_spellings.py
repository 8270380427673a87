"""Every spelling of a secret, through the real listener, the real importer and the three exports.

Each path ends with the same check: the secret's bytes are nowhere in the database file, its WAL
or the exported file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from inspector.core.capture.listener import Listener
from inspector.core.events import NewEvent, StoredEvent
from inspector.core.io.export_curl import curl_command, write_curl
from inspector.core.io.export_har import write_har
from inspector.core.io.export_ndjson import write_ndjson
from inspector.core.io.import_events import import_file
from inspector.core.redaction import redact_headers
from inspector.core.store.event_store import EventStore
from tests.core.raw_http import raw_request
from tests.waiting import wait_until

# Letters only: the old rule kept a first word like this one ("QzXw... [redacted]").
SECRET = "QzXwVuTsRpNmLk"
SECRET_PERCENT = "".join(f"%{ord(c):02X}" for c in SECRET)  # the same secret, percent-encoded
BODY = b"{}"

# (header name, value sent, value that must be stored)
HEADER_SPELLINGS: list[tuple[str, str, str]] = [
    ("Authorization", f"Bearer {SECRET}", "Bearer [redacted]"),
    ("authorization", f"bearer {SECRET}", "bearer [redacted]"),
    ("AUTHORIZATION", f"Basic {SECRET}", "Basic [redacted]"),
    ("aUtHoRiZaTiOn", f"TOKEN {SECRET}", "TOKEN [redacted]"),
    ("Authorization", f"{SECRET} rest", "[redacted]"),  # the first word is the secret, not a scheme
    ("Authorization", f"Sekret {SECRET}", "[redacted]"),  # a word that is no auth scheme
    ("Authorization", f"Bearer {SECRET} {SECRET}", "Bearer [redacted]"),
    ("Authorization", f"Bearer\t{SECRET}", "Bearer [redacted]"),
    ("Authorization", SECRET, "[redacted]"),
    ("Authorization", "Bearer", "Bearer"),  # a scheme alone: no token was sent, none is claimed
    ("Authorization", f'Digest username="u", response="{SECRET}"', "Digest [redacted]"),
    ("Proxy-Authorization", f"Basic {SECRET}", "Basic [redacted]"),
    ("Authentication", f"Bearer {SECRET}", "Bearer [redacted]"),
    ("X-Auth", SECRET, "[redacted]"),
    ("X-AUTH", f"{SECRET} x", "[redacted]"),
    ("Auth-Key", SECRET, "[redacted]"),
    ("My-Auth", SECRET, "[redacted]"),
    ("X-Auth-Token", SECRET, "[redacted]"),
    ("X-OAuth", SECRET, "[redacted]"),
    ("X-Api-Key", SECRET, "[redacted]"),
    ("X-Api-Key", f"Token {SECRET}", "Token [redacted]"),
    ("Api_Key", SECRET, "[redacted]"),
    ("X-Apikey", SECRET, "[redacted]"),
    ("X-Webhook-Token", SECRET, "[redacted]"),
    ("X-Client-Secret", SECRET, "[redacted]"),
    ("X-Password", SECRET, "[redacted]"),
    ("X-Hub-Signature-256", f"sha256={SECRET}", "[redacted]"),
    ("Cookie", f"session={SECRET}", "[redacted]"),
    ("X-Session", SECRET, "[redacted]"),
]

# What only a file can carry (HTTP parsers refuse these names on the wire).
FILE_ONLY_HEADER_SPELLINGS: list[tuple[str, str, str]] = [
    ("Authorization ", f"Bearer {SECRET}", "Bearer [redacted]"),  # trailing space, from a HAR file
    (" authorization", f"{SECRET} rest", "[redacted]"),
    ("Authorization\t", SECRET, "[redacted]"),
    ("x-auth ", SECRET, "[redacted]"),
    ("set-cookie", f"sid={SECRET}; Path=/", "[redacted]"),
]

# (query as sent, query that must be stored): separators and other pairs kept as they came.
QUERY_SPELLINGS: list[tuple[str, str]] = [
    (f"a=1;token={SECRET}", "a=1;token=[redacted]"),
    (f"token={SECRET}", "token=[redacted]"),
    (f"TOKEN={SECRET}&ToKeN={SECRET}", "TOKEN=[redacted]&ToKeN=[redacted]"),
    (f"t%6Fken={SECRET}", "t%6Fken=[redacted]"),
    (f"%74%6F%6B%65%6E={SECRET}", "%74%6F%6B%65%6E=[redacted]"),
    (f"t%256Fken={SECRET}", "t%256Fken=[redacted]"),  # encoded twice
    (f"access+token={SECRET}", "access+token=[redacted]"),
    (f"access%5Ftoken={SECRET}", "access%5Ftoken=[redacted]"),
    (
        f"api_key={SECRET};api-key={SECRET}&apikey={SECRET}",
        "api_key=[redacted];api-key=[redacted]&apikey=[redacted]",
    ),
    (f"key={SECRET}&auth={SECRET}&sig={SECRET}", "key=[redacted]&auth=[redacted]&sig=[redacted]"),
    (f"a=1;b=2&token={SECRET};c=3", "a=1;b=2&token=[redacted];c=3"),
    (f"data[token]={SECRET}", "data[token]=[redacted]"),
    (f"token={SECRET_PERCENT}", "token=[redacted]"),
    (f"token={SECRET}=x", "token=[redacted]"),
    (f"x=1&&token={SECRET}&", "x=1&&token=[redacted]&"),
    (
        f"client_secret={SECRET}&password={SECRET}&signature={SECRET}&access_token={SECRET}",
        "client_secret=[redacted]&password=[redacted]&signature=[redacted]&access_token=[redacted]",
    ),
    ("page=2&sort=desc&empty=&flag;x=%20y", "page=2&sort=desc&empty=&flag;x=%20y"),
    ("monkey=1&keyboard=2&author=x&authority=y", "monkey=1&keyboard=2&author=x&authority=y"),
]


def assert_no_secret_in(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            continue
        data = path.read_bytes()
        assert SECRET.encode() not in data, f"the secret is in {path.name}"
        assert SECRET_PERCENT.encode() not in data, f"the percent-encoded secret is in {path.name}"


def assert_store_clean(store: EventStore) -> None:
    assert_no_secret_in(store.path, Path(f"{store.path}-wal"))


def leaks(
    rows: list[StoredEvent], headers: list[tuple[str, str, str]], queries: list[tuple[str, str]]
) -> list[str]:
    """One line per spelling stored other than expected (all at once, so a failure shows them all).

    `rows` are in the order sent: one per header spelling, then one per query spelling.
    """
    assert len(rows) == len(headers) + len(queries)
    problems = []
    for row, (name, sent, expected) in zip(rows, headers, strict=False):
        stored = [value for key, value in row.headers if key == name]
        if stored != [expected]:
            problems.append(f"{name!r}: {sent!r} stored as {stored} (expected {expected!r})")
    for row, (sent, expected) in zip(rows[len(headers) :], queries, strict=True):
        if row.query != expected:
            problems.append(f"query {sent!r} stored as {row.query!r} (expected {expected!r})")
    for row in rows:
        shown = [v for _, v in row.headers] + [unquote_plus(unquote_plus(row.query))]
        problems += [f"secret in {text!r}" for text in shown if SECRET in text]
    return problems


# -- the listener ---------------------------------------------------------------------------------


def send(listener: Listener, target: str, headers: list[tuple[str, str]]) -> int:
    lines = [f"POST {target} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(BODY)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return raw_request(listener.port, head, [BODY]).status


def test_the_listener_stores_no_spelling_of_a_secret(listener: Listener, store: EventStore) -> None:
    for name, value, _ in HEADER_SPELLINGS:
        assert send(listener, "/hooks", [(name, value)]) == 200
    for query, _ in QUERY_SPELLINGS:
        assert send(listener, f"/hooks?{query}", []) == 200
    expected = len(HEADER_SPELLINGS) + len(QUERY_SPELLINGS)
    wait_until(lambda: store.max_seq() == expected, timeout=10)
    rows = list(store.iter_events())
    assert leaks(rows, HEADER_SPELLINGS, QUERY_SPELLINGS) == []
    assert_store_clean(store)


# -- the importer ---------------------------------------------------------------------------------

ALL_HEADERS = HEADER_SPELLINGS + FILE_ONLY_HEADER_SPELLINGS


def ndjson_file(path: Path) -> Path:
    records = []
    now = time.time()
    for i, (name, value, _) in enumerate(ALL_HEADERS):
        records.append(
            {
                "received_at": now + i,
                "method": "POST",
                "path": "/hooks",
                "headers": [[name, value]],
                "status": 200,
                "body": {},
            }
        )
    for i, (query, _) in enumerate(QUERY_SPELLINGS):
        records.append(
            {
                "received_at": now + i,
                "method": "POST",
                "path": "/hooks",
                "query": query,
                "status": 200,
                "body": {},
            }
        )
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def har_file(path: Path) -> Path:
    def entry(url: str, headers: list[tuple[str, str]], custom_query: str | None = None) -> dict[str, object]:
        item: dict[str, object] = {
            "startedDateTime": "2026-01-02T03:04:05.000Z",
            "request": {
                "method": "POST",
                "url": url,
                "headers": [{"name": n, "value": v} for n, v in headers],
                "queryString": [{"name": "token", "value": SECRET}],
                "cookies": [{"name": "session", "value": SECRET}],
                "postData": {"mimeType": "application/json", "text": "{}"},
            },
            "response": {"status": 200},
        }
        if custom_query is not None:
            item["_webhookInspector"] = {"query": custom_query}
        return item

    entries = [entry(f"http://u:{SECRET}@127.0.0.1:8765/hooks", [(n, v)]) for n, v, _ in ALL_HEADERS]
    entries += [entry(f"http://127.0.0.1:8765/hooks?{q}", []) for q, _ in QUERY_SPELLINGS]
    entries += [entry("http://127.0.0.1:8765/hooks", [], custom_query=q) for q, _ in QUERY_SPELLINGS]
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


def test_the_importer_stores_no_spelling_from_an_ndjson_file(store: EventStore, tmp_path: Path) -> None:
    report = import_file(ndjson_file(tmp_path / "in.ndjson"), store)
    assert report.skipped == 0, report.errors
    assert leaks(list(store.iter_events()), ALL_HEADERS, QUERY_SPELLINGS) == []
    assert_store_clean(store)


def test_the_importer_stores_no_spelling_from_a_har_file(store: EventStore, tmp_path: Path) -> None:
    report = import_file(har_file(tmp_path / "in.har"), store)
    assert report.skipped == 0, report.errors
    # Queries come twice: once in the URL, once in our own `_webhookInspector.query` field.
    assert leaks(list(store.iter_events()), ALL_HEADERS, QUERY_SPELLINGS * 2) == []
    assert_store_clean(store)


# -- the exports ----------------------------------------------------------------------------------


def raw_rows(store: EventStore) -> list[StoredEvent]:
    """Rows holding secrets in the clear, as a database written before these rules holds them."""
    now = time.time()
    news = [
        NewEvent(now + i, "POST", "/hooks", "", ((name, value),), BODY, 200)
        for i, (name, value, _) in enumerate(ALL_HEADERS)
    ]
    news += [
        NewEvent(now + i, "POST", "/hooks", query, (), BODY, 200)
        for i, (query, _) in enumerate(QUERY_SPELLINGS)
    ]
    # What the old rule stored for "Authorization: <secret> rest".
    news.append(NewEvent(now, "POST", "/hooks", "", (("Authorization", f"{SECRET} [redacted]"),), BODY, 200))
    return store.insert_many(news)


@pytest.mark.parametrize("fmt", ["ndjson", "har", "curl"])
def test_no_export_carries_a_secret(store: EventStore, tmp_path: Path, fmt: str) -> None:
    rows = raw_rows(store)
    out = tmp_path / f"export.{fmt}"
    writer = {"ndjson": write_ndjson, "har": write_har, "curl": write_curl}[fmt]
    with out.open("w", encoding="utf-8") as f:
        assert writer(store.iter_events(), f) == len(rows)
    assert_no_secret_in(out)
    text = out.read_text(encoding="utf-8")
    assert "[redacted]" in text or "${WEBHOOK_TOKEN}" in text  # the headers are there, without values


def test_an_export_of_imported_files_carries_no_secret(store: EventStore, tmp_path: Path) -> None:
    import_file(ndjson_file(tmp_path / "in.ndjson"), store)
    import_file(har_file(tmp_path / "in.har"), store)
    for fmt, writer in (("ndjson", write_ndjson), ("har", write_har), ("curl", write_curl)):
        out = tmp_path / f"again.{fmt}"
        with out.open("w", encoding="utf-8") as f:
            writer(store.iter_events(), f)
        assert_no_secret_in(out)


def test_curl_keeps_only_a_real_scheme_word(store: EventStore) -> None:
    (old,) = store.insert_many(
        [NewEvent(1.0, "POST", "/hooks", "", (("Authorization", f"{SECRET} [redacted]"),), BODY, 200)]
    )
    (good,) = store.insert_many(
        [NewEvent(2.0, "POST", "/hooks", "", (("Authorization", "Bearer [redacted]"),), BODY, 200)]
    )
    assert '-H "Authorization: ${WEBHOOK_TOKEN}"' in curl_command(old)
    assert '-H "Authorization: Bearer ${WEBHOOK_TOKEN}"' in curl_command(good)


@pytest.mark.parametrize(
    "name",
    [
        "Content-Type",
        "Host",
        ":authority",
        "Authority",
        "X-Author",
        "Idempotency-Key",
        "X-Request-Id",
        "Keyboard",
    ],
)
def test_headers_a_developer_needs_to_read_stay_in_the_clear(name: str) -> None:
    assert redact_headers([(name, "value-1")]) == ((name, "value-1"),)
