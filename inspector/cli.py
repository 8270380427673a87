"""`webhook-inspector` entry point: parses the common options and hands over to a subcommand.

Each subcommand lives in inspector/commands/<name>.py with `add_parser(subparsers, common)` and
`run(args) -> int`; they are imported lazily so `listen` never loads Qt and `--version` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from inspector import __version__
from inspector.commands import UserError

# name -> module under inspector.commands; `gui` is also the default when no subcommand is given.
COMMANDS: dict[str, str] = {
    "gui": "gui",
    "listen": "listen",
    "sandbox": "sandbox",
    "export": "export",
    "webhooks": "webhooks",
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
        mod = importlib.import_module(f"inspector.commands.{module}")
        mod.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
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
        module = importlib.import_module(f"inspector.commands.{COMMANDS.get(name, name)}")
        return int(module.run(args) or 0)
    except UserError as exc:
        print(f"webhook-inspector: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
