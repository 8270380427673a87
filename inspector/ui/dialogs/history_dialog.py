"""The "Keep history" dialog: how long and how much history the window keeps.

Three limits, each on or off: an age in days, a number of events, a size on disk. Saving limits
that would remove events says first about how many (pinned ones always stay) and asks; the
estimate is read on the runner's db pool, never on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store.keep_limits import MIN_KEEP_SIZE, KeepLimits, format_size
from inspector.core.store.retention import Usage, estimate_removal
from inspector.ui.history_keeper import HistoryKeeper, save_limits

_UNITS = (("MB", 1000**2), ("GB", 1000**3))


class HistoryDialog(QDialog):
    saved = Signal(object)  # the KeepLimits now in effect

    def __init__(self, keeper: HistoryKeeper, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle("Keep history")
        self.keeper = keeper
        self.settings = settings
        self.confirm_box: QMessageBox | None = None
        limits = keeper.limits

        self.days_check = QCheckBox("Remove events older than", self)
        self.days_check.setObjectName("keepDaysCheck")
        self.days_spin = QDoubleSpinBox(self)
        self.days_spin.setObjectName("keepDaysSpin")
        self.days_spin.setRange(0.1, 36_500)
        self.days_spin.setDecimals(1)
        self.days_spin.setSuffix(" days")
        self.days_spin.setValue(limits.days or 30)
        self.days_check.setChecked(limits.days is not None)

        self.events_check = QCheckBox("Keep at most", self)
        self.events_check.setObjectName("keepEventsCheck")
        self.events_spin = QSpinBox(self)
        self.events_spin.setObjectName("keepEventsSpin")
        self.events_spin.setRange(1, 2_000_000_000)
        self.events_spin.setGroupSeparatorShown(True)
        self.events_spin.setSuffix(" events")
        self.events_spin.setValue(limits.events or 200_000)
        self.events_check.setChecked(limits.events is not None)

        self.size_check = QCheckBox("Keep the history under", self)
        self.size_check.setObjectName("keepSizeCheck")
        self.size_spin = QDoubleSpinBox(self)
        self.size_spin.setObjectName("keepSizeSpin")
        self.size_spin.setRange(1, 1_000_000)
        self.size_spin.setDecimals(1)
        self.size_unit = QComboBox(self)
        self.size_unit.setObjectName("keepSizeUnit")
        for name, factor in _UNITS:
            self.size_unit.addItem(name, factor)
        size = limits.size or 2 * 1000**3
        unit = 1 if size >= 1000**3 else 0
        self.size_unit.setCurrentIndex(unit)
        self.size_spin.setValue(size / _UNITS[unit][1])
        self.size_check.setChecked(limits.size is not None)

        form = QFormLayout()
        form.addRow(self.days_check, self.days_spin)
        form.addRow(self.events_check, self.events_spin)
        size_row = QHBoxLayout()
        size_row.addWidget(self.size_spin, 1)
        size_row.addWidget(self.size_unit)
        form.addRow(self.size_check, size_row)
        for check, field in (
            (self.days_check, self.days_spin),
            (self.events_check, self.events_spin),
            (self.size_check, self.size_spin),
        ):
            field.setEnabled(check.isChecked())
            check.toggled.connect(field.setEnabled)
        self.size_check.toggled.connect(self.size_unit.setEnabled)
        self.size_unit.setEnabled(self.size_check.isChecked())

        self.usage_label = QLabel(self)
        self.usage_label.setObjectName("historyUsageLabel")
        self.usage_label.setWordWrap(True)
        self.usage_label.setTextFormat(Qt.TextFormat.PlainText)
        self.show_usage(keeper.usage)
        keeper.usageChanged.connect(self.show_usage)
        note = QLabel(
            "The newest events are kept; whichever limit is reached first decides. Events you keep"
            " (Events ▸ Keep) are never removed. Removed events free space that new ones reuse.",
            self,
        )
        note.setWordWrap(True)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.usage_label)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def chosen_limits(self) -> KeepLimits:
        size = None
        if self.size_check.isChecked():
            size = max(MIN_KEEP_SIZE, round(self.size_spin.value() * int(self.size_unit.currentData())))
        return KeepLimits(
            days=self.days_spin.value() if self.days_check.isChecked() else None,
            events=self.events_spin.value() if self.events_check.isChecked() else None,
            size=size,
        )

    def show_usage(self, usage: Usage | None) -> None:
        if usage is None:
            self.usage_label.setText("")
            return
        self.usage_label.setText(
            f"The history takes {format_size(usage.used_bytes)} now"
            f" (its file {format_size(usage.file_bytes)}, free space included)."
        )

    def save(self) -> None:
        """Save at once when nothing would go; else say how much would and ask."""
        limits = self.chosen_limits()
        store = self.keeper.store
        self.buttons.setEnabled(False)
        self.keeper.runner.submit(
            lambda: estimate_removal(store, limits),
            on_done=lambda n: self._confirm(limits, n),
            on_error=lambda error: self._failed(str(error)),
            owner=self,
        )

    def _failed(self, problem: str) -> None:
        self.buttons.setEnabled(True)
        self.usage_label.setText(f"Could not look at the history: {problem}")

    def _confirm(self, limits: KeepLimits, removes: int) -> None:
        self.buttons.setEnabled(True)
        if removes == 0:
            self._apply(limits)
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Remove old events?",
            f"Keeping {limits.describe()} removes about {removes:,} of the oldest events now."
            " Events you keep (pinned) stay. Export them first if you may need them.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("historyConfirmBox")
        remove = box.addButton("Remove and save", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _r: self._apply(limits) if box.clickedButton() is remove else None)
        self.confirm_box = box
        box.open()

    def _apply(self, limits: KeepLimits) -> None:
        save_limits(self.settings, limits)
        self.keeper.set_limits(limits)
        self.saved.emit(limits)
        self.accept()
