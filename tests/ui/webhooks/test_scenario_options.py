"""The scenario entries of the panel's test-event box and their options, on real widgets."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from inspector.sandbox.scenarios import SCENARIOS
from inspector.ui.webhooks.scenario_options import (
    SCENARIO_PREFIX,
    ScenarioOptions,
    add_scenarios,
    chosen_scenario,
    scenario_message,
)


def test_scenarios_follow_the_event_types_and_show_their_options(qtbot: Any) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    combo = QComboBox(host)
    combo.addItems(["transaction.authorized"])
    add_scenarios(combo)
    options = ScenarioOptions(combo, host)
    host.show()
    names = [combo.itemText(i) for i in range(combo.count()) if combo.itemText(i)]
    assert names == ["transaction.authorized", *(SCENARIO_PREFIX + n for n in SCENARIOS)]
    assert chosen_scenario(combo) is None and not options.isVisible()
    combo.setCurrentIndex(combo.findText(SCENARIO_PREFIX + "card-lifecycle"))
    assert chosen_scenario(combo) == "card-lifecycle" and options.isVisible()
    options.set_allowed(False)  # a profile that is no sandbox
    assert not options.isVisible()


def test_the_message_names_the_delivery_order_and_the_receivers() -> None:
    result = {
        "scenario": "transaction-refund",
        "delivery_order": [
            {"event_identifier": "transaction.settled", "duplicate": False, "webhook_ids": ["wh_1"]},
            {"event_identifier": "transaction.authorized", "duplicate": False, "webhook_ids": ["wh_1"]},
            {"event_identifier": "transaction.settled", "duplicate": True, "webhook_ids": ["wh_1"]},
        ],
    }
    assert scenario_message(result) == (
        "Ran transaction-refund: settled → authorized → settled (again) to wh_1."
    )
    assert scenario_message({"scenario": "declined", "delivery_order": [{"event_identifier": "x"}]}).endswith(
        "but no webhook subscribes to its events."
    )
