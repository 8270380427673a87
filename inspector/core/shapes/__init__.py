"""Learning the provider's payloads: shapes per event type, schemas, contracts and typed models.

Qt-free and usable headless. The parts, by module:

- `signature`: `shape_of(body) -> Shape`, the cheap structural signature (request threads);
- `learner`: `ShapeLearner`, `observe` per delivery (serial) returning `Difference`s (the
  `new_shape` verdict), `learn_pending` for samples (background), summaries, learned schemas,
  `to_state`/`from_state`, `rebuild` from history;
- `learned_schema`: genson's merged schema plus formats, value sets, required and examples;
- `contracts`: `SchemaSet` from a directory of `TYPE.json` or an OpenAPI 3 document, `check` for the
  `schema_invalid` verdict, `write_schema_dir` to freeze learned schemas as such a directory;
- `models`: Pydantic v2 / dataclass / TypedDict source via datamodel-code-generator (an extra);
- `markdown`, `exports`: tables and JSON text for people;
- `sensitive`, `formats`, `paths`, `samples`, `type_shapes`, `differences`, `state`: the rules and
  the bookkeeping behind them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from inspector.core.shapes.differences import Difference
from inspector.core.shapes.exports import markdown_text, schema_json, schemas_json
from inspector.core.shapes.learned_schema import DRAFT_2020_12
from inspector.core.shapes.learner import FieldSummary, ShapeLearner, TypeSummary
from inspector.core.shapes.markdown import markdown_report, type_table
from inspector.core.shapes.signature import Shape, shape_of
from inspector.core.shapes.state import StateError

if TYPE_CHECKING:
    from inspector.core.shapes.contracts import ContractError, SchemaSet, write_schema_dir
    from inspector.core.shapes.models import STYLES, ModelsError, ModelsUnavailable, generate_models

# Loaded on first use: jsonschema costs about 100 ms to import, and a listener that only learns
# shapes (no --schema-dir, no models) should not pay it at start.
_LAZY = {
    "ContractError": "contracts",
    "SchemaSet": "contracts",
    "write_schema_dir": "contracts",
    "STYLES": "models",
    "ModelsError": "models",
    "ModelsUnavailable": "models",
    "generate_models": "models",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "DRAFT_2020_12",
    "STYLES",
    "ContractError",
    "Difference",
    "FieldSummary",
    "ModelsError",
    "ModelsUnavailable",
    "SchemaSet",
    "Shape",
    "ShapeLearner",
    "StateError",
    "TypeSummary",
    "generate_models",
    "markdown_report",
    "markdown_text",
    "schema_json",
    "schemas_json",
    "shape_of",
    "type_table",
    "write_schema_dir",
]
