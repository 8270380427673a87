"""How one delivery's shape differs from everything learned of its event type before it.

Three kinds, each one line for a human:

- `new_field`: a path never seen in this type: "data.wallet: new field (string)";
- `type_changed`: a JSON type never seen at a known path: "data.amount: was integer, now string";
- `missing`: a path present in every earlier delivery, at least MISSING_MIN_EARLIER of them, is not
  there: "data.merchant.city: missing (present in all 112 earlier)".

Fields below a reported one are not repeated: a new object's own fields, or the fields of an object
that is missing or is now a string, are covered by the line about the object.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

MISSING_MIN_EARLIER = 3

NEW_FIELD = "new_field"
TYPE_CHANGED = "type_changed"
MISSING = "missing"


def _types(names: Collection[str]) -> str:
    return " or ".join(sorted(names))


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # NEW_FIELD | TYPE_CHANGED | MISSING
    path: str
    now: tuple[str, ...] = ()  # the types at the path in this delivery
    was: tuple[str, ...] = ()  # the types seen there before
    earlier: int = 0  # for MISSING: how many earlier deliveries all had it

    def __str__(self) -> str:
        if self.kind == NEW_FIELD:
            return f"{self.path}: new field ({_types(self.now)})"
        if self.kind == TYPE_CHANGED:
            return f"{self.path}: was {_types(self.was)}, now {_types(self.now)}"
        return f"{self.path}: missing (present in all {self.earlier} earlier)"


def _covered(path: str, parents: Mapping[str, str | None], reported: Collection[str]) -> bool:
    ancestor = parents.get(path)
    while ancestor is not None:
        if ancestor in reported:
            return True
        ancestor = parents.get(ancestor)
    return False


def differences(
    *,
    now: Mapping[str, Collection[str]],
    now_parents: Mapping[str, str | None],
    known: Mapping[str, Collection[str]],
    known_parents: Mapping[str, str | None],
    always: Collection[str],
    earlier: int,
) -> list[Difference]:
    """The differences of a delivery with types `now` per path from what was learned.

    `known` are the types seen per path in the `earlier` deliveries, `always` the paths every one
    of them had.
    """
    if earlier == 0:
        return []
    new = {p for p in now if p not in known}
    changed = {p for p in now if p in known and not set(now[p]) <= set(known[p])}
    missing = {p for p in always if p not in now} if earlier >= MISSING_MIN_EARLIER else set()
    out = [
        Difference(NEW_FIELD, p, now=tuple(sorted(now[p])))
        for p in new
        if not _covered(p, now_parents, new | changed)
    ]
    out += [
        Difference(TYPE_CHANGED, p, now=tuple(sorted(now[p])), was=tuple(sorted(known[p])))
        for p in changed
        if not _covered(p, now_parents, changed)
    ]
    out += [
        Difference(MISSING, p, earlier=earlier)
        for p in missing
        if not _covered(p, known_parents, missing | changed)
    ]
    return sorted(out, key=lambda d: (d.path, d.kind))
