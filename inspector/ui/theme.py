"""Every colour the window paints beyond the style's own, derived from the active palette.

One place for badge, JSON, diff, status and row colours, so light and dark palettes (the system's,
or the one `apply_palette` sets) read alike. `is_dark()` looks at the palette's base colour: Qt
follows the desktop's light/dark setting where the platform reports it (Windows, macOS, GNOME and
KDE through the platform theme), and a window built under either palette picks matching colours.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

# Mid-saturation fills with white text: readable on both palettes, so the same in each.
BADGE_COLOURS: dict[str, str] = {"bad": "#c63b3b", "warn": "#b8730b", "info": "#5b6b7f", "ok": "#2e8b57"}
BADGE_TEXT = "#ffffff"

# (key, string, number, literal): the dark set is lighter so it reads on a dark base.
JSON_LIGHT = ("#7a3e9d", "#0b7a28", "#1750a8", "#b3590e")
JSON_DARK = ("#d7a6f5", "#8fdc8f", "#8cb8ff", "#f0b070")

# Status text: darker on light, lighter on dark.
_ERROR = {False: "#c62828", True: "#ff7b72"}
_OK = {False: "#1e7e45", True: "#56d364"}
_WARN = {False: "#9a6700", True: "#e3b341"}

# Translucent tints, blended with the base: row verdicts and diff lines.
_TINT_ALPHA = {False: 38, True: 60}
_TINTS = {"bad": (215, 58, 73), "warn": (210, 153, 34), "ok": (46, 160, 67), "info": (110, 118, 129)}
DIFF_KINDS = {"added": "ok", "removed": "bad", "changed": "warn"}


def palette() -> QPalette:
    return QGuiApplication.palette()


def is_dark(pal: QPalette | None = None) -> bool:
    pal = pal if pal is not None else palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def badge_colour(kind: str) -> QColor:
    return QColor(BADGE_COLOURS.get(kind, BADGE_COLOURS["info"]))


def json_colours(pal: QPalette | None = None) -> tuple[str, str, str, str]:
    return JSON_DARK if is_dark(pal) else JSON_LIGHT


def error_colour(pal: QPalette | None = None) -> QColor:
    return QColor(_ERROR[is_dark(pal)])


def ok_colour(pal: QPalette | None = None) -> QColor:
    return QColor(_OK[is_dark(pal)])


def warn_colour(pal: QPalette | None = None) -> QColor:
    return QColor(_WARN[is_dark(pal)])


def tint(kind: str, pal: QPalette | None = None) -> QColor:
    """A translucent background for a row or a line of kind "bad", "warn", "ok" or "info"."""
    r, g, b = _TINTS.get(kind, _TINTS["info"])
    return QColor(r, g, b, _TINT_ALPHA[is_dark(pal)])


def diff_tint(kind: str, pal: QPalette | None = None) -> QColor:
    """The background of an added, removed or changed diff row or line."""
    return tint(DIFF_KINDS.get(kind, "info"), pal)


def error_css(pal: QPalette | None = None) -> str:
    return f"color: {error_colour(pal).name()};"


def ok_css(pal: QPalette | None = None) -> str:
    return f"color: {ok_colour(pal).name()};"


def warn_css(pal: QPalette | None = None, *, bold: bool = False) -> str:
    return f"color: {warn_colour(pal).name()};" + (" font-weight: bold;" if bold else "")


def status_colour(status: int, pal: QPalette | None = None) -> QColor:
    """An HTTP answer's colour: 2xx/3xx ok, 4xx warn, 5xx (and none) error."""
    if 0 < status < 400:
        return ok_colour(pal)
    return warn_colour(pal) if status < 500 else error_colour(pal)


def dark_palette() -> QPalette:
    """A dark palette on the Fusion style (for screenshots and tests, and where the platform has none)."""
    pal = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {
        role.Window: "#202124",
        role.WindowText: "#e8eaed",
        role.Base: "#17181a",
        role.AlternateBase: "#24262a",
        role.ToolTipBase: "#2b2d31",
        role.ToolTipText: "#e8eaed",
        role.Text: "#e8eaed",
        role.Button: "#2b2d31",
        role.ButtonText: "#e8eaed",
        role.BrightText: "#ff7b72",
        role.Highlight: "#2f6fde",
        role.HighlightedText: "#ffffff",
        role.Link: "#8cb8ff",
        role.PlaceholderText: "#9aa0a6",
        role.Mid: "#3c4043",
        role.Dark: "#111214",
        role.Light: "#3c4043",
    }
    for r, c in colours.items():
        pal.setColor(r, QColor(c))
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(group.Disabled, r, QColor("#6b6f75"))
    return pal
