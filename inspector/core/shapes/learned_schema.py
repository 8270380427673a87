"""The learned JSON Schema (draft 2020-12) of one event type.

genson does the schema work: it turns each sampled body into a schema and merges them (property
types, nested objects, array `items`, `anyOf` where a path held both an object and a scalar, and
`required` for keys every sampled object had). It keeps no values and knows no formats.

What is added here, from the learner's own counts and samples:

- `$schema` (draft 2020-12), `title` (the event type) and a `description` with the counts;
- `required` only for keys present in every delivery whose parent object was there, counted over all
  deliveries, not only the sampled ones (inside array elements, where deliveries cannot tell one
  element from another, genson's per-element answer stands);
- `const` for `event_identifier` (every delivery of the type carries the type's own name);
- `format` where the samples show one (`formats`), `enum` for small value sets (`samples`),
  `examples` (at most three, never a secret or a card-number-like value).
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from inspector.core.shapes.paths import REDACTED_KEY, ROOT, child_path, items_path
from inspector.core.shapes.samples import FieldSamples, TypeSamples
from inspector.core.shapes.signature import Pair
from inspector.core.shapes.type_shapes import ShapeCounts

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_TYPE_FIELD = "event_identifier"

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def _fits(value: Any, kinds: list[str]) -> bool:
    if isinstance(value, bool):
        return "boolean" in kinds
    return any(isinstance(value, _PY_TYPES[k]) for k in kinds if k in _PY_TYPES)


class _Enricher:
    def __init__(self, fields: dict[str, FieldSamples], pairs: Counter[Pair], paths: Counter[str]) -> None:
        self.fields = fields
        self.pairs = pairs
        self.paths = paths

    def always_there(self, child: str, parent: str) -> bool:
        return self.paths[child] >= self.pairs[(parent, "object")] > 0

    def enrich(self, node: dict[str, Any], path: str, in_items: bool) -> None:
        if "anyOf" in node:
            for alternative in node["anyOf"]:
                self.enrich(alternative, path, in_items)
            return
        kinds = node.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        if "object" in kinds:
            self._object(node, path, in_items)
        if "array" in kinds and isinstance(node.get("items"), dict):
            self.enrich(node["items"], items_path(path), True)
        field = self.fields.get(path)
        if field is None:
            return
        if "string" in kinds:
            found = field.format()
            if found:
                node["format"] = found
            values = field.value_set()
            if values and set(kinds) <= {"string", "null"}:
                node["enum"] = [*values, None] if "null" in kinds else values
        examples = [e for e in field.examples if _fits(e, kinds)]
        if examples and not {"object", "array"} & set(kinds):
            node["examples"] = examples

    def _object(self, node: dict[str, Any], path: str, in_items: bool) -> None:
        properties = node.get("properties", {})
        for key, sub in properties.items():
            self.enrich(sub, child_path(path, key), in_items)
        required = [
            key
            for key in node.get("required", [])
            if key != REDACTED_KEY and (in_items or self.always_there(child_path(path, key), path))
        ]
        if required:
            node["required"] = required
        else:
            node.pop("required", None)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def learned_schema(event_type: str, counts: ShapeCounts, samples: TypeSamples) -> dict[str, Any]:
    """The type's learned schema (see the module docstring for what genson does and what is added)."""
    body = copy.deepcopy(samples.genson_schema()) or {"type": "object"}
    _Enricher(samples.fields, counts.pairs, counts.paths).enrich(body, ROOT, False)
    properties = body.get("properties", {})
    if properties.get(ENVELOPE_TYPE_FIELD, {}).get("type") == "string":
        properties[ENVELOPE_TYPE_FIELD] = {"type": "string", "const": event_type}
    description = (
        f"Learned from {_count(counts.deliveries, 'delivery', 'deliveries')} "
        f"({_count(counts.shapes, 'distinct shape', 'distinct shapes')}, {samples.count} sampled)."
    )
    return {"$schema": DRAFT_2020_12, "title": event_type, "description": description, **body}
