"""Verdict badges never vanish: full texts when they fit, short forms, then elided pills."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QFont

from inspector.ui.events.badge_delegate import BadgeDelegate
from inspector.ui.events.cells import short_badge

VERIFIED = ("verified: wh_0123456789abcdef01234567", "ok")  # a real id is 24 hex characters


@pytest.fixture
def delegate(qtbot: Any) -> BadgeDelegate:
    return BadgeDelegate()


def test_short_forms() -> None:
    assert short_badge(VERIFIED[0]) == "verified"
    assert short_badge("unauthorized") == "401"
    assert short_badge("duplicate") == "dup"
    assert short_badge("kept") == "kept"  # no short form: itself


def test_full_texts_when_they_fit_short_forms_when_not(delegate: BadgeDelegate) -> None:
    _font, metrics = delegate._font_for(QFont())
    badges = (VERIFIED, ("duplicate", "warn"))
    wide = delegate.layout(badges, 2000, metrics)
    assert [text for _x, _w, text, _k in wide] == [VERIFIED[0], "duplicate"]
    narrow = delegate.layout(badges, 140, metrics)
    assert [text for _x, _w, text, _k in narrow] == ["verified", "dup"]
    assert all(x + w <= 140 for x, w, _t, _k in narrow)


@pytest.mark.parametrize("width", [60, 30, 12, 4])
def test_a_pill_is_drawn_at_any_width(delegate: BadgeDelegate, width: int) -> None:
    _font, metrics = delegate._font_for(QFont())
    pills = delegate.layout((VERIFIED, ("duplicate", "warn")), width, metrics)
    assert pills, "the badge vanished"
    x, w, text, kind = pills[0]
    assert (x, kind) == (0, "ok") and text and w <= width
    assert text == "verified" or text.endswith("…")
