"""Does Qt behave the same on the bundle's trimmed ICU data as on the full one? (Linux)

    python packaging/check_icu_trim.py dist/webhook-inspector

Runs Qt's ICU users (collation in several locales, case mapping, number formatting, time-zone
display names, word boundaries) twice in this Python's PySide6: once on its own libicudata, once
with the bundle's trimmed one preloaded, and compares. Exit 0 when identical (or nothing trimmed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import itertools
from PySide6.QtCore import QCollator, QLocale, QTextBoundaryFinder, QTimeZone

words = ["zebra", "Äpfel", "apple", "Österreich", "öl", "", "a", "A", "résumé", "resume"]
words += ["\u0131i", "\u0130I"]  # Turkish dotless and dotted i
for name in ("en_US", "de_DE", "sv_SE", "tr_TR", "ja_JP", "zh_CN"):
    locale = QLocale(name)
    collator = QCollator(locale)
    print(name, [collator.compare(a, b) for a, b in itertools.product(words, words)])
    print(name, locale.toUpper("stra\u00dfe \u0131i"), locale.toLower("\u0130STANBUL"))
    print(name, locale.toString(1234567.891, "f", 2), locale.toString(-0.5, "e", 3))
    zone = QTimeZone(b"Europe/Berlin")
    print(name, zone.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, locale))
finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Word, "hello world สวัสดีครับ 你好世界 ok.")
boundaries = []
while (position := finder.toNextBoundary()) != -1:
    boundaries.append(position)
print(boundaries)
"""


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    trimmed = sorted(Path(argv[0]).rglob("libicudata.so.*"))
    import PySide6

    full = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not trimmed or not full or trimmed[0].stat().st_size >= full[0].stat().st_size:
        print("icu: the bundle ships ICU's data whole; nothing to compare")
        return 0
    expected = _probe({})
    actual = _probe({"LD_PRELOAD": str(trimmed[0].resolve())})
    if expected != actual:
        print("icu: Qt behaves differently on the trimmed ICU data:", file=sys.stderr)
        for want, got in zip(expected.splitlines(), actual.splitlines(), strict=False):
            if want != got:
                print(f"  full:    {want[:200]}\n  trimmed: {got[:200]}", file=sys.stderr)
        return 1
    print(f"icu: trimmed data ({trimmed[0].stat().st_size / 1e6:.1f} MB) behaves like the full one")
    return 0


def _probe(extra_env: dict[str, str]) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra_env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
