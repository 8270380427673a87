"""The structural signature of one parsed body, cheap enough for the listener's request threads.

`shape_of` walks the body once and builds a nested, hashable key that mirrors its structure with
every scalar replaced by its JSON Schema type name: an object becomes a tuple of (key, signature)
pairs in the order sent, an array the frozenset of its elements' signatures (so ten line items of the
same form cost one entry), a scalar the interned type name. Two bodies with the same key have the
same shape; the learner's common case is one dict lookup with that key.

`Shape.paths` is the same information as the set of (path, type) pairs (`data.items[]`, "object"),
which is what is learned, compared and saved. It is derived from the key only when the learner meets
a key it has not seen, so the request thread never builds path strings. Bodies nested deeper than
MAX_DEPTH (or holding Python values JSON does not produce) take a slower walk that stops there;
such a shape is `truncated` and is not used as a schema sample.
"""

from __future__ import annotations

from typing import Any

from inspector.core.shapes.paths import ROOT, child_path, items_path

MAX_DEPTH = 64

STRING = "string"
INTEGER = "integer"
NUMBER = "number"
BOOLEAN = "boolean"
NULL = "null"
OBJECT = "object"
ARRAY = "array"
JSON_TYPES = (OBJECT, ARRAY, STRING, INTEGER, NUMBER, BOOLEAN, NULL)

_SCALAR: dict[type, str] = {str: STRING, int: INTEGER, float: NUMBER, bool: BOOLEAN, type(None): NULL}

Pair = tuple[str, str]


class Shape:
    """A body's structure: hashable by `key`; `paths` is the set of (path, type) pairs."""

    __slots__ = ("_derived", "key", "truncated")

    def __init__(self, key: Any, truncated: bool = False) -> None:
        self.key = key
        self.truncated = truncated
        self._derived: tuple[frozenset[Pair], dict[str, str | None]] | None = None

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shape) and self.key == other.key

    def __repr__(self) -> str:
        return f"Shape({sorted(self.paths)!r})"

    def _derive(self) -> tuple[frozenset[Pair], dict[str, str | None]]:
        if self._derived is None:
            pairs: set[Pair] = set()
            parents: dict[str, str | None] = {ROOT: None}
            _collect(self.key, ROOT, pairs, parents)
            self._derived = (frozenset(pairs), parents)
        return self._derived

    @property
    def paths(self) -> frozenset[Pair]:
        """Every (path, JSON type) pair in the body; a path with elements of two types has two."""
        return self._derive()[0]

    @property
    def parents(self) -> dict[str, str | None]:
        """Each path's parent path (None for the root)."""
        return self._derive()[1]


class _TooDeep(Exception):
    pass


def _object_key(obj: dict[str, Any], depth: int) -> tuple[tuple[str, Any], ...]:
    if depth >= MAX_DEPTH:
        raise _TooDeep
    out: list[tuple[str, Any]] = []
    for key, value in obj.items():
        kind = type(value)
        if kind is dict:
            out.append((key, _object_key(value, depth + 1)))
        elif kind is list:
            out.append((key, _array_key(value, depth + 1)))
        else:
            out.append((key, _SCALAR[kind]))
    return tuple(out)


def _array_key(arr: list[Any], depth: int) -> frozenset[Any]:
    if depth >= MAX_DEPTH:
        raise _TooDeep
    return frozenset(
        [
            _object_key(e, depth + 1)
            if type(e) is dict
            else _array_key(e, depth + 1)
            if type(e) is list
            else _SCALAR[type(e)]
            for e in arr
        ]
    )


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, dict):
        return OBJECT
    if isinstance(value, list | tuple):
        return ARRAY
    return NULL if value is None else STRING


def _careful_key(value: Any, depth: int) -> Any:
    """The same key as the fast walk, for any Python value, cut off below MAX_DEPTH."""
    kind = _type_name(value)
    if depth >= MAX_DEPTH and kind in (OBJECT, ARRAY):
        return kind  # an opaque leaf: the type is known, what is inside is not walked
    if kind == OBJECT:
        return tuple((str(k), _careful_key(v, depth + 1)) for k, v in value.items())
    if kind == ARRAY:
        return frozenset(_careful_key(e, depth + 1) for e in value)
    return kind


def shape_of(value: Any) -> Shape:
    """The structural signature of an already parsed JSON body (one walk, no path strings)."""
    try:
        if type(value) is dict:
            return Shape(_object_key(value, 0))
        if type(value) is list:
            return Shape(_array_key(value, 0))
        return Shape(_SCALAR[type(value)])
    except (_TooDeep, RecursionError, KeyError):
        # Too deep, or a Python value JSON never produces (a KeyError from the type table).
        return Shape(_careful_key(value, 0), truncated=True)


def _collect(key: Any, path: str, pairs: set[Pair], parents: dict[str, str | None]) -> None:
    kind = type(key)
    if kind is str:
        pairs.add((path, key))
    elif kind is tuple:
        pairs.add((path, OBJECT))
        for name, sub in key:
            child = child_path(path, name)
            parents.setdefault(child, path)
            _collect(sub, child, pairs, parents)
    else:
        pairs.add((path, ARRAY))
        child = items_path(path)
        for sub in key:
            parents.setdefault(child, path)
            _collect(sub, child, pairs, parents)
