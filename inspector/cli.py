"""`webhook-inspector` entry point: finds the subcommand, lets it parse its own options, runs it.

Each subcommand lives in inspector/commands/<module>.py with `add_parser(subparsers)` (composing
the option groups of inspector/commands/options.py it needs) and `run(args) -> int`; modules are
imported lazily so `listen` never loads Qt and `--version` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from inspector import __version__
from inspector.commands import UserError
from inspector.commands.run_diagnostics import Run, add_options, print_diagnostics

# name -> module under inspector.commands; `gui` is also the default when no subcommand is given.
COMMANDS: dict[str, str] = {
    "gui": "gui",
    "listen": "listen",
    "sandbox": "sandbox",
    "export": "export",
    "import": "import_events",
    "webhooks": "webhooks",
    "trigger": "trigger",
    "schema": "schema",
}
DEFAULT_COMMAND = "gui"
# Options (of any subcommand) that take a value: needed to find the subcommand among the words.
_VALUE_OPTIONS = {"--data-dir", "--config-dir", "--host", "--port", "--token-env", "--log-file"}
_VALUE_OPTIONS |= {"--schema-dir", "--openapi"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webhook-inspector",
        description="Receive and inspect webhook deliveries. Without a command: the desktop app (gui).",
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
            mod.add_parser(sub)
    add_options(parser, repeated=True)  # every command (and `--self-test`) takes them
    return parser


def _command_module(name: str) -> ModuleType | None:
    full = f"inspector.commands.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name == full:  # a trimmed build may leave a command out
            return None
        raise


def with_command(argv: list[str]) -> list[str]:
    """The subcommand first: `webhook-inspector --port 9000 listen` == `… listen --port 9000`,
    and plain `webhook-inspector [options]` == `webhook-inspector gui [options]`."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in COMMANDS:
            return [token, *argv[:i], *argv[i + 1 :]] if i else argv
        if token == "--":
            break
        i += 2 if token in _VALUE_OPTIONS else 1
    top_level = {"-h", "--help", "--version", "--self-test"}
    if any(token in top_level for token in argv):
        return argv
    return [DEFAULT_COMMAND, *argv]


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(with_command(words))
    if args.self_test:
        name = "selftest"
    else:
        name = args.command or DEFAULT_COMMAND
        if args.command is None:
            args = parser.parse_args([DEFAULT_COMMAND])
    if getattr(args, "diagnostics", False):
        print_diagnostics(args, name)
        return 0
    run = Run(args, name)
    code = 1
    try:
        code = _run_command(name, args)
    except Exception as exc:
        # Reported while our hooks are in place: logged with its traceback, one line on stderr.
        sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        run.finish(code)
    return code


def _run_command(name: str, args: argparse.Namespace) -> int:
    try:
        module = _command_module(COMMANDS.get(name, name))
        if module is None:
            raise UserError(f"the {name} command is not available in this build")
        return int(module.run(args) or 0)
    except UserError as exc:
        print(f"webhook-inspector: error: {exc}", file=sys.stderr)
        logging.getLogger("inspector.app").warning("error: %s", exc)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `webhook-inspector export | head`: the reader left; end quietly like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
