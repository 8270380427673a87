"""Structural diff of two JSON documents: which paths were added, removed or changed.

Paths read like JSONPath: `$.data.amount`, `$.items[3]`, `$["key with spaces"]`. Arrays are compared
by index (webhook payloads rarely reorder lists, and an index diff is what a developer reads fastest).
The walk is iterative and bounded, so two huge or deeply nested bodies cannot hang the window or
blow the stack: past the limits the result says it is truncated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from inspector.core.events import StoredEvent

Kind = Literal["added", "removed", "changed"]
ADDED: Kind = "added"
REMOVED: Kind = "removed"
CHANGED: Kind = "changed"

DEFAULT_MAX_CHANGES = 5_000
DEFAULT_MAX_NODES = 1_000_000
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MISSING = object()


class Change(NamedTuple):
    path: str
    kind: Kind
    old: Any  # None for "added"
    new: Any  # None for "removed"


@dataclass
class JsonDiff:
    changes: list[Change] = field(default_factory=list)
    truncated: bool = False  # a limit was hit: more differences may exist

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def paths(self) -> dict[str, Kind]:
        return {c.path: c.kind for c in self.changes}

    def summary(self) -> str:
        """E.g. "3 changed, 1 added, 0 removed" or "identical"."""
        if not self.changes:
            return "identical" if not self.truncated else "no differences found before the limit"
        counts = {k: sum(1 for c in self.changes if c.kind == k) for k in (CHANGED, ADDED, REMOVED)}
        text = ", ".join(f"{n} {k}" for k, n in counts.items())
        return text + (" (stopped at the limit; there may be more)" if self.truncated else "")


def key_path(parent: str, key: str) -> str:
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def _same_scalar(a: Any, b: Any) -> bool:
    # bool is an int in Python: True == 1 must still be a change in JSON terms.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def diff(
    old: Any,
    new: Any,
    *,
    max_changes: int = DEFAULT_MAX_CHANGES,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> JsonDiff:
    """Differences from `old` to `new`, in document order."""
    result = JsonDiff()
    # A stack of (path, old, new), children pushed in reverse so they pop in document order.
    stack: list[tuple[str, Any, Any]] = [("$", old, new)]
    visited = 0
    while stack:
        visited += 1
        if visited > max_nodes or len(result.changes) >= max_changes:
            result.truncated = True
            break
        path, a, b = stack.pop()
        if a is _MISSING:
            result.changes.append(Change(path, ADDED, None, b))
        elif b is _MISSING:
            result.changes.append(Change(path, REMOVED, a, None))
        elif isinstance(a, dict) and isinstance(b, dict):
            children = [(key_path(path, k), v, b.get(k, _MISSING)) for k, v in a.items()]
            children += [(key_path(path, k), _MISSING, v) for k, v in b.items() if k not in a]
            stack.extend(reversed(children))
        elif isinstance(a, list) and isinstance(b, list):
            n = max(len(a), len(b))
            children = [
                (
                    f"{path}[{i}]",
                    a[i] if i < len(a) else _MISSING,
                    b[i] if i < len(b) else _MISSING,
                )
                for i in range(n)
            ]
            stack.extend(reversed(children))
        elif isinstance(a, dict | list) or isinstance(b, dict | list):
            if a != b or type(a) is not type(b):
                result.changes.append(Change(path, CHANGED, a, b))
        elif not _same_scalar(a, b):
            result.changes.append(Change(path, CHANGED, a, b))
    return result


def event_document(event: StoredEvent) -> Any:
    """What to compare for an event: its parsed body, or its body as text when it is not JSON."""
    parsed = event.body_json()
    if parsed is not None:
        return parsed
    return event.body.decode("utf-8", errors="replace")


def diff_events(old: StoredEvent, new: StoredEvent, **limits: int) -> JsonDiff:
    return diff(event_document(old), event_document(new), **limits)
