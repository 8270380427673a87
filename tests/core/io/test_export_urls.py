"""URLs built from stored events (HAR, cURL, replay, forwarding) go where they should.

The rows are inserted with EventStore.insert_many, as an imported file can store them: the path,
query and Host header are whatever the file said.
"""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from inspector.core.actions.forwarder import Forwarder
from inspector.core.actions.replay import replay
from inspector.core.events import NewEvent, StoredEvent
from inspector.core.io.export_curl import curl_command, write_curl
from inspector.core.io.export_har import har_entry
from inspector.core.store.event_store import EventStore
from tests.core.target_server import TargetServer
from tests.waiting import wait_until

SH, CURL = shutil.which("sh"), shutil.which("curl")
BODY = b'{"event_id": "evt_1", "event_identifier": "card.created", "data": {}}'

HOSTILE_PATHS = [
    "@evil.example/hooks",  # base + path would read http://127.0.0.1:8765@evil.example/hooks
    ":x@evil.example/hooks",
    "evil.example/hooks",
    "//evil.example/hooks",  # a network-path reference
    "///evil.example/hooks",
    "\\\\evil.example/hooks",
    "/hooks#@evil.example",  # a fragment would cut the path short
    "/hooks?to=evil",
    "/hooks/@evil.example:80",
    "/a b\r\n\t%41",
    "http://evil.example/hooks",
    "",
    "/hooks/Zoë",
]
HOSTILE_QUERIES = ["a=1#@evil.example", "a=1&b=2#frag", "a= b\r\nX: y", "a={b,c}", "a=[1]"]
# Host headers that are not a bare host[:port]: the default listener address is used instead.
HOSTILE_HOSTS = [
    "127.0.0.1:8765@evil.example",
    "u:p@127.0.0.1",
    "evil.example/hooks",
    "evil.example#x",
    "evil.example?x",
    "127.0.0.1:99999",
    "127.0.0.1:0",
    "[::1",
    "evil.example:80 x",
    "evil.example\r\nX: y",
    "evil.example\\@x",
    "",
]


def rows(store: EventStore, *, host: str | None = None) -> list[StoredEvent]:
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    if host is not None:
        headers += (("Host", host),)
    news = [NewEvent(1.0 + i, "POST", p, "", headers, BODY, 200) for i, p in enumerate(HOSTILE_PATHS)]
    news += [
        NewEvent(2.0 + i, "POST", "/hooks", q, headers, BODY, 200) for i, q in enumerate(HOSTILE_QUERIES)
    ]
    return store.insert_many(news)


def curl_url(command: str) -> str:
    words = shlex.split(command.split("\n", 1)[1].replace("\\\n", " "))
    (url,) = [w for w in words if "://" in w]
    return url


def check_url(url: str, event: StoredEvent, host: str, port: int | None) -> None:
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.port) == ("http", host, port), url
    assert parts.username is None and parts.password is None, url
    assert parts.fragment == "" and "#" not in url, url
    assert parts.path.startswith("/") and not parts.path.startswith("//"), url
    assert unquote(parts.path) == "/" + event.path.lstrip("/"), url
    assert url.isascii() and not any(c.isspace() for c in url), url


def test_har_and_curl_urls_keep_the_listener_host(store: EventStore) -> None:
    for event in rows(store):
        check_url(har_entry(event)["request"]["url"], event, "127.0.0.1", 8765)
        check_url(curl_url(curl_command(event)), event, "127.0.0.1", 8765)
        check_url(har_entry(event, "http://localhost:3000")["request"]["url"], event, "localhost", 3000)
        check_url(curl_url(curl_command(event, base_url="http://localhost:3000/")), event, "localhost", 3000)


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_a_stored_host_header_cannot_add_userinfo_a_host_or_a_fragment(store: EventStore, host: str) -> None:
    for event in rows(store, host=host):
        check_url(har_entry(event)["request"]["url"], event, "127.0.0.1", 8765)
        check_url(curl_url(curl_command(event)), event, "127.0.0.1", 8765)


@pytest.mark.parametrize(
    ("host", "hostname", "port"),
    [
        ("127.0.0.1:9000", "127.0.0.1", 9000),
        ("abc.trycloudflare.com", "abc.trycloudflare.com", None),
        ("[::1]:8765", "::1", 8765),
    ],
)
def test_a_plain_host_header_still_names_the_listener_in_har(
    store: EventStore, host: str, hostname: str, port: int | None
) -> None:
    for event in rows(store, host=host):
        check_url(har_entry(event)["request"]["url"], event, hostname, port)


@pytest.mark.parametrize(
    "base",
    [
        "http://u:p@localhost:3000",
        "ftp://localhost",
        "http://:3000",
        "http://localhost:0",
        "http://localhost:x",
        "http://localhost/?a=1",
        "http://localhost/#f",
        "localhost:3000",
        "http://local host",
    ],
)
def test_a_base_url_that_is_not_a_plain_origin_is_refused(store: EventStore, base: str) -> None:
    (event, *_) = rows(store)
    with pytest.raises(ValueError, match="not a base URL"):
        har_entry(event, base)
    with pytest.raises(ValueError, match="not a base URL"):
        curl_command(event, base_url=base)


def test_a_base_url_path_prefix_comes_before_the_event_path(store: EventStore) -> None:
    event, *_ = rows(store)  # the path "@evil.example/hooks"
    url = har_entry(event, "https://example.test:8443/api/")["request"]["url"]
    assert url == "https://example.test:8443/api/@evil.example/hooks"
    assert urlsplit(url).hostname == "example.test"


@pytest.mark.skipif(SH is None or CURL is None, reason="no curl or sh on this machine")
def test_the_curl_script_sends_every_row_to_the_base_host(store: EventStore, tmp_path: Path) -> None:
    stored = rows(store, host="evil.example")
    with TargetServer() as target:
        base = f"http://127.0.0.1:{target.port}"
        out = io.StringIO()
        assert write_curl(store.iter_events(), out, base_url=base) == len(stored)
        script = tmp_path / "replay.sh"
        script.write_text(out.getvalue(), encoding="utf-8")
        clean = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        result = subprocess.run(
            [SH, str(script)],
            capture_output=True,
            timeout=60,
            env={**clean, "WEBHOOK_TOKEN": "t"},
            check=False,
        )  # type: ignore[list-item]
        assert result.returncode == 0, result.stderr
        wait_until(lambda: target.count() == len(stored), timeout=10)
        got = sorted(unquote(urlsplit(r.path).path) for r in target.received)
    assert got == sorted("/" + e.path.lstrip("/") for e in stored)


def test_replay_and_forwarding_go_to_the_target_whatever_the_row_says(store: EventStore) -> None:
    stored = rows(store, host="evil.example")
    with TargetServer() as target:
        counts = replay(store, stored, target.url)
        assert counts.sent == len(stored) and counts.failed == 0
        with Forwarder(target.url, store) as forwarder:
            forwarder.submit(stored[0], [("Host", "evil.example"), ("Content-Type", "application/json")])
            wait_until(lambda: target.count() == len(stored) + 1, timeout=10)
        assert {r.path for r in target.received} == {"/webhooks"}
        assert {r.header("Host") for r in target.received} == {f"127.0.0.1:{target.port}"}
