"""The one place that knows where files live: data, config and log dirs, and shipped resources.

Every command resolves its dirs once, into an `AppDirs`, from its options (`--data-dir`,
`--config-dir`, `--log-file`) or the platform's defaults; everything else is handed that object.
Tests redirect through the same options, and a frozen (PyInstaller) build finds its resources
through the same importlib.resources call as a checkout or a wheel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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


def default_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class AppDirs:
    """Where this run keeps its files. Nothing is created until something is written there."""

    data: Path
    config: Path
    log: Path

    @classmethod
    def resolve(
        cls,
        data_dir: str | Path | None = None,
        config_dir: str | Path | None = None,
        log_dir: str | Path | None = None,
    ) -> AppDirs:
        return cls(
            data=Path(data_dir).expanduser() if data_dir else default_data_dir(),
            config=Path(config_dir).expanduser() if config_dir else default_config_dir(),
            log=Path(log_dir).expanduser() if log_dir else default_log_dir(),
        )

    @property
    def database(self) -> Path:
        return self.data / DB_FILENAME


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
