"""Fixtures for the diagnostics tests: fresh secrets, logging put back as it was, child processes."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from inspector.core.diagnostics import register_secret, shutdown_logging

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def secret() -> str:
    """A token nobody else uses, registered as a secret (as the keyring wrapper would)."""
    value = f"tok-{secrets.token_hex(12)}"
    assert register_secret(value)
    return value


@pytest.fixture
def unregistered_secret() -> str:
    """A token the registry does not know: only the text rules can catch it."""
    return f"raw{secrets.token_hex(12)}"


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """setup_logging changes the root logger; put it back for the next test."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    shutdown_logging()
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)


RunChild = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_child(tmp_path: Path) -> RunChild:
    """Run a Python snippet in a fresh interpreter (no core dump), its log dir under tmp_path."""

    def run(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        prelude = "import resource\nresource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
        full_env = {**os.environ, "WEBHOOK_INSPECTOR_LOG_DIR": str(tmp_path / "logs"), **(env or {})}
        return subprocess.run(
            [sys.executable, "-c", prelude + code, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=REPO,
            env=full_env,
        )

    return run
