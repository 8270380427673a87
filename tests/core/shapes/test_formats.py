from __future__ import annotations

import pytest

from inspector.core.shapes.formats import DETECTORS, format_checker, formats_of

GOOD = {
    "date-time": ["2026-11-27T02:54:03.123Z", "2026-11-27T02:54:03+01:00", "2024-02-29t23:59:60z"],
    "date": ["2026-11-27", "2024-02-29"],
    "uuid": ["550e8400-e29b-41d4-a716-446655440000"],
    "email": ["ana.123@example.com"],
    "uri": ["https://example.com/receipts/1?x=1#y"],
    "iso-4217": ["EUR", "USD", "JPY", "XAU"],
}
BAD = {
    "date-time": [
        "2026-11-27T02:54:03",
        "2026-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2026-11-27 02:54:03Z",
    ],
    "date": ["2026-02-30", "27.11.2026", "2026-1-1"],
    "uuid": ["550e8400e29b41d4a716446655440000", "not-a-uuid"],
    "email": ["ana@", "no at sign", "a@b"],
    "uri": ["example.com/x", "ftp://example.com", "https://exa mple.com"],
    "iso-4217": ["eur", "EURO", "ABC", "DE"],
}


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, vs in GOOD.items() for v in vs])
def test_recognised_values_pass_the_validators_format_check(name: str, value: str) -> None:
    assert name in formats_of(value)
    assert format_checker().conforms(value, name)


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, vs in BAD.items() for v in vs])
def test_near_misses_are_not_recognised(name: str, value: str) -> None:
    assert not DETECTORS[name](value)


@pytest.mark.parametrize("name", ["date-time", "uri", "iso-4217"])
def test_formats_jsonschema_cannot_check_here_are_checked_anyway(name: str) -> None:
    assert not format_checker().conforms(BAD[name][0], name)
    assert format_checker().conforms(12, name)  # formats say nothing about non-strings
