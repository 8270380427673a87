"""inspector/ui asks the store and the listener through their methods: it builds no SQL and touches
no listener internals.

The store owns its SQL (inspector/core/store): a window module that writes a WHERE clause, opens
sqlite3 or makes a Filter by hand ties the GUI to the schema. The listener is driven through its
methods (set_forward_hook, set_rule_hook, subscribe): poking at its app, handler, server or writer
bypasses their locking. Read from the AST, so comments and docstrings may talk about SQL.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import inspector

PACKAGE_ROOT = Path(inspector.__file__).resolve().parent
# Text that only a SQL statement or a fragment of one contains (upper-case keywords, as we write SQL).
SQL_MARKERS = (
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "DELETE ",
    " WHERE ",
    " FROM events",
    "ORDER BY",
    "COUNT(*)",
    "PRAGMA ",
    " IN (",
    "seq IN (",
    "seq > ?",
    "seq >= ?",
    "seq < ?",
    "seq <= ?",
    "+seq",
    " GLOB ?",
    " LIKE '",
)
FILTER_PRIVATE = ("_where", "_params", "_type_globs")
LISTENER_INTERNALS = ("app", "_handler", "_server", "writer")
LISTENER_HOOKS = ("forward_hook", "rule_hook")


def ui_files() -> list[Path]:
    files = sorted((PACKAGE_ROOT / "ui").rglob("*.py"))
    assert len(files) > 10, "inspector/ui was not found"
    return files


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _names_a_listener(node: ast.expr) -> bool:
    return "listener" in ast.unparse(node).lower()


def violations(source: str) -> list[str]:
    """What in `source` builds SQL or reaches into the listener, one line each."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [f"{line}: SQL text {marker!r}" for marker in SQL_MARKERS if marker in node.value]
        elif isinstance(node, ast.Import):
            found += [f"{line}: imports sqlite3" for a in node.names if a.name.split(".")[0] == "sqlite3"]
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.module.split(".")[0] == "sqlite3":
                found.append(f"{line}: imports sqlite3")
            found += [f"{line}: imports the store's Filter" for a in node.names if a.name == "Filter"]
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name == "Filter":
                found.append(f"{line}: makes a Filter by hand")
            if (
                name == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in LISTENER_HOOKS
            ):
                found.append(f"{line}: sets the listener's {node.args[1].value} by setattr")
        elif isinstance(node, ast.Attribute):
            if node.attr in FILTER_PRIVATE:
                found.append(f"{line}: reads a Filter's {node.attr}")
            elif node.attr in LISTENER_INTERNALS and _names_a_listener(node.value):
                found.append(f"{line}: reaches into the listener ({ast.unparse(node)})")
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [
                f"{line}: assigns {ast.unparse(t)} (use the listener's set_ method)"
                for t in targets
                if isinstance(t, ast.Attribute) and t.attr in LISTENER_HOOKS
            ]
    return found


@pytest.mark.parametrize(
    "source",
    [
        'rows = conn.execute("SELECT seq FROM events")',
        'where = f"seq IN ({marks})"',
        'flt = Filter("seq > ? AND seq <= ?", (a, b))',
        'upto = "+seq <= ?"',
        "import sqlite3",
        "from sqlite3 import connect",
        "from inspector.core.store.filter_query import Filter, parse_filter",
        "flt = filter_query.Filter('x')",
        "text = flt._where",
        "app = self.listener.app",
        "listener._handler.tokens = ring",
        "window.listener._server.stop()",
        "self.listener.writer.subscribe(f)",
        "listener.app.forward_hook = hook",
        "self.listener.rule_hook = decide",
        "setattr(listener, 'forward_hook', hook)",
    ],
)
def test_the_check_sees_each_kind_of_violation(source: str) -> None:
    assert violations(source), source


@pytest.mark.parametrize(
    "source",
    [
        '"""Runs SELECT COUNT(*) FROM events WHERE seq > ? in the store."""',
        "# SELECT seq FROM events WHERE seq IN (1, 2)\nx = 1",
        "rows = store.summaries(seqs)\nn = store.count(flt, after=a, upto=b)",
        "from inspector.core.store.filter_query import FilterError, parse_filter",
        "listener.set_forward_hook(hook)\nlistener.set_rule_hook(None)\nlistener.subscribe(f)",
        'label.setText("Select an event")\nself._server_url = url\nself.writer = writer',
        'self.status.showMessage("Events where the path is /hooks")',
    ],
)
def test_the_check_lets_ordinary_code_and_prose_pass(source: str) -> None:
    assert violations(source) == []


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: str(p.relative_to(PACKAGE_ROOT)))
def test_ui_modules_build_no_sql_and_leave_the_listener_alone(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


# Colours live in one place (inspector/ui/theme.py), derived from the palette so light and dark
# both read; icons.py names the SVGs' stroke colour it replaces, which is not a colour we show.
_COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{6}\b|QColor\(\s*(?:0x)?[0-9]")
_COLOUR_HOMES = {"theme.py", "icons.py"}


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (PACKAGE_ROOT / "ui").rglob("*.py") if p.name not in _COLOUR_HOMES),
    ids=lambda p: str(p.relative_to(PACKAGE_ROOT)),
)
def test_ui_modules_take_their_colours_from_the_theme(path: Path) -> None:
    found = [
        f"{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _COLOUR_LITERAL.search(line)
    ]
    assert not found, found


def test_the_colour_check_sees_a_literal() -> None:
    assert _COLOUR_LITERAL.search('label.setStyleSheet("color: #d33f3f;")')
    assert _COLOUR_LITERAL.search("OK = QColor(46, 160, 67)")
    assert not _COLOUR_LITERAL.search("colour = theme.error_colour(palette)")
