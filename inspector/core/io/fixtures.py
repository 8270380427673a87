"""Save events as test fixtures: one JSON file per event in a folder the user chose.

The file name comes from fields the sender controls (event_identifier, event_id), so it is built
from a small safe alphabet only: no separators, no "..", no control characters, no Windows device
names, bounded length. The final path is checked to be inside the folder, the file is written
beside its target and moved into place atomically, and an existing file is never overwritten
(a -2, -3 ... suffix is added instead).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from inspector.core.events import StoredEvent

MAX_NAME_CHARS = 120  # whole file name, suffixes and extension included
EXTENSION = ".json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_MAX_COLLISIONS = 10_000


class FixtureError(OSError):
    """The fixture cannot be written; the message is for the user."""


def safe_stem(raw: str, max_chars: int = MAX_NAME_CHARS - len(EXTENSION) - 6) -> str:
    """A file name stem made only of [A-Za-z0-9._-], never empty, reserved or dot-led.

    Long names are cut and end with a short hash of the full text, so two long ids that share a
    prefix still get different names. 6 characters are left for a "-NNNNN" collision suffix.
    """
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("_", ascii_text)
    stem = re.sub(r"\.{2,}", ".", stem)  # no ".." anywhere, even as part of a name
    stem = re.sub(r"_{2,}", "_", stem)
    stem = stem.strip(" ._-")  # no hidden files, no trailing dots or spaces (Windows drops them)
    if not stem:
        stem = "event"
    if len(stem) > max_chars:
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        stem = stem[: max_chars - len(digest) - 1].rstrip(" ._-") + "-" + digest
    # Windows reserves device names with any extension too ("con.json", "COM1.tar.gz").
    if stem.split(".", 1)[0].upper() in _RESERVED:
        stem = "_" + stem
    return stem


def fixture_stem(event: StoredEvent) -> str:
    parts = [event.event_identifier or "event", event.event_id or "", f"seq{event.seq}"]
    return safe_stem("_".join(p for p in parts if p))


def fixture_document(event: StoredEvent) -> dict[str, Any]:
    """The export record (headers redacted, body parsed): what a test loads as its input."""
    return event.to_export_dict()


def _inside(folder: Path, candidate: Path) -> bool:
    # The parent is resolved, the name itself is not: an existing symlink with that name is simply
    # "taken" (os.link does not follow it), never a way out of the folder.
    return candidate.parent.resolve() == folder and candidate.name not in ("", ".", "..")


def save_fixture(event: StoredEvent, folder: Path) -> Path:
    """Write one event as `<type>_<event_id>_seq<N>.json` in `folder`; returns the path written."""
    try:
        root = Path(folder).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise FixtureError(errno.ENOENT, f"the folder {folder} does not exist") from exc
    if not root.is_dir():
        raise FixtureError(errno.ENOTDIR, f"{folder} is not a folder")
    data = (json.dumps(fixture_document(event), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    stem = fixture_stem(event)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".fixture-", suffix=".tmp", dir=root)
    except OSError as exc:
        raise FixtureError(exc.errno, f"cannot write in {folder}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        for n in range(1, _MAX_COLLISIONS + 1):
            name = f"{stem}{EXTENSION}" if n == 1 else f"{stem}-{n}{EXTENSION}"
            target = root / name
            if not _inside(root, target):  # the sanitiser makes this impossible; check anyway
                raise FixtureError(errno.EPERM, f"refusing to write outside {folder}: {name}")
            if _place(tmp, target):
                return target
        raise FixtureError(errno.EEXIST, f"too many fixtures named {stem} in {folder}")
    except OSError as exc:
        if isinstance(exc, FixtureError):
            raise
        raise FixtureError(
            exc.errno, f"cannot write the fixture in {folder}: {exc.strerror or exc}"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _place(tmp: Path, target: Path) -> bool:
    """Move the finished temp file to `target` unless something is there; False when taken."""
    try:
        # A hard link is atomic and fails if the name exists, so two saves never clobber each other.
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
    # File systems without hard links (FAT, some network shares): check, then rename atomically.
    if target.exists() or target.is_symlink():
        return False
    os.replace(tmp, target)
    return True


def save_fixtures(events: Iterable[StoredEvent], folder: Path) -> list[Path]:
    return [save_fixture(event, folder) for event in events]
