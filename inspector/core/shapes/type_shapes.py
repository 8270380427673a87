"""What the serial learner knows of one event type's structure: shapes seen and how often.

Counts live per distinct shape (its set of (path, type) pairs), not per path: a delivery of a
known shape adds one to one counter. How often a path or a (path, type) pair occurred is summed over
the shapes when someone asks (`pair_counts`), never per delivery.

Bounds, so a stream of ever-different bodies cannot grow memory without limit: MAX_SIGNATURES
distinct shapes are counted one by one; deliveries of further new shapes are counted per pair in
`overflow` (costing a path walk each). At most MAX_PATHS paths are remembered; structure key
spellings (key orders) per shape are cached up to MAX_FAST_KEYS, then the cache starts over.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from inspector.core.shapes.differences import Difference, differences
from inspector.core.shapes.signature import Pair, Shape

MAX_SIGNATURES = 2000
MAX_PATHS = 2000
MAX_FAST_KEYS = 4000


@dataclass(frozen=True, slots=True)
class ShapeCounts:
    """A copy of one type's counts, taken under the learner's lock and read without it."""

    deliveries: int
    shapes: int
    pairs: Counter[Pair]  # deliveries in which each (path, type) pair occurred
    paths: Counter[str]  # deliveries in which each path occurred
    types_at: dict[str, frozenset[str]]
    parents: dict[str, str | None]


class SignatureCount:
    __slots__ = ("count", "pairs")

    def __init__(self, pairs: frozenset[Pair], count: int = 0) -> None:
        self.pairs = pairs
        self.count = count


class TypeShapes:
    """The learned structure of one event type (see the module docstring for the bounds)."""

    def __init__(self) -> None:
        self.deliveries = 0
        self.signatures: dict[frozenset[Pair], SignatureCount] = {}
        self.fast: dict[Any, SignatureCount] = {}
        self.types_at: dict[str, set[str]] = {}
        self.parents: dict[str, str | None] = {}
        self.always: set[str] = set()
        self.overflow: Counter[Pair] = Counter()
        self.overflow_paths: Counter[str] = Counter()
        self.overflow_deliveries = 0

    def observe_new(self, shape: Shape) -> tuple[list[Difference], bool]:
        """Count a delivery whose structure key is not in `fast` (known keys are only counted, by the
        learner): its differences, and whether its shape is new."""
        pairs = shape.paths
        record = self.signatures.get(pairs)
        if record is not None:  # the same shape spelled in another key order
            self._remember_key(shape, record)
            record.count += 1
            self.deliveries += 1
            return [], False
        now: dict[str, set[str]] = {}
        for path, kind in pairs:
            now.setdefault(path, set()).add(kind)
        found = differences(
            now=now,
            now_parents=shape.parents,
            known=self.types_at,
            known_parents=self.parents,
            always=self.always,
            earlier=self.deliveries,
        )
        self._learn_paths(now, shape.parents)
        if len(self.signatures) < MAX_SIGNATURES:
            record = SignatureCount(pairs, 1)
            self.signatures[pairs] = record
            self._remember_key(shape, record)
        else:
            # Only remembered paths are counted, so the overflow cannot grow past MAX_PATHS either.
            self.overflow.update(pair for pair in pairs if pair[0] in self.types_at)
            self.overflow_paths.update(path for path in now if path in self.types_at)
            self.overflow_deliveries += 1
        self.deliveries += 1
        return found, True

    def _remember_key(self, shape: Shape, record: SignatureCount) -> None:
        if len(self.fast) >= MAX_FAST_KEYS:
            self.fast.clear()
        self.fast[shape.key] = record

    def _learn_paths(self, now: dict[str, set[str]], parents: dict[str, str | None]) -> None:
        for path, kinds in now.items():
            seen = self.types_at.get(path)
            if seen is not None:
                seen.update(kinds)
            elif len(self.types_at) < MAX_PATHS:
                self.types_at[path] = set(kinds)
                self.parents[path] = parents.get(path)
        if self.deliveries == 0:
            # A path past MAX_PATHS is not remembered, so it cannot be expected either.
            self.always = {path for path in now if path in self.types_at}
        else:
            self.always.intersection_update(now)

    def counts(self) -> ShapeCounts:
        """In how many deliveries each (path, type) pair and each path occurred, and the rest."""
        pairs: Counter[Pair] = Counter(self.overflow)
        paths: Counter[str] = Counter(self.overflow_paths)
        for record in self.signatures.values():
            for pair in record.pairs:
                pairs[pair] += record.count
            for path in {p for p, _ in record.pairs}:
                paths[path] += record.count
        return ShapeCounts(
            deliveries=self.deliveries,
            shapes=len(self.signatures),
            pairs=pairs,
            paths=paths,
            types_at={path: frozenset(kinds) for path, kinds in self.types_at.items()},
            parents=dict(self.parents),
        )
