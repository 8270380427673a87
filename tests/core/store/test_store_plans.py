"""Query plans of the hot statements: a plan that scans an index of every row would pass every
functional test and still make each commit slower as the history grows."""

from __future__ import annotations

from inspector.core.store.event_store import (
    _OLDEST_BY_SEQ,
    _OLDEST_BY_TIME,
    EventStore,
    _count_statement,
    _summaries_statement,
)
from inspector.core.store.filter_query import parse_filter


def plan(store: EventStore, sql: str, params: tuple[object, ...]) -> str:
    rows = store._conn().execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return "\n".join(r[3] for r in rows)


def test_duplicate_lookup_before_a_commit_uses_the_event_id_index(store: EventStore) -> None:
    sql = (
        "SELECT event_id, MIN(seq) FROM events WHERE event_id IN (?,?,?)"
        " AND +status BETWEEN 200 AND 299 GROUP BY event_id"
    )
    text = plan(store, sql, ("a", "b", "c"))
    assert "USING INDEX events_event_id (event_id=?)" in text
    assert "events_status_seq" not in text


def test_filter_by_event_id_uses_its_index(store: EventStore) -> None:
    text = plan(store, "SELECT seq FROM events WHERE (event_id = ?) ORDER BY seq DESC LIMIT 200", ("e",))
    assert "events_event_id" in text
    assert "TEMP B-TREE" not in text  # no sort of all matches for the first page


def _fill(store: EventStore) -> None:
    import time

    from inspector.core.events import NewEvent

    types = ["card.created", "card.frozen", "dispute.opened", "transaction.authorized", None]
    store.insert_many(
        [
            NewEvent(
                time.time(),
                "POST",
                "/h",
                "",
                (),
                b"{}",
                200 if i % 7 else 401,
                event_id=f"evt_{i}",
                event_identifier=types[i % len(types)],
            )
            for i in range(600)
        ]
    )


def test_type_glob_pages_equal_the_plain_sql_answer(store: EventStore) -> None:
    import dataclasses

    _fill(store)
    for text in ("type:card.*", "type:*.* status:2xx", "type:card.* -id:evt_5", "type:nothing.*"):
        fast = parse_filter(text)
        plain = dataclasses.replace(fast, _type_globs=())  # the generic single-query path
        for descending in (True, False):
            for offset in (0, 37, 250):
                got = [e.seq for e in store.query(fast, limit=50, offset=offset, descending=descending)]
                want = [e.seq for e in store.query(plain, limit=50, offset=offset, descending=descending)]
                assert got == want, (text, descending, offset)
    assert len(store.query("type:card.*", limit=1000)) == 240


def test_a_page_per_exact_type_needs_no_sort(store: EventStore) -> None:
    sql = (
        "SELECT seq FROM events WHERE event_identifier = ? AND (+event_identifier GLOB ?)"
        " ORDER BY seq DESC LIMIT 50"
    )
    text = plan(store, sql, ("card.created", "card.*"))
    assert "events_type_seq (event_identifier=?)" in text
    assert "TEMP B-TREE" not in text


def test_counting_a_whole_history_up_to_a_seq_scans_an_index_not_the_table(store: EventStore) -> None:
    # A rowid range over the table reads every row with its body: 1.4 s for a million events.
    text = plan(store, *_count_statement(parse_filter(""), None, 1_000_000))
    assert "COVERING INDEX" in text
    assert "PRIMARY KEY" not in text


def test_counting_a_type_up_to_a_seq_walks_the_type_index(store: EventStore) -> None:
    text = plan(store, *_count_statement(parse_filter("type:card.created"), None, 1_000_000))
    assert "events_type_seq (event_identifier=?)" in text
    assert "PRIMARY KEY" not in text


def test_counting_the_rows_since_a_count_is_a_rowid_range(store: EventStore) -> None:
    text = plan(store, *_count_statement(parse_filter(""), 900, 1_000))
    assert "INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in text


def test_summaries_of_chosen_seqs_look_up_each_by_rowid(store: EventStore) -> None:
    text = plan(store, *_summaries_statement([3, 9, 27]))
    assert "INTEGER PRIMARY KEY (rowid=?)" in text
    assert "TEMP B-TREE" not in text


def test_the_pruner_s_age_query_walks_the_received_at_index(store: EventStore) -> None:
    """By (pinned, seq) it read every unpinned row before each batch: a stream outran the pruner."""
    text = plan(store, _OLDEST_BY_TIME, (0.0, 50))
    assert "events_received_at" in text and "events_pinned_seq" not in text, text
    assert "TEMP B-TREE" not in text


def test_the_pruner_s_count_query_walks_the_pinned_seq_index(store: EventStore) -> None:
    text = plan(store, _OLDEST_BY_SEQ, (10, 50))
    assert "events_pinned_seq" in text and "TEMP B-TREE" not in text, text
