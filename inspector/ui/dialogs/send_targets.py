"""Where a replay or an edited body goes: the forward target, this listener, or any URL."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from inspector.core.actions.forwarder import normalize_target_url

FORWARD_TARGET = "forward"
LISTENER = "listener"
OTHER = "other"
# Same path the webhooks panel registers with the provider, so a resent delivery looks like a real one.
LISTENER_PATH = "/hooks"


class TargetPicker(QWidget):
    """A combo of destinations plus a URL field for "Other URL"; `url()` gives the checked URL."""

    changed = Signal()

    def __init__(
        self,
        forward_url: str = "",
        listener_url: str = "",
        parent: QWidget | None = None,
        *,
        default: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.forward_url = forward_url
        self.listener_url = listener_url.rstrip("/") + LISTENER_PATH if listener_url else ""
        self.combo = QComboBox(self)
        self.combo.setObjectName("targetCombo")
        if self.forward_url:
            self.combo.addItem(f"Forward target — {self.forward_url}", FORWARD_TARGET)
        if self.listener_url:
            self.combo.addItem(f"This listener — {self.listener_url}", LISTENER)
        self.combo.addItem("Other URL…", OTHER)
        self.other_edit = QLineEdit(self)
        self.other_edit.setObjectName("otherUrlEdit")
        self.other_edit.setPlaceholderText("http://localhost:3000/webhooks")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.other_edit, 1)
        if default is not None:
            self.choose(default)
        self.combo.currentIndexChanged.connect(self._on_choice)
        self.other_edit.textChanged.connect(self.changed)
        self._on_choice()

    def choice(self) -> str:
        return str(self.combo.currentData())

    def choose(self, kind: str) -> bool:
        index = self.combo.findData(kind)
        if index < 0:
            return False
        self.combo.setCurrentIndex(index)
        return True

    def set_other_url(self, url: str) -> None:
        self.choose(OTHER)
        self.other_edit.setText(url)

    def url(self) -> str:
        """The destination URL; ValueError with a sentence when "Other URL" is not usable."""
        kind = self.choice()
        if kind == FORWARD_TARGET:
            return self.forward_url
        if kind == LISTENER:
            return self.listener_url
        return normalize_target_url(self.other_edit.text())

    def _on_choice(self) -> None:
        self.other_edit.setVisible(self.choice() == OTHER)
        self.changed.emit()
