"""Reading the public URL out of each tool's own output lines, and the command lines we run."""

from __future__ import annotations

import socket

import pytest

from inspector.core.tunnel.agents import GRACE_PERIOD, CloudflaredAgent, NgrokAgent, logfmt
from inspector.core.tunnel.detect import public_origin

# cloudflared's quick-tunnel start, in its own shape (cliutil.LogTable's box: 2 spaces of padding).
_BOX_TEXT = [
    "Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):",
    "https://seasonal-deck-organisms-sf.trycloudflare.com",
]
_WIDTH = max(map(len, _BOX_TEXT))
BOX = [
    "+" + "-" * (_WIDTH + 4) + "+",
    *(f"|  {text.ljust(_WIDTH)}  |" for text in _BOX_TEXT),
    "+" + "-" * (_WIDTH + 4) + "+",
]
CLOUDFLARED_START = [
    "2024-05-01T10:00:00Z INF Thank you for trying Cloudflare Tunnel. ... If you intend to use Tunnels in "
    "production you should use a pre-created named tunnel by following: "
    "https://developers.cloudflare.com/cloudflare-one/connections/connect-apps",
    "2024-05-01T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...",
    *(f"2024-05-01T10:00:01Z INF {row}" for row in BOX),
    "2024-05-01T10:00:01Z INF Starting metrics server on 127.0.0.1:20241/metrics",
]
NGROK_START = [
    't=2024-05-01T10:00:00+0000 lvl=info msg="no configuration paths supplied"',
    't=2024-05-01T10:00:00+0000 lvl=info msg="starting web service" obj=web addr=127.0.0.1:4041 '
    "allow_hosts=[]",
    't=2024-05-01T10:00:00+0000 lvl=info msg="tunnel session started" obj=tunnels.session',
    't=2024-05-01T10:00:01+0000 lvl=info msg="started tunnel" obj=tunnels name=command_line '
    "addr=http://127.0.0.1:8765 url=https://zookeeper-pronto-ship.ngrok-free.dev",
]


def test_cloudflared_url_is_the_one_in_the_box() -> None:
    agent = CloudflaredAgent("cloudflared", 8765, 0.5)
    learned = [agent.feed(line) for line in CLOUDFLARED_START]
    assert agent.output_url == "https://seasonal-deck-organisms-sf.trycloudflare.com"
    assert learned == [False, False, False, False, True, False, False]  # not the docs link before it


def test_cloudflared_url_in_the_box_need_not_be_trycloudflare() -> None:
    agent = CloudflaredAgent("cloudflared", 8765, 0.5)
    for line in [*CLOUDFLARED_START[2:4], "… INF |  https://127.0.0.1:44321   |"]:
        agent.feed(line)
    assert agent.output_url == "https://127.0.0.1:44321"


def test_cloudflared_command_asks_for_a_free_metrics_port_of_ours() -> None:
    agent = CloudflaredAgent("/opt/cloudflared", 8765, 0.5)
    command = agent.command()
    assert command[:2] == ["/opt/cloudflared", "tunnel"]
    assert command[command.index("--url") + 1] == "http://127.0.0.1:8765"
    assert command[command.index("--grace-period") + 1] == GRACE_PERIOD
    assert "--no-autoupdate" in command
    host, port = command[command.index("--metrics") + 1].split(":")
    assert (host, int(port)) == ("127.0.0.1", agent.metrics_port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", agent.metrics_port))  # nothing else holds it


def test_ngrok_api_port_and_url_come_from_its_log() -> None:
    agent = NgrokAgent("ngrok", 8765, 0.5)
    for line in NGROK_START:
        agent.feed(line)
    assert (agent.api_host, agent.api_port) == ("127.0.0.1", 4041)
    assert agent.output_url == "https://zookeeper-pronto-ship.ngrok-free.dev"
    assert agent.command() == ["ngrok", "http", "127.0.0.1:8765", "--log", "stdout", "--log-format", "logfmt"]


def test_ngrok_plain_http_tunnel_is_not_the_public_url() -> None:
    agent = NgrokAgent("ngrok", 8765, 0.5)
    agent.feed('t=x lvl=info msg="started tunnel" obj=tunnels name="cmd (http)" url=http://abc.ngrok.io')
    assert agent.output_url is None


def test_ngrok_auth_error_is_fatal_with_the_fix() -> None:
    agent = NgrokAgent("ngrok", 8765, 0.5)
    assert agent.feed(
        't=x lvl=eror msg="session closing" obj=tunnels.session err="authentication failed: Usage of ngrok '
        'requires a verified account and authtoken.\\r\\n\\r\\nERR_NGROK_4018\\r\\n"'
    )
    assert agent.fatal is not None and "ngrok config add-authtoken" in agent.fatal


def test_logfmt_fields() -> None:
    assert logfmt('t=1 msg="a \\"b\\" c" empty= url=https://x') == {
        "t": "1",
        "msg": 'a "b" c',
        "empty": "",
        "url": "https://x",
    }


HOSTILE_URLS = [
    "https://evil\x1b]0;owned\x07.trycloudflare.com",  # a terminal escape inside the host
    "https://a.trycloudflare.com/<img/src=x>",  # markup a label would render
    "https://user:pass@a.trycloudflare.com",  # credentials in the URL
    "https://a.trycloudflare.com/path?q=1",  # not a bare origin
    "https://a\u202eb.trycloudflare.com",  # a bidi override in the host
    "https://" + "a" * 300 + ".trycloudflare.com",  # longer than a host name can be
    "https://a.trycloudflare.com:99999",  # not a port
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_url_in_the_output_that_is_not_a_plain_origin_is_ignored(url: str) -> None:
    agent = CloudflaredAgent("cloudflared", 8765, 0.5)
    agent.feed("… INF |  Your quick Tunnel has been created! Visit it at:  |")
    agent.feed(f"… INF |  {url}  |")
    ngrok = NgrokAgent("ngrok", 8765, 0.5)
    ngrok.feed(
        f'lvl=info msg="started tunnel" obj=tunnels name=command_line addr=http://127.0.0.1:8765 url={url}'
    )
    assert (agent.output_url, ngrok.output_url) == (None, None)


@pytest.mark.parametrize(
    "url",
    [
        "https://a-b.trycloudflare.com",
        "https://127.0.0.1:44321",
        "https://Abc.NGROK-free.app/",
        "https://[::1]:4443",
    ],
)
def test_plain_origins_are_public_urls(url: str) -> None:
    assert public_origin(url) == url.rstrip("/")
