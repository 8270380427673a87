"""Query plans of the hot statements: a plan that scans an index of every row would pass every
functional test and still make each commit slower as the history grows."""

from __future__ import annotations

from inspector.core.event_store import _FIND_DUPLICATES, EventStore


def plan(store: EventStore, sql: str, params: tuple[object, ...]) -> str:
    rows = store._conn().execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return "\n".join(r[3] for r in rows)


def test_duplicate_lookup_after_a_commit_walks_only_the_new_seqs(store: EventStore) -> None:
    text = plan(store, _FIND_DUPLICATES, (8,))
    assert "SEARCH e USING INTEGER PRIMARY KEY (rowid>?)" in text
    assert "events_status_seq" not in text
    assert "USING INDEX events_event_id (event_id=? AND seq<?)" in text


def test_filter_by_event_id_uses_its_index(store: EventStore) -> None:
    text = plan(store, "SELECT seq FROM events WHERE (event_id = ?) ORDER BY seq DESC LIMIT 200", ("e",))
    assert "events_event_id" in text
    assert "TEMP B-TREE" not in text  # no sort of all matches for the first page
