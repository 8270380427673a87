"""Manage response rules: what the listener answers instead of its normal 200.

A rule sets the status, an optional body and a delay (bounded by core to 30 s), for every delivery
or for event types matching a glob, either until removed or for the next N deliveries only ("fail
the next 3 with 503", to watch the provider retry). The list follows the RuleSet live: a counted
rule counts down, and disappears, as deliveries use it up.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inspector.core.actions.response_rules import ALL, MAX_DELAY_SECONDS, ResponseRule, RuleError, RuleSet
from inspector.ui import theme
from inspector.ui.window.rules_indicator import RuleSetWatcher


class RulesDialog(QDialog):
    def __init__(
        self,
        rules: RuleSet,
        watcher: RuleSetWatcher | None = None,
        *,
        event_types: Iterable[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rulesDialog")
        self.setWindowTitle("Response rules")
        self.rules = rules
        self.watcher = watcher or RuleSetWatcher(rules, self)
        self.watcher.changed.connect(self.refresh)

        self.rule_list = QListWidget(self)
        self.rule_list.setObjectName("rulesList")
        self.rule_list.itemSelectionChanged.connect(self._update_buttons)
        self.empty_label = QLabel("No rules: the listener answers normally (200 after storing).", self)
        self.empty_label.setObjectName("rulesEmpty")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("removeRuleButton")
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button = QPushButton("Remove all", self)
        self.clear_button.setObjectName("clearRulesButton")
        self.clear_button.clicked.connect(self.rules.clear)
        list_buttons = QHBoxLayout()
        list_buttons.addStretch(1)
        list_buttons.addWidget(self.remove_button)
        list_buttons.addWidget(self.clear_button)

        self.pattern_combo = QComboBox(self)
        self.pattern_combo.setObjectName("rulePattern")
        self.pattern_combo.setEditable(True)
        self.pattern_combo.addItem(ALL)
        for kind in sorted(set(event_types)):
            self.pattern_combo.addItem(kind)
        self.pattern_combo.setToolTip("An event type, a glob such as transaction.*, or * for every delivery")
        self.status_spin = QSpinBox(self)
        self.status_spin.setObjectName("ruleStatus")
        self.status_spin.setRange(200, 599)
        self.status_spin.setValue(503)
        self.body_edit = QPlainTextEdit(self)
        self.body_edit.setObjectName("ruleBody")
        self.body_edit.setPlaceholderText(
            'Empty: a short JSON answer, e.g. {"error": "response rule: answering 503"}'
        )
        self.body_edit.setMaximumHeight(80)
        self.delay_spin = QDoubleSpinBox(self)
        self.delay_spin.setObjectName("ruleDelay")
        self.delay_spin.setRange(0.0, MAX_DELAY_SECONDS)
        self.delay_spin.setDecimals(1)
        self.delay_spin.setSuffix(" s")
        self.count_check = QCheckBox("Only the next", self)
        self.count_check.setObjectName("ruleCountCheck")
        self.count_check.setChecked(True)
        self.count_spin = QSpinBox(self)
        self.count_spin.setObjectName("ruleCount")
        self.count_spin.setRange(1, 100_000)
        self.count_spin.setValue(3)
        self.count_spin.setSuffix(" deliveries")
        self.count_check.toggled.connect(self.count_spin.setEnabled)
        count_row = QHBoxLayout()
        count_row.addWidget(self.count_check)
        count_row.addWidget(self.count_spin)
        count_row.addStretch(1)
        self.add_button = QPushButton("Add rule", self)
        self.add_button.setObjectName("addRuleButton")
        self.add_button.clicked.connect(self.add_rule)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("ruleError")
        self.error_label.setStyleSheet(theme.error_css())
        self.error_label.setWordWrap(True)

        new_rule = QGroupBox("New rule", self)
        form = QFormLayout(new_rule)
        form.addRow("Event types:", self.pattern_combo)
        form.addRow("Answer status:", self.status_spin)
        form.addRow("Answer body:", self.body_edit)
        form.addRow("Delay:", self.delay_spin)
        form.addRow("", count_row)
        form.addRow(self.error_label, self.add_button)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Active rules (the most specific one answers):", self))
        layout.addWidget(self.rule_list, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(list_buttons)
        layout.addWidget(new_rule)
        layout.addWidget(buttons)
        self.refresh()
        self.resize(560, 560)

    def add_rule(self) -> ResponseRule | None:
        body = self.body_edit.toPlainText()
        try:
            rule = self.rules.add(
                self.status_spin.value(),
                pattern=self.pattern_combo.currentText(),
                body=body if body.strip() else None,
                delay_seconds=self.delay_spin.value(),
                count=self.count_spin.value() if self.count_check.isChecked() else None,
            )
        except RuleError as exc:
            self.error_label.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return None
        self.error_label.clear()
        self.refresh()  # at once; the watcher's queued signal refreshes again, harmlessly
        return rule

    def remove_selected(self) -> None:
        for item in self.rule_list.selectedItems():
            self.rules.remove(int(item.data(Qt.ItemDataRole.UserRole)))
        self.refresh()

    def refresh(self) -> None:
        selected = {int(i.data(Qt.ItemDataRole.UserRole)) for i in self.rule_list.selectedItems()}
        self.rule_list.clear()
        for rule in self.rules.rules():
            item = QListWidgetItem(rule.describe())
            item.setData(Qt.ItemDataRole.UserRole, rule.rule_id)
            self.rule_list.addItem(item)
            item.setSelected(rule.rule_id in selected)
        empty = self.rule_list.count() == 0
        self.empty_label.setVisible(empty)
        self._update_buttons()

    def descriptions(self) -> list[str]:
        return [self.rule_list.item(i).text() for i in range(self.rule_list.count())]

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.rule_list.selectedItems()))
        self.clear_button.setEnabled(self.rule_list.count() > 0)
