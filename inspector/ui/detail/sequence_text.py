"""How the related-events and retry panes write times, gaps and a reference's story in a line."""

from __future__ import annotations

import math
from datetime import datetime

from inspector.core.store.related import RefGroup

CAPTION_STEPS = 6  # steps spelled out in a group's caption; the rest are counted


def clock(ts: float) -> str:
    """Local wall-clock time of a delivery, to the second: 12:00:01."""
    try:
        return datetime.fromtimestamp(ts).strftime("%H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return "?"


def offset(seconds: float) -> str:
    """A gap or an offset from the first step: +0 s, +1.0 s, +4 min 12 s, +3:05:09, +2 d 03:12."""
    if not math.isfinite(seconds):
        return "?"
    sign = "+" if seconds >= 0 else "-"
    s = abs(seconds)
    if s < 0.05:
        return f"{sign}0 s"
    if s < 60:
        return f"{sign}{s:.1f} s"
    whole = int(s)
    if whole < 3600:
        return f"{sign}{whole // 60} min {whole % 60:02d} s"
    if whole < 86400:
        return f"{sign}{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    days, rest = divmod(whole, 86400)
    return f"{sign}{days} d {rest // 3600:02d}:{rest % 3600 // 60:02d}"


def caption(group: RefGroup) -> str:
    """ "transaction txn_1: authorized 12:00:01 → settled +2 d 03:12 → refunded +1.0 s"."""
    parts: list[str] = []
    for i, step in enumerate(group.steps[:CAPTION_STEPS]):
        when = clock(step.received_at) if i == 0 or step.gap_s is None else offset(step.gap_s)
        parts.append(f"{step.name} {when}")
    text = f"{group.label} {group.value}: " + " → ".join(parts)
    hidden = group.total - min(len(group.steps), CAPTION_STEPS)
    if hidden > 0:
        text += f" → … {hidden:,} more"
    return text
