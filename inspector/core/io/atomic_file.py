"""Files that readers see whole or not at all: write beside the target, fsync, rename over it.

On Linux the data goes to an unnamed file (O_TMPFILE) that only gets a name once it is complete,
so a writer killed halfway (SIGKILL, a power cut) leaves nothing behind. Elsewhere the temp file
is named `.<target>.<pid>.<random>.part`; the next write to the same target removes such files
whose writer is gone (its pid no longer runs) or that nobody touched for STALE_AFTER_SECONDS.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

PART_SUFFIX = ".part"
# A live writer keeps touching its file; one untouched this long belongs to a dead writer (also
# when its pid was reused by an unrelated process).
STALE_AFTER_SECONDS = 3600.0


@contextmanager
def atomic_file(target: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temp file next to `target`; on success it replaces `target`, on any error it is removed.

    The temp file is created 0600, so a secret written through it is never readable by others,
    not even for a moment.
    """
    target = Path(target).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale_parts(folder, target.name)
    fd = _unnamed_file(folder)
    tmp: Path | None = None
    if fd is None:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=PART_SUFFIX, dir=folder)
        tmp = Path(name)
    try:
        mode = "wb" if binary else "w"
        encoding = None if binary else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding, newline=None if binary else "\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
            if tmp is None:
                tmp = _give_name(f.fileno(), folder, target.name)
        os.replace(tmp, target)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def _unnamed_file(folder: Path) -> int | None:
    """A 0600 file in `folder` with no name yet, or None where O_TMPFILE is not available."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):  # the name is given through /proc
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o600)
    except OSError:  # a filesystem without O_TMPFILE support (some network and FUSE ones)
        return None


def _give_name(fd: int, folder: Path, target_name: str) -> Path:
    """Link the complete unnamed file into `folder` under a fresh temp name, for the rename."""
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        while True:
            name = f".{target_name}.{os.getpid()}.{secrets.token_hex(4)}{PART_SUFFIX}"
            try:
                # dst_dir_fd makes Python call linkat(), which follows the /proc magic link to
                # the open file; plain link() would try to link the symlink itself.
                os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=dir_fd, follow_symlinks=True)
            except FileExistsError:
                continue
            return folder / name
    finally:
        os.close(dir_fd)


def remove_stale_parts(folder: Path, target_name: str) -> list[Path]:
    """Remove temp files of `target_name` left by writers that died; returns what was removed."""
    prefix = f".{target_name}."
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(PART_SUFFIX)):
            continue
        middle = name[len(prefix) : -len(PART_SUFFIX)]
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid_text = middle.split(".", 1)[0]
        pid = int(pid_text) if pid_text.isdigit() and "." in middle else None
        if pid == os.getpid():
            continue  # another write of this process, in another thread
        if age < STALE_AFTER_SECONDS and (pid is None or _running(pid)):
            continue  # a live writer, or an older version's file we cannot tell apart from one
        with suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would end the process there; age alone decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as another user
        return True
    return True


def atomic_write_json(path: Path, data: Any) -> None:
    """Write JSON so readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_file(path) as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
