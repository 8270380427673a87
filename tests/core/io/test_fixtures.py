"""Saving events as fixture files: hostile ids never leave the chosen folder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from inspector.core.events import NewEvent, StoredEvent
from inspector.core.io.fixtures import (
    MAX_NAME_CHARS,
    FixtureError,
    safe_stem,
    save_fixture,
    save_fixtures,
)
from inspector.core.store.event_store import EventStore

RESERVED = ["CON", "prn", "Aux", "NUL", "COM1", "com9", "LPT1", "lpt9"]
HOSTILE = [
    "../../etc/passwd",
    "..",
    ".",
    "..\\..\\windows\\system32",
    "/absolute/path",
    "a\x00b",
    "nul\x00.json",
    "line\nbreak\r\t",
    "trailing dots...",
    "trailing spaces   ",
    "   ",
    "",
    "C:\\evil",
    "semi;colon|pipe<>:*?\"'`$(rm -rf)",
    "ünïcödé-事件",
    "x" * 300,
    "../" * 100,
    *RESERVED,
    *(f"{r}.txt" for r in RESERVED),
    *(f"{r}.tar.gz" for r in RESERVED),
]


def event(store: EventStore, event_id: str | None, identifier: str | None) -> StoredEvent:
    body = json.dumps({"event_id": event_id, "event_identifier": identifier, "data": {"k": 1}}).encode()
    (stored,) = store.insert_many(
        [
            NewEvent(
                time.time(),
                "POST",
                "/hooks",
                "",
                (("Authorization", "Bearer [redacted]"),),
                body,
                200,
                event_id=event_id,
                event_identifier=identifier,
            )
        ]
    )
    return stored


def is_windows_safe(name: str) -> bool:
    stem = name.split(".", 1)[0].upper()
    return (
        stem not in {"CON", "PRN", "AUX", "NUL"}
        and not (len(stem) == 4 and stem[:3] in ("COM", "LPT") and stem[3].isdigit())
        and not name.endswith((".", " "))
        and not any(c in name for c in '<>:"/\\|?*')
        and all(ord(c) >= 32 for c in name)
    )


@pytest.mark.parametrize("raw", HOSTILE)
def test_safe_stem_is_safe(raw: str) -> None:
    stem = safe_stem(raw)
    assert stem and len(stem) <= MAX_NAME_CHARS
    assert "/" not in stem and "\\" not in stem and "\x00" not in stem and ".." not in stem
    assert not stem.startswith(".")
    assert is_windows_safe(stem + ".json"), stem


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_ids_stay_inside_the_folder(store: EventStore, tmp_path: Path, raw: str) -> None:
    folder = tmp_path / "fixtures"
    folder.mkdir()
    path = save_fixture(event(store, raw, raw), folder)
    assert path.parent == folder.resolve()
    assert path.resolve().parent == folder.resolve()
    assert len(path.name) <= MAX_NAME_CHARS
    assert is_windows_safe(path.name), path.name
    assert sorted(os.listdir(folder)) == [path.name]  # no temp file left behind, nothing elsewhere
    assert json.loads(path.read_text("utf-8"))["event_id"] == raw
    assert not (tmp_path / "etc").exists()


def test_long_ids_with_a_common_prefix_get_distinct_names() -> None:
    a, b = "evt_" + "x" * 300 + "1", "evt_" + "x" * 300 + "2"
    assert safe_stem(a) != safe_stem(b)


def test_normal_name_and_content(store: EventStore, tmp_path: Path) -> None:
    stored = event(store, "evt_123", "transaction.authorized")
    path = save_fixture(stored, tmp_path)
    assert path.name == f"transaction.authorized_evt_123_seq{stored.seq}.json"
    document = json.loads(path.read_text("utf-8"))
    assert document["body"]["data"] == {"k": 1}
    assert document["headers"] == [["Authorization", "Bearer [redacted]"]]


def test_existing_files_are_never_overwritten(store: EventStore, tmp_path: Path) -> None:
    stored = event(store, "evt_1", "card.created")
    taken = tmp_path / f"card.created_evt_1_seq{stored.seq}.json"
    taken.write_text("mine")
    paths = save_fixtures([stored, stored], tmp_path)
    assert [p.name for p in paths] == [
        f"card.created_evt_1_seq{stored.seq}-2.json",
        f"card.created_evt_1_seq{stored.seq}-3.json",
    ]
    assert taken.read_text() == "mine"


def test_symlink_with_the_target_name_is_not_followed(store: EventStore, tmp_path: Path) -> None:
    stored = event(store, "evt_1", "card.created")
    outside = tmp_path / "outside.json"
    outside.write_text("keep")
    folder = tmp_path / "fx"
    folder.mkdir()
    (folder / f"card.created_evt_1_seq{stored.seq}.json").symlink_to(outside)
    path = save_fixture(stored, folder)
    assert path.name.endswith("-2.json") and outside.read_text() == "keep"


def test_missing_folder_is_a_clear_error(store: EventStore, tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="does not exist"):
        save_fixture(event(store, "e", "t"), tmp_path / "nope")
