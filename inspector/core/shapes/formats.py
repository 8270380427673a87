"""String formats recognised in learned values, and format checks for validation that agree with them.

A format is recognised at a path when every sampled string there has it (and there are at least
FORMAT_MIN_SAMPLES of them). The detectors are deliberately narrower than the formats' full
definitions, so a value we call `date-time` always passes the validator's `date-time` check:

- `date-time`: RFC 3339 (the ISO 8601 profile JSON Schema uses): `2026-11-27T02:54:03.123Z`, with
  `T` and a zone (`Z` or `+01:00`); a local time without a zone is ISO 8601 but not this format;
- `date`: `2026-11-27`;
- `uuid`: 8-4-4-4-12 hex digits;
- `email`: `local@domain.tld`;
- `uri`: an absolute http(s) URL of RFC 3986 characters;
- `iso-4217`: a current ISO 4217 currency code (not a JSON Schema format; validators that do
  not know it treat it as an annotation, ours checks it).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import iso4217

if TYPE_CHECKING:
    from jsonschema import FormatChecker

FORMAT_MIN_SAMPLES = 3

# The iso4217 package ships the maintenance agency's current list (funds and metal codes included),
# so a code added or withdrawn is a package update, not an edit here.
ISO_4217 = frozenset(currency.code for currency in iso4217.Currency)

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)*\.[A-Za-z]{2,}")
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _valid_date(year: str, month: str, day: str) -> bool:
    y, m, d = int(year), int(month), int(day)
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


def is_date_time(text: str) -> bool:
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return False
    year, month, day, hour, minute, second, off_h, off_m = match.groups()
    if not _valid_date(year, month, day):
        return False
    if int(hour) > 23 or int(minute) > 59 or int(second) > 60:
        return False
    return off_h is None or (int(off_h) <= 23 and int(off_m) <= 59)


def is_date(text: str) -> bool:
    match = _DATE.fullmatch(text)
    return match is not None and _valid_date(*match.groups())


def is_uuid(text: str) -> bool:
    return _UUID.fullmatch(text) is not None


def is_email(text: str) -> bool:
    return len(text) <= 254 and _EMAIL.fullmatch(text) is not None


def is_uri(text: str) -> bool:
    if not _URI_CHARS.fullmatch(text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_currency(text: str) -> bool:
    return text in ISO_4217


# In order of preference: the first that holds is the one a path gets.
DETECTORS: dict[str, Callable[[str], bool]] = {
    "date-time": is_date_time,
    "date": is_date,
    "uuid": is_uuid,
    "email": is_email,
    "uri": is_uri,
    "iso-4217": is_currency,
}


def formats_of(text: str) -> set[str]:
    """Every recognised format `text` has (usually none or one)."""
    if len(text) < 3 or len(text) > 2048:
        return set()
    return {name for name, detect in DETECTORS.items() if detect(text)}


def format_checker() -> FormatChecker:
    """jsonschema's format checker, plus our detectors for formats it cannot check here.

    jsonschema checks `date-time` and `uri` only when optional packages (rfc3339-validator,
    rfc3987) are installed; without them those formats would silently pass. `iso-4217` is ours.
    """
    # Imported here: learning shapes (the listener's path) needs no validator, and it costs 100 ms.
    from jsonschema import FormatChecker

    checker = FormatChecker()
    for name in ("date-time", "uri", "iso-4217"):
        if name not in checker.checkers:
            detect = DETECTORS[name]
            checker.checks(name)(lambda value, detect=detect: not isinstance(value, str) or detect(value))
    return checker
