"""The learned shapes as files for people: JSON Schema text and Markdown."""

from __future__ import annotations

import json
from collections.abc import Iterable

from inspector.core.shapes.learner import ShapeLearner
from inspector.core.shapes.markdown import markdown_report


def schema_json(learner: ShapeLearner, event_type: str) -> str:
    """One type's learned JSON Schema (draft 2020-12) as JSON text; KeyError for an unknown type."""
    return json.dumps(learner.schema(event_type), indent=2, ensure_ascii=False) + "\n"


def schemas_json(learner: ShapeLearner, event_types: Iterable[str] | None = None) -> str:
    """One JSON object mapping each (given, or every) event type to its learned schema."""
    return json.dumps(learner.schemas(event_types), indent=2, ensure_ascii=False) + "\n"


def markdown_text(learner: ShapeLearner, event_types: Iterable[str] | None = None) -> str:
    """A Markdown table per (given, or every) event type."""
    chosen = learner.event_types() if event_types is None else list(event_types)
    return markdown_report(learner.summary(t) for t in chosen)
