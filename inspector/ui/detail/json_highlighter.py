"""Syntax colours for pretty-printed JSON, readable on both light and dark palettes."""

from __future__ import annotations

import re

from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

from inspector.ui import theme

# One scan per line: pretty-printed JSON never has a string spanning lines (newlines are escaped),
# so no block state is needed.
_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)"
)


def is_dark(palette: QPalette) -> bool:
    return theme.is_dark(palette)


class JsonHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument | None, *, dark: bool = False) -> None:
        # None: made before its document (attached later with setDocument); Qt takes a null one.
        super().__init__(document)  # type: ignore[arg-type]
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark, rehighlight=False)

    def set_dark(self, dark: bool, *, rehighlight: bool = True) -> None:
        colours = theme.JSON_DARK if dark else theme.JSON_LIGHT  # (key, string, number, literal)
        self._formats = {}
        for name, colour in zip(("key", "string", "number", "literal"), colours, strict=True):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if name == "key":
                fmt.setFontWeight(QFont.Weight.DemiBold)
            self._formats[name] = fmt
        self.dark = dark
        if rehighlight and self.document() is not None:
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        formats = self._formats
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind in ("string", "colon"):
                start, end = match.span("string")
                self.setFormat(start, end - start, formats["key" if match.group("colon") else "string"])
            elif kind is not None:
                start, end = match.span()
                self.setFormat(start, end - start, formats[kind])
