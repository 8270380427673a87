"""Write the app icon: resources/icons/app.svg (the source), and app.png (256 px)
and app.ico (Windows, 16-256 px) rendered from it.

Run once after changing the drawing: `QT_QPA_PLATFORM=offscreen python packaging/make_icon.py`.
The outputs are committed; the app and the build only read them.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path
from typing import Any

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"

# A rounded tile with an incoming-arrow into a tray (a delivery arriving) under a lens (inspecting it).
SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <defs>
    <linearGradient id="tile" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#2f6fde"/>
      <stop offset="1" stop-color="#1d4aa3"/>
    </linearGradient>
  </defs>
  <rect x="8" y="8" width="240" height="240" rx="52" fill="url(#tile)"/>
  <g fill="none" stroke="#ffffff" stroke-linecap="round" stroke-linejoin="round">
    <path d="M44 136 v40 a12 12 0 0 0 12 12 h88" stroke-width="16"/>
    <path d="M44 136 h22 l10 16 h38 l10 -16 h14" stroke-width="16"/>
    <path d="M95 44 v64 M73 88 l22 22 l22 -22" stroke-width="16"/>
    <circle cx="166" cy="150" r="34" stroke-width="14" fill="#1d4aa3"/>
    <path d="M191 176 l26 26" stroke-width="18"/>
  </g>
  <circle cx="166" cy="150" r="10" fill="#7fd4ff"/>
</svg>
"""


def main() -> int:
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])
    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / "app.svg").write_text(SVG, encoding="utf-8")
    renderer = QSvgRenderer(QByteArray(SVG.encode()))
    if not renderer.isValid():
        print("the SVG does not parse", file=sys.stderr)
        return 1
    pngs = {size: render_png(renderer, size) for size in ICO_SIZES}
    (ICONS / "app.png").write_bytes(pngs[256])
    (ICONS / "app.ico").write_bytes(ico_from_pngs(pngs))
    print(ICONS / "app.png", ICONS / "app.ico", ICONS / "app.svg", sep="\n")
    del app
    return 0


def render_png(renderer: Any, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_from_pngs(pngs: dict[int, bytes]) -> bytes:
    """An .ico whose entries are PNGs (supported since Windows Vista); Windows picks the size it needs."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


if __name__ == "__main__":
    sys.exit(main())
