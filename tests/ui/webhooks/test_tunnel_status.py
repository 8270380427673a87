"""The tunnel status widget against local servers that answer like ngrok's agent API and
cloudflared's quick-tunnel metrics endpoint (a real agent needs an account and the internet)."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from inspector.core.tunnel.detect import TunnelResult, detect_tunnel
from inspector.ui.runner import Runner
from inspector.ui.session import TunnelProbe
from inspector.ui.webhooks.tunnel_status import TunnelStatus
from tests.fake_tunnel_agent import FakeAgent, ngrok_tunnels

WAIT = 10_000
LISTENER_PORT = 8765


def make_widget(qtbot: Any, agent: FakeAgent | None, *, source: str = "ngrok", **kwargs: Any) -> TunnelStatus:
    """The widget on its own probe (the session's, in the app)."""
    ports = [agent.port] if agent is not None else []
    detect = partial(
        detect_tunnel,
        ngrok_ports=ports if source == "ngrok" else [],
        cloudflared_ports=ports if source == "cloudflared" else [],
        timeout=2.0,
    )
    probe = TunnelProbe(Runner(), detect=detect, **kwargs)
    widget = TunnelStatus(probe)
    probe.setParent(widget)  # one lifetime, ended by qtbot on the GUI thread
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_ngrok_tunnel_to_our_port_is_shown_and_copied(qtbot: Any) -> None:
    answer = ngrok_tunnels(
        ("http", "http://abc.ngrok-free.app", "http://localhost:8765"),
        ("https", "https://abc.ngrok-free.app", "http://localhost:8765"),
    )
    with FakeAgent({"/api/tunnels": answer}) as agent:
        widget = make_widget(qtbot, agent)
        with qtbot.waitSignal(widget.publicUrlChanged, timeout=WAIT) as signal:
            widget.probe.watch(LISTENER_PORT)
        assert signal.args == ["https://abc.ngrok-free.app"]
        assert "/api/tunnels" in agent.hits
    assert widget.public_url == "https://abc.ngrok-free.app"
    assert "https://abc.ngrok-free.app" in widget.label.text()
    assert not widget.warning.isVisible()
    assert widget.manual_edit.isHidden()
    assert widget.copy_button.isEnabled()
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(widget.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "https://abc.ngrok-free.app"


def test_tunnel_to_another_port_shows_a_warning(qtbot: Any) -> None:
    answer = ngrok_tunnels(("https", "https://other.ngrok-free.app", "localhost:3000"))
    with FakeAgent({"/api/tunnels": answer}) as agent:
        widget = make_widget(qtbot, agent)
        with qtbot.waitSignal(widget.detected, timeout=WAIT):
            widget.probe.watch(LISTENER_PORT)
    assert widget.warning.isVisible()
    assert "port 3000" in widget.warning.text() and "port 8765" in widget.warning.text()
    assert widget.public_url == "https://other.ngrok-free.app"


def test_cloudflared_quick_tunnel(qtbot: Any) -> None:
    with FakeAgent({"/quicktunnel": {"hostname": "quiet-river.trycloudflare.com"}}) as agent:
        widget = make_widget(qtbot, agent, source="cloudflared")
        with qtbot.waitSignal(widget.publicUrlChanged, timeout=WAIT):
            widget.probe.watch(LISTENER_PORT)
    assert widget.public_url == "https://quiet-river.trycloudflare.com"
    assert "cloudflared" in widget.label.text()


def test_no_tunnel_offers_manual_entry(qtbot: Any) -> None:
    with FakeAgent({}) as agent:  # an agent port that answers 404: nothing there
        widget = make_widget(qtbot, agent)
        with qtbot.waitSignal(widget.detected, timeout=WAIT):
            widget.probe.watch(LISTENER_PORT)
    assert widget.public_url == ""
    assert widget.manual_edit.isVisible()
    assert not widget.copy_button.isEnabled()

    with qtbot.waitSignal(widget.publicUrlChanged, timeout=WAIT) as signal:
        qtbot.keyClicks(widget.manual_edit, "https://my-tunnel.example/")
        qtbot.keyClick(widget.manual_edit, Qt.Key.Key_Return)
    assert signal.args == ["https://my-tunnel.example"]
    assert widget.copy_button.isEnabled()


def test_polls_off_the_gui_thread_and_follows_changes(qtbot: Any) -> None:
    threads: list[threading.Thread] = []
    answer = ngrok_tunnels(("https", "https://first.ngrok-free.app", "8765"))
    with FakeAgent({"/api/tunnels": answer}) as agent:

        def detect(port: int) -> TunnelResult:
            threads.append(threading.current_thread())
            return detect_tunnel(port, ngrok_ports=[agent.port], cloudflared_ports=[], timeout=2.0)

        probe = TunnelProbe(Runner(), detect=detect, interval_ms=50)
        widget = TunnelStatus(probe)
        probe.setParent(widget)
        qtbot.addWidget(widget)
        with qtbot.waitSignal(widget.publicUrlChanged, timeout=WAIT):
            widget.probe.watch(LISTENER_PORT)
        assert widget.public_url == "https://first.ngrok-free.app"
        assert widget.probe.timer.isActive()

        # The agent restarts with a new URL: the next poll picks it up without a click.
        agent.routes["/api/tunnels"] = ngrok_tunnels(("https", "https://second.ngrok-free.app", "8765"))
        qtbot.waitUntil(lambda: widget.public_url == "https://second.ngrok-free.app", timeout=WAIT)

        # The tunnel goes away: manual entry comes back.
        agent.routes.clear()
        qtbot.waitUntil(lambda: widget.public_url == "", timeout=WAIT)
        assert not widget.manual_edit.isHidden()
        widget.probe.stop()
        qtbot.waitUntil(lambda: not widget.probe.probing, timeout=WAIT)
    assert threads and all(t is not threading.main_thread() for t in threads)
