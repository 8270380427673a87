"""Forward settings: a delivery POSTed to the real listener reaches a real local target."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from inspector.core.actions.forwarder import FORWARDED_MARKER
from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from inspector.ui import theme
from inspector.ui.window.forward_settings import KEY_TARGET_URL, ForwardSettings
from tests.core.target_server import TargetServer, free_port
from tests.ui.helpers import WAIT, envelope, post_delivery


@pytest.fixture
def make_widget(qtbot: Any, make_session: Any) -> Any:
    """The widget on a session's forwarding (the session owns the Forwarder and the hook)."""

    def make(store: EventStore, listener: Listener, settings: QSettings) -> ForwardSettings:
        session = make_session(store, listener)
        session.forwarding.timeout = 5.0
        widget = ForwardSettings(session.forwarding, settings)
        qtbot.addWidget(widget)
        widget.show()
        return widget

    return make


def test_forwarding_on_sends_delivery_to_target_and_records_status(
    qtbot: Any, make_widget: Any, store: EventStore, listener: Listener, settings: QSettings, drain_pool: None
) -> None:
    widget = make_widget(store, listener, settings)
    with TargetServer(status=201, answer=b'{"handled": true}') as target:
        widget.url_edit.setText(target.url)
        with qtbot.waitSignal(widget.forwardingChanged, timeout=WAIT):
            qtbot.mouseClick(widget.toggle, Qt.MouseButton.LeftButton)
        assert widget.forwarding and listener.forward_hook is not None

        body = envelope("evt_fwd_1", "card.created", {"card": "c_1"})
        with qtbot.waitSignal(widget.resultArrived, timeout=WAIT) as arrived:
            response = post_delivery(listener, body)
        assert response.status_code == 200
        seq = response.json()["seq"]
        assert arrived.args[0] == seq

        assert target.count() == 1
        sent = target.received[0]
        assert sent.method == "POST" and sent.path == "/webhooks"
        assert sent.body == store.get(seq).body
        assert sent.header(FORWARDED_MARKER) == str(seq)

        record = store.get(seq).extra["forward"]
        assert record["status"] == 201 and record["error"] is None
        assert record["body"] == '{"handled": true}' and record["url"] == target.url
        assert store.count("is:forwarded") == 1
        assert "201" in widget.status_label.text()

        # Off: the hook is gone and the next delivery is not forwarded.
        qtbot.mouseClick(widget.toggle, Qt.MouseButton.LeftButton)
        assert not widget.forwarding and listener.forward_hook is None
        seq2 = post_delivery(listener, envelope("evt_fwd_2", "card.created", {})).json()["seq"]
        assert "forward" not in store.get(seq2).extra
        assert target.count() == 1
    # The URL (not a secret) is remembered for next time.
    assert settings.value(KEY_TARGET_URL) == target.url


def test_target_down_is_shown_and_recorded_once(
    qtbot: Any, make_widget: Any, store: EventStore, listener: Listener, settings: QSettings, drain_pool: None
) -> None:
    widget = make_widget(store, listener, settings)
    down_url = f"http://127.0.0.1:{free_port()}/webhooks"
    widget.url_edit.setText(down_url)
    widget.toggle.setChecked(True)
    with qtbot.waitSignal(widget.resultArrived, timeout=WAIT):
        response = post_delivery(listener, envelope("evt_down", "card.created", {}))
    # The provider still got its acknowledgement: a down target never changes our answer.
    assert response.status_code == 200
    record = store.get(response.json()["seq"]).extra["forward"]
    assert record["status"] is None and "cannot connect" in record["error"]
    assert widget.status_label.text().startswith("Target down:")
    assert widget.status_label.styleSheet() == theme.error_css()
    widget.set_forwarding(False)
    assert listener.forward_hook is None


def test_invalid_url_does_not_turn_forwarding_on(
    qtbot: Any, make_widget: Any, store: EventStore, listener: Listener, settings: QSettings
) -> None:
    widget = make_widget(store, listener, settings)
    widget.url_edit.setText("ftp://example.test/hooks")
    widget.toggle.setChecked(True)
    assert not widget.forwarding and not widget.toggle.isChecked()
    assert listener.forward_hook is None
    assert "http://" in widget.status_label.text()


def test_saved_url_is_restored(
    qtbot: Any, make_widget: Any, store: EventStore, listener: Listener, settings: QSettings
) -> None:
    settings.setValue(KEY_TARGET_URL, "http://localhost:3000/webhooks")
    widget = make_widget(store, listener, settings)
    assert widget.url_edit.text() == "http://localhost:3000/webhooks"
    assert widget.target_url == "http://localhost:3000/webhooks"
    assert not widget.forwarding  # restored URL, but forwarding waits for the user's say-so
