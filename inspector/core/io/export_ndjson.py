"""NDJSON export: one record per line (StoredEvent.to_export_dict), headers and query redacted."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from inspector.core.events import StoredEvent
from inspector.core.redaction import redact_event


def write_ndjson(events: Iterable[StoredEvent], out: TextIO) -> int:
    n = 0
    for event in events:
        out.write(json.dumps(redact_event(event).to_export_dict(), ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        n += 1
    return n
