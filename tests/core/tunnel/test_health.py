"""The health check through a tunnel: real requests through the fake tools' public URLs."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from inspector.core.capture.delivery_handler import HEALTH_PATH
from inspector.core.capture.listener import Listener
from inspector.core.tunnel.health import Reach, check_settled, check_through
from tests.core.target_server import TargetServer
from tests.core.tunnel.conftest import InstanceServer
from tests.fake_tunnel_agent import FakeAgent
from tests.fakes.helpers import FakeTools
from tests.waiting import wait_until

TOOLS = ["cloudflared", "ngrok"]


@pytest.mark.parametrize("tool", TOOLS)
def test_reaches_this_listener(tool: str, fake_tools: FakeTools, instance_server: InstanceServer) -> None:
    supervisor = fake_tools.supervisor(tool, instance_server("me-123").port)  # type: ignore[arg-type]
    run = fake_tools.running(supervisor)

    result = check_through(run["url"], "me-123", 10.0, verify=str(fake_tools.tls.ca))
    assert result.reach is Reach.THIS_LISTENER and result.ok
    assert (result.status, result.instance) == (200, "me-123")
    assert result.seconds is not None and result.seconds > 0
    assert result.message.startswith("The tunnel reaches this listener (round trip ")


@pytest.mark.parametrize("tool", TOOLS)
def test_reaches_another_instance(tool: str, fake_tools: FakeTools, instance_server: InstanceServer) -> None:
    instance_server("me-123")
    supervisor = fake_tools.supervisor(tool, instance_server("other-456").port)  # type: ignore[arg-type]
    run = fake_tools.running(supervisor)

    result = check_through(run["url"], "me-123", 10.0, verify=str(fake_tools.tls.ca))
    assert result.reach is Reach.OTHER_INSTANCE and not result.ok
    assert result.instance == "other-456"
    assert "another Webhook Inspector listener (instance other-456)" in result.message
    assert "another port" in result.message


def test_through_the_real_listener(fake_tools: FakeTools, listener: Listener) -> None:
    supervisor = fake_tools.supervisor("cloudflared", listener.port)
    run = fake_tools.running(supervisor)

    ours = check_through(run["url"], listener.instance_id, 10.0, verify=str(fake_tools.tls.ca))
    assert (ours.reach, ours.status, ours.instance) == (Reach.THIS_LISTENER, 200, listener.instance_id)
    # Another copy of the app asking through the same tunnel learns it is not its own listener.
    theirs = check_through(run["url"], "some-other-id", 10.0, verify=str(fake_tools.tls.ca))
    assert (theirs.reach, theirs.instance) == (Reach.OTHER_INSTANCE, listener.instance_id)


@pytest.mark.parametrize("tool", TOOLS)
def test_tunnel_down(tool: str, fake_tools: FakeTools, instance_server: InstanceServer) -> None:
    supervisor = fake_tools.supervisor(tool, instance_server("me").port)  # type: ignore[arg-type]
    run = fake_tools.running(supervisor)
    supervisor.stop()

    result = check_through(run["url"], "me", 10.0, verify=str(fake_tools.tls.ca))
    assert result.reach is Reach.UNREACHABLE
    assert (
        result.message == f"Nothing accepts connections at 127.0.0.1:{run['proxy_port']}: the tunnel is down."
    )


@pytest.mark.parametrize(
    ("tool", "words"),
    [
        ("ngrok", "cannot reach the local port it forwards to (ERR_NGROK_8012)"),
        ("cloudflared", "answered 502 Bad Gateway: it could not reach what it forwards to"),
    ],
)
def test_tunnel_up_but_the_listener_is_gone(
    tool: str, words: str, fake_tools: FakeTools, instance_server: InstanceServer
) -> None:
    upstream = instance_server("me")
    supervisor = fake_tools.supervisor(tool, upstream.port)  # type: ignore[arg-type]
    run = fake_tools.running(supervisor)
    upstream.__exit__(None, None, None)

    result = check_through(run["url"], "me", 10.0, verify=str(fake_tools.tls.ca))
    assert (result.reach, result.status) == (Reach.EDGE_ERROR, 502)
    assert words in result.message


def test_an_untrusted_certificate_is_said_so(fake_tools: FakeTools, instance_server: InstanceServer) -> None:
    supervisor = fake_tools.supervisor("ngrok", instance_server("me").port)
    run = fake_tools.running(supervisor)

    result = check_through(run["url"], "me", 10.0)  # the system's CAs do not know the fake's
    assert result.reach is Reach.UNREACHABLE
    assert "certificate" in result.message


def test_a_server_that_is_not_the_inspector() -> None:
    with FakeAgent({}) as agent:
        result = check_through(f"http://127.0.0.1:{agent.port}", "me", 10.0)
    assert (result.reach, result.status) == (Reach.EDGE_ERROR, 404)
    assert "404 Not Found instead of the listener's health answer" in result.message
    assert agent.hits == [HEALTH_PATH]


def test_a_web_page() -> None:
    with FakeAgent({HEALTH_PATH: "<!DOCTYPE html><html><body>Welcome</body></html>"}) as agent:
        result = check_through(f"http://127.0.0.1:{agent.port}/hooks/cards", "me", 10.0)  # path ignored
    assert result.reach is Reach.OTHER_SERVER
    assert "reaches a web page" in result.message
    assert agent.hits == [HEALTH_PATH]


def test_an_instance_id_is_shown_escaped_and_short() -> None:
    with FakeAgent({HEALTH_PATH: {"status": "ok", "instance": "evil\x1b]0;owned\x07" + "x" * 500}}) as agent:
        result = check_through(f"http://127.0.0.1:{agent.port}", "me", 10.0)
    assert result.reach is Reach.OTHER_INSTANCE
    assert result.instance is not None and "\x1b" not in result.instance and len(result.instance) < 100
    assert "\x1b" not in result.message


def test_ngrok_offline_endpoint_and_the_headers_sent() -> None:
    page = b"<html><body>The endpoint abc.ngrok-free.app is offline. ERR_NGROK_3200</body></html>"
    with TargetServer(status=404, answer=page) as target:
        result = check_through(f"http://127.0.0.1:{target.port}", "me", 10.0)
        received = target.received[0]
    assert result.reach is Reach.EDGE_ERROR
    assert "is offline (ERR_NGROK_3200)" in result.message
    assert (received.method, received.path) == ("GET", HEALTH_PATH)
    assert received.header("ngrok-skip-browser-warning") == "1"


def test_cloudflare_without_a_connected_tunnel() -> None:
    page = b"<html><title>Cloudflare Tunnel error</title>Error 1033 cloudflare</html>"
    with TargetServer(status=530, answer=page) as target:
        result = check_through(f"http://127.0.0.1:{target.port}", "me", 10.0)
    assert result.reach is Reach.EDGE_ERROR
    assert "error 1033" in result.message


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections, never answers (a tunnel edge that hangs)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


def test_a_timeout(silent_port: int) -> None:
    result = check_through(f"http://127.0.0.1:{silent_port}", "me", 0.3)
    assert result.reach is Reach.TIMEOUT
    assert result.message.startswith(f"No answer through 127.0.0.1:{silent_port} within 0.3 s")


@pytest.mark.parametrize("url", ["", "127.0.0.1:8765", "ftp://example.com", "https://"])
def test_not_a_url(url: str) -> None:
    result = check_through(url, "me", 1.0)
    assert result.reach is Reach.UNREACHABLE
    assert "is not an http(s) URL" in result.message


def test_a_tunnel_that_is_still_starting_is_asked_again_until_it_answers() -> None:
    """A new quick tunnel's edge answers an error (or nothing) for a moment after its URL is known."""
    with FakeAgent({}) as agent:  # 404 until the route appears, as an edge before the tunnel connects
        opener = threading.Thread(
            target=lambda: (
                wait_until(lambda: agent.hits),
                agent.routes.update({HEALTH_PATH: {"status": "ok", "instance": "me"}}),
            )
        )
        opener.start()
        result = check_settled(f"http://127.0.0.1:{agent.port}", "me", within=20.0, interval=0.05)
        opener.join()
    assert result.reach is Reach.THIS_LISTENER
    assert len(agent.hits) >= 2


def test_an_answer_from_another_listener_is_not_asked_again() -> None:
    with FakeAgent({HEALTH_PATH: {"status": "ok", "instance": "other"}}) as agent:
        result = check_settled(f"http://127.0.0.1:{agent.port}", "me", within=20.0, interval=0.05)
    assert result.reach is Reach.OTHER_INSTANCE
    assert agent.hits == [HEALTH_PATH]


def test_asking_again_ends_when_told_to_stop() -> None:
    stop = threading.Event()
    with FakeAgent({}) as agent:
        stopper = threading.Thread(target=lambda: (wait_until(lambda: agent.hits), stop.set()))
        stopper.start()
        result = check_settled(f"http://127.0.0.1:{agent.port}", "me", within=600.0, interval=60.0, stop=stop)
        stopper.join()
    assert result.reach is Reach.EDGE_ERROR
    assert agent.hits == [HEALTH_PATH]
