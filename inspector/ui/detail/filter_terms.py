"""Filter terms offered for a value of the JSON tree ("Apply as filter"): `ref:VALUE` for an id,
`data.path:VALUE` (and `>`/`<` for numbers) for any scalar, in the filter language of
inspector/core/store/filter_query.py."""

from __future__ import annotations

import json
import re
from typing import Any

from inspector.core.store.references import is_ref_key
from inspector.ui.events.filter_bar import quote_value

# "$.data.items[0].id" -> segments; odd keys (['a b']) have no dotted spelling in the language.
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")


def dotted_path(json_path: str) -> str | None:
    """`$.data.items[0].id` -> `data.items.0.id`; None when a key has no dotted spelling."""
    if not json_path.startswith("$"):
        return None
    rest, parts, pos = json_path[1:], [], 0
    while pos < len(rest):
        m = _SEGMENT.match(rest, pos)
        if m is None:
            return None
        parts.append(m.group(1) or m.group(2))
        pos = m.end()
    return ".".join(parts) if len(parts) >= 2 else None


def terms_for(json_path: str, key: Any, kind: str, value: Any) -> list[str]:
    """The filter terms for the value at `json_path` (its own key, JSON kind and value)."""
    terms: list[str] = []
    if kind == "string" and isinstance(key, str) and is_ref_key(key) and value:
        terms.append(f"ref:{quote_value(value)}")
    path = dotted_path(json_path)
    if path is None:
        return terms
    if kind == "string":
        terms.append(f"{path}:{quote_value(value)}" if value else f"{path}:*")
    elif kind == "number":
        text = json.dumps(value)
        terms += [f"{path}:{text}", f"{path}:>{text}", f"{path}:<{text}"]
    elif kind in ("boolean", "null"):
        terms.append(f"{path}:{json.dumps(value)}")
    elif kind in ("object", "array"):
        terms.append(f"{path}:*")
    return terms
