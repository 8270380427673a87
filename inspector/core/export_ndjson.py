"""NDJSON export (DESIGN.md "Export (ndjson)"): one record per line, secrets already redacted."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from inspector.core.events import StoredEvent


def write_ndjson(events: Iterable[StoredEvent], out: TextIO) -> int:
    n = 0
    for event in events:
        out.write(json.dumps(event.to_export_dict(), ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        n += 1
    return n
