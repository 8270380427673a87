"""The learned shapes as Markdown, one table per event type, for the team's docs.

    ## transaction.authorized

    120 deliveries, 3 distinct shapes, 100 sampled.

    | path | types | presence | formats | examples |
    |---|---|---|---|---|
    | `data.amount` | integer | 120/120 (100%) | | `1250`, `399` |

Presence is the share of the type's deliveries that had the path, and, when the parent is not
always there, the share of those that had the parent (`40/60 (67%); 100% of data.card`). The formats
column also names a small value set (`one of "EUR", "USD"`). Every value is shown JSON-encoded in a
code span, with table pipes and control characters escaped, so a payload cannot break the table.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable

from inspector.core.shapes.learner import FieldSummary, TypeSummary
from inspector.core.shapes.paths import ROOT


def _visible(text: str) -> str:
    # json.dumps escapes C0 controls; C1, DEL and format characters (bidi overrides) are left.
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
    )


def _code(text: str) -> str:
    text = _visible(text).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _value(value: object) -> str:
    return _code(json.dumps(value, ensure_ascii=False))


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _presence(field: FieldSummary, deliveries: int) -> str:
    text = f"{field.present}/{deliveries} ({_percent(field.present, deliveries)})"
    if field.parent not in (None, ROOT) and field.parent_present < deliveries:
        text += f"; {_percent(field.present, field.parent_present)} of {_code(field.parent or '')}"
    return text


def _row(field: FieldSummary, deliveries: int) -> str:
    types = ", ".join(f"{kind}" if n == field.present else f"{kind} ({n})" for kind, n in field.types.items())
    formats = [field.format] if field.format else []
    if field.values:
        formats.append("one of " + ", ".join(_value(v) for v in field.values))
    examples = ", ".join(_value(e) for e in field.examples)
    cells = [_code(field.path), types, _presence(field, deliveries), "; ".join(formats), examples]
    return "| " + " | ".join(cells) + " |"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def type_table(summary: TypeSummary) -> str:
    """The Markdown section of one event type."""
    lines = [
        f"## {_visible(summary.event_type).replace('#', '')}",
        "",
        f"{_plural(summary.deliveries, 'delivery', 'deliveries')}, "
        f"{_plural(summary.shapes, 'distinct shape', 'distinct shapes')}, {summary.sampled} sampled.",
        "",
        "| path | types | presence | formats | examples |",
        "|---|---|---|---|---|",
    ]
    lines += [_row(field, summary.deliveries) for field in summary.fields if field.path != ROOT]
    return "\n".join(lines) + "\n"


def markdown_report(summaries: Iterable[TypeSummary], title: str = "Webhook payload shapes") -> str:
    """All the given types' tables under one title."""
    sections = [type_table(s) for s in summaries]
    return f"# {title}\n\n" + "\n".join(sections)
