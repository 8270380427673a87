"""Files that readers see whole or not at all: write beside the target, fsync, rename over it."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_file(target: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temp file next to `target`; on success it replaces `target`, on any error it is removed.

    The temp file is created 0600 (mkstemp), so a secret written through it is never readable by
    others, not even for a moment.
    """
    target = Path(target).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        mode = "wb" if binary else "w"
        encoding = None if binary else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding, newline=None if binary else "\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, data: Any) -> None:
    """Write JSON so readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_file(path) as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
