"""A smaller ICU data library for the Linux bundle (used by the spec; about 17 MB less on disk).

QtCore links ICU, whose data library (libicudata, 31 MB) holds every locale's unit, currency,
language and region names, transliterators, spell-out rules and ~190 legacy charset converters.
Qt formats numbers and dates from its own CLDR tables and the app uses no Qt codec, so those
items are removed and the library is rebuilt with ICU's own tools (icupkg, genccode) and a C
compiler. Kept: collation, break iterators, normalization, time-zone names and the locale roots.

Checked by running Qt's ICU users (QCollator sorting in four locales, QLocale case mapping and
number formatting, time-zone display names, word boundaries) against the full and the trimmed
library: identical results, except QStringDecoder for legacy charsets (e.g. Shift_JIS), which
the trimmed data no longer offers.

When the tools are missing (`apt-get install icu-devtools gcc`), the data stays whole and the
build says so; nothing fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

# Item prefixes (inside the ICU data package) that Qt never reads for this app.
DROPPED_TREES = ("unit/", "curr/", "lang/", "region/", "translit/", "rbnf/")
DROPPED_SUFFIXES = (".cnv",)  # legacy charset converters (UTF-8/16/32 are built into ICU's code)
TOOLS = ("icupkg", "genccode", "cc", "readelf")


class TrimUnavailable(Exception):
    """The trim cannot run here; str() says why, for the build log."""


def trimmed_icudata(library: Path, workdir: Path) -> Path:
    """Build a trimmed copy of `library` (libicudata.so.NN) in `workdir` and return its path."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise TrimUnavailable(f"{', '.join(missing)} not found (apt-get install icu-devtools gcc binutils)")
    match = re.fullmatch(r"libicudata\.so\.(\d+)", library.name)
    if match is None:
        raise TrimUnavailable(f"{library.name} is not a libicudata.so.NN")
    version = match.group(1)
    entry = f"icudt{version}"
    workdir.mkdir(parents=True, exist_ok=True)
    package = workdir / "full" / f"{entry}l.dat"  # "l": little-endian, the name ICU looks up
    package.parent.mkdir(exist_ok=True)
    package.write_bytes(_symbol_bytes(library, f"{entry}_dat"))

    items = _run("icupkg", "-l", str(package)).split()
    dropped = [i for i in items if i.startswith(DROPPED_TREES) or i.endswith(DROPPED_SUFFIXES)]
    (workdir / "dropped.txt").write_text("\n".join(dropped) + "\n")
    trimmed_dir = workdir / "trimmed"
    trimmed_dir.mkdir(exist_ok=True)
    # icupkg refuses (non-zero exit) when a kept item depends on a dropped one.
    # The output's file name becomes the package name inside it: it must stay icudtNNl.dat.
    _run("icupkg", "-r", str(workdir / "dropped.txt"), str(package), str(trimmed_dir / package.name))
    _run("genccode", "-q", "-e", entry, "-a", "gcc", "-d", str(workdir), str(trimmed_dir / package.name))
    assembly = workdir / f"{entry}l_dat.S"
    output = workdir / library.name
    _run("cc", "-shared", "-nostdlib", f"-Wl,-soname,{library.name}", "-o", str(output), str(assembly))
    return output


def _symbol_bytes(library: Path, symbol: str) -> bytes:
    """The bytes of a data symbol in an ELF shared library, located with readelf."""
    symbols = _run("readelf", "-sW", str(library))
    found = re.search(
        rf"^\s*\d+:\s+([0-9a-f]+)\s+(\S+)\s+OBJECT\s+\S+\s+\S+\s+(\d+)\s+{symbol}$", symbols, re.M
    )
    if found is None:
        raise TrimUnavailable(f"{symbol} not found in {library.name}")
    address, size, section_index = int(found.group(1), 16), int(found.group(2), 0), found.group(3)
    sections = _run("readelf", "-SW", str(library))
    section = re.search(
        rf"^\s*\[\s*{section_index}\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s", sections, re.M
    )
    if section is None:
        raise TrimUnavailable(f"section {section_index} of {library.name} not found")
    offset = address - int(section.group(1), 16) + int(section.group(2), 16)
    with library.open("rb") as f:
        f.seek(offset)
        data = f.read(size)
    if len(data) != size:
        raise TrimUnavailable(f"{library.name} is shorter than its {symbol} symbol")
    return data


def _run(*command: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TrimUnavailable(f"{command[0]} failed: {(result.stderr or result.stdout).strip()[:300]}")
    return result.stdout
