"""Shipped resources are found through paths.resource() from the installed package."""

from __future__ import annotations

import configparser
import struct
import xml.etree.ElementTree as ET
from importlib import metadata

from inspector.core import paths

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_package_providing_the_resources_is_installed() -> None:
    # The lookups below go through the installed distribution (here: the editable install).
    assert metadata.version("webhook-inspector")
    assert paths.resource("icons").is_dir()


def test_app_icon_png_is_a_256_px_png() -> None:
    data = paths.resource("icons/app.png").read_bytes()

    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", data[16:24])  # IHDR follows the magic and chunk header
    assert (width, height) == (256, 256)


def test_app_icon_svg_is_an_svg_document() -> None:
    root = ET.fromstring(paths.resource("icons/app.svg").read_bytes())

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256"


def test_windows_icon_holds_png_images_up_to_256_px() -> None:
    data = paths.resource("icons/app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    sizes = []
    for i in range(count):
        width, _h, _c, _r, _planes, _bpp, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        assert data[offset : offset + 8] == PNG_MAGIC
        assert offset + length <= len(data)
        sizes.append(width or 256)

    assert (reserved, kind) == (0, 1)
    assert {16, 32, 48, 256} <= set(sizes)


def test_desktop_entry_launches_the_app_with_its_icon() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(paths.resource("webhook-inspector.desktop").read_text(encoding="utf-8"))
    entry = parser["Desktop Entry"]

    assert entry["Type"] == "Application"
    assert entry["Name"] == "Webhook Inspector"
    assert entry["Exec"].split()[0] == "webhook-inspector"
    assert entry["Icon"] == "webhook-inspector"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


def test_a_missing_resource_is_reported_missing() -> None:
    assert not paths.resource("icons/no-such-icon.png").is_file()


def test_action_icons_are_svg_documents_drawn_in_one_replaceable_colour() -> None:
    names = sorted(p.name for p in paths.resource("icons/actions").iterdir())
    assert {"replay.svg", "export.svg", "diff.svg", "pause.svg"} <= set(names)
    for name in names:
        data = paths.resource(f"icons/actions/{name}").read_bytes()
        root = ET.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 24 24"
        assert b"#000000" in data and b'width="24" height="24"' in data  # what icons.py replaces
