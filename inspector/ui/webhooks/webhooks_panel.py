"""The webhooks panel: profile, API access token, registered webhooks, sandbox, test events.

Every provider call and every keyring access runs on a ProviderWorker (busy bar while it runs);
answers come back by signal and are ignored when the user switched profile meanwhile. Secrets
go only through SecretStore (keyring, or memory for the session when no keyring works — the
panel says which); QSettings keeps only the name of the active profile.
"""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
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

from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.client import NetworkError, ProviderError
from inspector.core.provider.profiles import (
    BUILTIN_PROFILES,
    LOCAL_SANDBOX,
    Profile,
    ProfileError,
    ProfileStore,
)
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import WebhookIndex
from inspector.sandbox.catalog import CATALOG
from inspector.sandbox.server import SandboxServer
from inspector.ui.provider_worker import BusyBar, ProviderWorker, as_user_error
from inspector.ui.webhooks.profile_dialog import ProfileDialog
from inspector.ui.webhooks.webhook_actions import ClientFactory, SavedWebhook, WebhookActions, WebhookRow
from inspector.ui.webhooks.webhook_dialogs import CreateWebhookDialog, UpdateWebhookDialog, format_duration

LISTENER_PATH = "/hooks"  # appended to the tunnel (or listener) URL in the Create dialog
KEY_PROFILE = "webhooks/profile"  # the active profile's name: the only thing kept in QSettings
DEFAULT_TEST_EVENT = "transaction.authorized"
INDEX_POLL_MS = 3000  # how often to look whether another process changed the webhook index
ERROR_STYLE = "color: #d33f3f;"

COL_ID, COL_URL, COL_EVENTS, COL_TOKEN = range(4)
_HEADERS = ("ID", "URL", "Events", "Token set?")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the WebhookRow, whatever proxy sits on top

SandboxFactory = Callable[[str], SandboxServer]  # access token -> a not yet started server


def _default_sandbox(access_token: str) -> SandboxServer:
    return SandboxServer(port=0, access_token=access_token)


def token_text(row: WebhookRow) -> str:
    provider_has = row.webhook.has_authorization_token
    if row.token_here:
        return "yes, kept here"
    if provider_has is True:
        return "yes, not on this machine"
    if provider_has is False:
        return "no"
    return "unknown"


class WebhooksModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[WebhookRow] = []

    def set_rows(self, rows: list[WebhookRow]) -> None:
        self.beginResetModel()  # a list answer replaces everything; it is a handful of rows
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[WebhookRow]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _HEADERS[section] if 0 <= section < len(_HEADERS) else None
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            col = index.column()
            if col == COL_ID:
                return row.webhook.id
            if col == COL_URL:
                return row.webhook.url
            if col == COL_EVENTS:
                return ", ".join(row.webhook.events) or "(none)"
            if col == COL_TOKEN:
                return token_text(row)
        return None


class WebhooksPanel(QWidget):
    """Embeddable panel (a dock or a tab). Call `set_listener_url` and `set_public_url` to keep
    the Create dialog's URL right, and `shutdown()` when the window closes."""

    webhooksChanged = Signal()  # after a successful create, update or delete
    message = Signal(str)  # one-line news for a status bar ("Webhook wh_1 created")

    def __init__(
        self,
        actions: WebhookActions,
        profiles: ProfileStore,
        *,
        settings: QSettings | None = None,
        listener_url: str = "",
        public_url: str = "",
        sandbox_factory: SandboxFactory = _default_sandbox,
        index_poll_ms: int = INDEX_POLL_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("webhooksPanel")
        self.actions = actions
        self.profiles = profiles
        self.settings = settings
        self.listener_url = listener_url.rstrip("/")
        self.public_url = public_url.rstrip("/")
        self._sandbox_factory = sandbox_factory
        self.sandbox: SandboxServer | None = None
        self.dialog: CreateWebhookDialog | UpdateWebhookDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._profiles: list[Profile] = []
        self.access_token_set: bool | None = None
        self.last_trigger: dict[str, Any] | None = None

        self.worker = ProviderWorker(self)
        self.worker.succeeded.connect(self._on_succeeded)
        self.worker.failed.connect(self._on_failed)
        self._build()
        self._wire()

        self.grace_timer = QTimer(self)
        self.grace_timer.setInterval(1000)
        self.grace_timer.timeout.connect(self.update_grace)

        self.reload_profiles(self._saved_profile_name())
        # The listener accepts the tokens of known webhooks from the start, and follows the
        # index when another process (the CLI) changes it. Keyring reads: on a worker, and a
        # worker without a busy bar, so the poll does not flicker the panel.
        self.watch_worker = ProviderWorker(self)
        self.watch_worker.succeeded.connect(lambda _tag, _load: self.update_grace())
        self.watch_worker.failed.connect(lambda _tag, error: self._show_error(str(error)))
        self.index_timer = QTimer(self)
        self.index_timer.setInterval(index_poll_ms)
        self.index_timer.timeout.connect(self.reload_tokens)
        self.index_timer.start()
        self.reload_tokens()

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

        self.model = WebhooksModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("webhooksTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_URL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_EVENTS, QHeaderView.ResizeMode.Stretch)

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
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.busy_bar = BusyBar(self.worker, self)

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
        layout.addWidget(self.table, 1)
        layout.addLayout(actions_row)
        layout.addWidget(self.sandbox_row)
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
        self.sandbox_row.setVisible(profile.is_sandbox)
        self.model.set_rows([])
        self.count_label.clear()
        self._clear_messages()
        self.access_token_set = None
        self.token_state.setText("checking…")
        self._show_secrets_location()
        store, name = self.actions.secrets, profile.name
        self.worker.run(("token_state", name), lambda: bool(store.api_token(name)))
        self._update_buttons()

    def _show_secrets_location(self) -> None:
        status = self.actions.secrets.status
        self.secrets_label.setText(f"Tokens are kept {status.description}.")
        self.secrets_label.setStyleSheet("" if status.persistent else "color: #c47f00;")

    # --- actions ----------------------------------------------------------------------------------

    def set_listener_url(self, url: str) -> None:
        self.listener_url = url.rstrip("/")

    def set_public_url(self, url: str) -> None:
        self.public_url = url.rstrip("/")

    def default_webhook_url(self) -> str:
        """Where the provider should deliver: the tunnel's public URL, except for the local sandbox,
        which runs on this machine and reaches the listener directly."""
        base = self.listener_url if self.profile.is_sandbox or not self.public_url else self.public_url
        return base + LISTENER_PATH if base else ""

    def refresh(self) -> None:
        profile = self.profile
        actions = self.actions
        self._clear_messages()
        self.worker.run(("list", profile.name), lambda: actions.list(profile))

    def save_access_token(self) -> None:
        token = self.token_edit.text().strip()
        if not token:
            self._show_error("Enter the API access token first.")
            return
        self.token_edit.clear()  # out of the widget as soon as it is handed over
        store, name = self.actions.secrets, self.profile.name
        self.worker.run(("save_token", name), lambda: store.set_api_token(name, token))

    def start_sandbox(self) -> None:
        """Start the provider emulator on a free port and switch to the "Local sandbox" profile."""
        if self.sandbox is not None:
            self.select_profile(LOCAL_SANDBOX)
            return
        access_token = pysecrets.token_urlsafe(24)
        server = self._sandbox_factory(access_token)
        try:
            server.start()  # binds 127.0.0.1:0 and serves on its own thread: no waiting here
        except OSError as exc:
            self._show_error(f"The local sandbox could not start: {exc}")
            return
        self.sandbox = server
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(server.stop)  # the server, not self: may outlive the panel
        profile = Profile(LOCAL_SANDBOX, server.url + "/v1", is_sandbox=True)
        profiles, store = self.profiles, self.actions.secrets

        def remember() -> Profile:
            profiles.save(profile)  # the port (non-secret) in profiles.json
            store.set_api_token(LOCAL_SANDBOX, access_token)
            return profile

        self.sandbox_button.setEnabled(False)
        self.sandbox_button.setText("Sandbox running")
        self.sandbox_button.setToolTip(f"The local sandbox answers at {server.url}/v1")
        self.worker.run("sandbox", remember)

    def send_test_event(self) -> None:
        profile = self.profile
        identifier = self.test_event_combo.currentText()
        actions = self.actions
        self._clear_messages()
        self.worker.run(("trigger", profile.name), lambda: actions.trigger(profile, identifier))

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
        dialog = CreateWebhookDialog(self.actions, self.profile, self.default_webhook_url(), self)
        return self._open(dialog, "created")

    def open_update_dialog(self) -> UpdateWebhookDialog | None:
        row = self.selected_row()
        if row is None:
            return None
        return self._open(UpdateWebhookDialog(self.actions, self.profile, row.webhook, self), "updated")

    def _open(self, dialog: Any, verb: str) -> Any:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.saved.connect(lambda saved: self._on_saved(saved, verb))
        dialog.open()  # non-blocking: the window keeps receiving deliveries
        return dialog

    def open_profile_dialog(self) -> ProfileDialog:
        dialog = ProfileDialog(self.profiles, self)
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
        webhook_id, actions = row.webhook.id, self.actions

        def finished(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.worker.run(("delete", profile.name), lambda: actions.delete(profile, webhook_id))
            box.deleteLater()
            self.confirm_box = None

        box.finished.connect(finished)
        self.confirm_box = box
        box.open()
        return box

    def reload_tokens(self) -> None:
        """Reload the listener's tokens if the webhook index changed (one check at a time)."""
        if not self.watch_worker.busy:
            actions = self.actions
            self.watch_worker.run("reload_tokens", actions.reload_tokens)

    def shutdown(self) -> None:
        """Stop the sandbox this panel started, and the timers. Safe to call twice."""
        self.grace_timer.stop()
        self.index_timer.stop()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None

    # --- answers ----------------------------------------------------------------------------------

    def _current(self, tag: object) -> bool:
        """True when an answer tagged (kind, profile) belongs to the profile still shown."""
        return not isinstance(tag, tuple) or tag[1] == self.profile.name

    def _on_succeeded(self, tag: object, result: object) -> None:
        kind = tag[0] if isinstance(tag, tuple) else tag
        if kind == "sandbox" and isinstance(result, Profile):
            self.reload_profiles(result.name)
            self._show_info(f"Local sandbox running at {result.api_url}")
            self.message.emit(f"Local sandbox running at {result.api_url}")
            return
        if not self._current(tag):
            return
        if kind == "token_state":
            self._set_token_state(bool(result))
            if result:
                self.refresh()
        elif kind == "save_token":
            self._set_token_state(True)
            self._show_secrets_location()
            where = "in your system keyring" if result else "for this session only (no keyring)"
            self._show_info(f"Access token saved {where}.")
            self.refresh()
        elif kind == "list" and isinstance(result, list):
            self.model.set_rows(result)
            n = len(result)
            # Its own label: a list answer must not hide the news of the action that caused it.
            self.count_label.setText(f"{n} webhook{'s' if n != 1 else ''}")
            self._update_buttons()
        elif kind == "delete":
            self._show_info(f"Webhook {result} deleted.")
            self.message.emit(f"Webhook {result} deleted")
            self.webhooksChanged.emit()
            self.refresh()
        elif kind == "trigger" and isinstance(result, dict):
            self.last_trigger = result
            ids = result.get("webhook_ids") or []
            who = f"to {', '.join(ids)}" if ids else "but no webhook subscribes to it"
            self._show_info(f"Sent {result.get('event_identifier')} event {result.get('event_id')} {who}.")

    def _on_failed(self, tag: object, error: object) -> None:
        kind = tag[0] if isinstance(tag, tuple) else tag
        if kind == "sandbox":
            self._show_error(str(error))
            return
        if not self._current(tag):
            return
        if kind == "token_state":
            self._set_token_state(False)
            return
        text = str(as_user_error(error) if not isinstance(error, ProviderError) else error)
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
        self.update_grace()
        self.webhooksChanged.emit()
        self.refresh()

    # --- display ----------------------------------------------------------------------------------

    def update_grace(self) -> None:
        """Show which old tokens are still accepted, and for how long."""
        periods = self.actions.tokens.grace_periods()
        if not periods:
            self.grace_label.hide()
            self.grace_timer.stop()
            return
        lines = [f"Old token of {label} still accepted for {format_duration(s)}" for label, s in periods]
        self.grace_label.setText("\n".join(lines))
        self.grace_label.show()
        if not self.grace_timer.isActive():
            self.grace_timer.start()

    def _set_token_state(self, present: bool) -> None:
        self.access_token_set = present
        self.token_state.setText("saved" if present else "not set")
        self.token_state.setStyleSheet("" if present else ERROR_STYLE)
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


def build_webhooks_panel(
    config_dir: Path,
    tokens: TokenRing,
    *,
    settings: QSettings | None = None,
    listener_url: str = "",
    secrets: SecretStore | None = None,
    client_factory: ClientFactory | None = None,
    grace_seconds: float | None = None,
    parent: QWidget | None = None,
) -> WebhooksPanel:
    """The panel with its collaborators: keyring (SecretStore), profiles and index in config_dir,
    and the listener's TokenRing (so a created or rotated token is accepted at once)."""
    actions = WebhookActions(
        secrets if secrets is not None else SecretStore(), WebhookIndex(config_dir), tokens
    )
    if client_factory is not None:
        actions.client_factory = client_factory
    if grace_seconds is not None:
        actions.grace_seconds = grace_seconds
    return WebhooksPanel(
        actions, ProfileStore(config_dir), settings=settings, listener_url=listener_url, parent=parent
    )
