"""Create / Update dialogs through the panel, against the real sandbox over HTTP and a real listener.

The panel starts its own sandbox (the "Start local sandbox" button), the dialogs talk to it off the
GUI thread, and the sandbox's deliveries land in a real Listener whose TokenRing runs on a fake
clock, so the rotation grace period passes without sleeping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from inspector.core.capture.listener import Listener
from inspector.core.provider.profiles import LOCAL_SANDBOX
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import WebhookIndex
from inspector.core.store.event_store import EventStore
from inspector.sandbox.server import SandboxServer
from inspector.ui.webhooks.webhook_dialogs import CreateWebhookDialog, UpdateWebhookDialog
from inspector.ui.webhooks.webhooks_panel import LISTENER_PATH, WebhooksPanel
from tests.ui.webhooks.helpers import (
    ACCESS_TOKEN,
    GRACE,
    FakeClock,
    add_profile,
    post_signed,
    sandbox_webhooks,
)

WAIT = 10_000  # ms


@pytest.fixture
def memory_secrets(no_keyring: Any) -> SecretStore:
    store = SecretStore()
    assert not store.persistent  # keyring's fail backend: the session-only path
    return store


def start_sandbox(qtbot: Any, panel: WebhooksPanel) -> SandboxServer:
    qtbot.mouseClick(panel.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.profile.name == LOCAL_SANDBOX and panel.access_token_set and not panel.jobs.busy,
        timeout=WAIT,
    )
    assert panel.sandbox is not None
    assert panel.profile.api_url == panel.sandbox.url + "/v1"
    return panel.sandbox


def create_through_dialog(
    qtbot: Any, panel: WebhooksPanel, events: list[str], *, generate: bool = True
) -> CreateWebhookDialog:
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert isinstance(dialog, CreateWebhookDialog)
    qtbot.waitUntil(lambda: dialog.catalog_source is not None, timeout=WAIT)
    dialog.events.set_checked(events)
    if generate:
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    accept_session_only(dialog)
    return dialog


def accept_session_only(dialog: Any) -> None:
    """Without a keyring a token is only kept while the app runs: the user says that is fine."""
    if dialog.session_only.isVisible():
        dialog.session_only.setChecked(True)


def submit(qtbot: Any, dialog: Any) -> None:
    accept_session_only(dialog)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.saving, timeout=WAIT)


def events_of(store: EventStore, event_id: str) -> list[Any]:
    return [e for e in store.query(f"id:{event_id}") if e.event_id == event_id]


def test_create_list_update_delete_through_dialogs(
    qtbot: Any, make_panel: Any, memory_secrets: SecretStore, listener: Listener, config_dir: Path
) -> None:
    panel = make_panel(memory_secrets, listener_url=listener.url)
    server = start_sandbox(qtbot, panel)
    access = memory_secrets.api_token(LOCAL_SANDBOX)
    assert access

    dialog = create_through_dialog(qtbot, panel, ["transaction.authorized"])
    # The sandbox runs on this machine: the listener's own URL, not a tunnel's.
    assert dialog.url_edit.text() == listener.url + LISTENER_PATH
    assert dialog.catalog_source == "provider"  # GET /event-types answered
    assert "card.frozen" in dialog.events.identifiers()
    token = dialog.token_edit.text()
    assert len(token) >= 43
    submit(qtbot, dialog)
    assert dialog.result_value is not None, dialog.error_label.text()
    webhook_id = dialog.result_value.webhook.id
    assert not dialog.isVisible()

    # Listed in the table (the panel refreshes after saving) and held by the sandbox.
    qtbot.waitUntil(lambda: [r.webhook.id for r in panel.model.rows()] == [webhook_id], timeout=WAIT)
    row = panel.model.rows()[0]
    assert row.webhook.events == ("transaction.authorized",)
    assert row.token_here
    assert panel.model.index(0, 3).data() == "yes, kept here"
    held = sandbox_webhooks(server, access)
    assert [(w["id"], w["events"], w["has_authorization_token"]) for w in held] == [
        (webhook_id, ["transaction.authorized"], True)
    ]
    assert memory_secrets.webhook_token(webhook_id) == token
    assert listener.tokens.labels() == [webhook_id]
    assert [w.id for w in WebhookIndex(config_dir).for_profile(LOCAL_SANDBOX)] == [webhook_id]

    # Update: change the URL and attach an event.
    assert panel.select_webhook(webhook_id)
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    edit = panel.dialog
    assert isinstance(edit, UpdateWebhookDialog)
    assert edit.url_edit.text() == listener.url + LISTENER_PATH
    assert edit.events.checked() == ["transaction.authorized"]
    edit.url_edit.setText(listener.url + "/hooks/v2")
    edit.events.set_checked(["card.frozen"])
    submit(qtbot, edit)
    assert edit.result_value is not None, edit.error_label.text()
    held = sandbox_webhooks(server, access)
    assert held[0]["url"] == listener.url + "/hooks/v2"
    assert held[0]["events"] == ["transaction.authorized", "card.frozen"]
    qtbot.waitUntil(lambda: panel.model.rows()[0].webhook.url.endswith("/hooks/v2"), timeout=WAIT)
    assert memory_secrets.webhook_token(webhook_id) == token  # no rotation asked: token unchanged

    # Delete, after confirming.
    assert panel.select_webhook(webhook_id)
    box = panel.confirm_delete()
    assert box is not None and box.isVisible()
    assert webhook_id in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: panel.model.rows() == [] and not panel.jobs.busy, timeout=WAIT)
    assert sandbox_webhooks(server, access) == []
    assert memory_secrets.webhook_token(webhook_id) is None
    assert WebhookIndex(config_dir).all() == []
    assert listener.tokens.labels() == []


def test_delete_cancelled_keeps_the_webhook(
    qtbot: Any, make_panel: Any, memory_secrets: SecretStore, listener: Listener
) -> None:
    panel = make_panel(memory_secrets, listener_url=listener.url)
    server = start_sandbox(qtbot, panel)
    dialog = create_through_dialog(qtbot, panel, ["card.created"])
    submit(qtbot, dialog)
    webhook_id = dialog.result_value.webhook.id
    qtbot.waitUntil(lambda: panel.select_webhook(webhook_id), timeout=WAIT)
    box = panel.confirm_delete()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: panel.confirm_box is None, timeout=WAIT)
    assert not panel.jobs.busy
    held = sandbox_webhooks(server, memory_secrets.api_token(LOCAL_SANDBOX))
    assert [w["id"] for w in held] == [webhook_id]


def test_test_event_lands_verified_and_old_token_is_rejected_after_grace(
    qtbot: Any,
    make_panel: Any,
    memory_secrets: SecretStore,
    listener: Listener,
    store: EventStore,
    clock: FakeClock,
) -> None:
    panel = make_panel(memory_secrets, listener_url=listener.url)
    start_sandbox(qtbot, panel)
    dialog = create_through_dialog(qtbot, panel, ["transaction.authorized"])
    submit(qtbot, dialog)
    webhook_id = dialog.result_value.webhook.id
    old_token = memory_secrets.webhook_token(webhook_id)
    assert old_token

    # "Send test event": the sandbox delivers to the listener with the webhook's token.
    assert panel.sandbox_row.isVisible()
    panel.test_event_combo.setCurrentText("transaction.authorized")
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.last_trigger is not None, timeout=WAIT)
    assert panel.last_trigger["webhook_ids"] == [webhook_id]
    event_id = panel.last_trigger["event_id"]
    assert event_id in panel.info_label.text()
    qtbot.waitUntil(lambda: bool(events_of(store, event_id)), timeout=WAIT)
    first = events_of(store, event_id)[0]
    assert (first.status, first.webhook_id, first.flags) == (200, webhook_id, ())

    # Rotate through the Update dialog: keyring and listener change together.
    qtbot.waitUntil(lambda: panel.select_webhook(webhook_id), timeout=WAIT)  # list answered
    edit = panel.open_update_dialog()
    assert isinstance(edit, UpdateWebhookDialog)
    assert "5:00" in edit.token_note.text()  # the user is told the grace period up front
    edit.rotate_check.setChecked(True)
    new_token = edit.token_edit.text()
    assert new_token and new_token != old_token
    submit(qtbot, edit)
    assert edit.result_value is not None, edit.error_label.text()
    assert edit.result_value.grace_seconds == GRACE
    assert memory_secrets.webhook_token(webhook_id) == new_token
    assert panel.grace_label.isVisible()
    assert f"Old token of {webhook_id} still accepted for 5:00" in panel.grace_label.text()

    # Within the grace period the old token still passes, and names the webhook.
    inside = post_signed(listener.url + "/hooks", old_token, "evt_old_inside")
    assert inside.status_code == 200
    qtbot.waitUntil(lambda: bool(events_of(store, "evt_old_inside")), timeout=WAIT)
    assert events_of(store, "evt_old_inside")[0].webhook_id == webhook_id

    # After it, the old token is refused and the event is flagged unauthorized.
    clock.advance(GRACE + 1)
    panel.update_grace()
    assert not panel.grace_label.isVisible()
    after = post_signed(listener.url + "/hooks", old_token, "evt_old_after")
    assert after.status_code == 401
    # A rejected delivery is recorded without parsing its body, so look it up by status.
    qtbot.waitUntil(lambda: bool(store.query("status:401")), timeout=WAIT)
    [rejected] = store.query("status:401")
    assert "unauthorized" in rejected.flags and rejected.webhook_id is None
    assert "evt_old_after" in store.get(rejected.seq).body.decode()

    # The sandbox now delivers with the new token, which is verified.
    panel.last_trigger = None
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.last_trigger is not None, timeout=WAIT)
    second_id = panel.last_trigger["event_id"]
    qtbot.waitUntil(lambda: bool(events_of(store, second_id)), timeout=WAIT)
    second = events_of(store, second_id)[0]
    assert (second.status, second.webhook_id) == (200, webhook_id)


# --- error paths: shown in the dialog, what was typed is kept -------------------------------------


def fill_form(qtbot: Any, dialog: CreateWebhookDialog, url: str, token: str) -> None:
    qtbot.waitUntil(lambda: dialog.catalog_source is not None, timeout=WAIT)
    dialog.url_edit.setText(url)
    dialog.events.set_checked(["transaction.authorized"])
    dialog.token_edit.setText(token)
    accept_session_only(dialog)


def assert_form_kept(dialog: CreateWebhookDialog, url: str, token: str) -> None:
    assert dialog.isVisible()
    assert dialog.result_value is None
    assert dialog.url_edit.text() == url
    assert dialog.events.checked() == ["transaction.authorized"]
    assert dialog.token_edit.text() == token
    assert dialog.submit_button.isEnabled()
    assert "Traceback" not in dialog.error_label.text()


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong_access_token", "The API access token was rejected (401)"),
        ("refused", "connection refused"),
        ("timeout", "did not answer within 1 seconds"),
    ],
)
def test_create_errors_are_shown_and_the_form_is_kept(
    qtbot: Any,
    sandbox: SandboxServer,
    dead_port: int,
    silent_port: int,
    make_panel: Any,
    memory_secrets: SecretStore,
    config_dir: Path,
    case: str,
    expected: str,
) -> None:
    api_url, token = {
        "wrong_access_token": (sandbox.url + "/v1", "not-the-access-token"),
        "refused": (f"http://127.0.0.1:{dead_port}/v1", ACCESS_TOKEN),
        "timeout": (f"http://127.0.0.1:{silent_port}/v1", ACCESS_TOKEN),
    }[case]
    add_profile(config_dir, memory_secrets, "Under test", api_url, token)
    panel = make_panel(memory_secrets)
    panel.reload_profiles("Under test")
    qtbot.waitUntil(lambda: not panel.jobs.busy, timeout=WAIT)
    assert expected in panel.error_label.text()  # the automatic list failed the same way

    dialog = panel.open_create_dialog()
    url, typed_token = "https://example.test/hooks", "typed-token-kept"
    fill_form(qtbot, dialog, url, typed_token)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.saving and not dialog.submit_button.isEnabled()
    assert not dialog.busy_bar.isHidden()  # busy indicator while the call runs
    qtbot.waitUntil(lambda: not dialog.saving, timeout=WAIT)
    assert expected in dialog.error_label.text()
    assert dialog.error_label.isVisible()
    assert_form_kept(dialog, url, typed_token)
    assert sandbox_webhooks(sandbox, ACCESS_TOKEN) == []


def test_validation_errors_appear_next_to_their_fields(
    qtbot: Any, sandbox: SandboxServer, make_panel: Any, memory_secrets: SecretStore, config_dir: Path
) -> None:
    add_profile(config_dir, memory_secrets, "Under test", sandbox.url + "/v1", ACCESS_TOKEN)
    panel = make_panel(memory_secrets)
    panel.reload_profiles("Under test")
    dialog = panel.open_create_dialog()
    url, token = "https://example.test/hooks", "has a space 9d41c7"
    fill_form(qtbot, dialog, url, token)
    # Free entry of an identifier the catalog lacks (the sandbox will refuse it: 422).
    qtbot.keyClicks(dialog.events.filter_edit, "card.exploded")
    qtbot.keyClick(dialog.events.filter_edit, Qt.Key.Key_Return)
    assert dialog.events.checked() == ["transaction.authorized", "card.exploded"]
    submit(qtbot, dialog)

    assert dialog.events_error.isVisible()
    assert "Unknown event identifier(s): 'card.exploded'" in dialog.events_error.text()
    assert dialog.token_error.isVisible()
    assert "visible ASCII" in dialog.token_error.text()
    assert not dialog.url_error.isVisible()
    assert "see the messages above" in dialog.error_label.text()
    assert dialog.url_edit.text() == url and dialog.token_edit.text() == token
    assert dialog.events.checked() == ["transaction.authorized", "card.exploded"]

    # Fixing the fields and saving again works from the same dialog.
    dialog.events.set_checked(["card.exploded"], checked=False)
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    submit(qtbot, dialog)
    assert dialog.result_value is not None, dialog.error_label.text()
    assert not dialog.events_error.isVisible() and not dialog.token_error.isVisible()
    assert [w["events"] for w in sandbox_webhooks(sandbox, ACCESS_TOKEN)] == [["transaction.authorized"]]


def test_update_of_a_webhook_gone_at_the_provider_shows_404(
    qtbot: Any, make_panel: Any, memory_secrets: SecretStore, listener: Listener
) -> None:
    panel = make_panel(memory_secrets, listener_url=listener.url)
    server = start_sandbox(qtbot, panel)
    dialog = create_through_dialog(qtbot, panel, ["transaction.authorized"])
    submit(qtbot, dialog)
    webhook_id = dialog.result_value.webhook.id
    qtbot.waitUntil(lambda: panel.select_webhook(webhook_id), timeout=WAIT)
    edit = panel.open_update_dialog()
    # Someone deletes it behind our back (another machine, the CLI).
    server.state.delete_webhook(webhook_id)
    edit.url_edit.setText(listener.url + "/elsewhere")
    submit(qtbot, edit)
    assert "(404)" in edit.error_label.text()
    assert edit.isVisible() and edit.url_edit.text() == listener.url + "/elsewhere"


def test_empty_url_is_refused_before_any_request(
    qtbot: Any, sandbox: SandboxServer, make_panel: Any, memory_secrets: SecretStore, config_dir: Path
) -> None:
    add_profile(config_dir, memory_secrets, "Under test", sandbox.url + "/v1", ACCESS_TOKEN)
    panel = make_panel(memory_secrets)
    panel.reload_profiles("Under test")
    dialog = panel.open_create_dialog()
    qtbot.waitUntil(lambda: dialog.catalog_source is not None, timeout=WAIT)
    dialog.url_edit.clear()
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert not dialog.saving
    assert dialog.url_error.isVisible() and "Enter the URL" in dialog.url_error.text()
    assert sandbox_webhooks(sandbox, ACCESS_TOKEN) == []
