"""Scenarios in the Webhooks panel's "Send test event": the sandbox's scenarios listed after its
event types in the same box (inspector/sandbox/scenarios.py), with their two options, out of
order and how many duplicates, shown while a scenario is chosen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from inspector.sandbox.scenarios import MAX_DUPLICATES, SCENARIOS

SCENARIO_ROLE = Qt.ItemDataRole.UserRole + 1  # on a scenario's entry: its name
SCENARIO_PREFIX = "scenario: "


def add_scenarios(combo: QComboBox) -> None:
    """Append every scenario (after a separator), its description as the tooltip."""
    combo.insertSeparator(combo.count())
    for scenario in SCENARIOS.values():
        combo.addItem(SCENARIO_PREFIX + scenario.name)
        index = combo.count() - 1
        combo.setItemData(index, scenario.name, SCENARIO_ROLE)
        steps = " → ".join(scenario.steps)
        combo.setItemData(index, f"{scenario.description}\n{steps}", Qt.ItemDataRole.ToolTipRole)


def chosen_scenario(combo: QComboBox) -> str | None:
    value = combo.currentData(SCENARIO_ROLE)
    return value if isinstance(value, str) else None


def scenario_message(result: dict[str, Any]) -> str:
    """One line for the panel about a run: what was sent, in which order, to whom."""
    deliveries = [d for d in result.get("delivery_order") or () if isinstance(d, dict)]
    order = " → ".join(
        f"{str(d.get('event_identifier', '?')).rsplit('.', 1)[-1]}{' (again)' if d.get('duplicate') else ''}"
        for d in deliveries
    )
    webhooks = sorted({str(w) for d in deliveries for w in d.get("webhook_ids") or ()})
    who = f"to {', '.join(webhooks)}" if webhooks else "but no webhook subscribes to its events"
    return f"Ran {result.get('scenario')}: {order} {who}."


class ScenarioOptions(QWidget):
    def __init__(self, combo: QComboBox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioOptions")
        self._combo = combo
        self._allowed = True
        self.out_of_order = QCheckBox("Out of order", self)
        self.out_of_order.setObjectName("scenarioOutOfOrder")
        self.out_of_order.setToolTip("Deliver the steps shuffled, as providers may")
        self.duplicates = QSpinBox(self)
        self.duplicates.setObjectName("scenarioDuplicates")
        self.duplicates.setRange(0, MAX_DUPLICATES)
        self.duplicates.setToolTip("Deliver this many steps again, with the same event_id")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.out_of_order)
        label = QLabel("Duplicates:", self)
        label.setBuddy(self.duplicates)
        layout.addWidget(label)
        layout.addWidget(self.duplicates)
        layout.addStretch(1)
        combo.currentIndexChanged.connect(self._follow)
        self._follow()

    def set_allowed(self, allowed: bool) -> None:
        """Shown only for a sandbox profile (the panel hides its test-event row otherwise)."""
        self._allowed = allowed
        self._follow()

    def _follow(self, *_: object) -> None:
        self.setVisible(self._allowed and chosen_scenario(self._combo) is not None)
