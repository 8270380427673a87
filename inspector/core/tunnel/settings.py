"""What the app remembers about tunnels, in `<config dir>/tunnel.json` (never a secret).

- `tool_paths`: where the user said cloudflared or ngrok is (instead of PATH).
- `follow`: the profiles whose tunnel-pointing webhooks are updated without asking.
- `urls`: the public URLs our tunnels have had, newest last. A registered webhook whose URL is on
  one of them points at a tunnel of ours, so it moves when the tunnel's URL changes, also after a
  restart of the app (the old quick tunnel is gone by then).
- `moves`: the last webhook URL updates made for a tunnel change, what they were and how they went.

The file is shared by the window and `listen` (they may run at once), so every change re-reads it
and writes it whole (atomically). An unreadable file is not fatal: the defaults are used, `problem`
says why, and the next change writes a good file again.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.core.io.atomic_file import atomic_write_json
from inspector.core.tunnel.tools import TOOL_NAMES, ToolName

SETTINGS_FILENAME = "tunnel.json"
MAX_URLS = 50
MAX_MOVES = 200
MAX_TEXT = 2048  # any one URL, path or sentence kept here


@dataclass(frozen=True, slots=True)
class MoveRecord:
    at: float  # time.time() of the update
    profile: str
    webhook_id: str
    old_url: str
    new_url: str
    automatic: bool  # "keep my webhooks on this tunnel" (or `listen --follow-webhooks`), not a click
    error: str | None = None  # why the provider refused, or None when it was updated

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "profile": self.profile,
            "webhook_id": self.webhook_id,
            "old_url": self.old_url,
            "new_url": self.new_url,
            "automatic": self.automatic,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MoveRecord | None:
        try:
            error = data.get("error")
            return cls(
                at=float(data["at"]),
                profile=_text(data["profile"]),
                webhook_id=_text(data["webhook_id"]),
                old_url=_text(data["old_url"]),
                new_url=_text(data["new_url"]),
                automatic=bool(data.get("automatic", False)),
                error=_text(error) if error is not None else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class TunnelMemory:
    tool_paths: dict[ToolName, str] = field(default_factory=dict)
    follow: frozenset[str] = frozenset()
    urls: tuple[str, ...] = ()
    moves: tuple[MoveRecord, ...] = ()

    @property
    def last_url(self) -> str | None:
        return self.urls[-1] if self.urls else None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value[:MAX_TEXT]


class TunnelSettings:
    """<config dir>/tunnel.json; safe to use from several threads."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / SETTINGS_FILENAME
        self.problem: str | None = None  # why the file could not be read, the last time it was
        self._lock = threading.Lock()

    def read(self) -> TunnelMemory:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.problem = None
            return TunnelMemory()
        except (OSError, ValueError) as exc:
            self.problem = f"cannot read {self.path}: {exc}"
            return TunnelMemory()
        if not isinstance(raw, dict):
            self.problem = f"{self.path} is not a tunnel settings file"
            return TunnelMemory()
        self.problem = None
        return _parse(raw)

    # -- changes ---------------------------------------------------------------------------------

    def set_tool_path(self, tool: ToolName, path: str | None) -> None:
        def change(memory: dict[str, Any]) -> None:
            paths = memory["tool_paths"]
            if path and path.strip():
                paths[tool] = path.strip()[:MAX_TEXT]
            else:
                paths.pop(tool, None)

        self._change(change)

    def set_follow(self, profile: str, follow: bool) -> None:
        def change(memory: dict[str, Any]) -> None:
            names = set(memory["follow"])
            if follow:
                names.add(profile)
            else:
                names.discard(profile)
            memory["follow"] = sorted(names)

        self._change(change)

    def note_url(self, url: str) -> str | None:
        """Remember `url` as our tunnel's newest public URL; returns the one before it (or None)."""
        url = url.strip().rstrip("/")[:MAX_TEXT]
        previous: list[str | None] = [None]

        def change(memory: dict[str, Any]) -> None:
            urls = [u for u in memory["urls"] if u != url]
            previous[0] = memory["urls"][-1] if memory["urls"] else None
            memory["urls"] = [*urls, url][-MAX_URLS:]

        self._change(change)
        return previous[0] if previous[0] != url else None

    def record_moves(self, records: Iterable[MoveRecord]) -> None:
        records = list(records)
        if not records:
            return

        def change(memory: dict[str, Any]) -> None:
            memory["moves"] = [*memory["moves"], *(r.to_json() for r in records)][-MAX_MOVES:]

        self._change(change)

    def _change(self, change: Any) -> None:
        with self._lock:
            memory = self.read()
            data = _dump(memory)
            change(data)
            atomic_write_json(self.path, data)
            self.problem = None


def _parse(raw: dict[str, Any]) -> TunnelMemory:
    paths_raw = raw.get("tool_paths")
    paths: dict[ToolName, str] = {}
    if isinstance(paths_raw, dict):
        for tool in TOOL_NAMES:
            value = paths_raw.get(tool)
            if isinstance(value, str) and value.strip():
                paths[tool] = value[:MAX_TEXT]
    follow_raw = raw.get("follow")
    follow = (
        frozenset(f[:MAX_TEXT] for f in follow_raw if isinstance(f, str))
        if isinstance(follow_raw, list)
        else frozenset()
    )
    urls_raw = raw.get("urls")
    urls = (
        tuple(u[:MAX_TEXT] for u in urls_raw if isinstance(u, str) and u.startswith(("http://", "https://")))
        if isinstance(urls_raw, list)
        else ()
    )
    moves_raw = raw.get("moves")
    moves = tuple(
        record
        for item in (moves_raw if isinstance(moves_raw, list) else [])
        if isinstance(item, dict) and (record := MoveRecord.from_json(item)) is not None
    )
    return TunnelMemory(paths, follow, urls[-MAX_URLS:], moves[-MAX_MOVES:])


def _dump(memory: TunnelMemory) -> dict[str, Any]:
    return {
        "version": 1,
        "tool_paths": dict(memory.tool_paths),
        "follow": sorted(memory.follow),
        "urls": list(memory.urls),
        "moves": [m.to_json() for m in memory.moves],
        "updated_at": time.time(),
    }
