"""The Related tab on real widgets and a real store: groups by reference in received order with
their gaps, the delivery in bold, jumps and filters from it, and the drawn retry timeline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTreeWidgetItem

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.core.store.related import Sequences
from inspector.ui.detail.related_pane import REF_ROLE, SEQ_ROLE, RelatedPane
from inspector.ui.detail.sequence_text import caption, offset
from inspector.ui.runner import Runner
from tests.ui.helpers import WAIT

T0 = 1_790_000_000.0


def delivery(
    event_id: str, identifier: str, data: dict[str, Any], at: float, status: int = 200, **kw: Any
) -> NewEvent:
    body = json.dumps({"event_id": event_id, "event_identifier": identifier, "data": data}).encode()
    return NewEvent(
        at, "POST", "/hooks", "", (), body, status, event_id=event_id, event_identifier=identifier, **kw
    )


@pytest.fixture
def story(store: EventStore) -> list[int]:
    card = {"card_id": "card_1", "last4": "4242"}
    rows = store.insert_many(
        [
            delivery("e1", "transaction.authorized", {"transaction_id": "txn_1", "card": card}, T0),
            delivery(
                "e2",
                "transaction.settled",
                {"transaction_id": "txn_1", "card": card},
                T0 + 2 * 86400 + 3 * 3600 + 720,
            ),
            delivery("e9", "card.frozen", {"card": card}, T0 + 2 * 86400 + 3 * 3600 + 780),
            delivery(
                "e2",
                "transaction.settled",
                {"transaction_id": "txn_1", "card": card},
                T0 + 2 * 86400 + 3 * 3600 + 721,
            ),
            delivery(
                "e3",
                "transaction.refunded",
                {"transaction_id": "txn_1", "refund_id": "re_1", "card": card},
                T0 + 3 * 86400,
            ),
            delivery("x", "other", {"transaction_id": "txn_other"}, T0),
        ]
    )
    return [r.seq for r in rows]


def shown(qtbot: Any, pane: RelatedPane, store: EventStore, seq: int) -> Sequences:
    with qtbot.waitSignal(pane.loaded, timeout=WAIT) as blocker:
        pane.show_event(store.get(seq))
    result = blocker.args[0]
    assert isinstance(result, Sequences) and result.seq == seq
    return result


def groups(pane: RelatedPane) -> list[QTreeWidgetItem]:
    return [pane.groups.topLevelItem(i) for i in range(pane.groups.topLevelItemCount())]


def test_groups_by_reference_in_received_order_with_gaps(
    qtbot: Any, store: EventStore, runner: Runner, story: list[int]
) -> None:
    pane = RelatedPane(store, runner)
    qtbot.addWidget(pane)
    result = shown(qtbot, pane, store, story[1])
    values = [g.value for g in result.groups]
    assert values == ["txn_1", "card_1"]  # the purchase (fewer events) before its card
    txn = next(g for g in result.groups if g.value == "txn_1")
    assert txn.label == "transaction"
    # Received order: the redelivery of the settlement arrived before the card was frozen.
    assert [s.seq for s in txn.steps] == [story[0], story[1], story[3], story[4]]
    text = caption(txn)
    assert text.startswith("transaction txn_1: authorized ")
    assert "→ settled +2 d 03:12 →" in text
    card = next(g for g in result.groups if g.value == "card_1")
    assert card.label == "card" and story[2] in [s.seq for s in card.steps]
    items = groups(pane)
    assert [i.data(0, REF_ROLE) for i in items] == values
    # The delivery itself is bold, its neighbours are not.
    top = items[values.index("txn_1")]
    rows = {top.child(r).data(0, SEQ_ROLE): top.child(r) for r in range(top.childCount())}
    assert rows[story[1]].font(0).bold() and not rows[story[0]].font(0).bold()
    assert pane.note.isHidden()


def test_a_click_jumps_and_the_menu_filters(
    qtbot: Any, store: EventStore, runner: Runner, story: list[int]
) -> None:
    pane = RelatedPane(store, runner)
    qtbot.addWidget(pane)
    pane.show()
    shown(qtbot, pane, store, story[1])
    top = next(i for i in groups(pane) if i.data(0, REF_ROLE) == "txn_1")
    refund = next(top.child(r) for r in range(top.childCount()) if top.child(r).data(0, SEQ_ROLE) == story[4])
    with qtbot.waitSignal(pane.seqActivated, timeout=WAIT) as jumped:
        pane.groups.itemClicked.emit(refund, 0)
    assert jumped.args == [story[4]]
    pos = pane.groups.visualItemRect(refund).center()
    assert pane.ref_at(pos) == "txn_1"
    menu = pane.menu_for("txn_1")
    [filter_action, _copy] = menu.actions()
    assert filter_action.text() == "Filter ref:txn_1"
    with qtbot.waitSignal(pane.filterRequested, timeout=WAIT) as asked:
        filter_action.trigger()
    assert asked.args == ["ref:txn_1"]


def test_retry_timeline_of_a_redelivered_event(
    qtbot: Any, store: EventStore, runner: Runner, story: list[int]
) -> None:
    pane = RelatedPane(store, runner)
    qtbot.addWidget(pane)
    pane.resize(600, 400)
    pane.show()
    result = shown(qtbot, pane, store, story[3])
    assert [a.seq for a in result.attempts] == [story[1], story[3]]
    assert [offset(a.offset_s) for a in result.attempts] == ["+0 s", "+1.0 s"]
    assert result.attempts[1].why == f"accepted, duplicate of #{story[1]}"
    assert pane.timeline.isVisible() and pane.attempts.topLevelItemCount() == 2
    assert "delivered 2 times" in pane.retry_label.text()
    # Drawn: the first mark at the left margin, the last at the right; a click on it jumps.
    first, last = pane.timeline.mark_centre(0), pane.timeline.mark_centre(1)
    assert first.x() < last.x()
    image = pane.timeline.grab().toImage()
    assert image.pixelColor(int(last.x()), int(last.y())) != image.pixelColor(5, 5)
    with qtbot.waitSignal(pane.seqActivated, timeout=WAIT) as jumped:
        qtbot.mouseClick(pane.timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(first.x()), int(first.y())))
    assert jumped.args == [story[1]]
    # An event delivered once has no timeline.
    shown(qtbot, pane, store, story[4])
    assert pane.timeline.isHidden() and pane.attempts.topLevelItemCount() == 0


def test_a_rejected_attempt_says_why(qtbot: Any, store: EventStore, runner: Runner) -> None:
    body = {"transaction_id": "txn_r"}
    rows = store.insert_many(
        [
            NewEvent(
                T0,
                "POST",
                "/h",
                "",
                (),
                json.dumps({"event_id": "er", "data": body}).encode(),
                401,
                flags=("unauthorized",),
                error="token missing",
            ),
            delivery("er", "transaction.settled", body, T0 + 3, status=503, flags=("response_rule",)),
            delivery("er", "transaction.settled", body, T0 + 9),
        ]
    )
    pane = RelatedPane(store, runner)
    qtbot.addWidget(pane)
    result = shown(qtbot, pane, store, rows[2].seq)
    assert [(offset(a.offset_s), a.status, a.why) for a in result.attempts] == [
        ("+0 s", 401, "401: token missing or wrong"),
        ("+3.0 s", 503, "response rule answered 503"),
        ("+9.0 s", 200, "accepted"),
    ]


def test_nothing_related(qtbot: Any, store: EventStore, runner: Runner) -> None:
    [row] = store.insert_many([delivery("solo", "card.created", {"card_id": "c_solo"}, T0)])
    pane = RelatedPane(store, runner)
    qtbot.addWidget(pane)
    shown(qtbot, pane, store, row.seq)
    assert pane.groups.topLevelItemCount() == 0
    assert "No other stored event" in pane.note.text()
    with qtbot.waitSignal(pane.loaded, timeout=WAIT):
        pane.show_event(None)
    assert "Select an event" in pane.note.text()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "+0 s"),
        (1.0, "+1.0 s"),
        (59.94, "+59.9 s"),
        (252, "+4 min 12 s"),
        (11109, "+3:05:09"),
        (2 * 86400 + 3 * 3600 + 12 * 60, "+2 d 03:12"),
    ],
)
def test_offsets(seconds: float, text: str) -> None:
    assert offset(seconds) == text
