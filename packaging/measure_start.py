"""Start-up time to "window shown": the PyInstaller bundle against the pip-installed app.

    python packaging/measure_start.py [--bundle dist/webhook-inspector/webhook-inspector] [--runs 5]

Each run starts `<app> --self-test` offscreen and times from just before the process is spawned
until its "window shown" line arrives on stdout. The self-test does what a real start does before
the window appears (imports, store, listener on a port, keyring lookup) plus one loopback delivery,
so this is an upper bound of the GUI's own start. With --drop-caches (root, Linux) the page cache
is emptied before every run: a true cold start. Without it the first run is the coldest one this
process can produce and the rest are warm; both are reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLE = (
    ROOT
    / "dist"
    / "webhook-inspector"
    / ("webhook-inspector.exe" if sys.platform == "win32" else "webhook-inspector")
)
MARKER = "window shown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="the bundle's executable")
    parser.add_argument("--python", default=sys.executable, help="python of the pip-installed app")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--drop-caches", action="store_true", help="empty the page cache before each run (root)"
    )
    args = parser.parse_args(argv)

    targets = {
        "bundle": [str(args.bundle), "--self-test"],
        "pip install": [args.python, "-m", "inspector", "--self-test"],
    }
    if not args.bundle.exists():
        print(f"no bundle at {args.bundle}; build it with packaging/build.py", file=sys.stderr)
        return 2
    failed = False
    for name, command in targets.items():
        times = []
        for _ in range(args.runs):
            if args.drop_caches and not drop_caches():
                print("cannot drop the page cache (needs root on Linux)", file=sys.stderr)
                return 2
            seconds = time_to_marker(command)
            if seconds is None:
                failed = True
                break
            times.append(seconds)
        if times:
            print(summary(name, times, cold=args.drop_caches))
    return 1 if failed else 0


def time_to_marker(command: list[str]) -> float | None:
    """Seconds from spawn to the MARKER line on stdout, or None if it never came or the run failed."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        seconds = None
        for line in proc.stdout:
            if seconds is None and MARKER in line:
                seconds = time.perf_counter() - started
        stderr = proc.stderr.read()
        code = proc.wait()
    if code != 0 or seconds is None:
        print(f"{' '.join(command)} failed (exit {code}, {MARKER!r} seen: {seconds is not None})")
        print(stderr, file=sys.stderr)
        return None
    return seconds


def summary(name: str, times: list[float], *, cold: bool) -> str:
    ms = [t * 1000 for t in times]
    first = "cold" if cold else "first"
    rest = ms if cold else ms[1:] or ms
    return (
        f"{name:12s} to {MARKER!r}: {first} {ms[0]:.0f} ms, median {statistics.median(rest):.0f} ms, "
        f"min {min(rest):.0f} ms, max {max(rest):.0f} ms over {len(ms)} runs"
    )


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
