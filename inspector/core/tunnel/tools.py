"""Finding the tunnel tools the developer already has, or saying how to get them.

The install hints are data (platform, command, note) so the window and the CLI show the same
advice in their own way.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

ToolName = Literal["cloudflared", "ngrok"]
TOOL_NAMES: tuple[ToolName, ...] = get_args(ToolName)


@dataclass(frozen=True, slots=True)
class InstallHint:
    platform: str  # "macOS", "Debian/Ubuntu", "Linux", "Windows", "any", "after installing"
    command: str | None  # what to type, or None when the hint is a page to visit
    note: str = ""


@dataclass(frozen=True, slots=True)
class ToolInfo:
    name: ToolName
    download_url: str  # the official download page
    hints: tuple[InstallHint, ...]
    needs_account: bool  # ngrok needs an authtoken before its first tunnel; cloudflared does not


TOOLS: dict[ToolName, ToolInfo] = {
    "cloudflared": ToolInfo(
        name="cloudflared",
        download_url="https://developers.cloudflare.com/cloudflare-one/networks/connectors/cloudflare-tunnel/downloads/",
        hints=(
            InstallHint("macOS", "brew install cloudflared"),
            InstallHint(
                "Debian/Ubuntu",
                "curl -L -o cloudflared.deb https://github.com/cloudflare/cloudflared/releases/latest/"
                "download/cloudflared-linux-amd64.deb && sudo dpkg -i cloudflared.deb",
                "use the -arm64.deb on ARM machines",
            ),
            InstallHint("Windows", "winget install --id Cloudflare.cloudflared"),
            InstallHint(
                "any",
                None,
                "single binaries for every platform: https://github.com/cloudflare/cloudflared/releases",
            ),
        ),
        needs_account=False,
    ),
    "ngrok": ToolInfo(
        name="ngrok",
        download_url="https://ngrok.com/download",
        hints=(
            InstallHint("macOS", "brew install ngrok/ngrok/ngrok"),
            InstallHint("Linux", "sudo snap install ngrok"),
            InstallHint("Windows", "winget install ngrok -s msstore"),
            InstallHint("any", None, "downloads for every platform: https://ngrok.com/download"),
            InstallHint(
                "after installing",
                "ngrok config add-authtoken <YOUR_AUTHTOKEN>",
                "ngrok needs a free account; the authtoken is on "
                "https://dashboard.ngrok.com/get-started/your-authtoken",
            ),
        ),
        needs_account=True,
    ),
}


@dataclass(frozen=True, slots=True)
class ToolLookup:
    name: ToolName
    path: str | None  # the executable to run, or None when it was not found
    problem: str | None  # one sentence for the user when path is None
    info: ToolInfo

    @property
    def found(self) -> bool:
        return self.path is not None


def well_known_dirs() -> tuple[str, ...]:
    """Where the install commands above put the tools, for when PATH does not say.

    An app started from the macOS Finder or a desktop launcher gets a short PATH
    (/usr/bin:/bin:/usr/sbin:/sbin), without Homebrew's or snap's folders, although the same
    user's terminal finds the tool at once.
    """
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", str(home / "AppData" / "Local"))
        programs = [os.environ.get(v) for v in ("ProgramFiles", "ProgramFiles(x86)")]
        folders = [str(Path(local) / "Microsoft" / "WinGet" / "Links")]
        folders += [str(Path(p) / "cloudflared") for p in programs if p]
        return tuple(folders)
    folders = ["/opt/homebrew/bin", "/usr/local/bin"] if sys.platform == "darwin" else []
    folders += ["/usr/local/bin", "/usr/bin", "/snap/bin", "/home/linuxbrew/.linuxbrew/bin"]
    folders += [str(home / ".local" / "bin"), str(home / "bin")]
    return tuple(dict.fromkeys(folders))


def find_tool(
    name: ToolName,
    configured_path: str | os.PathLike[str] | None = None,
    *,
    search_path: str | None = None,
    extra_dirs: Sequence[str] | None = None,
) -> ToolLookup:
    """Where `name` is: at `configured_path` (the executable, or the folder holding it) when the
    user set one, else on `search_path` (default: this process's PATH), else in `extra_dirs`
    (default: `well_known_dirs()` when searching this process's PATH, none with a `search_path`).

    A configured path that is wrong is reported as such rather than silently replaced by whatever
    PATH has: the user set it for a reason (a second install, a newer version).
    """
    if name not in TOOLS:
        raise ValueError(f"unknown tunnel tool {name!r}; expected one of {', '.join(TOOL_NAMES)}")
    info = TOOLS[name]
    if configured_path is not None and str(configured_path).strip():
        path, problem = _configured(name, Path(os.path.expanduser(os.fspath(configured_path))))
        return ToolLookup(name, path, problem, info)
    found = shutil.which(name, path=search_path)
    if extra_dirs is None:
        extra_dirs = well_known_dirs() if search_path is None else ()
    if found is None and extra_dirs:
        found = shutil.which(name, path=os.pathsep.join(extra_dirs))
    if found is None:
        return ToolLookup(name, None, f"{name} is not installed (it is not on PATH).", info)
    return ToolLookup(name, found, None, info)


def _configured(name: ToolName, path: Path) -> tuple[str | None, str | None]:
    if path.is_dir():
        found = shutil.which(name, path=str(path))
        if found is None:
            return None, f"The folder {path} set for {name} has no {name} program in it."
        return found, None
    if not path.exists():
        return None, f"The path {path} set for {name} does not exist."
    if sys.platform != "win32" and not os.access(path, os.X_OK):
        return None, f"The file {path} set for {name} is not executable (chmod +x it)."
    return str(path), None


def install_text(info: ToolInfo) -> list[str]:
    """The hints as plain lines, for a terminal."""
    lines = [f"Install {info.name} ({info.download_url}):"]
    for hint in info.hints:
        text = hint.command or hint.note
        if hint.command and hint.note:
            text = f"{hint.command}   ({hint.note})"
        lines.append(f"  {hint.platform}: {text}")
    return lines
