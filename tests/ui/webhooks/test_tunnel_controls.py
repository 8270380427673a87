"""Starting and watching the tunnel from the window, and keeping webhooks on it: the real window
and Webhooks dock, the fake cloudflared/ngrok on PATH (tests/fakes: real processes that print what
the real tools print and serve their local APIs), the real sandbox as the provider, deliveries
through the fake's TLS "public" URL to the real listener."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication

from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.provider.client import ProviderClient
from inspector.core.provider.profiles import LOCAL_SANDBOX
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex
from inspector.core.store.event_store import EventStore
from inspector.core.tunnel.detect import detect_tunnel
from inspector.core.tunnel.settings import TunnelSettings
from inspector.core.tunnel.supervisor import Phase
from inspector.core.tunnel.tools import find_tool
from inspector.ui.webhooks.webhook_dialogs import CreateWebhookDialog
from inspector.ui.webhooks.webhooks_dock import WebhooksDock, add_webhooks_dock
from inspector.ui.window.main_window import MainWindow
from tests.fake_tunnel_agent import FakeAgent, ngrok_tunnels
from tests.fakes.helpers import FakeTools, alive, fast_supervisor

WAIT = 20_000
Docked = Callable[..., tuple[MainWindow, WebhooksDock]]


@pytest.fixture
def make_docked(
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
    settings: QSettings,
    no_keyring: KeyringBackend,
) -> Docked:
    """The app's window with its Webhooks dock, on a session that runs tunnels with quick restarts."""

    def make(**kwargs: Any) -> tuple[MainWindow, WebhooksDock]:
        kwargs.setdefault("supervisor_factory", fast_supervisor)
        window = make_window(store, listener, **kwargs)
        dock = add_webhooks_dock(window, settings)
        window.show()
        dock.show()
        return window, dock

    return make


@pytest.fixture
def on_path(fake_tools: FakeTools, monkeypatch: pytest.MonkeyPatch) -> FakeTools:
    fake_tools.on_path(monkeypatch)
    return fake_tools


def run_of_url(tools: FakeTools, url: str) -> dict[str, Any]:
    return next(r for r in tools.runs() if r["url"] == url)


def wait_running(qtbot: Any, dock: WebhooksDock, *, other_than: str = "") -> str:
    tunnels = dock.panel.session.tunnels
    qtbot.waitUntil(
        lambda: (
            tunnels.state is not None
            and tunnels.state.phase is Phase.RUNNING
            and tunnels.state.url != other_than
            and dock.panel.session.public_url == tunnels.state.url
        ),
        timeout=WAIT,
    )
    assert tunnels.state is not None and tunnels.state.url
    return tunnels.state.url


@pytest.mark.parametrize("tool", ["cloudflared", "ngrok"])
def test_start_from_the_status_bar_shows_the_url_checks_it_and_copies_it(
    qtbot: Any, make_docked: Docked, on_path: FakeTools, listener: Listener, tool: str
) -> None:
    _, dock = make_docked()
    status, controls = dock.tunnel, dock.panel.tunnel_controls
    assert status.tunnel_button.isVisible() and status.tunnel_button.text() == "Start tunnel"
    assert [controls.tool_combo.itemText(i) for i in range(controls.tool_combo.count())] == [
        "cloudflared",
        "ngrok",
    ]

    start = next(a for a in status.tunnel_menu.actions() if a.objectName() == f"start-{tool}")
    start.trigger()
    url = wait_running(qtbot, dock)
    run = run_of_url(on_path, url)
    assert status.label.text() == f"Tunnel: {url}"
    assert status.label.toolTip() == f"<qt>{tool} tunnel at {url} (read from its local API)</qt>"
    assert status.tunnel_button.text() == "Stop tunnel"
    assert controls.url_label.text() == f"{url}  (started here)"
    assert controls.state_label.text() == f"{tool} tunnel at {url} (read from its local API)"
    assert status.manual_edit.isHidden()

    # The check through the tunnel runs by itself once the URL is known.
    qtbot.waitUntil(lambda: status.health.text() == "✓ tunnel OK", timeout=WAIT)
    assert controls.health_label.text().startswith("✓ The tunnel reaches this listener (round trip ")
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(status.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == url

    qtbot.mouseClick(status.tunnel_button, Qt.MouseButton.LeftButton)  # now "Stop tunnel"
    qtbot.waitUntil(lambda: not alive(run["pid"]), timeout=WAIT)
    assert status.tunnel_button.text() == "Start tunnel"
    assert dock.panel.session.public_url == ""
    assert not status.manual_edit.isHidden()  # no tunnel: the manual field is back


def test_a_dead_agent_is_restarted_and_its_new_url_read(
    qtbot: Any, make_docked: Docked, on_path: FakeTools
) -> None:
    _, dock = make_docked()
    controls = dock.panel.tunnel_controls
    qtbot.mouseClick(controls.start_button, Qt.MouseButton.LeftButton)
    first = wait_running(qtbot, dock)
    os.kill(run_of_url(on_path, first)["pid"], signal.SIGKILL)
    second = wait_running(qtbot, dock, other_than=first)
    tunnels = dock.panel.session.tunnels
    assert tunnels.state is not None and tunnels.state.restarts == 1
    assert dock.tunnel.label.text().endswith(second)

    dialog = controls.show_output()  # the last lines are one click away
    text = dialog.text.toPlainText()
    assert "Your quick Tunnel has been created!" in text and second in text
    assert dialog.windowTitle().startswith("cloudflared output (last ")


def test_restart_prompts_and_one_click_moves_the_webhook_then_a_delivery_arrives_verified(
    qtbot: Any, make_docked: Docked, on_path: FakeTools, store: EventStore, config_dir: Path
) -> None:
    """README's "Public URL" walk-through: start the tunnel, create a webhook (prefilled with the
    public URL), restart the tunnel, accept the update, send an event — it arrives, verified."""
    _, dock = make_docked()
    panel, controls = dock.panel, dock.panel.tunnel_controls
    session = panel.session
    qtbot.mouseClick(dock.tunnel.tunnel_button, Qt.MouseButton.LeftButton)
    first = wait_running(qtbot, dock)

    qtbot.mouseClick(panel.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.profile.name == LOCAL_SANDBOX and bool(panel.access_token_set), timeout=WAIT
    )
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert isinstance(dialog, CreateWebhookDialog)
    assert dialog.url_edit.text() == f"{first}/hooks"  # through the tunnel started here
    dialog.events.set_checked(["transaction.authorized"])
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    dialog.session_only.setChecked(True)  # no keyring in this test
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    webhook_id = dialog.result_value.webhook.id
    assert controls.offer_row.isHidden()

    qtbot.mouseClick(controls.restart_button, Qt.MouseButton.LeftButton)
    second = wait_running(qtbot, dock, other_than=first)
    qtbot.waitUntil(controls.offer_row.isVisible, timeout=WAIT)
    assert controls.offer_label.text() == (
        f"{webhook_id} still points at {first}/hooks — update it to {second}/hooks?"
    )
    assert dock.tunnel.follow_button.isVisible() and dock.tunnel.follow_button.text() == "Update 1 webhook"

    qtbot.mouseClick(controls.update_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(controls.follow_label.isVisible, timeout=WAIT)
    assert controls.follow_label.text() == f"{webhook_id} now points at {second}/hooks."
    assert controls.offer_row.isHidden() and dock.tunnel.follow_button.isHidden()
    sandbox = session.sandbox
    assert sandbox is not None
    with ProviderClient(panel.profile, session.secrets.api_token(LOCAL_SANDBOX) or "") as client:
        assert client.get(webhook_id).url == f"{second}/hooks"
    (move,) = session.tunnels.settings.read().moves
    assert (move.webhook_id, move.old_url, move.new_url, move.automatic) == (
        webhook_id,
        f"{first}/hooks",
        f"{second}/hooks",
        False,
    )
    qtbot.waitUntil(lambda: any(r.webhook.url == f"{second}/hooks" for r in panel.model.rows()), timeout=WAIT)

    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: store.count(f"webhook:{webhook_id}") == 1, timeout=WAIT)
    event_id = panel.last_trigger["event_id"] if panel.last_trigger else None
    qtbot.waitUntil(lambda: bool(sandbox.state.deliveries(event_id=event_id)), timeout=WAIT)
    attempts = sandbox.state.deliveries(event_id=event_id)
    assert [(a.url, a.status) for a in attempts] == [(f"{second}/hooks", 200)]


def test_keep_my_webhooks_on_this_tunnel_updates_them_without_asking(
    qtbot: Any, make_docked: Docked, on_path: FakeTools, config_dir: Path
) -> None:
    _, dock = make_docked()
    panel, controls = dock.panel, dock.panel.tunnel_controls
    session = panel.session
    qtbot.mouseClick(controls.start_button, Qt.MouseButton.LeftButton)
    first = wait_running(qtbot, dock)
    qtbot.mouseClick(panel.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.profile.name == LOCAL_SANDBOX and bool(panel.access_token_set), timeout=WAIT
    )
    webhook = session.webhooks.create(panel.profile, f"{first}/hooks", ["card.created"], None).webhook
    assert controls.follow_check.text() == f"Keep my webhooks on this tunnel ({LOCAL_SANDBOX})"
    controls.follow_check.setChecked(True)
    assert session.tunnels.follows(LOCAL_SANDBOX)

    os.kill(run_of_url(on_path, first)["pid"], signal.SIGUSR1)  # the same tool, a new URL
    second = wait_running(qtbot, dock, other_than=first)
    qtbot.waitUntil(
        lambda: controls.follow_label.text() == f"{webhook.id} now points at {second}/hooks.", timeout=WAIT
    )
    assert controls.offer_row.isHidden()  # nothing was asked
    with ProviderClient(panel.profile, session.secrets.api_token(LOCAL_SANDBOX) or "") as client:
        assert client.get(webhook.id).url == f"{second}/hooks"
    (move,) = session.tunnels.settings.read().moves
    assert move.automatic and move.error is None
    assert '"Local sandbox"' in (config_dir / "tunnel.json").read_text()  # the per-profile setting


def test_without_a_tool_the_panel_says_how_to_install_each_and_the_manual_field_stays(
    qtbot: Any, make_docked: Docked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    _, dock = make_docked(find_tool=partial(find_tool, extra_dirs=()))  # not this machine's own
    controls, status = dock.panel.tunnel_controls, dock.tunnel

    hints = controls.hints_label.text()
    assert controls.hints_label.isVisible()
    assert "No tunnel tool is installed" in hints
    assert '<a href="https://ngrok.com/download">' in hints
    assert "https://developers.cloudflare.com/" in hints
    assert "<code>brew install cloudflared</code>" in hints
    assert "<code>ngrok config add-authtoken &lt;YOUR_AUTHTOKEN&gt;</code>" in hints
    assert not controls.start_button.isEnabled()
    assert controls.path_edit.isVisible()

    qtbot.mouseClick(status.tunnel_button, Qt.MouseButton.LeftButton)
    box = status.hint_box
    assert box is not None and box.isVisible()
    assert "<code>sudo snap install ngrok</code>" in box.text()
    box.close()
    qtbot.waitUntil(lambda: not status.manual_edit.isHidden(), timeout=WAIT)  # typing a URL still works
    assert any(
        a.text() == "Start ngrok tunnel (not installed)" and not a.isEnabled()
        for a in status.tunnel_menu.actions()
    )


def test_a_path_set_in_the_panel_is_used_and_remembered(
    qtbot: Any, make_docked: Docked, fake_tools: FakeTools, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_tools.on_path(monkeypatch)
    without_fakes = os.pathsep.join(os.environ["PATH"].split(os.pathsep)[1:])
    monkeypatch.setenv("PATH", without_fakes)  # the fakes are installed, just not on PATH
    _, dock = make_docked(find_tool=partial(find_tool, extra_dirs=()))
    controls = dock.panel.tunnel_controls
    assert controls.tool_combo.count() == 0

    qtbot.keyClicks(controls.path_edit, str(tmp_path / "nothing-here" / "ngrok"))
    qtbot.keyClick(controls.path_edit, Qt.Key.Key_Return)
    assert controls.path_problem.isVisible() and "does not exist" in controls.path_problem.text()
    controls.path_edit.clear()
    qtbot.keyClicks(controls.path_edit, fake_tools.env["PATH"].split(os.pathsep)[0])  # the folder: both tools
    qtbot.keyClick(controls.path_edit, Qt.Key.Key_Return)
    assert controls.path_problem.isHidden()
    assert [controls.tool_combo.itemText(i) for i in range(controls.tool_combo.count())] == [
        "cloudflared",
        "ngrok",
    ]
    controls.tool_combo.setCurrentIndex(1)
    qtbot.mouseClick(controls.start_button, Qt.MouseButton.LeftButton)
    wait_running(qtbot, dock)
    assert dock.panel.session.tunnels.tool == "ngrok"
    assert set(dock.panel.session.tunnels.settings.read().tool_paths) == {"cloudflared", "ngrok"}


def test_the_app_quitting_ends_the_tunnel_process_and_what_it_started(
    qtbot: Any, make_docked: Docked, on_path: FakeTools
) -> None:
    on_path.env["FAKE_TUNNEL_CHILD"] = "1"
    os.environ["FAKE_TUNNEL_CHILD"] = "1"
    try:
        window, dock = make_docked()
        qtbot.mouseClick(dock.tunnel.tunnel_button, Qt.MouseButton.LeftButton)
        url = wait_running(qtbot, dock)
        run = run_of_url(on_path, url)
        assert alive(run["pid"]) and alive(run["child_pid"])
        window.close()
        window.session.shutdown()  # what `gui` does once the window is closed
    finally:
        del os.environ["FAKE_TUNNEL_CHILD"]
    assert not alive(run["pid"])  # gone before shutdown() returned
    qtbot.waitUntil(lambda: not alive(run["child_pid"]), timeout=WAIT)


def test_the_tunnel_follows_the_listener_to_another_port(
    qtbot: Any, make_docked: Docked, on_path: FakeTools, store: EventStore, listener: Listener
) -> None:
    _, dock = make_docked()
    session = dock.panel.session
    qtbot.mouseClick(dock.tunnel.tunnel_button, Qt.MouseButton.LeftButton)
    first = wait_running(qtbot, dock)
    other = Listener(store, ListenerConfig(port=0), listener.tokens)
    other.start()
    try:
        session.attach_listener(other)  # e.g. "use a free port"
        wait_running(qtbot, dock, other_than=first)
        assert session.tunnels.supervisor is not None and session.tunnels.supervisor.local_port == other.port
        qtbot.waitUntil(lambda: dock.tunnel.health.text() == "✓ tunnel OK", timeout=WAIT)
    finally:
        session.tunnels.stop()
        session.attach_listener(listener)
        other.stop()


def test_check_without_a_public_url_says_so(qtbot: Any, make_docked: Docked, on_path: FakeTools) -> None:
    _, dock = make_docked()
    controls = dock.panel.tunnel_controls
    assert not controls.check_button.isEnabled()
    assert dock.panel.session.tunnels.check_health() is False
    assert controls.health_label.text() == "⚠ There is no public URL to check yet."


def test_what_the_tool_prints_is_shown_as_text_never_as_markup(
    qtbot: Any, make_docked: Docked, on_path: FakeTools, tmp_path: Path
) -> None:
    """The tool's last line is part of why it stopped, and a tool prints what it likes."""
    tool = tmp_path / "cloudflared"
    tool.write_text("#!/bin/sh\necho '<b>not bold</b> <img src=x>'\nexit 1\n")
    tool.chmod(0o755)
    _, dock = make_docked()
    session = dock.panel.session
    session.tunnels.set_tool_path("cloudflared", str(tool))
    qtbot.mouseClick(dock.tunnel.tunnel_button, Qt.MouseButton.LeftButton)
    tunnels = session.tunnels
    qtbot.waitUntil(
        lambda: tunnels.state is not None and tunnels.state.phase is Phase.RESTARTING, timeout=WAIT
    )
    controls, status = dock.panel.tunnel_controls, dock.tunnel
    assert "cloudflared exited with code 1: <b>not bold</b> <img src=x>" in controls.state_label.text()
    labels = (controls.state_label, controls.url_label, controls.health_label, status.label, status.warning)
    for label in labels:
        assert label.textFormat() is Qt.TextFormat.PlainText, label.objectName()
    assert "&lt;b&gt;not bold&lt;/b&gt;" in status.label.toolTip()
    tunnels.stop()


def test_an_ngrok_someone_else_started_changing_its_url_is_followed_too(
    qtbot: Any, make_docked: Docked, listener: Listener
) -> None:
    """ "Another ngrok session": the agent was started in a terminal, the app only detects it."""
    old, new = "https://abcd-1.ngrok-free.app", "https://efgh-2.ngrok-free.app"
    with FakeAgent({"/api/tunnels": ngrok_tunnels(("https", old, str(listener.port)))}) as agent:
        detect = partial(detect_tunnel, ngrok_ports=[agent.port], cloudflared_ports=[], timeout=2.0)
        _, dock = make_docked(detect=detect)
        panel, controls, session = dock.panel, dock.panel.tunnel_controls, dock.panel.session
        qtbot.waitUntil(lambda: session.public_url == old, timeout=WAIT)
        assert session.tunnel.source == "detected"
        qtbot.mouseClick(panel.sandbox_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: panel.profile.name == LOCAL_SANDBOX and bool(panel.access_token_set), timeout=WAIT
        )
        webhook = session.webhooks.create(panel.profile, f"{old}/hooks", ["card.created"], None).webhook
        qtbot.waitUntil(lambda: session.tunnels.settings.read().last_url == old, timeout=WAIT)

        agent.routes["/api/tunnels"] = ngrok_tunnels(("https", new, str(listener.port)))  # ngrok restarted
        session.tunnel.refresh()
        qtbot.waitUntil(dock.tunnel.follow_button.isVisible, timeout=WAIT)
    assert (
        controls.offer_label.text() == f"{webhook.id} still points at {old}/hooks — update it to {new}/hooks?"
    )

    qtbot.mouseClick(controls.dismiss_button, Qt.MouseButton.LeftButton)  # "Not now"
    assert controls.offer_row.isHidden() and dock.tunnel.follow_button.isHidden()
    assert session.webhooks.index.get(webhook.id).url == f"{old}/hooks"  # type: ignore[union-attr]


def test_the_status_bar_button_updates_the_webhooks(
    qtbot: Any, make_docked: Docked, on_path: FakeTools
) -> None:
    _, dock = make_docked()
    panel, session = dock.panel, dock.panel.session
    qtbot.mouseClick(dock.tunnel.tunnel_button, Qt.MouseButton.LeftButton)
    first = wait_running(qtbot, dock)
    qtbot.mouseClick(panel.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.profile.name == LOCAL_SANDBOX and bool(panel.access_token_set), timeout=WAIT
    )
    hooks = [
        session.webhooks.create(panel.profile, f"{first}/h{n}", ["card.created"], None).webhook
        for n in (1, 2)
    ]
    os.kill(run_of_url(on_path, first)["pid"], signal.SIGUSR1)
    second = wait_running(qtbot, dock, other_than=first)
    button = dock.tunnel.follow_button
    qtbot.waitUntil(button.isVisible, timeout=WAIT)
    assert button.text() == "Update 2 webhooks"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(button.isHidden, timeout=WAIT)
    assert [session.webhooks.index.get(h.id).url for h in hooks] == [f"{second}/h1", f"{second}/h2"]  # type: ignore[union-attr]


def test_a_detected_tunnel_to_another_port_moves_no_webhook(
    qtbot: Any, make_docked: Docked, config_dir: Path
) -> None:
    old, other = "https://abcd-1.ngrok-free.app", "https://efgh-2.ngrok-free.app"
    index = WebhookIndex(config_dir)
    index.upsert(KnownWebhook("wh_on_old", LOCAL_SANDBOX, f"{old}/hooks"))
    TunnelSettings(config_dir).note_url(old)
    with FakeAgent({"/api/tunnels": ngrok_tunnels(("https", other, "localhost:3000"))}) as agent:
        detect = partial(detect_tunnel, ngrok_ports=[agent.port], cloudflared_ports=[], timeout=2.0)
        _, dock = make_docked(detect=detect)
        session = dock.panel.session
        qtbot.waitUntil(lambda: session.public_url == other, timeout=WAIT)
    assert dock.tunnel.warning.isVisible() and "port 3000" in dock.tunnel.warning.text()
    assert session.tunnels.offers == [] and dock.panel.tunnel_controls.offer_row.isHidden()
    assert TunnelSettings(config_dir).read().urls == (old,)  # not remembered as a tunnel of ours


def test_stop_and_restart_before_any_start_are_harmless(
    qtbot: Any, make_docked: Docked, on_path: FakeTools
) -> None:
    _, dock = make_docked()
    tunnels = dock.panel.session.tunnels
    tunnels.stop()
    assert tunnels.state is None and not tunnels.active
    assert tunnels.restart() is None  # nothing ran before: the first installed tool starts
    wait_running(qtbot, dock)
    assert tunnels.tool == "cloudflared"
