"""What is learned from sampled bodies, off the request path: genson's schema, examples, formats, value sets.

Per event type, every sample is given whole to genson's SchemaBuilder, which merges it into one
JSON Schema (types per property, nested objects, array items, `required` among the samples), and
walked once for what genson does not keep, per path:

- up to EXAMPLES_MAX distinct example values that pass `sensitive.example_allowed`, never any under
  a credential-named key (`sensitive` has the rules);
- the string formats every sampled string there has (`formats`);
- a value set: the distinct strings, while there are at most VALUE_SET_MAX of them.

A path's value set counts (it becomes an `enum`) when it has at least VALUE_SET_MIN_SAMPLES sampled
values, all strings (or null), at most VALUE_SET_MAX distinct and no more than half as many distinct
values as samples (so ids are not taken for a set), none of them unfit to show, and no open-ended
format (a date-time, UUID, e-mail or URI; currency codes do form sets).
"""

from __future__ import annotations

from typing import Any

from genson import SchemaBuilder

from inspector.core.shapes.formats import DETECTORS, FORMAT_MIN_SAMPLES, formats_of
from inspector.core.shapes.paths import ROOT, child_path, items_path, safe_key
from inspector.core.shapes.sensitive import example_allowed, is_secret_key
from inspector.core.shapes.type_shapes import MAX_PATHS

EXAMPLES_MAX = 3
VALUE_SET_MAX = 10
VALUE_SET_MIN_SAMPLES = 20

Scalar = str | int | float | bool | None


class FieldSamples:
    """What the samples showed at one path."""

    __slots__ = ("examples", "formats", "nulls", "others", "secret", "strings", "unsafe", "values")

    def __init__(self, secret: bool) -> None:
        self.secret = secret
        self.strings = 0
        self.nulls = 0
        self.others = 0  # numbers, booleans, objects, arrays
        self.unsafe = False  # a value here was not fit to show
        self.formats: set[str] | None = None  # None until the first string
        self.values: dict[str, int] | None = {}  # None once past VALUE_SET_MAX distinct
        self.examples: list[Scalar] = []

    def add(self, value: Any) -> None:
        if isinstance(value, dict | list):
            self.others += 1
            return
        if value is None:
            self.nulls += 1
            return
        is_string = type(value) is str
        if is_string:
            self.strings += 1
            # Only formats every earlier string had are tried again: after a miss, none at all.
            if self.formats is None:
                self.formats = formats_of(value)
            elif self.formats:
                self.formats = {name for name in self.formats if DETECTORS[name](value)}
        else:
            self.others += 1
        if self.secret:
            self.values = None
            return
        values = self.values
        if is_string and values is not None and value in values:
            values[value] += 1  # checked when it was first seen
            return
        if values is None and len(self.examples) >= EXAMPLES_MAX:
            return  # nothing more would be kept, so nothing needs checking
        if not example_allowed(value):
            # Nothing of a value unfit to show is kept, not even in the value set.
            self.unsafe = True
            self.values = None
            return
        if is_string and values is not None:
            values[value] = 1
            if len(values) > VALUE_SET_MAX:
                self.values = None
        if len(self.examples) < EXAMPLES_MAX and not any(
            type(e) is type(value) and e == value for e in self.examples
        ):
            self.examples.append(value)

    def format(self) -> str | None:
        """The recognised format of the strings here, if one is sure enough."""
        if self.formats and self.strings >= FORMAT_MIN_SAMPLES and self.others == 0:
            return min(self.formats, key=_FORMAT_ORDER.index)
        return None

    def value_set(self) -> list[str] | None:
        """The distinct strings seen here when they form a small set (module docstring has the rule)."""
        if self.secret or self.unsafe or self.values is None or self.others:
            return None
        if self.strings < VALUE_SET_MIN_SAMPLES or len(self.values) * 2 > self.strings:
            return None
        if self.format() not in (None, "iso-4217"):
            return None  # timestamps, ids, addresses: open-ended even when few were seen
        return sorted(self.values)

    def to_json(self) -> dict[str, Any]:
        return {
            "secret": self.secret,
            "strings": self.strings,
            "nulls": self.nulls,
            "others": self.others,
            "unsafe": self.unsafe,
            "formats": None if self.formats is None else sorted(self.formats),
            "values": self.values,
            "examples": self.examples,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldSamples:
        field = cls(bool(data["secret"]))
        field.strings = int(data["strings"])
        field.nulls = int(data["nulls"])
        field.others = int(data["others"])
        field.unsafe = bool(data["unsafe"])
        field.formats = None if data["formats"] is None else {str(f) for f in data["formats"]}
        values = data["values"]
        field.values = None if values is None else {str(k): int(v) for k, v in values.items()}
        # A state file written by hand or by an older version is held to today's rules too.
        if field.secret or (field.values and not all(example_allowed(v) for v in field.values)):
            field.values = None
        field.examples = [e for e in data["examples"] if not field.secret and example_allowed(e)]
        return field


_FORMAT_ORDER = ["date-time", "date", "uuid", "email", "uri", "iso-4217"]


def _safe_keys(value: Any) -> Any:
    """`value` with keys that look like card numbers or tokens renamed; itself when there are none."""
    if type(value) is dict:
        out = {}
        changed = False
        for key, sub in value.items():
            new_key, new_sub = safe_key(key), _safe_keys(sub)
            changed = changed or new_key != key or new_sub is not sub
            out[new_key] = new_sub
        return out if changed else value
    if type(value) is list:
        items = [_safe_keys(e) for e in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


class TypeSamples:
    """Everything learned from the sampled bodies of one event type."""

    def __init__(self) -> None:
        self.count = 0
        self.builder = SchemaBuilder(schema_uri=None)
        self.fields: dict[str, FieldSamples] = {}

    def add(self, body: Any) -> None:
        # A sample with paths past MAX_PATHS (ever-new keys) is counted but not given to genson,
        # whose schema would otherwise grow with every one of them.
        if self._walk(body, ROOT, False):
            self.builder.add_object(_safe_keys(body))
        self.count += 1

    def _walk(self, value: Any, path: str, secret: bool) -> bool:
        """Record `value` and what is inside it; False if some path was past MAX_PATHS."""
        field = self.fields.get(path)
        if field is None:
            if len(self.fields) >= MAX_PATHS:
                return False
            field = self.fields[path] = FieldSamples(secret)
        field.add(value)
        kept = True
        if isinstance(value, dict):
            for key, sub in value.items():
                kept = self._walk(sub, child_path(path, key), secret or is_secret_key(key)) and kept
        elif isinstance(value, list):
            inner = items_path(path)
            for element in value:
                kept = self._walk(element, inner, secret) and kept
        return kept

    def genson_schema(self) -> dict[str, Any]:
        return self.builder.to_schema()

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "schema": self.genson_schema(),
            "fields": {path: field.to_json() for path, field in self.fields.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TypeSamples:
        samples = cls()
        samples.count = int(data["count"])
        if data["schema"]:
            samples.builder.add_schema(data["schema"])
        samples.fields = {str(p): FieldSamples.from_json(f) for p, f in data["fields"].items()}
        return samples
