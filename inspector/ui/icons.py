"""Action icons: bundled line-art SVGs (resources/icons/actions), drawn in the palette's text colour.

The SVGs are stroked in #000000; each icon is rendered with that replaced by the palette's window
text colour, so the toolbar reads on light and dark palettes alike. Text stays reachable: the
toolbar shows it beside the icon and every action keeps its text and tooltip.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QPalette, QPixmap

from inspector.core import paths

SIZES = (16, 24, 32, 48)


@cache
def _svg(name: str) -> bytes | None:
    node = paths.resource(f"icons/actions/{name}.svg")
    return node.read_bytes() if node.is_file() else None


def icon(name: str, palette: QPalette | None = None) -> QIcon:
    """The bundled icon `name` in the palette's text colour (a null icon if it is missing)."""
    data = _svg(name)
    if data is None:
        return QIcon()
    pal = palette if palette is not None else QGuiApplication.palette()
    colour = pal.color(QPalette.ColorRole.WindowText).name().encode("ascii")
    svg = data.replace(b"#000000", colour)
    result = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        scaled = svg.replace(b'width="24" height="24"', f'width="{size}" height="{size}"'.encode())
        if pixmap.loadFromData(QByteArray(scaled), "SVG"):
            result.addPixmap(pixmap)
    return result


def set_icons(pairs: dict[QAction, str], palette: QPalette | None = None) -> None:
    for action, name in pairs.items():
        action.setIcon(icon(name, palette))
