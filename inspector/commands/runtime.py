"""What `listen` and `gui` share: resolving the data dir, the store, and the verification tokens."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from inspector.commands import UserError
from inspector.core import paths
from inspector.core.event_store import EventStore, StoreError
from inspector.core.token_check import TokenRing

CLI_TOKEN_LABEL = "cli"


def data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir).expanduser() if args.data_dir else paths.default_data_dir()


def config_dir(args: argparse.Namespace) -> Path:
    return Path(args.config_dir).expanduser() if args.config_dir else paths.default_config_dir()


def open_store(args: argparse.Namespace) -> EventStore:
    try:
        return EventStore.open(data_dir(args))
    except StoreError as exc:
        raise UserError(str(exc)) from None


def explicit_token(args: argparse.Namespace) -> str | None:
    """The --token-env token, read from the environment (never from argv, where `ps` would show it)."""
    name = getattr(args, "token_env", None)
    if not name:
        return None
    value = os.environ.get(name, "").strip()
    if not value:
        raise UserError(f"--token-env {name}: that environment variable is not set or empty")
    if not value.isascii() or any(c.isspace() for c in value):
        raise UserError(f"--token-env {name}: the token must be ASCII without spaces")
    return value


def build_token_ring(args: argparse.Namespace) -> TokenRing:
    """Tokens of the known webhooks from the keyring, plus an explicit --token-env one."""
    ring = TokenRing()
    token = explicit_token(args)
    if token is not None:
        ring.set_token(CLI_TOKEN_LABEL, token)
    return ring
