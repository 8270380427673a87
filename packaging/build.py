"""Build the PyInstaller bundle: `python packaging/build.py [--onefile]`.

Builds the onedir bundle (dist/webhook-inspector/) and, with --onefile, also a single-file
executable (dist/onefile/webhook-inspector); prints each bundle's path, its size on disk and how
long the build took. Then checks that the Qt trimming in the spec left no kept binary linking a
Qt library that was dropped.
Needs PyInstaller in the same environment as the app (`pip install -e .[build]`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "webhook-inspector.spec"
APP = "webhook-inspector"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onefile", action="store_true", help="also build a single-file executable")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="work folder (default build/)")
    parser.add_argument("--clean", action="store_true", help="drop PyInstaller's cache first")
    parser.add_argument(
        "--keep-icu", action="store_true", help="Linux: ship ICU's data whole (see packaging/icu_trim.py)"
    )
    args = parser.parse_args(argv)

    failed = False
    for onefile in (False, True) if args.onefile else (False,):
        started = time.monotonic()
        # The onefile executable would take the onedir folder's name: it gets its own folder.
        dist = args.dist.resolve() / "onefile" if onefile else args.dist.resolve()
        code = _pyinstaller(
            dist, args.work.resolve(), onefile=onefile, clean=args.clean, keep_icu=args.keep_icu
        )
        took = time.monotonic() - started
        if code != 0:
            print(f"build failed (PyInstaller exit {code}) after {took:.1f} s", file=sys.stderr)
            return code
        bundle = dist / (APP + EXE_SUFFIX if onefile else APP)
        if sys.platform == "darwin" and not onefile:
            bundle = dist / "Webhook Inspector.app"
        print(f"bundle: {bundle}")
        print(f"executable: {executable(dist, onefile=onefile)}")
        print(f"size on disk: {disk_size(bundle) / 1e6:.1f} MB")
        print(f"build time: {took:.1f} s")
        if not onefile:
            missing = missing_qt_libraries(dist / APP)
            for binary, lib in missing:
                print(f"error: {binary} links {lib}, which the spec dropped", file=sys.stderr)
            failed = failed or bool(missing)
    return 1 if failed else 0


def executable(dist: Path, *, onefile: bool) -> Path:
    if onefile:
        return dist / (APP + EXE_SUFFIX)
    return dist / APP / (APP + EXE_SUFFIX)


def _pyinstaller(dist: Path, work: Path, *, onefile: bool, clean: bool, keep_icu: bool) -> int:
    env = dict(
        os.environ,
        WEBHOOK_INSPECTOR_ONEFILE="1" if onefile else "0",
        WEBHOOK_INSPECTOR_KEEP_ICU="1" if keep_icu else "0",
    )
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        # onefile and onedir share analysis results but not the final steps: separate work dirs.
        "--workpath",
        str(work / ("onefile" if onefile else "onedir")),
        *(["--clean"] if clean else []),
        str(SPEC),
    ]
    return subprocess.call(command, cwd=ROOT, env=env)


def disk_size(path: Path) -> int:
    """Bytes the bundle occupies on disk (allocated blocks where the OS tells them, like `du`)."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    total = 0
    for file in files:
        st = file.stat()
        blocks = getattr(st, "st_blocks", None)
        total += blocks * 512 if blocks is not None else st.st_size
    return total


def missing_qt_libraries(bundle: Path) -> list[tuple[str, str]]:
    """(binary, Qt library) pairs where a bundled binary links a Qt library not in the bundle.

    The spec drops Qt libraries by name; a kept plugin that needs a dropped one would only fail
    when a user's machine loads it (e.g. xcb on a desktop, never offscreen in CI), so look now.
    """
    from PyInstaller.depend import bindepend

    binaries = [
        p
        for p in bundle.rglob("*")
        if p.is_file() and not p.is_symlink() and p.suffix in (".so", ".dylib", ".dll", ".pyd", ".6")
    ]
    present = {p.name.lower() for p in bundle.rglob("*")}
    missing = []
    for binary in binaries:
        try:
            imports = bindepend.get_imports(str(binary))
        except Exception:
            continue  # not a binary PyInstaller can read (e.g. a data file with a matching suffix)
        for name, _resolved in imports:
            base = os.path.basename(name)
            if "qt6" in base.lower() and base.lower() not in present:
                missing.append((str(binary.relative_to(bundle)), base))
    return missing


if __name__ == "__main__":
    sys.exit(main())
