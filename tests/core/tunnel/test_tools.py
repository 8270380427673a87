"""Finding cloudflared and ngrok on PATH or where the user said, and the hints when they are missing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from inspector.core.tunnel.tools import TOOL_NAMES, find_tool, install_text, well_known_dirs
from tests.fakes.helpers import FAKES


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_found_on_path(name: str, tmp_path: Path) -> None:
    search = os.pathsep.join([str(tmp_path), str(FAKES)])
    lookup = find_tool(name, search_path=search)  # type: ignore[arg-type]
    assert lookup.found
    assert lookup.path == str(FAKES / name)
    assert lookup.problem is None


def test_neither_installed_gives_install_hints(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    cloudflared = find_tool("cloudflared", search_path=str(empty))
    ngrok = find_tool("ngrok", search_path=str(empty))

    assert not cloudflared.found and not ngrok.found
    assert cloudflared.problem == "cloudflared is not installed (it is not on PATH)."
    assert ngrok.problem == "ngrok is not installed (it is not on PATH)."
    commands = {hint.command for hint in cloudflared.info.hints}
    assert "brew install cloudflared" in commands
    assert any(c and "github.com/cloudflare/cloudflared/releases" in c and ".deb" in c for c in commands)
    assert cloudflared.info.download_url.startswith("https://developers.cloudflare.com/")
    assert not cloudflared.info.needs_account

    ngrok_commands = {hint.command for hint in ngrok.info.hints}
    assert {"brew install ngrok/ngrok/ngrok", "sudo snap install ngrok"} <= ngrok_commands
    assert "ngrok config add-authtoken <YOUR_AUTHTOKEN>" in ngrok_commands
    assert ngrok.info.download_url == "https://ngrok.com/download"
    assert ngrok.info.needs_account

    text = install_text(ngrok.info)
    assert text[0] == "Install ngrok (https://ngrok.com/download):"
    assert "  macOS: brew install ngrok/ngrok/ngrok" in text
    assert any(line.startswith("  after installing: ngrok config add-authtoken") for line in text)


def test_configured_executable_wins_over_path(tmp_path: Path) -> None:
    own = tmp_path / "my-cloudflared"
    own.write_text("#!/bin/sh\n")
    own.chmod(0o755)
    lookup = find_tool("cloudflared", own, search_path=str(FAKES))
    assert (lookup.path, lookup.problem) == (str(own), None)


def test_configured_folder_is_searched(tmp_path: Path) -> None:
    lookup = find_tool("ngrok", FAKES, search_path=str(tmp_path))
    assert lookup.path == str(FAKES / "ngrok")


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: p, "has no ngrok program in it"),
        (lambda p: (p / "ngrok").write_text("x") and p / "ngrok", "is not executable"),
    ],
    ids=["missing", "folder-without-it", "not-executable"],
)
def test_a_wrong_configured_path_is_reported_not_replaced(tmp_path: Path, make: object, problem: str) -> None:
    folder = tmp_path / "tools"
    folder.mkdir()
    configured = make(folder)  # type: ignore[operator]
    if configured.name == "ngrok":
        configured.chmod(0o644)
    lookup = find_tool("ngrok", configured, search_path=str(FAKES))  # the fake on PATH is not taken
    assert lookup.path is None
    assert problem in (lookup.problem or "")
    assert str(configured) in (lookup.problem or "")


def test_unknown_tool_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown tunnel tool"):
        find_tool("localtunnel")  # type: ignore[arg-type]


def test_well_known_folders_are_searched_when_path_lacks_the_tool(tmp_path: Path) -> None:
    """A launcher's short PATH (no Homebrew, no snap folder) must not hide an installed tool."""
    empty = tmp_path / "bin"
    empty.mkdir()
    lookup = find_tool("cloudflared", search_path=str(empty), extra_dirs=(str(tmp_path), str(FAKES)))
    assert (lookup.path, lookup.problem) == (str(FAKES / "cloudflared"), None)
    assert not find_tool("cloudflared", search_path=str(empty)).found  # a search_path alone: no extras


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux folders")
def test_the_well_known_folders_include_where_the_install_hints_put_the_tools() -> None:
    folders = well_known_dirs()
    assert "/usr/local/bin" in folders and "/snap/bin" in folders
    assert str(Path.home() / ".local" / "bin") in folders
