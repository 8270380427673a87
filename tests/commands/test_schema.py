"""`webhook-inspector schema` and `listen --schema-dir/--openapi`, end to end in subprocesses over
the real listener."""

from __future__ import annotations

import copy
import dataclasses
import json
import signal
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from tests.core.shapes.bodies import authorized, card_created
from tests.listen_process import CliProcess, run_cli
from tests.waiting import wait_until

FIVE = [authorized(n) for n in range(5)]


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "data"), "--config-dir", str(tmp_path / "config")]


def listen(dirs: list[str], *extra: str) -> tuple[CliProcess, str]:
    proc = CliProcess("listen", "--port", "0", *dirs, *extra)
    url, _port = proc.wait_listening()
    return proc, url


def stop(proc: CliProcess) -> None:
    proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    assert "Traceback" not in "\n".join(proc.stderr)


@pytest.fixture
def history(dirs: list[str]) -> Iterator[list[str]]:
    """Five transaction.authorized and five card.created deliveries through `listen`, then stopped."""
    proc, url = listen(dirs)
    try:
        for body in FIVE + [card_created(n) for n in range(5)]:
            assert requests.post(f"{url}/hooks", json=body, timeout=10).status_code == 200
    finally:
        stop(proc)
    yield dirs[:2]


def load(code: str) -> types.ModuleType:
    module = types.ModuleType(f"generated_{abs(hash(code))}")
    sys.modules[module.__name__] = module
    exec(compile(code, "<generated>", "exec"), module.__dict__)
    return module


def test_listen_prints_the_differences_of_a_new_shape(dirs: list[str]) -> None:
    proc, url = listen(dirs)
    try:
        for body in FIVE:
            assert requests.post(f"{url}/hooks", json=body, timeout=10).status_code == 200
        extra = copy.deepcopy(authorized(7))
        extra["data"]["wallet"] = "apple_pay"
        requests.post(f"{url}/hooks", json=extra, timeout=10)
        line = wait_until(lambda: next((x for x in proc.stdout if extra["event_id"] in x), None))
    finally:
        stop(proc)
    assert "new_shape" in line
    assert line.endswith("data.wallet: new field (string)")
    assert not any("new_shape" in x for x in proc.stdout if extra["event_id"] not in x)


def test_json_schema_of_one_type_validates_what_was_received(history: list[str]) -> None:
    done = run_cli("schema", *history, "--type", "transaction.authorized")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for body in FIVE:
        jsonschema.Draft202012Validator(schema).validate(body)

    every = json.loads(run_cli("schema", *history).stdout)
    assert sorted(every) == ["card.created", "transaction.authorized"]


def test_pydantic_and_dataclasses_compile_and_parse_the_bodies(history: list[str], tmp_path: Path) -> None:
    out = tmp_path / "models.py"
    done = run_cli(
        "schema", *history, "--type", "transaction.authorized", "--format", "pydantic", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    pydantic_models = load(out.read_text())
    for body in FIVE:
        parsed = pydantic_models.TransactionAuthorized.model_validate(body)
        assert parsed.data.card.last4 == body["data"]["card"]["last4"]

    code = run_cli("schema", *history, "--type", "transaction.authorized", "--format", "dataclasses").stdout
    plain = load(code)
    card = plain.TransactionAuthorizedDataCard(**FIVE[0]["data"]["card"])
    assert dataclasses.is_dataclass(card) and card.last4 == "4242"

    union = run_cli("schema", *history, "--format", "typeddict")
    assert union.returncode == 0, union.stderr
    assert "WebhookEvent" in union.stdout


def test_markdown_filter_and_rebuild(history: list[str]) -> None:
    table = run_cli("schema", *history, "--format", "markdown", "--filter", "type:card.*")
    assert table.returncode == 0, table.stderr
    assert "## card.created" in table.stdout and "transaction.authorized" not in table.stdout
    assert "| `data.cardholder.email` | string | 5/5 (100%) | email |" in table.stdout

    rebuilt = run_cli("schema", *history, "--rebuild", "--type", "card.created")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilding: 10 events in" in rebuilt.stderr
    assert json.loads(rebuilt.stdout)["title"] == "card.created"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--type", "nope.never"], "no deliveries of type 'nope.never' were learned"),
        (["--filter", "status:abc"], "--filter: status:abc"),
        (["--rebuild", "--filter", "type:x"], "--rebuild relearns the whole history"),
    ],
)
def test_user_errors_are_one_line(history: list[str], args: list[str], fragment: str) -> None:
    done = run_cli("schema", *history, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert fragment in done.stderr


def test_no_history_is_a_clear_error(tmp_path: Path) -> None:
    done = run_cli("schema", "--data-dir", str(tmp_path / "none"))
    assert done.returncode == 2 and "no event database" in done.stderr


def test_listen_flags_schema_invalid_against_a_schema_dir(dirs: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    schema: dict[str, Any] = {"type": "object", "properties": {"amount": {"type": "integer"}}}
    (folder / "transaction.authorized.json").write_text(json.dumps(schema))
    proc, url = listen(dirs, "--schema-dir", str(folder))
    try:
        bad = authorized(1)
        bad["data"]["amount"] = "ten"
        requests.post(f"{url}/hooks", json=bad, timeout=10)
        requests.post(f"{url}/hooks", json=authorized(2), timeout=10)
        wait_until(lambda: len([x for x in proc.stdout if "transaction.authorized" in x]) == 2)
    finally:
        stop(proc)
    flagged = [x for x in proc.stdout if "schema_invalid" in x]
    assert len(flagged) == 1 and bad["event_id"] in flagged[0]
    assert "data.amount: 'ten' is not of type 'integer'" in flagged[0]


def test_a_bad_schema_dir_or_openapi_file_is_refused_before_listening(
    dirs: list[str], tmp_path: Path
) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "card.created.json").write_text("{not json")
    done = run_cli("listen", "--port", "0", *dirs, "--schema-dir", str(folder))
    assert done.returncode == 2
    assert "--schema-dir: card.created.json is not valid JSON" in done.stderr
    document = tmp_path / "api.yaml"
    document.write_text("openapi: 2.0\n")
    done = run_cli("listen", "--port", "0", *dirs, "--openapi", str(document))
    assert done.returncode == 2 and "not an OpenAPI 3 document" in done.stderr
    assert not (tmp_path / "data").exists()  # refused before the store was made
