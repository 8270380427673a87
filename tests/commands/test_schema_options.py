"""--schema-dir / --openapi as `gui` and `listen` parse them (the options group they share)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector.cli import build_parser, with_command
from inspector.commands import UserError, options

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "hooks", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "TransactionAuthorizedEvent": {
                "type": "object",
                "properties": {
                    "event_identifier": {"const": "transaction.authorized"},
                    "data": {"type": "object", "required": ["amount"]},
                },
            }
        }
    },
}


@pytest.mark.parametrize("command", ["gui", "listen"])
def test_both_commands_take_a_schema_dir_or_an_openapi_file(command: str, tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "card.created.json").write_text(json.dumps({"type": "object"}))
    args = build_parser().parse_args(with_command([command, "--schema-dir", str(folder)]))
    loaded = options.load_schemas(args)
    assert loaded is not None and loaded.event_types() == ["card.created"]

    document = tmp_path / "api.json"
    document.write_text(json.dumps(OPENAPI))
    args = build_parser().parse_args(with_command([command, "--openapi", str(document)]))
    loaded = options.load_schemas(args)
    assert loaded is not None
    assert loaded.check("transaction.authorized", {"event_identifier": "transaction.authorized", "data": {}})

    assert options.load_schemas(build_parser().parse_args([command])) is None


def test_both_at_once_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["listen", "--schema-dir", str(tmp_path), "--openapi", "x.yaml"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_missing_directory_is_a_user_error(tmp_path: Path) -> None:
    args = build_parser().parse_args(["listen", "--schema-dir", str(tmp_path / "none")])
    with pytest.raises(UserError, match=r"--schema-dir: schema directory .* does not exist"):
        options.load_schemas(args)
