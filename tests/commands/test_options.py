"""Each subcommand lists only the options it uses, with a help line; the webhook's own token flag is
not the listener's --token-env."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from inspector.cli import build_parser, main, with_command


def help_of(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*words, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("command", "absent", "present"),
    [
        (("export",), ["--port", "--host", "--token-env", "--config-dir"], ["--data-dir", "--filter"]),
        (("import",), ["--port", "--host", "--token-env", "--config-dir"], ["--data-dir", "--format"]),
        (("sandbox",), ["--token-env", "--data-dir"], ["--port", "--state"]),
        (("webhooks",), ["--port", "--host", "--data-dir"], ["--config-dir"]),
        (("webhooks", "create"), ["--token-env", "--port"], ["--webhook-token-env", "--access-token-env"]),
        (("listen",), [], ["--port", "--token-env", "--require-token", "--data-dir", "--config-dir"]),
        (("listen",), [], ["--tunnel", "--tunnel-path", "--follow-webhooks", "--access-token-env"]),
        (("gui",), ["--json", "--tunnel", "--follow-webhooks"], ["--port", "--token-env", "--require-token"]),
    ],
)
def test_help_offers_only_what_the_command_uses(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...], absent: list[str], present: list[str]
) -> None:
    text = help_of(capsys, *command)
    for option in absent:
        assert option not in text.split(), f"{' '.join(command)} --help offers {option}"
    for option in present:
        assert option in text
    for action in subparser(*command)._actions:
        if action.option_strings and action.help != argparse.SUPPRESS:
            assert action.help, f"{' '.join(command)} {action.option_strings[0]} has no help line"


def subparser(*words: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in words:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


def test_options_before_the_command_go_to_the_command() -> None:
    args = build_parser().parse_args(with_command(["--port", "9001", "listen"]))
    assert (args.command, args.port) == ("listen", 9001)
    plain = build_parser().parse_args(with_command(["--port", "9002"]))
    assert (plain.command, plain.port) == ("gui", 9002)


def test_webhooks_config_dir_before_or_after_the_action(tmp_path: Path) -> None:
    before = build_parser().parse_args(["webhooks", "--config-dir", str(tmp_path), "list"])
    after = build_parser().parse_args(["webhooks", "list", "--config-dir", str(tmp_path)])
    assert before.config_dir == after.config_dir == str(tmp_path)


def test_the_listeners_token_flag_on_webhooks_names_the_right_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "webhooks",
            "--config-dir",
            str(tmp_path),
            "create",
            "--token-env",
            "X",
            "--url",
            "u",
            "--event",
            "e",
            "--api-url",
            "http://127.0.0.1:9/v1",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "--webhook-token-env" in err and "Traceback" not in err
