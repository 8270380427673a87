"""Option groups the subcommands compose: each subcommand lists only the options it uses.

A command's `add_parser(sub)` calls the groups it needs (`store(p)`, `listener(p)`, ...) and reads
the results back through `dirs(args)` and friends, so `export --help` never offers "port to bind"
and `webhooks` never sees the listener's `--token-env`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from inspector.core.paths import AppDirs
from inspector.core.store import keep_limits

if TYPE_CHECKING:
    from inspector.core.shapes import SchemaSet

DEFAULT_PORT = 8765
Container = argparse.ArgumentParser | argparse._ArgumentGroup


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", metavar="DIR", help="where events are stored (default: the platform's user data dir)"
    )


def config(parser: Container, *, repeated: bool = False) -> None:
    """--config-dir. `repeated`: also accepted on a nested parser (webhooks ACTION --config-dir …)
    without that parser's default overwriting a value given before the action."""
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        default=argparse.SUPPRESS if repeated else None,
        help="where profiles, the webhook index and settings are kept (never a secret)",
    )


def bind(parser: Container, *, default_port: int = DEFAULT_PORT, what: str = "listen") -> None:
    parser.add_argument("--host", default="127.0.0.1", help=f"address to {what} on (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=port_number,
        default=default_port,
        help=f"port to {what} on (default {default_port}; 0 = any free)",
    )


def listener(parser: argparse.ArgumentParser) -> None:
    """What `gui` and `listen` share: where to listen and how deliveries are verified."""
    store(parser)
    config(parser)
    group = parser.add_argument_group("listener")
    bind(group)
    group.add_argument(
        "--token-env",
        metavar="NAME",
        help="verify deliveries against the token in this environment variable "
        "(default: the keyring tokens of the webhooks you registered)",
    )
    group.add_argument(
        "--require-token",
        action="store_true",
        help="answer 401 instead of accepting deliveries unverified when no token can be had",
    )
    history(parser)
    schemas(parser)


def schemas(parser: argparse.ArgumentParser) -> None:
    """Schemas `gui` and `listen` check accepted deliveries against (the schema_invalid flag)."""
    group = parser.add_argument_group("schemas", "deliveries that do not validate are flagged schema_invalid")
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--schema-dir",
        metavar="DIR",
        help="one JSON Schema per event type, named TYPE.json (transaction.authorized.json)",
    )
    where.add_argument(
        "--openapi",
        metavar="FILE",
        help="the schemas in this OpenAPI 3 document (JSON or YAML), matched to event types",
    )


def load_schemas(args: argparse.Namespace) -> SchemaSet | None:
    """The SchemaSet of --schema-dir / --openapi (None without either); UserError saying what is wrong."""
    directory, document = getattr(args, "schema_dir", None), getattr(args, "openapi", None)
    if not directory and not document:
        return None
    from inspector.commands import UserError
    from inspector.core.shapes import ContractError, SchemaSet

    try:
        return SchemaSet.from_dir(directory) if directory else SchemaSet.from_openapi(str(document))
    except ContractError as exc:
        raise UserError(f"{'--schema-dir' if directory else '--openapi'}: {exc}") from None


def _limit(parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type from a keep_limits parser: its sentence becomes argparse's error."""

    def read(text: str) -> object:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    read.__name__ = parse.__name__.removeprefix("parse_")  # argparse names the type in errors
    return read


def history(parser: argparse.ArgumentParser) -> None:
    """How much history `gui` and `listen` keep; unset, the window's setting or the default."""
    default = keep_limits.KeepLimits()
    group = parser.add_argument_group(
        "history",
        f"the newest events are kept, pinned ones always; default {default.describe()};"
        " 'none' for N or SIZE sets no limit of that kind",
    )
    # Not given, an option is absent from the namespace (SUPPRESS): "none" is a value (no limit),
    # and the window's own setting applies to what was not given (keep_limits_of).
    unset = argparse.SUPPRESS
    group.add_argument(
        "--keep-days",
        type=_limit(keep_limits.parse_days),
        default=unset,
        metavar="N",
        help="remove events older than N days",
    )
    group.add_argument(
        "--keep-events",
        type=_limit(keep_limits.parse_count),
        default=unset,
        metavar="N",
        help="keep at most N events",
    )
    group.add_argument(
        "--keep-size",
        type=_limit(keep_limits.parse_size),
        default=unset,
        metavar="SIZE",
        help="keep the history under SIZE on disk (like 2GB or 500MB)",
    )


def keep_limits_of(args: argparse.Namespace, base: keep_limits.KeepLimits) -> keep_limits.KeepLimits:
    """`base` with the --keep-* options that were given ("none" sets no limit)."""
    return keep_limits.KeepLimits(
        days=getattr(args, "keep_days", base.days),
        events=getattr(args, "keep_events", base.events),
        size=getattr(args, "keep_size", base.size),
    )


def keep_limits_given(args: argparse.Namespace) -> bool:
    return any(hasattr(args, f"keep_{name}") for name in ("days", "events", "size"))


def tunnel(parser: argparse.ArgumentParser) -> None:
    """`listen`'s tunnel: start one, and keep a profile's webhooks on it."""
    group = parser.add_argument_group("tunnel")
    group.add_argument(
        "--tunnel",
        choices=("cloudflared", "ngrok"),
        help="start and supervise this tool against the listener (a cloudflared quick tunnel, or "
        "ngrok with your own config); prints `public url https://...` once known and on every change",
    )
    group.add_argument(
        "--tunnel-path",
        metavar="PATH",
        help="the tool's program (or its folder) instead of the one on PATH "
        "(default: the path set in the app's Webhooks panel, else PATH)",
    )
    group.add_argument(
        "--follow-webhooks",
        metavar="PROFILE",
        help="when the tunnel's URL changes, update PROFILE's webhooks that point at an earlier "
        "tunnel URL to the new one",
    )
    group.add_argument(
        "--access-token-env",
        metavar="NAME",
        help="the API access token for --follow-webhooks, from this environment variable "
        "(default: the profile's keyring entry, then PENNY_ACCESS_TOKEN)",
    )


def provider(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """Which provider API to talk to, and with which access token."""
    config(parser, repeated=nested)
    group = parser.add_argument_group("provider")
    group.add_argument("--profile", metavar="NAME", help='profile to use (e.g. "Local sandbox")')
    group.add_argument("--api-url", metavar="URL", help="API base URL (overrides the profile's)")
    group.add_argument(
        "--access-token-env",
        metavar="NAME",
        help="read the API access token from this environment variable "
        "(default: the profile's keyring entry, then PENNY_ACCESS_TOKEN)",
    )


def dirs(args: argparse.Namespace) -> AppDirs:
    """The dirs of this run, from whichever of --data-dir / --config-dir the command has."""
    return AppDirs.resolve(getattr(args, "data_dir", None), getattr(args, "config_dir", None))


def diagnostics(parser: Container, *, repeated: bool = False) -> None:
    """--verbose / --log-file / --diagnostics: every command has them (cli.py adds them to all).

    `repeated`: a nested or top-level parser, whose default must not overwrite a value given
    to another parser of the same command line."""
    is_parser = isinstance(parser, argparse.ArgumentParser)
    group = parser.add_argument_group("diagnostics") if is_parser else parser
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if repeated else False,
        help="log DEBUG records too, and print them to stderr",
    )
    group.add_argument(
        "--log-file",
        metavar="PATH",
        default=argparse.SUPPRESS if repeated else None,
        help="write the log to PATH (default: a rotating log in the platform's log dir; secrets redacted)",
    )
    group.add_argument(
        "--diagnostics",
        action="store_true",
        default=argparse.SUPPRESS if repeated else False,
        help="print versions, backends and paths for a bug report, then exit",
    )
