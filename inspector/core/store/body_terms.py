"""Filter terms that look into a delivery's JSON body: `ref:VALUE` and `data.some.path:VALUE`.

    ref:txn_123            events whose body carries txn_123 under an `id`/`*_id` key (refs index)
    data.amount:>1000      numbers compared: > >= < <= (ISO dates and other text compare as text)
    data.status:declined   equal (a number matches the number or the same digits as text)
    data.status:!declined  present and not equal        -data.status:declined  anything else
    data.merchant.name:Spo*  a glob on a text value      data.refund_id:*  the path is present

Bodies are stored as BLOBs and may be anything (a rejected delivery's bytes): every lookup runs on
`CAST(body AS TEXT)` behind `json_valid`, so a body that is not JSON simply does not match.
"""

from __future__ import annotations

import re

# A JSON path key: two or more dot-separated segments (one segment is a keyword such as "type").
FIELD_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+")
# What the filter bar's completer offers (inspector/ui/events/filter_bar.py reads these).
BODY_KEYS: tuple[str, ...] = ("ref",)
FIELD_EXAMPLES: tuple[str, ...] = (
    "data.amount:>1000",
    "data.merchant.country:SE",
    "data.card.last4:4242",
    "data.status:declined",
    "data.refund_id:*",
)

_TEXT = "CAST(body AS TEXT)"
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_COMPARE = re.compile(r"(>=|<=|>|<)(.*)", re.DOTALL)


def ref_clause(value: str) -> tuple[str, tuple[object, ...]]:
    # The refs primary key (value, seq) answers both an exact value and a glob's literal prefix.
    op = "GLOB" if any(ch in value for ch in "*?[") else "="
    return f"seq IN (SELECT seq FROM refs WHERE value {op} ?)", (value,)


def json_path(key: str) -> str:
    """`data.items.0.id` -> `$."data"."items"[0]."id"` (all-digit segments index arrays)."""
    parts = key.split(".")
    return "$" + "".join(f"[{p}]" if p.isdigit() else f'."{p}"' for p in parts)


def field_clause(key: str, value: str) -> tuple[str, tuple[object, ...]]:
    """The SQL of `key:value` for a JSON path key (FIELD_KEY)."""
    path = json_path(key)
    # The key's last name, as it must appear in the raw text (`"amount"`): a substring test that
    # rules out most rows before any JSON is parsed, which keeps a scan of a million bodies short.
    # (A body spelling that name with \\u escapes is missed; no provider writes keys that way.)
    last = key.rsplit(".", 1)[-1]
    pre = "instr(body, ?) > 0 AND " if not last.isdigit() else ""
    pre_params: tuple[object, ...] = (f'"{last}"'.encode(),) if pre else ()
    guard = f"{pre}json_valid({_TEXT})"
    kind = f"json_type({_TEXT}, ?)"
    got = f"json_extract({_TEXT}, ?)"
    if value == "*":
        return f"CASE WHEN {guard} THEN {kind} IS NOT NULL END", (*pre_params, path)
    negate = value.startswith("!")
    if negate:
        value = value[1:]
    m = _COMPARE.fullmatch(value)
    if m and not negate:
        op, operand = m.group(1), m.group(2)
        if _NUMBER.fullmatch(operand):
            test = f"{kind} IN ('integer', 'real') AND {got} {op} ?"
            return f"CASE WHEN {guard} THEN {test} END", (*pre_params, path, path, float(operand))
        test = f"{kind} = 'text' AND {got} {op} ?"
        return f"CASE WHEN {guard} THEN {test} END", (*pre_params, path, path, operand)
    if value.startswith("="):
        value = value[1:]
    test, params = _equal(kind, got, path, value)
    if negate:
        # Present and different: a missing path is neither equal nor "not equal".
        test = f"{kind} IS NOT NULL AND ({test}) IS NOT 1"
        params = (path, *params)
    if pre and not negate:
        return f"CASE WHEN {guard} THEN {test} END", (*pre_params, *params)
    # "!x" matches rows without x's text, so no substring test may rule them out.
    return f"CASE WHEN json_valid({_TEXT}) THEN {test} END", params


def _equal(kind: str, got: str, path: str, value: str) -> tuple[str, tuple[object, ...]]:
    if any(ch in value for ch in "*?["):
        return f"{kind} = 'text' AND {got} GLOB ?", (path, path, value)
    if value in ("true", "false", "null"):
        return f"{kind} = ?", (path, value)
    if _NUMBER.fullmatch(value):
        # 4242 matches the number 4242 and the text "4242" (last4 digits are usually text).
        number = float(value) if any(c in value for c in ".eE") else int(value)
        return f"{got} IN (?, ?)", (path, value, number)
    return f"{kind} = 'text' AND {got} = ?", (path, path, value)
