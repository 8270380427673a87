"""What the user keeps: limits on the history's age, count and size, read as a user writes them.

No SQLite here: the command line parses these before anything is opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAY_S = 86_400.0
DEFAULT_KEEP_DAYS = 30.0
DEFAULT_KEEP_SIZE = 2 * 1000**3  # "2 GB", as a user reads a disk's size
_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*", re.IGNORECASE)
NO_LIMIT = ("none", "off", "unlimited")
# The smallest size limit: below this a single large delivery could not be kept.
MIN_KEEP_SIZE = 10 * 1000**2


def parse_size(text: str) -> int | None:
    """`2GB`, `500 MB`, `1.5GiB`, `none` -> bytes (None: no limit); ValueError says what is wrong."""
    if text.strip().lower() in NO_LIMIT:
        return None
    m = _SIZE.fullmatch(text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size: write it like 2GB, 500MB or 1.5GiB (or none)")
    size = int(float(m.group(1)) * _UNITS[unit])
    if size < MIN_KEEP_SIZE:
        raise ValueError(f"{text!r} is too small: keep at least {format_size(MIN_KEEP_SIZE)}")
    return size


def parse_count(text: str) -> int | None:
    """A number of events (`200000`, `200_000`, `200,000`) or `none`."""
    if text.strip().lower() in NO_LIMIT:
        return None
    cleaned = text.strip().replace("_", "").replace(",", "")
    if not cleaned.isdigit() or int(cleaned) < 1:
        raise ValueError(f"{text!r} is not a number of events: write it like 200000 (or none)")
    return int(cleaned)


def parse_days(text: str) -> float | None:
    """A number of days (`30`, `0.5`) or `none`."""
    if text.strip().lower() in NO_LIMIT:
        return None
    try:
        days = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number of days: write it like 30 (or none)") from None
    if not days > 0 or days == float("inf"):
        raise ValueError(f"{text!r} days: keep more than 0 days (or none for no limit)")
    return days


def format_size(size: int) -> str:
    for unit, factor in (("TB", 1000**4), ("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) or value >= 100 else f"{value:.1f} {unit}"
    return f"{size} bytes"


def _format_days(days: float) -> str:
    if days == int(days):
        return "1 day" if days == 1 else f"{int(days)} days"
    return f"{days:g} days"


@dataclass(frozen=True, slots=True)
class KeepLimits:
    """None: no limit of that kind. The default keeps 30 days or 2 GB, whichever comes first."""

    days: float | None = DEFAULT_KEEP_DAYS
    events: int | None = None
    size: int | None = DEFAULT_KEEP_SIZE

    @property
    def unlimited(self) -> bool:
        return self.days is None and self.events is None and self.size is None

    def describe(self) -> str:
        """`30 days or 2 GB, whichever comes first`, for the status bar and the terminal."""
        parts = []
        if self.days is not None:
            parts.append(_format_days(self.days))
        if self.events is not None:
            parts.append(f"{self.events:,} events")
        if self.size is not None:
            parts.append(format_size(self.size))
        if not parts:
            return "everything (no limit)"
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + f" or {parts[-1]}, whichever comes first"
