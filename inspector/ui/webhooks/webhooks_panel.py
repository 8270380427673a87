"""The Webhooks panel: profile, API access token, registered webhooks, sandbox, test events.

Everything it does goes through the session (inspector/ui/session.py): provider calls and keyring
reads through the one webhook service on the runner's network pool (busy bar while they run), the
sandbox through `session.start_sandbox`, token changes made elsewhere through the session's token
sync. Answers for a profile the user has switched away from are dropped. QSettings keeps only the
name of the active profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.provider.client import NetworkError
from inspector.core.provider.profiles import BUILTIN_PROFILES, LOCAL_SANDBOX, Profile, ProfileError
from inspector.core.provider.webhook_service import (
    PROVIDER_TOKEN_ENV,
    SavedWebhook,
    WebhookRow,
    env_access_token,
    user_error,
)
from inspector.sandbox.catalog import CATALOG
from inspector.ui import theme
from inspector.ui.busy_bar import BusyBar
from inspector.ui.runner import JobGroup
from inspector.ui.session import InspectorSession
from inspector.ui.webhooks.profile_dialog import ProfileDialog
from inspector.ui.webhooks.scenario_options import (
    ScenarioOptions,
    add_scenarios,
    chosen_scenario,
    scenario_message,
)
from inspector.ui.webhooks.tunnel_controls import TunnelControls
from inspector.ui.webhooks.webhook_dialogs import CreateWebhookDialog, UpdateWebhookDialog, format_duration
from inspector.ui.webhooks.webhooks_model import (
    COL_EVENTS,
    COL_ID,
    COL_TOKEN,
    COL_URL,
    ROW_ROLE,
    WebhooksModel,
)

LISTENER_PATH = "/hooks"  # appended to the tunnel (or listener) URL in the Create dialog
KEY_PROFILE = "webhooks/profile"  # the active profile's name: the only thing kept in QSettings
DEFAULT_TEST_EVENT = "transaction.authorized"


class WebhooksPanel(QWidget):
    """Embeddable panel (a dock or a tab) on a session."""

    webhooksChanged = Signal()  # after a successful create, update or delete
    message = Signal(str)  # one-line news for a status bar ("Webhook wh_1 created")

    def __init__(
        self, session: InspectorSession, *, settings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("webhooksPanel")
        self.session = session
        self.service = session.webhooks
        self.profiles = session.profiles
        self.settings = settings
        self.listener_url = session.url.rstrip("/")
        self.public_url = session.tunnel.public_url.rstrip("/")
        self.dialog: CreateWebhookDialog | UpdateWebhookDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._profiles: list[Profile] = []
        self.access_token_set: bool | None = None
        self.last_trigger: dict[str, Any] | None = None

        self.jobs = JobGroup(session.runner, self)
        self._build()
        self._wire()

        self.grace_timer = QTimer(self)
        self.grace_timer.setInterval(1000)
        self.grace_timer.timeout.connect(self.update_grace)

        session.listenerStarted.connect(self.set_listener_url)
        session.tunnel.publicUrlChanged.connect(self.set_public_url)
        session.tokensChanged.connect(self.update_grace)
        session.sandboxChanged.connect(self._on_sandbox_changed)
        session.tunnels.followed.connect(self._on_tunnel_followed)
        self.reload_profiles(self._saved_profile_name())
        self.update_grace()

    def _call(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        *,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """A provider or keyring call for the profile shown now; its answer is dropped if the user
        switched profile meanwhile."""
        name = self.profile.name

        def done(result: Any) -> None:
            if self.profile.name == name:
                on_done(result)

        def failed(error: BaseException) -> None:
            if self.profile.name == name:
                (on_error or self._on_failed)(error)

        self.jobs.submit(fn, on_done=done, on_error=failed, pool="net")

    # --- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.profile_combo = QComboBox(self)
        self.profile_combo.setObjectName("profileCombo")
        self.profile_combo.setToolTip("Which provider API to talk to")
        self.api_url_label = QLabel(self)
        self.api_url_label.setObjectName("apiUrlLabel")
        self.api_url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.add_profile_button = QPushButton("Add profile…", self)
        self.add_profile_button.setObjectName("addProfileButton")
        self.add_profile_button.setToolTip("Another provider API (name, URL, route settings)")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("webhookCount")
        self.sandbox_button = QPushButton("Start local sandbox", self)
        self.sandbox_button.setObjectName("startSandboxButton")
        self.sandbox_button.setToolTip("Run the provider emulator on this machine and use it")
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("refreshButton")

        self.token_edit = QLineEdit(self)
        self.token_edit.setObjectName("accessTokenEdit")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("API access token for this profile")
        self.token_save = QPushButton("Save token", self)
        self.token_save.setObjectName("saveAccessTokenButton")
        self.token_state = QLabel(self)
        self.token_state.setObjectName("accessTokenState")

        self.secrets_label = QLabel(self)
        self.secrets_label.setObjectName("secretsLocation")
        self.secrets_label.setWordWrap(True)
        self.tunnel_controls = TunnelControls(self.session, self)

        self.model = WebhooksModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("webhooksTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        # One line per webhook: ids whole (they are what you type in webhook: filters), the URL and
        # events elided in the middle rather than wrapped ("http:// / 127.0.0.1…"); tooltips have all.
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_ID, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_URL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_EVENTS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_TOKEN, QHeaderView.ResizeMode.ResizeToContents)

        self.create_button = QPushButton("Create…", self)
        self.create_button.setObjectName("createWebhookButton")
        self.edit_button = QPushButton("Edit…", self)
        self.edit_button.setObjectName("editWebhookButton")
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.setObjectName("deleteWebhookButton")

        self.sandbox_row = QWidget(self)
        self.sandbox_row.setObjectName("sandboxRow")
        self.test_event_combo = QComboBox(self.sandbox_row)
        self.test_event_combo.setObjectName("testEventCombo")
        self.test_event_combo.addItems(list(CATALOG))
        self.test_event_combo.setCurrentText(DEFAULT_TEST_EVENT)
        add_scenarios(self.test_event_combo)
        self.scenario_options = ScenarioOptions(self.test_event_combo, self)
        self.send_button = QPushButton("Send test event", self.sandbox_row)
        self.send_button.setObjectName("sendTestEventButton")
        self.send_button.setToolTip("Have the sandbox deliver an event of this type to its subscribers")

        self.grace_label = QLabel(self)
        self.grace_label.setObjectName("graceLabel")
        self.grace_label.setWordWrap(True)
        self.grace_label.hide()
        self.info_label = QLabel(self)
        self.info_label.setObjectName("panelMessage")
        self.info_label.setWordWrap(True)
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("panelError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(theme.error_css())
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.busy_bar = BusyBar(self.jobs, self)

        # Two short rows rather than one long one: the panel lives in a side dock and should not
        # take the events table's width.
        top = QHBoxLayout()
        top.addWidget(QLabel("Profile:", self))
        top.addWidget(self.profile_combo, 1)
        top.addWidget(self.refresh_button)
        profile_actions = QHBoxLayout()
        profile_actions.addWidget(self.add_profile_button)
        profile_actions.addWidget(self.sandbox_button)
        profile_actions.addStretch(1)
        token_row = QHBoxLayout()
        token_row.addWidget(QLabel("Access token:", self))
        token_row.addWidget(self.token_edit, 1)
        token_row.addWidget(self.token_save)
        token_row.addWidget(self.token_state)
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.create_button)
        actions_row.addWidget(self.edit_button)
        actions_row.addWidget(self.delete_button)
        actions_row.addStretch(1)
        sandbox_layout = QHBoxLayout(self.sandbox_row)
        sandbox_layout.setContentsMargins(0, 0, 0, 0)
        sandbox_layout.addWidget(QLabel("Test event:", self.sandbox_row))
        sandbox_layout.addWidget(self.test_event_combo, 1)
        sandbox_layout.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(profile_actions)
        url_row = QHBoxLayout()
        url_row.addWidget(self.api_url_label, 1)
        url_row.addWidget(self.count_label)
        layout.addLayout(url_row)
        layout.addLayout(token_row)
        layout.addWidget(self.secrets_label)
        layout.addWidget(self.tunnel_controls)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions_row)
        layout.addWidget(self.sandbox_row)
        layout.addWidget(self.scenario_options)
        layout.addWidget(self.grace_label)
        layout.addWidget(self.info_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_bar)

    def _wire(self) -> None:
        self.profile_combo.currentIndexChanged.connect(self._on_profile_changed)
        self.sandbox_button.clicked.connect(self.start_sandbox)
        self.add_profile_button.clicked.connect(self.open_profile_dialog)
        self.refresh_button.clicked.connect(self.refresh)
        self.token_save.clicked.connect(self.save_access_token)
        self.token_edit.returnPressed.connect(self.save_access_token)
        self.create_button.clicked.connect(self.open_create_dialog)
        self.edit_button.clicked.connect(self.open_update_dialog)
        self.delete_button.clicked.connect(self.confirm_delete)
        self.send_button.clicked.connect(self.send_test_event)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.open_update_dialog())

    # --- profiles ---------------------------------------------------------------------------------

    def _saved_profile_name(self) -> str:
        value = self.settings.value(KEY_PROFILE, "") if self.settings is not None else ""
        return str(value or "")

    def reload_profiles(self, select: str | None = None) -> None:
        """Re-read the profiles (built-ins + the user's) and select `select` (or keep the current)."""
        wanted = select or self.profile_combo.currentText()
        try:
            self._profiles = self.profiles.all()
        except ProfileError as exc:
            self._show_error(str(exc))
            self._profiles = list(BUILTIN_PROFILES)
        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        self.profile_combo.addItems([p.name for p in self._profiles])
        names = [p.name for p in self._profiles]
        self.profile_combo.setCurrentIndex(names.index(wanted) if wanted in names else 0)
        self.profile_combo.blockSignals(False)
        self._on_profile_changed()

    @property
    def profile(self) -> Profile:
        return self._profiles[max(0, self.profile_combo.currentIndex())]

    def select_profile(self, name: str) -> None:
        index = self.profile_combo.findText(name)
        if index < 0:
            raise ValueError(f"no profile named {name!r}")
        if index == self.profile_combo.currentIndex():
            self._on_profile_changed()
        else:
            self.profile_combo.setCurrentIndex(index)

    def _on_profile_changed(self, *_: object) -> None:
        profile = self.profile
        if self.settings is not None:
            self.settings.setValue(KEY_PROFILE, profile.name)
        self.api_url_label.setText(f"API: {profile.api_url}")
        self.tunnel_controls.set_profile(profile.name)
        self.sandbox_row.setVisible(profile.is_sandbox)
        self.scenario_options.set_allowed(profile.is_sandbox)
        self.model.set_rows([])
        self.count_label.clear()
        self._clear_messages()
        self.access_token_set = None
        self.token_state.setText("checking…")
        self._show_secrets_location()
        secrets, name = self.session.secrets, profile.name

        def token_source() -> str:
            # Only where the token is, never the token: "saved" (keyring or session) or the variable.
            if secrets.api_token(name):
                return "saved"
            return f"from {PROVIDER_TOKEN_ENV}" if env_access_token(profile) else ""

        self._call(token_source, self._on_token_state, on_error=lambda _error: self._set_token_state(False))
        self._update_buttons()

    def _show_secrets_location(self) -> None:
        status = self.session.secrets.status
        self.secrets_label.setText(f"Tokens are kept {status.description}.")
        self.secrets_label.setStyleSheet("" if status.persistent else theme.warn_css())

    # --- actions ----------------------------------------------------------------------------------

    def set_listener_url(self, url: str) -> None:
        self.listener_url = url.rstrip("/")

    def set_public_url(self, url: str) -> None:
        self.public_url = url.rstrip("/")

    def default_webhook_url(self) -> str:
        """Where the provider should deliver: the tunnel's public URL, except for the local sandbox,
        which runs on this machine and reaches the listener directly — unless the user started a
        tunnel here, to go through it."""
        direct = self.profile.is_sandbox and self.session.tunnel.source != "started"
        base = self.listener_url if direct or not self.public_url else self.public_url
        return base + LISTENER_PATH if base else ""

    def refresh(self) -> None:
        profile, service = self.profile, self.service
        self._clear_messages()
        self._call(lambda: service.list(profile), self._on_listed)

    def save_access_token(self) -> None:
        token = self.token_edit.text().strip()
        if not token:
            self._show_error("Enter the API access token first.")
            return
        self.token_edit.clear()  # out of the widget as soon as it is handed over
        secrets, name = self.session.secrets, self.profile.name
        self._call(lambda: secrets.set_api_token(name, token), self._on_token_saved)

    def start_sandbox(self) -> None:
        """Start the provider emulator on a free port and switch to the "Local sandbox" profile."""
        if self.session.sandbox is not None:
            self.select_profile(LOCAL_SANDBOX)
            return
        started = self.session.start_sandbox(
            on_ready=self._on_sandbox_ready,
            on_error=lambda exc: self._show_error(f"The local sandbox could not start: {exc}"),
        )
        if started and self.session.sandbox is not None:
            self.sandbox_button.setEnabled(False)
            self.sandbox_button.setText("Sandbox running")
            self.sandbox_button.setToolTip(f"The local sandbox answers at {self.session.sandbox.url}/v1")

    @property
    def sandbox(self) -> Any:
        return self.session.sandbox

    def send_test_event(self) -> None:
        profile, service = self.profile, self.service
        identifier = self.test_event_combo.currentText()
        self._clear_messages()
        scenario = chosen_scenario(self.test_event_combo)
        if scenario is not None:
            out_of_order = self.scenario_options.out_of_order.isChecked()
            duplicates = self.scenario_options.duplicates.value()
            run = lambda: service.run_scenario(  # noqa: E731
                profile, scenario, out_of_order=out_of_order, duplicates=duplicates
            )
            self._call(run, self._on_scenario_run)
            return
        self._call(lambda: service.trigger(profile, identifier), self._on_triggered)

    def selected_row(self) -> WebhookRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].data(ROW_ROLE)
        return row if isinstance(row, WebhookRow) else None

    def select_webhook(self, webhook_id: str) -> bool:
        for r, row in enumerate(self.model.rows()):
            if row.webhook.id == webhook_id:
                self.table.selectRow(r)
                return True
        return False

    def open_create_dialog(self) -> CreateWebhookDialog:
        dialog = CreateWebhookDialog(
            self.service, self.session.runner, self.profile, self.default_webhook_url(), self
        )
        return self._open(dialog, "created")

    def open_update_dialog(self) -> UpdateWebhookDialog | None:
        row = self.selected_row()
        if row is None:
            return None
        dialog = UpdateWebhookDialog(self.service, self.session.runner, self.profile, row.webhook, self)
        return self._open(dialog, "updated")

    def _open(self, dialog: Any, verb: str) -> Any:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.saved.connect(lambda saved: self._on_saved(saved, verb))
        dialog.open()  # non-blocking: the window keeps receiving deliveries
        return dialog

    def open_profile_dialog(self) -> ProfileDialog:
        dialog = ProfileDialog(self.profiles, runner=self.session.runner, parent=self)
        dialog.saved.connect(lambda profile: self.reload_profiles(profile.name))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def confirm_delete(self) -> QMessageBox | None:
        row = self.selected_row()
        if row is None:
            return None
        profile = self.profile
        box = QMessageBox(self)
        box.setObjectName("confirmDeleteBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete webhook")
        box.setText(f"Delete the webhook {row.webhook.id}?")
        box.setInformativeText(
            f"{profile.name} stops delivering to {row.webhook.url}, and its token is removed "
            "from this machine."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        webhook_id, service = row.webhook.id, self.service

        def finished(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self._call(lambda: service.delete(profile, webhook_id), self._on_deleted)
            box.deleteLater()
            self.confirm_box = None

        box.finished.connect(finished)
        self.confirm_box = box
        box.open()
        return box

    # --- answers ----------------------------------------------------------------------------------

    def _on_sandbox_ready(self, profile: Profile) -> None:
        self.reload_profiles(profile.name)
        self._show_info(f"Local sandbox running at {profile.api_url}")
        self.message.emit(f"Local sandbox running at {profile.api_url}")

    def _on_sandbox_changed(self, profile: object) -> None:
        if profile is None:
            self.sandbox_button.setEnabled(True)
            self.sandbox_button.setText("Start local sandbox")

    def _on_tunnel_followed(self, _result: object) -> None:
        self.refresh()  # a webhook's URL changed with the provider

    def _on_token_state(self, source: str) -> None:
        self._set_token_state(bool(source), source)
        if source:
            self.refresh()

    def _on_token_saved(self, in_keyring: bool) -> None:
        self._set_token_state(True)
        self._show_secrets_location()
        where = "in your system keyring" if in_keyring else "for this session only (no keyring)"
        self._show_info(f"Access token saved {where}.")
        self.refresh()

    def _on_listed(self, rows: list[WebhookRow]) -> None:
        self.model.set_rows(rows)
        n = len(rows)
        # Its own label: a list answer must not hide the news of the action that caused it.
        self.count_label.setText(f"{n} webhook{'s' if n != 1 else ''}")
        self._update_buttons()

    def _on_deleted(self, webhook_id: str) -> None:
        self._show_info(f"Webhook {webhook_id} deleted.")
        self.message.emit(f"Webhook {webhook_id} deleted")
        self.session.webhooks_changed_here()
        self.webhooksChanged.emit()
        self.refresh()

    def _on_triggered(self, result: dict[str, Any]) -> None:
        self.last_trigger = result
        ids = result.get("webhook_ids") or []
        who = f"to {', '.join(ids)}" if ids else "but no webhook subscribes to it"
        self._show_info(f"Sent {result.get('event_identifier')} event {result.get('event_id')} {who}.")

    def _on_scenario_run(self, result: dict[str, Any]) -> None:
        self.last_trigger = result
        self._show_info(scenario_message(result))

    def _on_failed(self, error: BaseException) -> None:
        text = str(user_error(error))
        if isinstance(error, NetworkError) and self.profile.name == LOCAL_SANDBOX and self.sandbox is None:
            # The saved port is from an earlier run: the sandbox lives only as long as the app.
            text += " The local sandbox is not running: click “Start local sandbox”."
        self._show_error(text)

    def _on_saved(self, saved: SavedWebhook, verb: str) -> None:
        webhook = saved.webhook
        text = f"Webhook {webhook.id} {verb}."
        if saved.token_kept is not None:
            where = (
                "kept in your system keyring"
                if saved.token_kept
                else "kept for this session only (no keyring available)"
            )
            text += f" Its token is {where}; the listener verifies it now."
        self._show_info(text)
        self.message.emit(text)
        self._show_secrets_location()  # a keyring that failed just now sent the token to memory
        self.session.webhooks_changed_here()
        self.update_grace()
        self.webhooksChanged.emit()
        self.refresh()

    # --- display ----------------------------------------------------------------------------------

    def update_grace(self) -> None:
        """Show which old tokens are still accepted, and for how long."""
        periods = self.session.tokens.grace_periods()
        if not periods:
            self.grace_label.hide()
            self.grace_timer.stop()
            return
        lines = [f"Old token of {label} still accepted for {format_duration(s)}" for label, s in periods]
        self.grace_label.setText("\n".join(lines))
        self.grace_label.show()
        if not self.grace_timer.isActive():
            self.grace_timer.start()

    def _set_token_state(self, present: bool, source: str = "saved") -> None:
        self.access_token_set = present
        self.token_state.setText(source if present else "not set")
        self.token_state.setToolTip(
            f"The API access token is read from the environment variable {PROVIDER_TOKEN_ENV}"
            " (no token is saved for this profile)"
            if present and source != "saved"
            else ""
        )
        self.token_state.setStyleSheet("" if present else theme.error_css())
        self._update_buttons()

    def _update_buttons(self, *_: object) -> None:
        selected = self.selected_row() is not None
        self.edit_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)

    def _clear_messages(self) -> None:
        self.error_label.hide()
        self.error_label.clear()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _show_info(self, text: str) -> None:
        self.info_label.setText(text)
