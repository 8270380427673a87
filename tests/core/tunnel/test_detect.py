"""Tunnel detection against local servers that answer like ngrok's agent API and cloudflared's
metrics server (the real agents need an account and the internet)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from inspector.core.tunnel.detect import addr_port, detect_tunnel
from tests.fake_tunnel_agent import FakeAgent, ngrok_tunnels


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A socket that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


@pytest.mark.parametrize("addr", ["http://localhost:8765", "localhost:8765", "8765"])
def test_ngrok_https_tunnel_for_our_port(addr: str) -> None:
    answer = ngrok_tunnels(
        ("http", "http://plain.ngrok-free.app", addr),
        ("https", "https://other.ngrok-free.app", "http://localhost:3000"),
        ("https", "https://ours.ngrok-free.app", addr),
    )
    with FakeAgent({"/api/tunnels": answer}) as agent:
        result = detect_tunnel(8765, ngrok_ports=[agent.port], cloudflared_ports=[])
    assert result.url == "https://ours.ngrok-free.app"
    assert result.source == "ngrok"
    assert result.warning is None
    assert agent.hits == ["/api/tunnels"]


def test_second_ngrok_agent_on_another_port_is_found() -> None:
    first = ngrok_tunnels(("https", "https://a.ngrok-free.app", "localhost:9000"))
    second = ngrok_tunnels(("https", "https://b.ngrok-free.app", "localhost:8765"))
    with FakeAgent({"/api/tunnels": first}) as a, FakeAgent({"/api/tunnels": second}) as b:
        result = detect_tunnel(8765, ngrok_ports=[a.port, b.port], cloudflared_ports=[])
    assert (result.url, result.warning) == ("https://b.ngrok-free.app", None)


def test_only_a_tunnel_to_another_port_gives_a_warning() -> None:
    answer = ngrok_tunnels(("https", "https://elsewhere.ngrok-free.app", "http://localhost:3000"))
    with FakeAgent({"/api/tunnels": answer}) as agent:
        result = detect_tunnel(8765, ngrok_ports=[agent.port], cloudflared_ports=[])
    assert result.url == "https://elsewhere.ngrok-free.app"
    assert result.warning is not None
    assert "3000" in result.warning and "8765" in result.warning


def test_cloudflared_quick_tunnel() -> None:
    with FakeAgent({"/quicktunnel": {"hostname": "calm-river-1234.trycloudflare.com"}}) as cf:
        result = detect_tunnel(8765, ngrok_ports=[closed_port()], cloudflared_ports=[cf.port])
    assert result.url == "https://calm-river-1234.trycloudflare.com"
    assert result.source == "cloudflared"
    assert result.warning is None


def test_ngrok_for_our_port_wins_over_cloudflared() -> None:
    answer = ngrok_tunnels(("https", "https://ours.ngrok-free.app", "8765"))
    with (
        FakeAgent({"/api/tunnels": answer}) as ngrok,
        FakeAgent({"/quicktunnel": {"hostname": "x.trycloudflare.com"}}) as cf,
    ):
        result = detect_tunnel(8765, ngrok_ports=[ngrok.port], cloudflared_ports=[cf.port])
    assert result.source == "ngrok"
    assert len(result.found) == 2


def test_nothing_running_is_quick_and_quiet(silent_port: int) -> None:
    garbage = FakeAgent({"/api/tunnels": "{not json", "/quicktunnel": {"hostname": ""}})
    with garbage:
        started = time.monotonic()
        result = detect_tunnel(
            8765,
            ngrok_ports=[closed_port(), silent_port, garbage.port],
            cloudflared_ports=[closed_port(), silent_port, garbage.port],
            timeout=0.3,
        )
        elapsed = time.monotonic() - started
    assert (result.url, result.source, result.warning) == (None, None, None)
    # Probes run in parallel: a silent port costs one timeout, not one per port.
    assert elapsed < 1.5


def test_addr_forms() -> None:
    assert addr_port("http://localhost:8765") == 8765
    assert addr_port("https://localhost") == 443
    assert addr_port("localhost:8765") == 8765
    assert addr_port("127.0.0.1:80") == 80
    assert addr_port("8765") == 8765
    assert addr_port(8765) == 8765
    assert addr_port("") is None
    assert addr_port(None) is None
    assert addr_port("http://localhost:notaport") is None


def test_an_agent_answering_a_url_that_is_not_a_plain_origin_is_not_believed() -> None:
    """A local agent (anything on its port) chooses what it answers: it must not put a terminal
    escape, markup or credentials into the URL the app shows and registers."""
    ngrok = ngrok_tunnels(("https", "https://evil\x1b]0;x\x07.ngrok-free.app", "8765"))
    with FakeAgent({"/api/tunnels": ngrok}) as agent:
        assert detect_tunnel(8765, ngrok_ports=[agent.port], cloudflared_ports=[], timeout=2.0).url is None
    with FakeAgent({"/quicktunnel": {"hostname": "a.trycloudflare.com/<b>x</b>"}}) as agent:
        assert detect_tunnel(8765, ngrok_ports=[], cloudflared_ports=[agent.port], timeout=2.0).url is None
