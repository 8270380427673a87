"""Add a user-defined provider profile: name, API URL and the route settings the provider's page
leaves open (README.md "Provider API (what we assume)"). Never a secret: the access token is
entered in the panel.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.core.provider.profiles import (
    BUILTIN_PROFILES,
    UPDATE_METHODS,
    Profile,
    ProfileError,
    ProfileStore,
)
from inspector.ui import theme
from inspector.ui.busy_bar import BusyBar
from inspector.ui.runner import JobGroup, Runner

DEFAULTS = Profile("defaults", "https://example.invalid")


class ProfileDialog(QDialog):
    saved = Signal(object)  # the saved Profile

    def __init__(self, store: ProfileStore, *, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profileDialog")
        self.setWindowTitle("Add provider profile")
        self.store = store
        self.result_value: Profile | None = None
        self.jobs = JobGroup(runner, self)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("profileNameEdit")
        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("profileUrlEdit")
        self.url_edit.setPlaceholderText("https://api.example.com/v1")
        self.sandbox_check = QCheckBox("A sandbox (offers “Send test event”)", self)
        self.sandbox_check.setObjectName("profileSandboxCheck")
        self.method_combo = QComboBox(self)
        self.method_combo.setObjectName("profileUpdateMethod")
        self.method_combo.addItems(list(UPDATE_METHODS))
        self.event_types_edit = QLineEdit(DEFAULTS.event_types_route, self)
        self.event_types_edit.setObjectName("profileEventTypesRoute")
        self.event_types_edit.setToolTip("Leave empty when the provider has no event catalog endpoint")
        self.id_fields_edit = QLineEdit(", ".join(DEFAULTS.id_fields), self)
        self.id_fields_edit.setObjectName("profileIdFields")
        self.id_fields_edit.setToolTip("Where the webhook id sits in answers, tried in order")
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dialogError")
        self.error_label.setStyleSheet(theme.error_css())
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("API URL", self.url_edit)
        form.addRow("", self.sandbox_check)
        form.addRow("Update method", self.method_combo)
        form.addRow("Event types route", self.event_types_edit)
        form.addRow("Id fields", self.id_fields_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(BusyBar(self.jobs, self))
        layout.addWidget(buttons)

        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.jobs.busyChanged.connect(lambda busy: self.save_button.setEnabled(not busy))

    def profile(self) -> Profile:
        """The profile the form describes; ProfileError with a sentence when it is not valid."""
        name = self.name_edit.text().strip()
        if name in {p.name for p in BUILTIN_PROFILES}:
            raise ProfileError(f"{name!r} is a built-in profile; choose another name")
        id_fields = tuple(f.strip() for f in self.id_fields_edit.text().split(",") if f.strip())
        return Profile(
            name,
            self.url_edit.text().strip(),
            event_types_route=self.event_types_edit.text().strip(),
            update_method=self.method_combo.currentText(),
            id_fields=id_fields or DEFAULTS.id_fields,
            is_sandbox=self.sandbox_check.isChecked(),
        )

    def submit(self) -> None:
        try:
            profile = self.profile()
        except ProfileError as exc:
            self._error(str(exc))
            return
        self.error_label.hide()
        store = self.store

        def save() -> Profile:
            store.save(profile)  # a small atomic JSON write, still kept off the GUI thread
            return profile

        self.jobs.submit(save, on_done=self._on_saved, on_error=lambda error: self._error(str(error)))

    def _on_saved(self, profile: Profile) -> None:
        self.result_value = profile
        self.saved.emit(profile)
        self.accept()

    def _error(self, text: str) -> None:
        self.error_label.setText(text[:1].upper() + text[1:])
        self.error_label.show()
