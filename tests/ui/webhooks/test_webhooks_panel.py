"""The webhooks panel: where secrets go (real Secret Service, or memory with keyring's fail
backend), access token entry, profiles, busy indicator, tokens loaded at start."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from inspector.core.capture.listener import Listener
from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.profiles import LOCAL_SANDBOX, PRODUCTION
from inspector.core.provider.secrets import SERVICE, SecretStore, api_token_entry, webhook_token_entry
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex
from inspector.core.store.event_store import EventStore
from inspector.core.tunnel.detect import detect_tunnel
from inspector.sandbox.server import SandboxServer
from inspector.ui.session import TunnelProbe
from inspector.ui.webhooks.profile_dialog import ProfileDialog
from inspector.ui.webhooks.webhook_dialogs import CreateWebhookDialog
from inspector.ui.webhooks.webhooks_dock import add_webhooks_dock
from inspector.ui.webhooks.webhooks_panel import KEY_PROFILE, LISTENER_PATH
from tests.fake_tunnel_agent import FakeAgent, ngrok_tunnels
from tests.ui.webhooks.helpers import (
    ACCESS_TOKEN,
    GRACE,
    FakeClock,
    add_profile,
    files_containing,
)

WAIT = 10_000


@pytest.fixture(params=["secret_service", "no_keyring"])
def keyring_backend(request: pytest.FixtureRequest) -> str:
    """Each secrets test runs against a real Secret Service and against keyring's fail backend."""
    request.getfixturevalue("system_keyring" if request.param == "secret_service" else "no_keyring")
    return str(request.param)


def test_tokens_never_reach_a_file(
    qtbot: Any,
    make_panel: Any,
    keyring_backend: str,
    listener: Listener,
    store: EventStore,
    data_dir: Path,
    config_dir: Path,
    settings: QSettings,
) -> None:
    secrets = SecretStore()
    panel = make_panel(secrets, listener_url=listener.url)
    if keyring_backend == "secret_service":
        assert secrets.persistent
        assert panel.secrets_label.text() == "Tokens are kept in your system keyring: Secret Service."
    else:
        assert not secrets.persistent
        assert panel.secrets_label.text().startswith(
            "Tokens are kept this session only: no keyring available"
        )

    # Start the sandbox, create a webhook with a generated token, deliver an event with it.
    qtbot.mouseClick(panel.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.profile.name == LOCAL_SANDBOX and bool(panel.access_token_set), timeout=WAIT
    )
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert isinstance(dialog, CreateWebhookDialog)
    assert dialog.token_note.text().count(secrets.description) == 1  # told where the token goes
    dialog.events.set_checked(["transaction.authorized"])
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    assert dialog.session_only.isVisible() == (not secrets.persistent)
    if not secrets.persistent:
        dialog.session_only.setChecked(True)  # without a keyring the user accepts a session-only token
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    webhook_id = dialog.result_value.webhook.id
    kept_where = "kept in your system keyring" if secrets.persistent else "kept for this session only"
    assert kept_where in panel.info_label.text()  # the user is told where the token went
    token = secrets.webhook_token(webhook_id)
    access = secrets.api_token(LOCAL_SANDBOX)
    assert token and access
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: store.count(f"webhook:{webhook_id}") == 1, timeout=WAIT)

    if keyring_backend == "secret_service":
        backend = secrets._backend  # the real Secret Service keeps both, under the README's entry names
        assert backend is not None
        assert backend.get_password(SERVICE, webhook_token_entry(webhook_id)) == token
        assert backend.get_password(SERVICE, api_token_entry(LOCAL_SANDBOX)) == access
        assert dialog.result_value.token_kept is True
    else:
        assert dialog.result_value.token_kept is False

    settings.sync()
    assert (config_dir / "window.ini").is_file()  # the panel did write its (non-secret) settings
    assert settings.value(KEY_PROFILE) == LOCAL_SANDBOX
    assert (config_dir / "webhooks.json").is_file()
    assert webhook_id in (config_dir / "webhooks.json").read_text()
    store.close()  # flush the WAL into the database file before reading the files
    for secret in (token, access):
        assert files_containing(secret, data_dir, config_dir) == []

    secrets.delete(webhook_token_entry(webhook_id))
    secrets.delete(api_token_entry(LOCAL_SANDBOX))


def test_access_token_entry_goes_to_the_secret_store_only(
    qtbot: Any, sandbox: SandboxServer, make_panel: Any, no_keyring: Any, config_dir: Path
) -> None:
    secrets = SecretStore()
    add_profile(config_dir, secrets, "Team sandbox", sandbox.url + "/v1", "wrong-token")
    panel = make_panel(secrets)
    panel.reload_profiles("Team sandbox")
    qtbot.waitUntil(lambda: "(401)" in panel.error_label.text(), timeout=WAIT)
    assert panel.error_label.isVisible()

    qtbot.keyClicks(panel.token_edit, ACCESS_TOKEN)
    qtbot.mouseClick(panel.token_save, Qt.MouseButton.LeftButton)
    assert panel.token_edit.text() == ""  # not left lying in the widget
    qtbot.waitUntil(lambda: panel.count_label.text() == "0 webhooks", timeout=WAIT)
    assert secrets.api_token("Team sandbox") == ACCESS_TOKEN
    assert not panel.error_label.isVisible()
    assert panel.token_state.text() == "saved"
    assert "this session only" in panel.info_label.text()
    panel.settings.sync()
    assert files_containing(ACCESS_TOKEN, config_dir) == []


def test_profiles_sandbox_row_and_default_url(qtbot: Any, make_panel: Any, no_keyring: Any) -> None:
    panel = make_panel(SecretStore(), listener_url="http://127.0.0.1:8765")
    names = [panel.profile_combo.itemText(i) for i in range(panel.profile_combo.count())]
    assert names[:2] == [PRODUCTION, LOCAL_SANDBOX]
    panel.select_profile(PRODUCTION)
    assert panel.sandbox_row.isHidden()
    assert panel.api_url_label.text() == "API: https://api.dba.thepennyinc.com/v1"
    qtbot.waitUntil(lambda: panel.access_token_set is False, timeout=WAIT)
    assert panel.token_state.text() == "not set"

    # No tunnel: the listener URL; with one: the tunnel's public URL + the listener path.
    assert panel.default_webhook_url() == "http://127.0.0.1:8765" + LISTENER_PATH
    answer = ngrok_tunnels(("https", "https://abc.ngrok-free.app", "localhost:8765"))
    with FakeAgent({"/api/tunnels": answer}) as agent:
        tunnel = TunnelProbe(
            panel.session.runner,
            panel,
            detect=partial(detect_tunnel, ngrok_ports=[agent.port], cloudflared_ports=[], timeout=2.0),
        )
        tunnel.publicUrlChanged.connect(panel.set_public_url)
        with qtbot.waitSignal(tunnel.publicUrlChanged, timeout=WAIT):
            tunnel.watch(8765)
        tunnel.stop()
    dialog = panel.open_create_dialog()
    assert dialog.url_edit.text() == "https://abc.ngrok-free.app" + LISTENER_PATH
    dialog.reject()

    panel.select_profile(LOCAL_SANDBOX)
    assert not panel.sandbox_row.isHidden()
    # The sandbox runs here: it reaches the listener directly, not through the tunnel.
    assert panel.default_webhook_url() == "http://127.0.0.1:8765" + LISTENER_PATH
    assert panel.settings.value(KEY_PROFILE) == LOCAL_SANDBOX


def test_busy_indicator_while_a_call_runs(
    qtbot: Any, silent_port: int, make_panel: Any, no_keyring: Any, config_dir: Path
) -> None:
    secrets = SecretStore()
    add_profile(config_dir, secrets, "Silent", f"http://127.0.0.1:{silent_port}/v1", ACCESS_TOKEN)
    panel = make_panel(secrets)
    panel.reload_profiles("Silent")
    qtbot.waitUntil(lambda: panel.jobs.busy and panel.busy_bar.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: not panel.jobs.busy, timeout=WAIT)
    assert not panel.busy_bar.isVisible()
    assert "did not answer within" in panel.error_label.text()


def test_known_tokens_are_loaded_into_the_listener_at_start(
    qtbot: Any, make_panel: Any, no_keyring: Any, config_dir: Path, tokens: TokenRing
) -> None:
    secrets = SecretStore()
    WebhookIndex(config_dir).upsert(KnownWebhook("wh_known", LOCAL_SANDBOX, "http://x/hooks"))
    secrets.set_webhook_token("wh_known", "known-token")
    assert tokens.labels() == []
    panel = make_panel(secrets)
    qtbot.waitUntil(lambda: tokens.labels() == ["wh_known"], timeout=WAIT)
    assert tokens.check(["Bearer known-token"]).label == "wh_known"
    assert panel.grace_label.isHidden()


def test_the_panel_works_on_the_sessions_services(
    qtbot: Any, make_panel: Any, no_keyring: Any, config_dir: Path, tokens: TokenRing
) -> None:
    panel = make_panel(SecretStore())
    session = panel.session
    assert panel.objectName() == "webhooksPanel"
    assert panel.service is session.webhooks and session.webhooks.ring is tokens is session.tokens
    assert session.webhooks.index.path == config_dir / "webhooks.json"
    assert "this session only" in panel.secrets_label.text()
    qtbot.waitUntil(lambda: not panel.jobs.busy, timeout=WAIT)


def test_new_user_flow_in_the_real_window(
    qtbot: Any,
    make_window: Any,
    no_keyring: Any,
    store: EventStore,
    listener: Listener,
    tokens: TokenRing,
    config_dir: Path,
    settings: QSettings,
) -> None:
    """DONE-WHEN of issue 5 in the main window: start the sandbox from the app, create a
    transaction.authorized webhook with a generated token, send a test event, see it verified."""
    from PySide6.QtWidgets import QDockWidget

    from inspector.ui.events.events_model import COL_VERDICT, SummaryRole
    from tests.ui.webhooks.helpers import quick_sandbox

    window = make_window(
        store,
        listener,
        detect=partial(detect_tunnel, ngrok_ports=[], cloudflared_ports=[]),
        sandbox_factory=quick_sandbox,
    )
    dock = add_webhooks_dock(window, settings)
    panel = dock.panel
    assert window.findChild(QDockWidget, "webhooksDock") is dock
    try:
        panel.sandbox_button.click()  # the dock was added after the window was shown
        qtbot.waitUntil(lambda: bool(panel.access_token_set) and not panel.jobs.busy, timeout=WAIT)
        dialog = panel.open_create_dialog()
        dialog.events.set_checked(["transaction.authorized"])
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
        # No keyring here: the token is refused unless the user accepts keeping it for this session.
        assert dialog.session_only.isVisible() and not dialog.session_only.isChecked()
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "session only" in dialog.error_label.text(), timeout=WAIT)
        dialog.session_only.setChecked(True)
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
        webhook_id = dialog.result_value.webhook.id
        qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)

        def verified_row() -> bool:
            for r in range(window.model.rowCount()):
                summary = window.model.index(r, 0).data(SummaryRole)
                if summary.webhook_id == webhook_id and summary.status == 200:
                    return True
            return False

        qtbot.waitUntil(verified_row, timeout=WAIT)
        verdict = window.model.index(0, COL_VERDICT).data()
        assert f"verified: {webhook_id}" in verdict
    finally:
        qtbot.waitUntil(lambda: not panel.jobs.busy and not window.session.tunnel.probing, timeout=WAIT)


def test_add_a_user_defined_profile(
    qtbot: Any, sandbox: SandboxServer, make_panel: Any, no_keyring: Any, config_dir: Path
) -> None:
    panel = make_panel(SecretStore())
    qtbot.mouseClick(panel.add_profile_button, Qt.MouseButton.LeftButton)
    dialog = panel.findChild(ProfileDialog, "profileDialog")
    assert dialog is not None and dialog.isVisible()

    qtbot.keyClicks(dialog.name_edit, LOCAL_SANDBOX)
    qtbot.keyClicks(dialog.url_edit, "ftp://nope")
    dialog.submit()
    assert "built-in profile" in dialog.error_label.text()
    dialog.name_edit.setText("Team sandbox")
    dialog.submit()
    assert "must start with http:// or https://" in dialog.error_label.text()
    assert dialog.isVisible() and dialog.url_edit.text() == "ftp://nope"  # kept for fixing

    dialog.url_edit.setText(sandbox.url + "/v1")
    dialog.sandbox_check.setChecked(True)
    dialog.method_combo.setCurrentText("PUT")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    assert panel.profile.name == "Team sandbox"
    assert panel.profile.update_method == "PUT" and panel.profile.is_sandbox
    assert not panel.sandbox_row.isHidden()
    saved = json.loads((config_dir / "profiles.json").read_text())
    assert [p["name"] for p in saved["profiles"]] == ["Team sandbox"]
    qtbot.waitUntil(lambda: panel.access_token_set is False, timeout=WAIT)


def test_listener_follows_index_changes_made_by_another_process(
    qtbot: Any, make_panel: Any, no_keyring: Any, config_dir: Path, tokens: TokenRing, clock: FakeClock
) -> None:
    secrets = SecretStore()
    # `gui --token-env HOOK`: that token must be kept whatever the index says.
    panel = make_panel(secrets, index_poll_ms=20, explicit=("HOOK", "explicit-token-env-token"))
    qtbot.waitUntil(lambda: panel.session.sync._signature is not False, timeout=WAIT)
    assert tokens.labels() == ["env:HOOK"]

    # What `webhook-inspector webhooks create` does: token to the keyring, entry to the index.
    other = WebhookIndex(config_dir)
    secrets.set_webhook_token("wh_cli", "cli-made-token")
    other.upsert(KnownWebhook("wh_cli", LOCAL_SANDBOX, "http://x/hooks"))
    qtbot.waitUntil(lambda: tokens.labels() == ["env:HOOK", "wh_cli"], timeout=WAIT)
    assert tokens.check(["Bearer cli-made-token"]).label == "wh_cli"

    # ... and `webhooks delete`: the token stays accepted for the grace period, then not.
    secrets.delete_webhook_token("wh_cli")
    other.remove("wh_cli")
    qtbot.waitUntil(lambda: tokens.labels() == ["env:HOOK"], timeout=WAIT)
    assert tokens.check(["Bearer cli-made-token"]).label == "wh_cli"
    qtbot.waitUntil(lambda: "Old token of wh_cli" in panel.grace_label.text(), timeout=WAIT)
    clock.advance(GRACE + 1)
    assert not tokens.check(["Bearer cli-made-token"]).ok
    assert tokens.check(["Bearer explicit-token-env-token"]).label == "env:HOOK"


def test_a_stale_local_sandbox_profile_says_how_to_start_it(
    qtbot: Any, dead_port: int, make_panel: Any, no_keyring: Any, config_dir: Path
) -> None:
    secrets = SecretStore()
    # What an earlier run left: the Local sandbox override with a port nobody listens on now.
    add_profile(config_dir, secrets, LOCAL_SANDBOX, f"http://127.0.0.1:{dead_port}/v1", ACCESS_TOKEN)
    panel = make_panel(secrets)
    panel.select_profile(LOCAL_SANDBOX)
    qtbot.waitUntil(lambda: "connection refused" in panel.error_label.text(), timeout=WAIT)
    assert "click “Start local sandbox”" in panel.error_label.text()
    qtbot.mouseClick(panel.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.count_label.text() == "0 webhooks", timeout=WAIT)
    assert panel.profile.api_url != f"http://127.0.0.1:{dead_port}/v1"
    assert not panel.error_label.isVisible()
