"""Filters at SQLite's limits and keys without values: a clear FilterError, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import KEYS, MAX_TERMS, FilterError, parse_filter
from tests.listen_process import run_cli


@pytest.fixture
def filled(store: EventStore) -> EventStore:
    store.insert_many(
        [
            NewEvent(
                1_795_687_200.0 + i,
                "POST",
                "/hooks",
                "",
                (),
                json.dumps({"event_id": f"e{i}", "event_identifier": "card.created", "data": {}}).encode(),
                200,
                event_id=f"e{i}",
                event_identifier="card.created",
            )
            for i in range(5)
        ]
    )
    return store


def many_terms(n: int) -> str:
    kinds = ("-status:500", "type:card.*", "-path:/nope", "card", "-is:duplicate", "method:POST")
    return " ".join(kinds[i % len(kinds)] for i in range(n))


def test_the_most_terms_allowed_run_in_sql(filled: EventStore) -> None:
    flt = parse_filter(many_terms(MAX_TERMS))
    assert filled.count(flt) == 5
    assert len(filled.query(flt)) == 5
    assert len(filled.query_after(0, flt)) == 5
    assert len(list(filled.iter_events(flt))) == 5
    # One type glob: the store pages per exact type, repeating every other term in each branch.
    per_type = parse_filter("type:card.* " + " ".join(["-status:500"] * (MAX_TERMS - 1)))
    assert per_type._type_globs == ("card.*",)
    assert len(filled.query(per_type)) == 5


@pytest.mark.parametrize("n", [MAX_TERMS + 1, 998, 5000])
def test_more_terms_are_refused_with_a_clear_error(n: int) -> None:
    text = many_terms(n)
    with pytest.raises(FilterError, match=rf"too many terms \({n:,}\); at most {MAX_TERMS}") as caught:
        parse_filter(text)
    # The position points at the first term over the limit.
    assert text[caught.value.position :].startswith(many_terms(MAX_TERMS + 1).split()[-1])


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("shape", ["{key}:", "-{key}:", "{key}: card.created", 'x {key}:""', "{key}:  "])
def test_every_key_without_a_value_says_it_needs_one(key: str, shape: str) -> None:
    text = shape.format(key=key)
    with pytest.raises(FilterError, match=rf"^{key}: needs a value") as caught:
        parse_filter(text)
    assert text[caught.value.position :].lstrip("-").startswith(f"{key}:")


def test_a_known_key_in_upper_case_without_a_value_too() -> None:
    with pytest.raises(FilterError, match="type: needs a value"):
        parse_filter("TYPE:")


def test_a_word_with_a_colon_that_is_no_key_stays_free_text() -> None:
    assert parse_filter("note:")._params == ("note:",)


def test_export_with_too_many_terms_is_one_sentence(tmp_path: Path, filled: EventStore) -> None:
    data = str(filled.path.parent)
    result = run_cli("export", "--data-dir", data, "--filter", many_terms(998))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("webhook-inspector: error: --filter: too many terms")
    empty = run_cli("export", "--data-dir", data, "--filter", "type:")
    assert empty.returncode == 2
    assert empty.stderr.strip() == "webhook-inspector: error: --filter: type: needs a value (at character 1)"
