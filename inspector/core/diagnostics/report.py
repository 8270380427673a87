"""The diagnostics text for a bug report: versions, backends, paths, the database's size.

Shown by `webhook-inspector --diagnostics` and Help → Diagnostics. Plain text, every line redacted
and printable. Qt is never imported here: the PySide6 version comes from its installed metadata,
and the Qt version only from a QtCore the process has loaded already (the window), so `listen
--diagnostics` stays Qt-free.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from inspector import __version__
from inspector.core.diagnostics.log_filter import safe_text
from inspector.core.paths import DB_FILENAME

_PYSIDE_DISTRIBUTIONS = ("PySide6", "PySide6-Essentials")


class StoreLike(Protocol):
    """What the report needs of an open event store."""

    path: Path

    def count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class DiagnosticPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path | None
    log_file: Path | None = None


def pyside_version() -> str | None:
    for name in _PYSIDE_DISTRIBUTIONS:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    loaded = sys.modules.get("PySide6")  # a frozen build may ship without the metadata
    return getattr(loaded, "__version__", None) if loaded is not None else None


def qt_version() -> str | None:
    """The Qt runtime's version if this process has loaded QtCore; never loads it."""
    core = sys.modules.get("PySide6.QtCore")
    if core is None:
        return None
    try:
        return str(core.qVersion())
    except Exception:
        return None


def keyring_description() -> str:
    """Where secrets would go, without reading a secret (no unlock prompt)."""
    from inspector.core.provider.secrets import SecretStore  # keyring is slow to import; only when asked

    try:
        return SecretStore(probe=False).description
    except Exception as exc:  # a broken backend must not break the report
        return f"unknown ({type(exc).__name__})"


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"  # pragma: no cover


def _db_size(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += path.with_name(path.name + suffix).stat().st_size
        except OSError:
            pass
    return total


def _count_read_only(path: Path) -> tuple[int, int]:
    """Row count and schema version, without migrating or writing anything."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2.0)
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        (rows,) = conn.execute("SELECT COUNT(*) FROM events").fetchone()
    finally:
        conn.close()
    return int(rows), int(version)


def database_line(data_dir: Path, store: StoreLike | None) -> str:
    path = Path(store.path) if store is not None else data_dir / DB_FILENAME
    if not path.exists():
        return f"{path} (not created yet)"
    parts = [str(path), _size(_db_size(path))]
    try:
        if store is not None:
            parts.append(f"{store.count()} events")
        else:
            rows, version = _count_read_only(path)
            parts += [f"{rows} events", f"schema version {version}"]
    except (sqlite3.Error, OSError) as exc:
        parts.append(f"unreadable ({exc})")
    return ", ".join(parts)


def diagnostics(
    paths: DiagnosticPaths,
    listener_url: str | None = None,
    store: StoreLike | None = None,
    *,
    keyring: str | None = None,
) -> str:
    """The report. `keyring`: the app's own SecretStore.description if it has one already."""
    frozen = "yes (PyInstaller)" if getattr(sys, "frozen", False) else "no"
    pyside = pyside_version()
    qt = qt_version()
    lines = [
        ("Webhook Inspector", __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("PySide6", pyside or "not installed"),
        ("Qt", qt or "not loaded in this process"),
        ("Platform", platform.platform()),
        ("Frozen build", frozen),
        ("Keyring", keyring if keyring is not None else keyring_description()),
        ("Data dir", str(paths.data_dir)),
        ("Config dir", str(paths.config_dir)),
        ("Log dir", str(paths.log_dir) if paths.log_dir is not None else "none (logging to stderr)"),
    ]
    if paths.log_file is not None:
        lines.append(("Log file", str(paths.log_file)))
    lines.append(("Listener", listener_url or "not running"))
    lines.append(("Database", database_line(paths.data_dir, store)))
    return "".join(f"{name}: {safe_text(value)}\n" for name, value in lines)
