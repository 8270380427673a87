"""What the app remembers about tunnels (tunnel.json in the config dir): paths, follow, URLs, moves."""

from __future__ import annotations

import json
from pathlib import Path

from inspector.core.tunnel.settings import MAX_URLS, SETTINGS_FILENAME, MoveRecord, TunnelSettings


def test_changes_are_kept_in_the_config_dir_and_read_back(config_dir: Path) -> None:
    settings = TunnelSettings(config_dir)
    assert settings.read().last_url is None
    settings.set_tool_path("cloudflared", "  /opt/cf/cloudflared ")
    settings.set_follow("Local sandbox", True)
    settings.set_follow("Production", True)
    settings.set_follow("Production", False)
    assert settings.note_url("https://a.trycloudflare.com/") is None
    assert settings.note_url("https://b.trycloudflare.com") == "https://a.trycloudflare.com"
    settings.record_moves([MoveRecord(1.0, "Local sandbox", "wh_1", "https://a/h", "https://b/h", True)])

    again = TunnelSettings(config_dir).read()  # another process reading the same file
    assert again.tool_paths == {"cloudflared": "/opt/cf/cloudflared"}
    assert again.follow == frozenset({"Local sandbox"})
    assert again.urls == ("https://a.trycloudflare.com", "https://b.trycloudflare.com")
    assert again.last_url == "https://b.trycloudflare.com"
    assert again.moves == (MoveRecord(1.0, "Local sandbox", "wh_1", "https://a/h", "https://b/h", True),)
    settings.set_tool_path("cloudflared", None)
    assert settings.read().tool_paths == {}


def test_the_same_url_again_is_not_a_change_and_the_list_is_bounded(config_dir: Path) -> None:
    settings = TunnelSettings(config_dir)
    settings.note_url("https://a.example")
    assert settings.note_url("https://a.example") is None
    for n in range(MAX_URLS + 5):
        settings.note_url(f"https://t{n}.example")
    urls = settings.read().urls
    assert len(urls) == MAX_URLS and urls[-1] == f"https://t{MAX_URLS + 4}.example"


def test_a_damaged_file_is_reported_and_replaced_by_the_next_change(config_dir: Path) -> None:
    path = config_dir / SETTINGS_FILENAME
    path.write_text("{not json")
    settings = TunnelSettings(config_dir)
    assert settings.read().urls == ()
    assert settings.problem is not None and str(path) in settings.problem
    settings.note_url("https://a.example")
    assert settings.problem is None
    assert json.loads(path.read_text())["urls"] == ["https://a.example"]


def test_hostile_entries_are_dropped_not_trusted(config_dir: Path) -> None:
    (config_dir / SETTINGS_FILENAME).write_text(
        json.dumps(
            {
                "tool_paths": {"cloudflared": 7, "ngrok": "/bin/ngrok", "bore": "/bin/bore"},
                "follow": ["P", 3, None],
                "urls": ["https://ok.example", "file:///etc/passwd", 5],
                "moves": [
                    {"at": "x"},
                    {"at": 2, "profile": "P", "webhook_id": "w", "old_url": "a", "new_url": "b"},
                ],
            }
        )
    )
    memory = TunnelSettings(config_dir).read()
    assert memory.tool_paths == {"ngrok": "/bin/ngrok"}
    assert memory.follow == frozenset({"P"})
    assert memory.urls == ("https://ok.example",)
    assert [m.webhook_id for m in memory.moves] == ["w"]
