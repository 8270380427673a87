"""Create and Update dialogs for a webhook: URL, events checklist, authorization token.

Both dialogs are non-blocking (`open()`), run the provider call through the session's runner
(network pool) with a busy bar, and stay open on error: the provider's field messages appear
under the field they concern, anything else in the dialog's error line, and what the user typed
is kept. On success they emit `saved(SavedWebhook)` and close.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.provider.client import EventType, ProviderError, ValidationError, Webhook
from inspector.core.provider.profiles import Profile
from inspector.core.provider.webhook_service import (
    EventCatalog,
    SavedWebhook,
    WebhookService,
    builtin_event_types,
    new_token,
    user_error,
)
from inspector.ui import theme
from inspector.ui.busy_bar import BusyBar
from inspector.ui.runner import JobGroup, Runner

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1  # identifier + description, what the filter matches
IDENT_ROLE = Qt.ItemDataRole.UserRole + 2  # the bare identifier (the text also shows the description)

# Which error label shows a provider field message (names as the provider's 422 uses them).
URL_FIELDS = ("url",)
EVENT_FIELDS = ("events", "event_types", "event_identifiers")
TOKEN_FIELDS = ("authorization_token", "token")


def _error_label(name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setStyleSheet(theme.error_css())
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class EventChecklist(QWidget):
    """A filterable list of checkable event identifiers, plus free entry of other ones."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("eventFilter")
        self.filter_edit.setPlaceholderText("Filter, or type another identifier and press Enter")
        self.filter_edit.setClearButtonEnabled(True)
        self.add_button = QPushButton("Add", self)
        self.add_button.setObjectName("addEventButton")
        self.add_button.setToolTip("Add the typed identifier (for events the catalog does not list)")
        self.add_button.setEnabled(False)

        self.view = QListView(self)
        self.view.setObjectName("eventList")
        self.view.setModel(self.proxy)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setMinimumHeight(160)

        self.source_label = QLabel(self)
        self.source_label.setObjectName("eventSource")
        self.source_label.setStyleSheet("color: palette(mid);")

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.source_label)

        self.filter_edit.textChanged.connect(self._on_filter)
        self.filter_edit.returnPressed.connect(self.add_typed)
        self.add_button.clicked.connect(self.add_typed)

    def set_catalog(self, types: Iterable[EventType], source: str) -> None:
        """Offer `types`, keeping what is checked and what the user added by hand."""
        checked = self.checked()
        known = {t.identifier for t in types}
        extra = [i for i in checked if i not in known]
        self.model.clear()
        for t in types:
            self._append(t.identifier, t.description, t.identifier in checked)
        for ident in extra:
            self._append(ident, "", True)
        self.source_label.setText(
            "Event types from the provider"
            if source == "provider"
            else "Event types from the built-in catalog"
        )

    def _append(self, identifier: str, description: str, checked: bool) -> QStandardItem:
        # The description is shown too: the filter matches it, so the user sees why a row matched.
        item = QStandardItem(f"{identifier}  —  {description}" if description else identifier)
        item.setData(identifier, IDENT_ROLE)
        item.setCheckable(True)
        item.setEditable(False)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setToolTip(description or "not in the catalog")
        item.setData(f"{identifier} {description}", SEARCH_ROLE)
        self.model.appendRow(item)
        return item

    def _item(self, identifier: str) -> QStandardItem | None:
        for row in range(self.model.rowCount()):
            item = self.model.item(row)
            if item.data(IDENT_ROLE) == identifier:
                return item
        return None

    def identifiers(self) -> list[str]:
        return [self.model.item(r).data(IDENT_ROLE) for r in range(self.model.rowCount())]

    def checked(self) -> list[str]:
        return [
            self.model.item(r).data(IDENT_ROLE)
            for r in range(self.model.rowCount())
            if self.model.item(r).checkState() == Qt.CheckState.Checked
        ]

    def set_checked(self, identifiers: Iterable[str], checked: bool = True) -> None:
        for ident in identifiers:
            item = self._item(ident) or self._append(ident, "", False)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def add_typed(self) -> None:
        text = self.filter_edit.text().strip()
        if not text or any(c.isspace() for c in text):
            return
        self.set_checked([text])
        self.filter_edit.clear()

    def _on_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        typed = text.strip()
        self.add_button.setEnabled(bool(typed) and not any(c.isspace() for c in typed))


class _WebhookForm(QDialog):
    """What Create and Update share: URL, events, errors, busy bar, non-blocking save."""

    saved = Signal(object)  # SavedWebhook

    def __init__(
        self,
        service: WebhookService,
        runner: Runner,
        profile: Profile,
        *,
        title: str,
        submit_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.profile = profile
        self.result_value: SavedWebhook | None = None
        self.catalog_source: str | None = None
        self._saving = False
        self.setWindowTitle(f"{title} — {profile.name}")
        self.setMinimumWidth(620)

        self.jobs = JobGroup(runner, self)
        self.busy_bar = BusyBar(self.jobs, self)

        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("urlEdit")
        self.url_edit.setPlaceholderText("https://your-tunnel.example/hooks")
        self.url_error = _error_label("urlError", self)

        self.events = EventChecklist(self)
        self.events_error = _error_label("eventsError", self)

        self.token_row = QWidget(self)
        self.token_edit = QLineEdit(self.token_row)
        self.token_edit.setObjectName("tokenEdit")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("paste a token, or generate one")
        self.generate_button = QPushButton("Generate token", self.token_row)
        self.generate_button.setObjectName("generateTokenButton")
        self.show_token = QCheckBox("Show", self.token_row)
        self.show_token.setObjectName("showTokenCheck")
        token_layout = QHBoxLayout(self.token_row)
        token_layout.setContentsMargins(0, 0, 0, 0)
        token_layout.addWidget(self.token_edit, 1)
        token_layout.addWidget(self.generate_button)
        token_layout.addWidget(self.show_token)
        self.token_error = _error_label("tokenError", self)
        self.token_note = QLabel(self)
        self.token_note.setObjectName("tokenNote")
        self.token_note.setWordWrap(True)
        # Without an OS keyring a token is only kept while the app runs: the user must say so.
        self.session_only = QCheckBox(
            "Keep the token for this session only (forgotten when the app quits)", self
        )
        self.session_only.setObjectName("sessionOnlyCheck")
        self.session_only.setVisible(not service.secrets.persistent)

        self.error_label = _error_label("dialogError", self)

        self.buttons = QDialogButtonBox(self)
        self.submit_button = self.buttons.addButton(submit_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)

        self.form = QFormLayout()
        self.form.addRow("URL", self.url_edit)
        self.form.addRow("", self.url_error)
        self.form.addRow("Events", self.events)
        self.form.addRow("", self.events_error)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.buttons)

        self.generate_button.clicked.connect(self.generate_token)
        self.show_token.toggled.connect(
            lambda on: self.token_edit.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        # The built-in list at once (usable offline); the provider's replaces it when it answers.
        self.events.set_catalog(builtin_event_types(), "built-in")
        self.jobs.submit(lambda: service.event_catalog(profile), on_done=self._on_catalog, pool="net")

    def _add_token_rows(self, label: str) -> None:
        self.form.addRow(label, self.token_row)
        self.form.addRow("", self.token_error)
        self.form.addRow("", self.token_note)
        self.form.addRow("", self.session_only)

    def generate_token(self) -> None:
        self.token_edit.setText(new_token())

    def clear_errors(self) -> None:
        for label in (self.url_error, self.events_error, self.token_error, self.error_label):
            _show(label, "")

    def show_error(self, error: ProviderError) -> None:
        """The provider's field messages next to their fields; the sentence in the dialog."""
        self.clear_errors()
        if not isinstance(error, ValidationError) or not error.fields:
            _show(self.error_label, str(error))
            return
        leftover: list[str] = []
        for name, message in error.fields.items():
            if name in URL_FIELDS:
                _show(self.url_error, message)
            elif name in EVENT_FIELDS:
                _show(self.events_error, message)
            elif name in TOKEN_FIELDS:
                _show(self.token_error, message)
            else:
                leftover.append(f"{name}: {message}")
        summary = "The provider rejected the webhook; see the messages above."
        if leftover:
            summary = "The provider rejected the webhook: " + "; ".join(leftover)
        _show(self.error_label, summary)

    @property
    def saving(self) -> bool:
        return self._saving

    def submit(self) -> None:
        if self._saving:
            return  # one save at a time; the button is disabled meanwhile anyway
        self.clear_errors()
        call = self.prepare()
        if call is not None:
            self._set_saving(True)
            self.jobs.submit(call, on_done=self._on_saved, on_error=self._on_save_failed, pool="net")

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        self.submit_button.setEnabled(not on)

    def prepare(self) -> Callable[[], SavedWebhook] | None:
        raise NotImplementedError

    def _on_catalog(self, catalog: EventCatalog) -> None:
        self.events.set_catalog(catalog.types, catalog.source)
        self.catalog_source = catalog.source

    def _on_saved(self, saved: SavedWebhook) -> None:
        self._set_saving(False)
        self.result_value = saved
        self.saved.emit(saved)
        self.accept()

    def _on_save_failed(self, error: BaseException) -> None:
        self._set_saving(False)
        self.show_error(user_error(error))

    def _url_or_error(self) -> str | None:
        url = self.url_edit.text().strip()
        if not url:
            _show(self.url_error, "Enter the URL the provider should deliver to.")
            return None
        return url


class CreateWebhookDialog(_WebhookForm):
    def __init__(
        self,
        service: WebhookService,
        runner: Runner,
        profile: Profile,
        default_url: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            service, runner, profile, title="Create webhook", submit_text="Create", parent=parent
        )
        self.setObjectName("createWebhookDialog")
        self._add_token_rows("Authorization token")
        self.url_edit.setText(default_url)
        self.token_note.setText(
            f"The provider sends this token with every delivery; it is kept "
            f"{service.secrets.description} and the listener checks it at once."
        )

    def prepare(self) -> Callable[[], SavedWebhook] | None:
        url = self._url_or_error()
        if url is None:
            return None
        events = self.events.checked()
        token = self.token_edit.text().strip() or None
        service, profile, session_only = self.service, self.profile, self.session_only.isChecked()
        return lambda: service.create(profile, url, events, token, session_only=session_only)


class UpdateWebhookDialog(_WebhookForm):
    def __init__(
        self,
        service: WebhookService,
        runner: Runner,
        profile: Profile,
        webhook: Webhook,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            service, runner, profile, title=f"Edit webhook {webhook.id}", submit_text="Save", parent=parent
        )
        self.setObjectName("updateWebhookDialog")
        self.webhook = webhook
        self.rotate_check = QCheckBox("Rotate the authorization token", self)
        self.rotate_check.setObjectName("rotateTokenCheck")
        self.form.addRow("", self.rotate_check)
        self._add_token_rows("New token")
        self.token_row.setEnabled(False)
        minutes = service.grace_seconds / 60
        self.token_note.setText(
            f"After the change the old token is still accepted for "
            f"{format_duration(service.grace_seconds)} ({minutes:g} min), so deliveries already on "
            f"their way are not rejected. The new one is kept {service.secrets.description}."
        )
        self.url_edit.setText(webhook.url)
        self.events.set_checked(webhook.events)
        self.rotate_check.toggled.connect(self._on_rotate)

    def _on_rotate(self, on: bool) -> None:
        self.token_row.setEnabled(on)
        if on and not self.token_edit.text():
            self.generate_token()

    def changes(self) -> dict[str, object]:
        out: dict[str, object] = {}
        url = self.url_edit.text().strip()
        if url != self.webhook.url:
            out["url"] = url
        events = self.events.checked()
        if set(events) != set(self.webhook.events):
            out["events"] = events
        if self.rotate_check.isChecked():
            out["token"] = self.token_edit.text().strip()
        return out

    def prepare(self) -> Callable[[], SavedWebhook] | None:
        if self._url_or_error() is None:
            return None
        changes = self.changes()
        if "token" in changes and not changes["token"]:
            _show(self.token_error, "Enter or generate the new token, or untick rotation.")
            return None
        if not changes:
            _show(self.error_label, "Nothing to change.")
            return None
        service, profile, webhook_id = self.service, self.profile, self.webhook.id
        url = changes.get("url")
        events = changes.get("events")
        token = changes.get("token")
        session_only = self.session_only.isChecked()
        return lambda: service.update(
            profile,
            webhook_id,
            url=url if isinstance(url, str) else None,
            events=events if isinstance(events, Sequence) and not isinstance(events, str) else None,
            token=token if isinstance(token, str) else None,
            session_only=session_only,
        )


def format_duration(seconds: float) -> str:
    seconds = max(0, math.ceil(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
