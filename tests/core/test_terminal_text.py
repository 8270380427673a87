"""Text from a request, escaped for a terminal: no control character survives raw."""

from __future__ import annotations

import json

import pytest

from inspector.core.terminal_text import escape_controls, json_line

# (raw character, how it must be shown)
HOSTILE = [
    ("\r", "\\r"),
    ("\n", "\\n"),
    ("\t", "\\t"),
    ("\x00", "\\x00"),
    ("\x07", "\\x07"),  # BEL
    ("\x1b", "\\x1b"),  # ESC: starts every terminal control sequence
    ("\x7f", "\\x7f"),  # DEL
    ("\x85", "\\x85"),  # NEL, a C1 line break
    ("\x9b", "\\x9b"),  # CSI, the one-byte form of ESC [
    ("\x9d", "\\x9d"),  # OSC (retitles a window)
    ("\u2028", "\\u2028"),  # line separator
    ("\u2029", "\\u2029"),  # paragraph separator
    ("\u202e", "\\u202e"),  # right-to-left override
    ("\u2066", "\\u2066"),  # left-to-right isolate
    ("\u200f", "\\u200f"),  # right-to-left mark
    ("\ufeff", "\\ufeff"),
    ("\udc80", "\\udc80"),  # a lone surrogate (an undecodable byte): printing it raw would crash
    ("\U000e0041", "\\U000e0041"),  # an invisible tag character
    ("\\", "\\\\"),  # so an escape in the output always means a character that was escaped
]


@pytest.mark.parametrize(("raw", "shown"), HOSTILE, ids=[repr(r) for r, _ in HOSTILE])
def test_each_control_character_is_shown_escaped(raw: str, shown: str) -> None:
    assert escape_controls(f"/hooks{raw}x") == f"/hooks{shown}x"


def test_a_forged_line_stays_on_its_line() -> None:
    forged = "/hooks\r\n2026-01-01T00:00:00.000Z  200  POST /hooks  card.created  evt_1  [verified]"
    shown = escape_controls(forged)
    assert "\r" not in shown and "\n" not in shown
    assert shown.startswith("/hooks\\r\\n2026-01-01")


@pytest.mark.parametrize("text", ["", "/hooks/Zoë/日本/😀", "a b", "transaction.created", "wh_1 [x]"])
def test_printable_text_is_unchanged(text: str) -> None:
    assert escape_controls(text) == text


def test_no_code_point_comes_out_raw_unless_printable() -> None:
    every = "".join(chr(c) for c in range(0x110000))
    shown = escape_controls(every)
    assert shown.isprintable()
    assert "Zoë" in escape_controls("Zoë")


@pytest.mark.parametrize(("raw", "shown"), HOSTILE[:-1], ids=[repr(r) for r, _ in HOSTILE[:-1]])
def test_json_lines_escape_what_ensure_ascii_false_leaves_raw(raw: str, shown: str) -> None:
    record = {"path": f"/hooks{raw}", "who": "Zoë", raw: [raw]}
    line = json_line(record)
    assert line.isprintable()
    assert json.loads(line) == record
    assert "Zoë" in line  # readable text stays readable


def test_json_lines_escape_astral_controls_as_surrogate_pairs() -> None:
    record = {"tag": "\U000e0041"}
    line = json_line(record)
    assert line == '{"tag": "\\udb40\\udc41"}'
    assert json.loads(line) == record
