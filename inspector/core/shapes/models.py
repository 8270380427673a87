"""Typed models to paste into a webhook handler, generated with datamodel-code-generator.

From event type -> JSON Schema (learned or loaded), for one type the models of its envelope, for
several a union of their envelopes discriminated on `event_identifier` (a pydantic `RootModel` with
`Field(discriminator="event_identifier")`; for dataclasses and TypedDicts a type alias whose members
differ in their `event_identifier` Literal, which type checkers narrow on).

datamodel-code-generator (with black, isort, jinja2 and pydantic behind it, about 40 MB installed
and some 0.65 s to its first model) is an optional extra: `pip install 'webhook-inspector[models]'`. Without
it, `generate_models` raises ModelsUnavailable saying so. Its Python API (`generate`) is used, not
its command line; it keeps module state, so calls here are serialised.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Mapping
from typing import Any, Literal

from inspector.core.shapes.learned_schema import DRAFT_2020_12, ENVELOPE_TYPE_FIELD

ModelStyle = Literal["pydantic", "dataclasses", "typeddict"]
STYLES: tuple[str, ...] = ("pydantic", "dataclasses", "typeddict")
INSTALL_HINT = "pip install 'webhook-inspector[models]'"
UNION_NAME = "WebhookEvent"

_LOCK = threading.Lock()


class ModelsUnavailable(RuntimeError):
    """datamodel-code-generator is not installed; str(exc) says how to install it."""


class ModelsError(ValueError):
    """The schemas could not be turned into models; str(exc) says why in one sentence."""


def class_name(event_type: str) -> str:
    """`transaction.authorized` -> `TransactionAuthorized` (a valid, capitalised identifier)."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", event_type) if w]
    name = "".join(w[0].upper() + w[1:] for w in words) or "Event"
    return name if name[0].isalpha() else "Event" + name


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _rewrite_refs(v, renames) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name, _, rest = ref.removeprefix("#/$defs/").partition("/")
        if name in renames:
            out["$ref"] = f"#/$defs/{renames[name]}" + (f"/{rest}" if rest else "")
    return out


def _inline_root(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema that is only `$ref` to one of its `$defs` (as loaded from OpenAPI), with that def inlined."""
    ref = schema.get("$ref")
    defs = dict(schema.get("$defs", {}))
    if set(schema) - {"$schema", "$ref", "$defs"} or not isinstance(ref, str):
        return schema
    if not ref.startswith("#/$defs/"):
        return schema
    target = defs.get(ref.removeprefix("#/$defs/"))
    if not isinstance(target, dict):
        return schema
    return {**copy.deepcopy(target), "$defs": defs}


def _member(event_type: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope schema of one type, titled with its class name and pinned to its identifier."""
    member = _inline_root(copy.deepcopy(dict(schema)))
    member.pop("$schema", None)
    member["title"] = class_name(event_type)
    properties = member.setdefault("properties", {})
    properties[ENVELOPE_TYPE_FIELD] = {"type": "string", "const": event_type}
    required = member.setdefault("required", [])
    if ENVELOPE_TYPE_FIELD not in required:
        required.append(ENVELOPE_TYPE_FIELD)
    member.setdefault("type", "object")
    return member


def _combined(schemas: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One schema: each type's envelope in `$defs`, their own `$defs` hoisted, and a oneOf over them."""
    defs: dict[str, Any] = {}
    mapping: dict[str, str] = {}
    for event_type, schema in schemas.items():
        member = _member(event_type, schema)
        own = member.pop("$defs", {})
        renames = {}
        for name, definition in own.items():
            if name in defs and defs[name] != definition:
                renames[name] = f"{member['title']}{name}"
        member = _rewrite_refs(member, renames)
        for name, definition in own.items():
            defs.setdefault(renames.get(name, name), _rewrite_refs(definition, renames))
        name = member["title"]
        if name in defs or name in mapping.values():
            raise ModelsError(f"two event types would both be called {name}; generate them one at a time")
        defs[name] = member
        mapping[event_type] = f"#/$defs/{name}"
    return {
        "$schema": DRAFT_2020_12,
        "title": UNION_NAME,
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": ENVELOPE_TYPE_FIELD, "mapping": mapping},
        "$defs": defs,
    }


def generate_models(
    schemas: Mapping[str, Mapping[str, Any]],
    style: ModelStyle = "pydantic",
    *,
    value_sets: bool = True,
) -> str:
    """Python source of models for the envelopes of `schemas` (event type -> JSON Schema).

    One type: its envelope's models. Several: theirs and `WebhookEvent`, the union discriminated on
    `event_identifier`. `value_sets=False` drops learned `enum`s, so fields accept values not seen
    yet (a new currency) instead of being Literals of the ones seen.
    """
    if style not in STYLES:
        raise ModelsError(f"unknown model style {style!r}; use one of {', '.join(STYLES)}")
    if not schemas:
        raise ModelsError("there are no schemas to generate models from")
    try:
        from datamodel_code_generator import (
            DataModelType,
            InputFileType,
            LiteralType,
            PythonVersion,
            generate,
        )
        from datamodel_code_generator.format import Formatter
    except ImportError:
        raise ModelsUnavailable(
            f"generating typed models needs datamodel-code-generator; install it with: {INSTALL_HINT}"
        ) from None
    if len(schemas) == 1:
        ((event_type, schema),) = schemas.items()
        source = {"$schema": DRAFT_2020_12, **_member(event_type, schema)}
    else:
        source = _combined(schemas)
    source = _for_codegen(source, value_sets)
    output_type = {
        "pydantic": DataModelType.PydanticV2BaseModel,
        "dataclasses": DataModelType.DataclassesDataclass,
        "typeddict": DataModelType.TypingTypedDict,
    }[style]
    # Event types come from deliveries: json.dumps keeps odd characters out of the comment line.
    names = ", ".join(json.dumps(t) for t in sorted(schemas))
    header = f"# Generated by webhook-inspector from the payload shapes of {names}"
    try:
        with _LOCK:
            code = generate(
                json.dumps(source),
                input_file_type=InputFileType.JsonSchema,
                output_model_type=output_type,
                target_python_version=PythonVersion.PY_311,
                formatters=[Formatter.BUILTIN],
                disable_timestamp=True,
                enum_field_as_literal=LiteralType.All,
                use_title_as_name=True,
                parent_scoped_naming=True,
                custom_file_header=_one_line(header),
            )
    except Exception as exc:
        # The generator raises its own Error and, on odd schemas, plain ones of many kinds.
        reason = _one_line(str(exc))
        raise ModelsError(f"datamodel-code-generator could not use the schema: {reason}") from None
    if not isinstance(code, str):
        raise ModelsError("datamodel-code-generator returned no single module for the schema")
    return code


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line[:200]


# Formats whose generated types need nothing beyond pydantic itself. `email` would become EmailStr,
# which needs the email-validator package in the handler's project; `iso-4217` is ours. Both stay str.
_CODEGEN_FORMATS = frozenset({"date-time", "date", "uuid", "uri"})


def _for_codegen(node: Any, value_sets: bool) -> Any:
    """The schema without formats needing more packages in the handler (and, if asked, enums)."""
    if isinstance(node, list):
        return [_for_codegen(item, value_sets) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "format" and isinstance(value, str) and value not in _CODEGEN_FORMATS:
            continue
        if key == "enum" and isinstance(value, list) and not value_sets:
            continue
        out[key] = _for_codegen(value, value_sets)
    return out
