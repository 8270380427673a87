"""`webhook-inspector` entry point: parses the common options and hands over to a subcommand.

Each subcommand lives in inspector/commands/<name>.py with `add_parser(subparsers, common)` and
`run(args) -> int`; they are imported lazily so `listen` never loads Qt and `--version` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from inspector import __version__
from inspector.commands import UserError

# name -> module under inspector.commands; `gui` is also the default when no subcommand is given.
COMMANDS: dict[str, str] = {
    "gui": "gui",
    "listen": "listen",
    "sandbox": "sandbox",
    "export": "export",
    "webhooks": "webhooks",
    "trigger": "trigger",
}


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts (DESIGN.md "Command line")."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", help="where events are stored")
    common.add_argument("--config-dir", metavar="DIR", help="where non-secret settings are kept")
    common.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    common.add_argument(
        "--port", type=port_number, default=8765, help="port to bind (default 8765; 0 = any free)"
    )
    common.add_argument(
        "--token-env",
        metavar="NAME",
        help="read the verification token from this environment variable",
    )
    return common


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="webhook-inspector",
        description="Receive and inspect webhook deliveries.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"webhook-inspector {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check listener, store, keyring and window, then exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        mod = _command_module(module)
        if mod is not None:
            mod.add_parser(sub, common)
    return parser


def _command_module(name: str) -> ModuleType | None:
    full = f"inspector.commands.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name == full:  # a trimmed build may leave a command out
            return None
        raise


_VALUE_OPTIONS = {"--data-dir", "--config-dir", "--host", "--port", "--token-env"}


def _common_options_after_command(argv: list[str]) -> list[str]:
    """`webhook-inspector --port 9000 listen` == `webhook-inspector listen --port 9000`.

    argparse lets a subcommand's defaults overwrite options given before it, so common options
    written before the command are moved behind it.
    """
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in COMMANDS:
            return [token, *argv[:i], *argv[i + 1 :]] if i else argv
        if token == "--":
            break
        i += 2 if token in _VALUE_OPTIONS else 1
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    argv = _common_options_after_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        name = "selftest"
    else:
        name = args.command or "gui"
        if args.command is None:
            # Plain `webhook-inspector` = `webhook-inspector gui`, with the top-level options.
            args = parser.parse_args(["gui", *argv])
    try:
        module = _command_module(COMMANDS.get(name, name))
        if module is None:
            raise UserError(f"the {name} command is not available in this build")
        return int(module.run(args) or 0)
    except UserError as exc:
        print(f"webhook-inspector: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `webhook-inspector export | head`: the reader left; end quietly like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
