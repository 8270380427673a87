"""The tool output we keep: no authtoken or tunnel token survives, ordinary lines stay as they were."""

from __future__ import annotations

import pytest

from inspector.core.tunnel.output import OutputLog, clean_line, redact_line

TOKEN = "1yaP1QLD0cVVKBknmtX9TAduxr6_6BSaEj1DVgGXFiVSHZbz9"

# ngrok's own words when it rejects an authtoken (logfmt, then the v3 console form).
NGROK_AUTH_LOGFMT = (
    't=2021-09-24T23:20:55-0400 lvl=eror msg="failed to auth" obj=tunnels.session err="The authtoken you '
    "specified does not look like a proper ngrok tunnel authtoken.\\nYour authtoken: " + TOKEN + "\\n"
    "Instructions to install your authtoken are on your ngrok dashboard:\\nhttps://dashboard.ngrok.com/"
    'get-started/your-authtoken\\r\\n\\r\\nERR_NGROK_105\\r\\n"'
)


@pytest.mark.parametrize(
    "line",
    [
        NGROK_AUTH_LOGFMT,
        f"ERROR:  Your authtoken: {TOKEN}",
        f"t=2024-05-01T10:00:00+0000 lvl=dbug msg=config authtoken={TOKEN}",
        f'{{"authtoken":"{TOKEN}"}}',
        f"failed with token {TOKEN}",  # no name in front: caught by its shape
        "2024-05-01T10:00:00Z INF Settings: "
        "map[token:eyJhIjoiMTIzNDU2Nzg5MCIsInQiOiJhYmNkZWYiLCJzIjoiWFhYWCJ9 url:x]",
        '2024-05-01T10:00:00Z ERR error="GET https://api.example/x?api_key=s3cr3tv4lue&x=1 failed"',
        "2024-05-01T10:00:00Z INF using credentials secret=hunter2hunter2",
    ],
    ids=[
        "ngrok-105-logfmt",
        "ngrok-105-console",
        "logfmt-field",
        "json",
        "bare-shape",
        "cloudflared-token",
        "query-parameter",
        "secret-field",
    ],
)
def test_secrets_do_not_survive(line: str) -> None:
    redacted = redact_line(line)
    for secret in (TOKEN, "eyJhIjoi", "s3cr3tv4lue", "hunter2"):
        assert secret not in redacted
    assert "[redacted]" in redacted


@pytest.mark.parametrize(
    "line",
    [
        't=2024-05-01T10:00:00+0000 lvl=info msg="starting web service" obj=web addr=127.0.0.1:4040 '
        "allow_hosts=[]",
        't=2024-05-01T10:00:00+0000 lvl=info msg="started tunnel" obj=tunnels name=command_line '
        "addr=http://localhost:8765 url=https://abcd-1-2-3-4.ngrok-free.app",
        't=2024-05-01T10:00:00+0000 lvl=info msg="client session established" obj=tunnels.session',
        "2024-05-01T10:00:00Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com   |",
        "2024-05-01T10:00:00Z INF Registered tunnel connection connIndex=0 "
        "connection=0f3e1c5e-5d7e-4a6f-9a3e-8c8b9f2b1a11 event=0 ip=198.41.192.107 "
        "location=ams16 protocol=quic",
        "2024-05-01T10:00:00Z INF Settings: map[metrics:127.0.0.1:20241 no-autoupdate:true url:http://127.0.0.1:8765]",
    ],
)
def test_ordinary_lines_are_kept_as_they_were(line: str) -> None:
    assert redact_line(line) == line


def test_clean_line_escapes_controls_and_drops_the_newline() -> None:
    assert clean_line("ok\x1b[31m red\r\n") == "ok\\x1b[31m red"


def test_output_log_keeps_the_last_lines() -> None:
    log = OutputLog(3)
    for i in range(5):
        log.append(f"line {i}")
    assert log.lines() == ["line 2", "line 3", "line 4"]
    assert log.last() == "line 4"
    assert OutputLog().last() is None
