"""Strict parsing of delivery bodies: what is JSON enough to acknowledge, and why not otherwise.

Python's json module is lenient where a webhook receiver should not be (NaN, Infinity, 1e400 as
inf, lone surrogates) and raises errors of several kinds on hostile input; everything here turns
into a JsonBodyError with one sentence for the 400 answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ENVELOPE_FIELDS = ("event_id", "event_identifier", "data")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class JsonBodyError(ValueError):
    """The body is not acceptable JSON; str(exc) is the sentence we answer with."""


@dataclass(frozen=True, slots=True)
class ParsedBody:
    value: Any
    duplicate_keys: bool
    missing_fields: tuple[str, ...]  # envelope fields absent (empty when it is a full envelope)
    event_id: str | None
    event_identifier: str | None


def _reject_constant(name: str) -> Any:
    raise JsonBodyError(f"{name} is not valid JSON")


def _strict_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonBodyError(f"number {text[:40]} is out of range")
    return value


def parse_json_body(raw: bytes) -> ParsedBody:
    if not raw.strip():
        raise JsonBodyError("the body is empty; a JSON object was expected")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonBodyError(f"the body is not valid UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        raise JsonBodyError("the body starts with a byte order mark, which JSON does not allow")

    duplicate = False

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicate
        obj = dict(pairs)
        if len(obj) != len(pairs):
            duplicate = True
        return obj

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs_hook,
            parse_constant=_reject_constant,
            parse_float=_strict_float,
        )
    except JsonBodyError:
        raise
    except RecursionError:
        raise JsonBodyError("the JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise JsonBodyError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:  # e.g. int over sys.get_int_max_str_digits
        raise JsonBodyError(f"invalid JSON: {str(exc).split(';')[0]}") from None

    if _SURROGATE_ESCAPE.search(text):
        # An escaped surrogate is fine only as part of a valid pair; a lone one cannot be encoded.
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JsonBodyError("the JSON contains a lone surrogate (\\ud800-\\udfff)") from None
        except RecursionError:
            raise JsonBodyError("the JSON is nested too deeply") from None

    if not isinstance(value, dict):
        raise JsonBodyError(f"the body is a JSON {_kind(value)}; a JSON object was expected")

    missing = tuple(f for f in ENVELOPE_FIELDS if f not in value)
    event_id = value.get("event_id")
    identifier = value.get("event_identifier")
    return ParsedBody(
        value=value,
        duplicate_keys=duplicate,
        missing_fields=missing,
        event_id=_as_key(event_id),
        event_identifier=_as_key(identifier),
    )


def _as_key(value: Any) -> str | None:
    if isinstance(value, str):
        return value[:512]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")
