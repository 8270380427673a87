"""What an import did: events stored, lines skipped and why, rows already known, where it stopped.

The report must stay true whatever happens: `imported` counts only committed rows, so an import
that stops midway still says how many went in before it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_MESSAGES = 100  # detailed messages kept; the counts go on
MAX_NUMBERS = 5  # line (entry) numbers kept per reason


@dataclass
class SkipReason:
    count: int = 0
    numbers: list[int] = field(default_factory=list)  # the first MAX_NUMBERS line or entry numbers


@dataclass
class ImportReport:
    unit: str = "line"  # "line" (NDJSON) or "entry" (HAR)
    imported: int = 0  # rows committed to the store
    skipped: int = 0  # bad lines or entries
    already_present: int = 0  # good ones that were in the history before this import
    errors: list[str] = field(default_factory=list)  # the first MAX_MESSAGES, "line 3: ..."
    reasons: dict[str, SkipReason] = field(default_factory=dict)  # kind of problem -> where
    stopped: str | None = None  # why the import ended before the end of the file

    def bad(self, number: int, message: str, kind: str | None = None) -> None:
        """Count line (entry) `number` as skipped; `kind` groups it with others of its sort."""
        self.skipped += 1
        if len(self.errors) < MAX_MESSAGES:
            self.errors.append(f"{self.unit} {number}: {message}")
        reason = self.reasons.setdefault(kind or message, SkipReason())
        reason.count += 1
        if len(reason.numbers) < MAX_NUMBERS:
            reason.numbers.append(number)

    def summary(self) -> str:
        text = f"imported {_count(self.imported, 'event')}"
        if self.skipped:
            text += f", skipped {_count(self.skipped, 'bad record')}"
            if self.errors:
                text += f" (first: {self.errors[0]})"
        if self.already_present:
            text += f", skipped {self.already_present:,} already in the history"
        if self.stopped:
            text += f"; the import {self.stopped}"
        return text

    def reason_lines(self) -> list[str]:
        """One line per kind of problem, most frequent first: "status must be ...: 3 (lines 4, 9, 12)"."""
        lines = []
        for kind, reason in sorted(self.reasons.items(), key=lambda item: -item[1].count):
            numbers = ", ".join(str(n) for n in reason.numbers)
            more = ", …" if reason.count > len(reason.numbers) else ""
            plural = "s" if reason.count > 1 else ""
            lines.append(f"{kind}: {reason.count:,} ({self.unit}{plural} {numbers}{more})")
        return lines


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
