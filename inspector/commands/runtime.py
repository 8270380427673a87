"""What `listen` and `gui` share: resolving the data dir, the store, and the verification tokens."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from inspector.commands import UserError
from inspector.core import paths
from inspector.core.capture.token_ring import TokenRing
from inspector.core.store.event_store import EventStore, StoreError

if TYPE_CHECKING:
    from inspector.core.provider.secrets import SecretStore

CLI_TOKEN_LABEL = "cli"


def data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir).expanduser() if args.data_dir else paths.default_data_dir()


def config_dir(args: argparse.Namespace) -> Path:
    return Path(args.config_dir).expanduser() if args.config_dir else paths.default_config_dir()


def open_store(args: argparse.Namespace, *, read_only: bool = False) -> EventStore:
    """The store of --data-dir; opened for writing it has proved it can store (or says why not)."""
    try:
        return EventStore.open(data_dir(args), read_only=read_only)
    except StoreError as exc:
        raise UserError(str(exc)) from None


def store_problem(store: EventStore) -> str | None:
    """A sentence when SQLite's quick_check finds the database damaged, else None.

    Reads the whole file: run it beside the listener (a thread, the GUI's pool), never before it.
    """
    import sqlite3

    from inspector.core.store.connection import damage_sentence

    try:
        problems = store.quick_check()
    except (sqlite3.Error, StoreError):  # interrupted by a shutdown, or the store closed
        return None
    if not problems:
        return None
    return damage_sentence(store.path, "; ".join(problems[:3]))


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


# A rotated or removed webhook token stays accepted this long, for deliveries already on their way.
ROTATION_GRACE_SECONDS = 300.0


class TokenSync:
    """Keeps the listener's TokenRing equal to: the --token-env token + the known webhooks' tokens.

    The webhook index (non-secret, in the config dir) names the webhooks; their tokens come from
    the keyring. `refresh()` is cheap when the index file has not changed, so callers poll it.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        from inspector.core.provider.webhook_index import WebhookIndex

        # --require-token: 401 instead of "unverified" when no token can be had.
        self.ring = TokenRing(required=bool(getattr(args, "require_token", False)))
        token = explicit_token(args)
        if token is not None:
            self.ring.set_token(CLI_TOKEN_LABEL, token)
        self.index = WebhookIndex(config_dir(args))
        self._signature: object = None
        self._secrets: SecretStore | None = None
        self.missing: list[str] = []  # known webhooks whose token could not be had
        self.refresh()

    @property
    def problem(self) -> str | None:
        """A sentence for the user when deliveries cannot be verified as they should, and what
        the listener does about it; None when all is well."""
        if not self.missing:
            if self.ring.required and not self.ring:
                return (
                    "no verification token is known: every delivery is answered 401 (--require-token)"
                    " until one is (--token-env NAME, or a registered webhook's token in the keyring)"
                )
            return None
        n = len(self.missing)
        ids = ", ".join(self.missing[:3]) + (", …" if n > 3 else "")
        status = self._secrets.status if self._secrets is not None else None
        where = f"; no usable keyring: {status.reason}" if status and not status.persistent else ""
        head = f"{n} known webhook{'s have' if n != 1 else ' has'} no verification token ({ids}{where})"
        if self.ring:
            return (
                f"{head}: deliveries signed with {'their tokens' if n != 1 else 'its token'} are answered 401"
            )
        if self.ring.required:
            return f"{head}: every delivery is answered 401 (--require-token)"
        return f"{head}: deliveries are accepted unverified; --require-token answers 401 instead"

    def refresh(self, *, force: bool = False) -> bool:
        """Reload tokens if the index changed; True when it did."""
        from inspector.core.provider.webhook_index import load_tokens

        signature = self.index.signature()
        if signature == self._signature and not force:
            return False
        self._signature = signature
        if signature is None and not self.ring.labels():
            return False  # no index yet: nothing to load, and no reason to wake the keyring
        result = load_tokens(
            self.index,
            self.secrets(),
            self.ring,
            grace_seconds=ROTATION_GRACE_SECONDS,
            keep=(CLI_TOKEN_LABEL,),
        )
        self.missing = list(result.missing)
        return True

    def secrets(self) -> SecretStore:
        if self._secrets is None:
            from inspector.core.provider.secrets import SecretStore

            self._secrets = SecretStore()
        return self._secrets


def build_token_ring(args: argparse.Namespace) -> TokenRing:
    """Tokens of the known webhooks from the keyring, plus an explicit --token-env one."""
    return TokenSync(args).ring
