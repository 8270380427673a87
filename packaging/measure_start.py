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
    parser.add_argument("--skip-pip", action="store_true", help="measure the bundle only")
    parser.add_argument(
        "--drop-caches", action="store_true", help="empty the page cache before each run (root)"
    )
    args = parser.parse_args(argv)

    targets = {
        "bundle": [str(args.bundle), "--self-test"],
        "pip install": [args.python, "-m", "inspector", "--self-test"],
    }
    if args.skip_pip:
        del targets["pip install"]
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
            measured = time_to_marker(command)
            if measured is None:
                failed = True
                break
            times.append(measured)
        if times:
            print(summary(name, times, cold=args.drop_caches))
    return 1 if failed else 0


def time_to_marker(command: list[str]) -> tuple[float, float | None] | None:
    """(seconds from spawn to the MARKER line, CPU seconds of the whole run), or None on failure.

    The CPU time (user + system, whole self-test) barely moves when other processes load the
    machine, unlike the wall time; it is None where os.wait4 is missing (Windows).
    """
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
        cpu = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
        else:
            code = proc.wait()
    if code != 0 or seconds is None:
        print(f"{' '.join(command)} failed (exit {code}, {MARKER!r} seen: {seconds is not None})")
        print(stderr, file=sys.stderr)
        return None
    return seconds, cpu


def summary(name: str, runs: list[tuple[float, float | None]], *, cold: bool) -> str:
    ms = [wall * 1000 for wall, _ in runs]
    cpu = [c * 1000 for _, c in runs if c is not None]
    first = "cold" if cold else "first"
    rest = ms if cold else ms[1:] or ms
    line = (
        f"{name:12s} to {MARKER!r}: {first} {ms[0]:.0f} ms, median {statistics.median(rest):.0f} ms, "
        f"min {min(rest):.0f} ms, max {max(rest):.0f} ms over {len(ms)} runs"
    )
    if cpu:
        line += f"; CPU of the whole run: median {statistics.median(cpu):.0f} ms"
    return line


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
