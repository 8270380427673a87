"""The INFO vocabulary: each helper's line in a real log file, and hostile request text in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.core.diagnostics import log_events, setup_logging

pytestmark = pytest.mark.usefixtures("clean_logging")


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "logs" / "listen.log"
    setup_logging(verbose=False, log_file=path, command="listen")
    return path


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    "path",
    [
        "/hook?token={secret}",
        "/hook/{secret}",  # a registered token as a path segment
        "/hook;token={secret}",  # a matrix parameter
        "/hook#{secret}",
        "/hook\r\n2024-01-01 00:00:00,000 INFO    inspector.app [1 x] forged {secret}",
        "/hook\x1b]0;owned\x07\u202e{secret}",
        "/Authorization: Bearer {secret}",
        "/" + "a" * 5000 + "{secret}",
    ],
)
def test_a_rejected_delivery_line_carries_no_secret_and_no_control(
    log_file: Path, secret: str, path: str
) -> None:
    line = log_events.delivery_rejected(401, "token-mismatch", path.format(secret=secret))
    written = log_file.read_text(encoding="utf-8")
    for text in (line, written):
        assert secret not in text
        assert not any(
            ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c == "\u202e" for c in text.replace("\n", "")
        )
    (logged,) = lines_of(log_file)  # one record, one line: nothing forged
    assert "INFO    inspector.listener" in logged
    assert "rejected delivery: status 401, flag token-mismatch, path /" in logged
    assert len(line) < 400


def test_a_rejected_delivery_flag_is_a_word_or_other(log_file: Path, secret: str) -> None:
    line = log_events.delivery_rejected(400, f"x\nBearer {secret}", "/hook")
    assert line == "rejected delivery: status 400, flag other, path /hook"


def test_every_helper_writes_one_info_line_on_its_logger(log_file: Path, secret: str) -> None:
    calls = [
        ("inspector.app", lambda: log_events.app_started("listen")),
        ("inspector.listener", lambda: log_events.listener_bound("::1", 8765)),
        ("inspector.store", lambda: log_events.store_opened(log_file.parent / "events.sqlite3", 1, 42)),
        ("inspector.store", lambda: log_events.commit_failed(OSError(f"disk full token={secret}"), 3)),
        ("inspector.store", lambda: log_events.commit_recovered(4, 2.5)),
        ("inspector.store", lambda: log_events.pruning_run(120, 880, "keep-days 7")),
        (
            "inspector.provider",
            lambda: log_events.provider_call("get", f"/webhooks?token={secret}", 200, 0.1234),
        ),
        ("inspector.provider", lambda: log_events.provider_call("POST", "/webhooks", None, 5.0)),
        (
            "inspector.tunnel",
            lambda: log_events.tunnel_started("cloudflared", "https://a-b.trycloudflare.com"),
        ),
        ("inspector.tunnel", lambda: log_events.tunnel_stopped("cloudflared", "exited with 1")),
        ("inspector.sandbox", lambda: log_events.sandbox_started("http://127.0.0.1:9000")),
        ("inspector.sandbox", log_events.sandbox_stopped),
        ("inspector.app", lambda: log_events.app_stopped("listen", 0)),
    ]
    returned = [call() for _, call in calls]
    logged = lines_of(log_file)
    assert len(logged) == len(calls)
    for (logger, _), line, text in zip(calls, returned, logged, strict=True):
        assert f" {logger} " in text
        assert text.endswith(line)
        assert secret not in text
    assert "listener bound to [::1]:8765" in logged[1]
    assert "42 events" in logged[2]
    assert "WARNING inspector.store" in logged[3] and "3 deliveries answered 503" in logged[3]
    assert "provider GET /webhooks -> 200 in 0.123 s" in logged[6]
    assert "provider POST /webhooks -> no answer in 5.000 s" in logged[7]


def test_a_backslash_in_a_path_is_escaped_once(log_file: Path) -> None:
    log_events.delivery_rejected(404, "not-found", "/a\\b\x00")
    assert lines_of(log_file)[0].endswith("path /a\\\\b\\x00")


def test_listener_stopped_and_forward_failed_lines(log_file: Path, secret: str) -> None:
    log_events.listener_stopped("127.0.0.1", 8765)
    log_events.forward_failed(7, f"http://user:{secret}@127.0.0.1:9/in?token={secret}", "cannot connect")
    logged = lines_of(log_file)
    assert len(logged) == 2
    assert " INFO    inspector.listener " in logged[0]
    assert logged[0].endswith("listener on 127.0.0.1:8765 stopped")
    assert " WARNING inspector.forward " in logged[1]
    assert logged[1].endswith(
        "forwarding delivery 7 to http://user:[redacted]@127.0.0.1:9/in failed: cannot connect"
    )
    assert secret not in "\n".join(logged)


def test_the_per_delivery_debug_line_is_built_only_when_debug_is_on(log_file: Path) -> None:
    flags = ["duplicate", "Bad Flag\r\n"]
    assert log_events.delivery_stored(3, 200, flags, "/hooks?q=1") == ""  # INFO: nothing built
    setup_logging(verbose=True, log_file=log_file, command="listen")
    line = log_events.delivery_stored(4, 200, flags, "/hooks?q=1")
    assert line == "stored delivery 4: status 200, flags duplicate,other, path /hooks"
    last = lines_of(log_file)[-1]
    assert " DEBUG   inspector.listener " in last and last.endswith(line)
