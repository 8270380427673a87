"""What the listener commands share: the store of --data-dir and the verification tokens."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from inspector.commands import UserError, options
from inspector.core.capture.token_ring import TokenRing
from inspector.core.store.event_store import EventStore, StoreError

if TYPE_CHECKING:
    from inspector.core.provider.token_sync import TokenSync
    from inspector.core.store.retention import RetentionWorker


def open_store(args: argparse.Namespace, *, read_only: bool = False) -> EventStore:
    """The store of --data-dir; opened for writing it has proved it can store (or says why not)."""
    try:
        return EventStore.open(options.dirs(args).data, read_only=read_only)
    except StoreError as exc:
        raise UserError(str(exc)) from None


def token_sync(args: argparse.Namespace) -> TokenSync:
    """The listener's token ring, kept equal to --token-env's token + the known webhooks' tokens.

    Read before the store is opened: a bad --token-env must not create files.
    """
    from inspector.core.capture.token_ring import token_from_env
    from inspector.core.provider.secrets import SecretStore
    from inspector.core.provider.token_sync import TokenSync
    from inspector.core.provider.webhook_index import WebhookIndex

    explicit = None
    name = getattr(args, "token_env", None)
    if name:
        try:
            explicit = (name, token_from_env(name))
        except ValueError as exc:
            raise UserError(str(exc)) from None
    ring = TokenRing(required=bool(getattr(args, "require_token", False)))
    sync = TokenSync(WebhookIndex(options.dirs(args).config), SecretStore, ring, explicit=explicit)
    sync.refresh()
    return sync


def start_retention(args: argparse.Namespace, store: EventStore) -> RetentionWorker:
    """The pruner of a headless listener, on its own thread, with the --keep-* limits (or the
    defaults); a refused delete is a warning on stderr, and it tries again."""
    import sys

    from inspector.core.store.keep_limits import KeepLimits
    from inspector.core.store.retention import Pruner, RetentionWorker

    limits = options.keep_limits_of(args, KeepLimits())

    def warn(problem: str) -> None:
        print(f"warning: {problem}", file=sys.stderr, flush=True)

    worker = RetentionWorker(Pruner(store, limits), on_error=warn)
    worker.start()
    print(f"history: keeping {limits.describe()}", file=sys.stderr, flush=True)
    return worker
