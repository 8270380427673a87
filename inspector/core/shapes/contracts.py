"""Schemas to check deliveries against (the `schema_invalid` verdict), and writing a learned contract.

Where the schemas come from:

- a directory of `TYPE.json` files: `transaction.authorized.json` holds the schema of
  `transaction.authorized` deliveries;
- an OpenAPI 3.0 or 3.1 document (JSON, or YAML): its `components/schemas`, mapped to event types by
  this rule, first match wins:
  1. a schema whose `event_identifier` property (at the top, or in a top-level `allOf` part or
     `$ref`) has a `const`, or an `enum` of names, is the schema of those types;
  2. otherwise a schema whose name, without case, punctuation and a trailing `Event`, `Webhook`,
     `Payload` or `Envelope`, equals the type's name without punctuation:
     `TransactionAuthorizedEvent` for `transaction.authorized`.
  References between components are kept (they become `$defs`); OpenAPI 3.0's `nullable` and
  boolean `exclusiveMinimum`/`exclusiveMaximum` are turned into their JSON Schema spelling.

A schema (file or component) that describes neither `event_identifier` nor `data` at its top is
taken as the schema of `data` (the envelope around it is then only required to be an object with
`data`). Validation is jsonschema's, with the dialect the schema names in `$schema` (draft 2020-12
when it names none) and format checking on (`formats.format_checker`). A delivery's problems are the
validator's first MAX_MESSAGES errors, one line each, starting with the JSON path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jsonschema import exceptions as jsonschema_errors
from jsonschema import validators
from jsonschema.protocols import Validator
from referencing.exceptions import Unresolvable

from inspector.core.shapes.formats import format_checker
from inspector.core.shapes.learned_schema import DRAFT_2020_12, ENVELOPE_TYPE_FIELD
from inspector.core.shapes.paths import ROOT, child_path
from inspector.core.shapes.sensitive import is_secret_key, looks_sensitive_value

MAX_MESSAGES = 3
MAX_MESSAGE_CHARS = 160
SCHEMA_SUFFIX = ".json"
_NAME_SUFFIXES = ("event", "webhook", "payload", "envelope")
_SAFE_TYPE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){12,}")
_QUOTED = re.compile(r"'([^']*)'")


class ContractError(ValueError):
    """A schema file or document that cannot be used; str(exc) says which and why in one sentence."""


def _name_key(text: str) -> str:
    key = re.sub(r"[^0-9a-z]", "", text.casefold())
    for _ in range(2):
        for suffix in _NAME_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
    return key


def _type_key(event_type: str) -> str:
    return re.sub(r"[^0-9a-z]", "", event_type.casefold())


def _top_parts(schema: Any, defs: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The schema and what its top level is made of (`$ref`, `allOf`), one level of each."""
    if not isinstance(schema, dict):
        return
    yield schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"))
        if isinstance(target, dict):
            yield target
    for part in schema.get("allOf", ()) or ():
        if isinstance(part, dict):
            yield part


def _top_properties(schema: Any, defs: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in _top_parts(schema, defs):
        properties = part.get("properties")
        if isinstance(properties, dict):
            found.update(properties)
    return found


def _declared_types(schema: Any, defs: Mapping[str, Any]) -> list[str]:
    spec = _top_properties(schema, defs).get(ENVELOPE_TYPE_FIELD)
    if not isinstance(spec, dict):
        return []
    if isinstance(spec.get("const"), str):
        return [spec["const"]]
    return [v for v in spec.get("enum", ()) or () if isinstance(v, str)]


def _as_envelope(schema: dict[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    properties = _top_properties(schema, defs)
    if not properties or ENVELOPE_TYPE_FIELD in properties or "data" in properties:
        return schema
    dialect = schema.get("$schema", DRAFT_2020_12)
    inner = {k: v for k, v in schema.items() if k not in ("$schema", "$defs", "$id")}
    outer: dict[str, Any] = {"$schema": dialect, "type": "object", "properties": {"data": inner}}
    outer["required"] = ["data"]
    if "$defs" in schema:
        outer["$defs"] = schema["$defs"]
    return outer


def _error_path(error: jsonschema_errors.ValidationError) -> tuple[str, bool]:
    """The instance path in our notation (`data.items[2].sku`), and whether it is under a secret key."""
    path, secret = ROOT, False
    for part in error.absolute_path:
        if isinstance(part, int):
            path = (path if path != ROOT else "") + f"[{part}]"
        else:
            path = child_path(path, part)
            secret = secret or is_secret_key(part)
    return path, secret


def _clean(message: str) -> str:
    """One line, short, with card-number-like runs and token-like quoted values taken out."""
    line = " ".join(message.split())
    line = _DIGIT_RUN.sub("[redacted]", line)
    line = _QUOTED.sub(lambda m: "'[redacted]'" if looks_sensitive_value(m.group(1)) else m.group(0), line)
    if len(line) > MAX_MESSAGE_CHARS:
        line = line[: MAX_MESSAGE_CHARS - 1] + "…"
    return line


def _describe(error: jsonschema_errors.ValidationError) -> str:
    if error.context:
        # "is not valid under any of the given schemas" says little; the closest branch says more.
        error = jsonschema_errors.best_match(error.context) or error
    path, secret = _error_path(error)
    if secret:
        return f"{path}: the value does not match the schema ({error.validator})"
    return f"{path}: {_clean(error.message)}"


def _validator(schema: dict[str, Any], source: str) -> Validator:
    cls = validators.validator_for(schema, default=validators.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema_errors.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "top level"
        raise ContractError(f"{source} is not a valid JSON Schema ({where}: {_clean(exc.message)})") from None
    return cls(schema, format_checker=format_checker())


class SchemaSet:
    """Schemas per event type, each compiled once; `check` gives a delivery's problems."""

    def __init__(self) -> None:
        self._schemas: dict[str, dict[str, Any]] = {}
        self._validators: dict[str, Validator] = {}
        # OpenAPI's name rule: name key -> (component name, its schema), used when a type is asked for.
        self._named: dict[str, tuple[str, dict[str, Any]]] = {}

    def _add(self, event_type: str, schema: dict[str, Any], source: str) -> None:
        if event_type in self._schemas:
            return
        self._validators[event_type] = _validator(schema, source)
        self._schemas[event_type] = schema

    @classmethod
    def from_schemas(cls, schemas: Mapping[str, dict[str, Any]]) -> SchemaSet:
        """From event type -> schema (learned ones, say, to check deliveries against today's shape)."""
        made = cls()
        for event_type, schema in schemas.items():
            envelope = _as_envelope(schema, schema.get("$defs", {}))
            made._add(event_type, envelope, f"the schema of {event_type}")
        return made

    @classmethod
    def from_dir(cls, directory: str | os.PathLike[str]) -> SchemaSet:
        """From `TYPE.json` files; ContractError when the directory or a file cannot be used."""
        folder = Path(directory)
        if not folder.is_dir():
            raise ContractError(f"schema directory {str(folder)!r} does not exist or is not a directory")
        made = cls()
        for file in sorted(folder.iterdir()):
            if not file.name.endswith(SCHEMA_SUFFIX) or not file.is_file():
                continue
            schema = _read_json(file)
            if not isinstance(schema, dict):
                raise ContractError(f"{file.name} does not hold a JSON Schema object")
            envelope = _as_envelope(schema, schema.get("$defs", {}))
            made._add(file.name.removesuffix(SCHEMA_SUFFIX), envelope, file.name)
        return made

    @classmethod
    def from_openapi(cls, document: str | os.PathLike[str] | Mapping[str, Any]) -> SchemaSet:
        """From an OpenAPI 3 document (a file or already parsed), by the module docstring's rule."""
        source = "the OpenAPI document"
        if not isinstance(document, Mapping):
            source = Path(document).name
            document = _read_document(Path(document))
        version = str(document.get("openapi", ""))
        if not version.startswith("3."):
            raise ContractError(f"{source} is not an OpenAPI 3 document (no 'openapi: 3.x' field)")
        components = (document.get("components") or {}).get("schemas") or {}
        if not isinstance(components, Mapping) or not components:
            raise ContractError(f"{source} has no components/schemas")
        legacy = version.startswith("3.0")
        defs = {str(name): _from_openapi(schema, legacy) for name, schema in components.items()}
        made = cls()
        for name, schema in defs.items():
            standalone = _standalone(name, defs)
            for event_type in _declared_types(schema, defs):
                made._add(event_type, standalone, f"{source} components/schemas/{name}")
        for name in defs:
            if _name_key(name) not in made._named:
                made._named[_name_key(name)] = (name, _as_envelope(_standalone(name, defs), defs))
        return made

    def _resolve(self, event_type: str) -> Validator | None:
        found = self._validators.get(event_type)
        if found is None and self._named:
            named = self._named.get(_type_key(event_type))
            if named is not None:
                self._add(event_type, named[1], f"components/schemas/{named[0]}")
                found = self._validators[event_type]
        return found

    def event_types(self) -> list[str]:
        """The types with an explicit schema (OpenAPI name matches are found when asked for)."""
        return sorted(self._schemas)

    def covers(self, event_type: str) -> bool:
        return self._resolve(event_type) is not None

    def schema(self, event_type: str) -> dict[str, Any]:
        """The schema deliveries of `event_type` are checked against; KeyError when there is none."""
        if self._resolve(event_type) is None:
            raise KeyError(event_type)
        return self._schemas[event_type]

    def check(self, event_type: str, body: Any) -> list[str]:
        """At most MAX_MESSAGES problems, one line each; empty when valid or when no schema covers it."""
        validator = self._resolve(event_type)
        if validator is None:
            return []
        try:
            errors = validator.iter_errors(body)
            return [_describe(error) for _, error in zip(range(MAX_MESSAGES), errors, strict=False)]
        except Unresolvable as exc:
            return [f"{ROOT}: the schema refers to {_clean(str(exc.ref))!r}, which cannot be resolved"]
        except Exception as exc:  # a schema that passed check_schema can still fail to apply (a bad regex)
            return [f"{ROOT}: the schema could not be applied ({type(exc).__name__})"]


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContractError(f"{file.name} cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ContractError(f"{file.name} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ContractError(f"{file.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None


def _read_document(file: Path) -> Mapping[str, Any]:
    if file.suffix.lower() == ".json":
        loaded = _read_json(file)
    else:
        import yaml

        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ContractError(f"{file.name} cannot be read ({exc.strerror or exc})") from None
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ContractError(f"{file.name} is not valid YAML or JSON ({type(exc).__name__})") from None
    if not isinstance(loaded, Mapping):
        raise ContractError(f"{file.name} does not hold an OpenAPI object")
    return loaded


def _from_openapi(node: Any, legacy: bool) -> Any:
    """A component schema in JSON Schema 2020-12 spelling, refs pointing into `$defs`."""
    if isinstance(node, list):
        return [_from_openapi(item, legacy) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {str(k): _from_openapi(v, legacy) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        out["$ref"] = "#/$defs/" + ref.removeprefix("#/components/schemas/")
    if legacy:
        if out.pop("nullable", False) is True:
            kind = out.get("type")
            if isinstance(kind, str):
                out["type"] = [kind, "null"]
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if out.get(bound) is True and limit in out:
                out[bound] = out.pop(limit)
            elif out.get(bound) is False:
                out.pop(bound)
    return out


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            yield ref.removeprefix("#/$defs/").split("/")[0]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _standalone(name: str, defs: Mapping[str, Any]) -> dict[str, Any]:
    """Component `name` as a self-contained schema: a `$ref` to it and the components it reaches."""
    reached, todo = {name}, [name]
    while todo:
        for ref in _refs(defs.get(todo.pop())):
            if ref not in reached and ref in defs:
                reached.add(ref)
                todo.append(ref)
    return {
        "$schema": DRAFT_2020_12,
        "$ref": f"#/$defs/{name}",
        "$defs": {n: defs[n] for n in defs if n in reached},
    }


def write_schema_dir(schemas: Mapping[str, dict[str, Any]], directory: str | os.PathLike[str]) -> list[Path]:
    """Write each schema as `TYPE.json` (a contract `SchemaSet.from_dir` reads back); the files written.

    ContractError, before anything is written, when an event type cannot be a file name.
    """
    bad = [t for t in schemas if not _SAFE_TYPE_NAME.fullmatch(t) or ".." in t]
    if bad:
        raise ContractError(f"event type {_clean(bad[0])!r} cannot be used as a schema file name")
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for event_type, schema in schemas.items():
            target = folder / f"{event_type}{SCHEMA_SUFFIX}"
            temporary = target.with_name(target.name + ".tmp")
            temporary.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(temporary, target)
            written.append(target)
    except OSError as exc:
        raise ContractError(f"schemas cannot be written to {str(folder)!r} ({exc.strerror or exc})") from None
    return written
