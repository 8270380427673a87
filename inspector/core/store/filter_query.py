"""The search-box language, parsed into a `Filter`: a parameterised SQL WHERE clause.

    type:transaction.*   id:evt_123   status:401   status:4xx   path:/hooks   method:POST
    is:duplicate|rejected|unauthorized|invalid_json|not_envelope|verified|unverified|pinned
    webhook:wh_1   has:data.card.last4 (a path of the learned shapes, data.items[].sku)
    -term (negation)   "quoted free text"   bare words (free text over the body)
    ref:txn_123   data.amount:>1000   data.merchant.country:SE   (body terms: body_terms.py)

Terms are ANDed. Values never reach SQL as text: they are bound parameters. A `Filter` is opaque
outside this package: only `parse_filter` and the store make one, and only the store reads its SQL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from inspector.core import events as ev
from inspector.core.store.body_terms import BODY_KEYS, FIELD_KEY, field_clause, ref_clause


class FilterError(ValueError):
    """A query that does not parse; `position` is the character offset of the bad part."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed query, handed back to the store as it is (its SQL is no API)."""

    _where: str = ""  # "" when the query is empty (everything matches)
    _params: tuple[object, ...] = field(default=())
    # Positive `type:` terms with wildcards; the store uses them to page newest-first per type.
    _type_globs: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """Whether every row matches."""
        return not self._where


# One term: optional "-", then key:value or a bare word, where either may be a quoted string.
# A key may be a dotted JSON path (body_terms.FIELD_KEY).
_TOKEN = re.compile(
    r'\s*(-?)(?:([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+|[A-Za-z_]+):)?("(?:[^"\\]|\\.)*"?|[^\s"]+)'
)

_IS_CLAUSES: dict[str, str] = {
    "duplicate": "duplicate_of IS NOT NULL",
    "rejected": "status >= 400",
    "accepted": "status < 400",
    "unauthorized": f"flags LIKE '%,{ev.FLAG_UNAUTHORIZED},%'",
    "invalid_json": f"flags LIKE '%,{ev.FLAG_INVALID_JSON},%'",
    "not_envelope": f"flags LIKE '%,{ev.FLAG_NOT_ENVELOPE},%'",
    "unverified": f"flags LIKE '%,{ev.FLAG_UNVERIFIED},%'",
    "verified": "webhook_id IS NOT NULL",
    "duplicate_keys": f"flags LIKE '%,{ev.FLAG_DUPLICATE_KEYS},%'",
    "too_large": f"flags LIKE '%,{ev.FLAG_TOO_LARGE},%'",
    "out_of_order": f"flags LIKE '%,{ev.FLAG_OUT_OF_ORDER},%'",
    "forwarded": "forward_status IS NOT NULL",
    "forward_failed": "(forward_status = 0 OR forward_status >= 400)",
    "pinned": "pinned = 1",
    "new_shape": f"flags LIKE '%,{ev.FLAG_NEW_SHAPE},%'",
    "schema_invalid": f"flags LIKE '%,{ev.FLAG_SCHEMA_INVALID},%'",
}

KEYS = ("type", "id", "status", "path", "method", "is", "webhook", "has", *BODY_KEYS)
# Terms are ANDed into one expression: SQLite refuses an expression tree deeper than 1,000 and,
# in older builds, more than 999 bound values. Far more terms than anyone types, far below both.
MAX_TERMS = 64
_BARE_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*):")


def _glob_or_equal(column: str, value: str) -> tuple[str, tuple[object, ...]]:
    if any(ch in value for ch in "*?["):
        return f"{column} GLOB ?", (value,)
    return f"{column} = ?", (value,)


def _status_clause(value: str, pos: int) -> tuple[str, tuple[object, ...]]:
    if re.fullmatch(r"[1-5][0-9]{2}", value):
        return "status = ?", (int(value),)
    if re.fullmatch(r"[1-5]xx", value, re.IGNORECASE):
        low = int(value[0]) * 100
        return "status BETWEEN ? AND ?", (low, low + 99)
    m = re.fullmatch(r"(>=|<=|>|<)([1-5][0-9]{2})", value)
    if m:
        return f"status {m.group(1)} ?", (int(m.group(2)),)
    raise FilterError(f"status:{value} — use a code like 401, a class like 4xx, or >=400", pos)


def _unquote(text: str, pos: int) -> str:
    if text.startswith('"'):
        # The token regex only ends a quoted text at an unescaped quote; without one it ran to the end.
        if not re.fullmatch(r'"(?:[^"\\]|\\.)*"', text):
            raise FilterError("a quoted text is missing its closing quote", pos)
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def parse_filter(text: str) -> Filter:
    clauses: list[str] = []
    params: list[object] = []
    type_globs: list[str] = []
    terms = 0
    pos = 0
    length = len(text)
    while pos < length:
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"cannot read the query at {text[pos : pos + 20]!r}", pos)
        start = m.start(3) - (len(m.group(2)) + 1 if m.group(2) else 0) - len(m.group(1))
        negate, key, raw_value = m.group(1) == "-", m.group(2), m.group(3)
        value = _unquote(raw_value, m.start(3))
        pos = m.end()
        if key is not None and key.lower() not in KEYS and value.startswith("//"):
            key, value = None, text[start + len(m.group(1)) : pos].strip()  # a URL is free text
        bare = _BARE_KEY.fullmatch(raw_value) if key is None else None
        if bare and (bare.group(1).lower() in KEYS or FIELD_KEY.fullmatch(bare.group(1))):
            # "type:" alone (or "type: x") would otherwise search the body for the text "type:".
            raise FilterError(f"{bare.group(1).lower()}: needs a value", start)
        if value == "" and key is None:
            continue
        terms += 1
        if terms > MAX_TERMS:
            total = terms + _count_terms(text, pos)
            raise FilterError(f"too many terms ({total:,}); at most {MAX_TERMS}", start)
        if key is not None and FIELD_KEY.fullmatch(key):
            if value == "":
                raise FilterError(f"{key}: needs a value", start)
            clause, values = field_clause(key, value)
        elif key is not None:
            key = key.lower()
            if key not in KEYS:
                raise FilterError(f"unknown filter {key}: — known are {', '.join(KEYS)}", start)
            if value == "":
                raise FilterError(f"{key}: needs a value", start)
            clause, values = _keyed_clause(key, value, m.start(3))
        else:
            # Free text: a substring of the raw body (CAST makes instr work on text, not bytes).
            clause, values = "instr(CAST(body AS TEXT), ?) > 0", (value,)
        # "IS NOT 1" rather than NOT: a row whose column is NULL (a rejected delivery has no event
        # type) does not match "type:x", so it must match "-type:x".
        clauses.append(f"(({clause}) IS NOT 1)" if negate else f"({clause})")
        if key == "type" and not negate and clause.endswith("GLOB ?"):
            type_globs.append(value)
        params.extend(values)
    return Filter(" AND ".join(clauses), tuple(params), tuple(type_globs))


_PATH_STEP = re.compile(r'\.?([\w$@-]+)|\[("(?:[^"\\]|\\.)*")\]|(\[\])')
_GLOB_SPECIAL = re.compile(r"([*?\[])")


def has_path_clause(path: str, pos: int) -> tuple[str, tuple[object, ...]]:
    """`has:data.card.last4`: the body holds that path (a null there counts), in the learned
    shapes' notation (inspector/core/shapes/paths.py): `data.items[].sku` is any element's `sku`,
    `data["odd.key"]` a key that is not a plain word. Bodies that are not JSON have no path."""
    steps: list[str | None] = []  # a key, or None for "every element"
    at = 0
    while at < len(path):
        m = _PATH_STEP.match(path, at)
        if not m or m.end() == at or (at == 0 and path.startswith(".")):
            raise FilterError(f"has:{path} — write a path like data.card.last4 or data.items[].sku", pos)
        if m.group(3):
            steps.append(None)
        else:
            steps.append(m.group(1) if m.group(1) is not None else json.loads(m.group(2)))
        at = m.end()
    if not steps:
        raise FilterError("has: needs a path like data.card.last4", pos)
    body = "CAST(body AS TEXT)"
    if None not in steps:
        # One lookup per row; json_valid first, so a body that is not JSON is no error.
        sql_path = "$" + "".join("." + json.dumps(step) for step in steps)
        return f"(CASE WHEN json_valid({body}) THEN json_type({body}, ?) END) IS NOT NULL", (sql_path,)
    # Through arrays: any element. json_tree names every node by its full path, `$.a[3]."b c"`.
    pattern = "$" + "".join(
        "[[]*]" if step is None else "." + _GLOB_SPECIAL.sub(r"[\1]", _tree_key(step)) for step in steps
    )
    return (
        f"(CASE WHEN json_valid({body}) THEN EXISTS"
        f" (SELECT 1 FROM json_tree({body}) WHERE fullkey GLOB ?) END) = 1",
        (pattern,),
    )


def _tree_key(key: str) -> str:
    """A key as json_tree's fullkey writes it: bare when it is a plain identifier, else quoted."""
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else json.dumps(key)


def _count_terms(text: str, pos: int) -> int:
    """How many terms follow `pos` (for the message only; their content is not checked)."""
    n = 0
    while pos < len(text) and text[pos:].strip():
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        n += 1
        pos = m.end()
    return n


def _keyed_clause(key: str, value: str, pos: int) -> tuple[str, tuple[object, ...]]:
    if key == "type":
        # "+": a type glob must not become an index range scan; the store pages globs per exact
        # type instead (EventStore._query_per_type), which keeps seq order without a sort.
        return _glob_or_equal(
            "+event_identifier" if any(c in value for c in "*?[") else "event_identifier", value
        )
    if key == "id":
        return _glob_or_equal("event_id", value)
    if key == "webhook":
        return _glob_or_equal("webhook_id", value)
    if key == "method":
        return "method = ?", (value.upper(),)
    if key == "path":
        if any(ch in value for ch in "*?["):
            return "path GLOB ?", (value,)
        # A path filter matches the path and everything below it.
        return "(path = ? OR path GLOB ?)", (value, value.rstrip("/") + "/*")
    if key == "status":
        return _status_clause(value, pos)
    if key == "has":
        return has_path_clause(value, pos)
    if key == "ref":
        return ref_clause(value)
    # key == "is"
    clause = _IS_CLAUSES.get(value.lower())
    if clause is None:
        raise FilterError(f"is:{value} — known are {', '.join(_IS_CLAUSES)}", pos)
    return clause, ()
