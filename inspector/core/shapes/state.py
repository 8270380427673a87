"""The saved form of one type's learned structure (`TypeShapes`), as plain JSON.

Paths are listed once, each with its parent (an index into the same list), the types seen and
whether every delivery so far had it; shapes refer to paths by index:

    {"deliveries": 120,
     "paths": [["$", null, ["object"], true], ["data", 0, ["object"], true], ...],
     "shapes": [{"count": 100, "pairs": [[0, "object"], [1, "object"], ...]}, ...],
     "overflow": {"deliveries": 0, "pairs": [[index, type, count], ...], "paths": [[index, count]]}}

Structure keys (the per-delivery fast lookup) are not saved; the first delivery of each shape after a
restart finds its shape by its path set and caches its key again.
"""

from __future__ import annotations

from typing import Any

from inspector.core.shapes.signature import JSON_TYPES
from inspector.core.shapes.type_shapes import MAX_PATHS, MAX_SIGNATURES, SignatureCount, TypeShapes


class StateError(ValueError):
    """Saved learned shapes that cannot be read; str(exc) says so in one sentence."""


def shapes_to_json(shapes: TypeShapes) -> dict[str, Any]:
    index: dict[str, int] = {}
    table: list[list[Any]] = []

    def ref(path: str) -> int:
        if path not in index:
            index[path] = len(table)
            table.append([path, None, sorted(shapes.types_at.get(path, ())), path in shapes.always])
        return index[path]

    for path in shapes.types_at:
        ref(path)
    for path, parent in shapes.parents.items():
        if parent is not None and path in index:
            table[index[path]][1] = ref(parent)
    return {
        "deliveries": shapes.deliveries,
        "paths": table,
        "shapes": [
            {"count": record.count, "pairs": sorted([ref(path), kind] for path, kind in record.pairs)}
            for record in shapes.signatures.values()
        ],
        "overflow": {
            "deliveries": shapes.overflow_deliveries,
            "pairs": sorted([ref(p), kind, n] for (p, kind), n in shapes.overflow.items()),
            "paths": sorted([ref(p), n] for p, n in shapes.overflow_paths.items()),
        },
    }


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise StateError("the saved shapes hold a count that is not a whole number")
    return value


def _kind(value: Any) -> str:
    if value not in JSON_TYPES:
        raise StateError(f"the saved shapes hold an unknown JSON type {str(value)[:20]!r}")
    return value


def shapes_from_json(data: dict[str, Any]) -> TypeShapes:
    shapes = TypeShapes()
    table = data["paths"]
    if len(table) > MAX_PATHS * 2 or len(data["shapes"]) > MAX_SIGNATURES:
        raise StateError("the saved shapes are larger than this version keeps")
    paths = [str(row[0]) for row in table]

    def path_at(i: Any) -> str:
        if type(i) is not int or not 0 <= i < len(paths):
            raise StateError("the saved shapes refer to a path that is not in their list")
        return paths[i]

    for path, parent, kinds, always in table:
        # A path with no types was in a shape but past MAX_PATHS, so never remembered as known.
        if kinds:
            shapes.types_at[path] = {_kind(k) for k in kinds}
            shapes.parents[path] = None if parent is None else path_at(parent)
        if always:
            shapes.always.add(path)
    shapes.deliveries = _count(data["deliveries"])
    for entry in data["shapes"]:
        pairs = frozenset((path_at(i), _kind(kind)) for i, kind in entry["pairs"])
        shapes.signatures[pairs] = SignatureCount(pairs, _count(entry["count"]))
    overflow = data["overflow"]
    shapes.overflow_deliveries = _count(overflow["deliveries"])
    for i, kind, n in overflow["pairs"]:
        shapes.overflow[(path_at(i), _kind(kind))] = _count(n)
    for i, n in overflow["paths"]:
        shapes.overflow_paths[path_at(i)] = _count(n)
    return shapes
