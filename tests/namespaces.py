"""Run a command where a folder is a read-only mount or a tiny disk, for real, even as root.

Tests run as root, and root writes through any file mode, so `chmod` cannot make a data dir or a
database read-only for them. A private user + mount namespace (`unshare --user --map-root-user
--mount`) can: inside it, a read-only bind mount refuses every write with EROFS, and a small
tmpfs fills up with ENOSPC. The mounts vanish with the process; nothing changes outside it.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@functools.cache
def _unshare_works() -> str | None:
    """None when private mount namespaces work here, else why not."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "true"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if probe.returncode != 0:
        return f"user namespaces are not allowed here: {probe.stderr.strip()}"
    return None


def need_unshare() -> None:
    """Skip when the machine cannot give us a private mount (the test then cannot fail)."""
    reason = _unshare_works()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run this test for real, but {reason}")
        pytest.skip(reason)


def inspector_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "inspector", *args]


def shell_with_mounts(
    commands: Sequence[Sequence[str]],
    *,
    read_only: Sequence[Path] = (),
    tmpfs: dict[Path, str] | None = None,
) -> list[str]:
    """argv that mounts `read_only` paths (files or folders) read-only over themselves and a tmpfs of
    the given size ("2m") on each `tmpfs` folder, then runs `commands` one after another, printing
    "exit N" after each."""
    script = ["set -e"]
    for folder, size in (tmpfs or {}).items():
        script.append(f"mount -t tmpfs -o size={size} tmpfs {shlex.quote(str(folder))}")
    for path in read_only:
        quoted = shlex.quote(str(path))
        script.append(f"mount --bind {quoted} {quoted}")
        script.append(f"mount -o remount,bind,ro {quoted}")
    script.append("set +e")
    for argv in commands:
        script.append(" ".join(shlex.quote(a) for a in argv))
        script.append('echo "exit $?" >&2')
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", "\n".join(script)]


def run_with_mounts(
    commands: Sequence[Sequence[str]],
    *,
    read_only: Sequence[Path] = (),
    tmpfs: dict[Path, str] | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        shell_with_mounts(commands, read_only=read_only, tmpfs=tmpfs),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
        cwd=REPO,
    )


def exit_codes(stderr: str) -> list[int]:
    return [int(line.split()[1]) for line in stderr.splitlines() if line.startswith("exit ")]
