"""The one place that knows where files live: data dir, config dir and shipped resources.

Tests and `--data-dir` redirect through here, and a frozen (PyInstaller) build finds its
resources through the same importlib.resources call as a checkout or a wheel.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

APP_NAME = "webhook-inspector"
DB_FILENAME = "events.sqlite3"


class DataDirError(Exception):
    """The data or config dir cannot be created or written; the message is for the user."""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def ensure_dir(path: Path, what: str = "data dir") -> Path:
    """Create `path` (owner-only) and check it is writable, or raise DataDirError."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise DataDirError(f"cannot create the {what} {path}: {exc.strerror or exc}") from exc
    if not path.is_dir():
        raise DataDirError(f"the {what} {path} is not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataDirError(f"the {what} {path} is not writable")
    return path


def resource(name: str) -> Traversable:
    """A file shipped in resources/ (e.g. "icons/app.png")."""
    node = resources.files("inspector.resources")
    for part in name.split("/"):
        node = node.joinpath(part)
    return node
