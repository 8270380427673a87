"""inspector/core and inspector/sandbox stay plain Python: no PySide6 (or any Qt binding) import.

Two checks, because each misses what the other sees: the AST finds an import in a branch that did
not run; importing every module finds Qt pulled in indirectly (through another package)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import inspector

PACKAGE_ROOT = Path(inspector.__file__).resolve().parent
QT_PACKAGES = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2")
HEADLESS = ("core", "sandbox")


def headless_files() -> list[Path]:
    files = [p for sub in HEADLESS for p in sorted((PACKAGE_ROOT / sub).rglob("*.py"))]
    assert len(files) > 10, "the headless packages were not found"
    return files


def qt_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        found += [n for n in names if n.split(".")[0] in QT_PACKAGES]
    return found


def test_the_ast_check_sees_qt_imports() -> None:
    # The detector itself must be able to fail.
    assert qt_imports("from PySide6.QtCore import QObject") == ["PySide6.QtCore"]
    assert qt_imports("def f():\n    import PySide6.QtWidgets as w") == ["PySide6.QtWidgets"]
    assert qt_imports("import importlib\nimportlib.import_module('PySide6.QtGui')") == ["PySide6.QtGui"]
    assert qt_imports("import json, re\nfrom inspector.ui import x") == []


@pytest.mark.parametrize("path", headless_files(), ids=lambda p: str(p.relative_to(PACKAGE_ROOT)))
def test_no_qt_import_in_source(path: Path) -> None:
    assert qt_imports(path.read_text(encoding="utf-8")) == []


def test_importing_every_headless_module_loads_no_qt() -> None:
    modules = [
        ".".join(("inspector", *p.relative_to(PACKAGE_ROOT).with_suffix("").parts)).removesuffix(".__init__")
        for p in headless_files()
    ]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {QT_PACKAGES!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_import_check_sees_qt_when_it_is_loaded() -> None:
    script = "import sys, PySide6.QtCore\nprint('PySide6' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "True"
