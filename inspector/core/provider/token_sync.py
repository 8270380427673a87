"""One token sync: the listener's TokenRing follows the webhook index and the keyring.

The ring holds the explicit verification token (`--token-env NAME`, labelled `env:NAME` so a
delivery verified by it says where the token came from) and the token of every webhook in the
index, labelled by webhook id. `refresh()` costs one stat() when the index file has not changed,
so callers poll it (the window from its network pool, `listen` from its main loop); another process
(the CLI, a second window) creating or rotating a webhook takes effect within one poll.

The first load gives no grace (nothing was accepted before); later loads keep a replaced or removed
token accepted for the grace period, like a rotation made here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import TokenLoad, WebhookIndex, WebhookIndexError, load_tokens
from inspector.core.provider.webhook_service import ROTATION_GRACE_SECONDS


def explicit_label(env_name: str) -> str:
    """The ring label (and a verified row's webhook_id) of the token read from `env_name`."""
    return f"env:{env_name}"


class TokenSync:
    def __init__(
        self,
        index: WebhookIndex,
        secrets: Callable[[], SecretStore],
        ring: TokenRing | None = None,
        *,
        explicit: tuple[str, str] | None = None,
        grace_seconds: float = ROTATION_GRACE_SECONDS,
    ) -> None:
        """`secrets` is called on the first load that needs the keyring (opening it may take a
        D-Bus round trip, and a listener with no known webhooks never needs it). `explicit` is
        (environment variable name, token)."""
        self.index = index
        self.ring = ring if ring is not None else TokenRing()
        self.grace_seconds = grace_seconds
        self._secrets_factory = secrets
        self._secrets: SecretStore | None = None
        self._lock = threading.Lock()
        self._signature: object = False  # False: never loaded
        self.explicit_label: str | None = None
        self.index_problem: str | None = None  # the index file cannot be read
        self.last_load: TokenLoad | None = None
        if explicit is not None:
            name, token = explicit
            self.explicit_label = explicit_label(name)
            self.ring.set_token(self.explicit_label, token)

    def secrets(self) -> SecretStore:
        if self._secrets is None:
            self._secrets = self._secrets_factory()
        return self._secrets

    def refresh(self, *, force: bool = False) -> bool:
        """Reload tokens when the index changed (or `force`); True when a load ran."""
        with self._lock:
            signature = self.index.signature()
            if signature == self._signature and not force:
                return False
            first = self._signature is False
            self._signature = signature
            if signature is None and not self._webhook_labels():
                return False  # no index yet: nothing to load, and no reason to wake the keyring
            try:
                load = load_tokens(
                    self.index,
                    self.secrets(),
                    self.ring,
                    grace_seconds=0.0 if first else self.grace_seconds,
                    keep=(self.explicit_label,) if self.explicit_label else (),
                )
            except WebhookIndexError as exc:
                self.index_problem = str(exc)
                return True
            self.index_problem = None
            self.last_load = load
            return True

    def _webhook_labels(self) -> list[str]:
        return [label for label in self.ring.labels() if label != self.explicit_label]

    @property
    def missing(self) -> list[str]:
        """Known webhooks whose token could not be had at the last load."""
        return list(self.last_load.missing) if self.last_load is not None else []

    @property
    def problem(self) -> str | None:
        """A sentence for the user when deliveries cannot be verified as they should, and what the
        listener does about it; None when all is well."""
        if self.index_problem:
            return self.index_problem
        missing = self.missing
        if not missing:
            if self.ring.required and not self.ring:
                return (
                    "no verification token is known: every delivery is answered 401 (--require-token)"
                    " until one is (--token-env NAME, or a registered webhook's token in the keyring)"
                )
            return None
        n = len(missing)
        ids = ", ".join(missing[:3]) + (", …" if n > 3 else "")
        status = self._secrets.status if self._secrets is not None else None
        where = f"; no usable keyring: {status.reason}" if status and not status.persistent else ""
        head = f"{n} known webhook{'s have' if n != 1 else ' has'} no verification token ({ids}{where})"
        if self.ring:
            theirs = "their tokens" if n != 1 else "its token"
            return f"{head}: deliveries signed with {theirs} are answered 401"
        if self.ring.required:
            return f"{head}: every delivery is answered 401 (--require-token)"
        return f"{head}: deliveries are accepted unverified; --require-token answers 401 instead"

    @property
    def webhooks_known(self) -> int:
        """Webhooks in the index at the last load (with or without a token here)."""
        load = self.last_load
        return 0 if load is None else len(load.loaded) + len(load.missing)

    def token_for_sends(self) -> str | None:
        """A token our own sends to this listener can carry (edit-and-send, replay to "this listener"):
        the explicit one, else the token of a known webhook. Read when a send starts, never kept."""
        if self.explicit_label is not None:
            return self.ring.token_of(self.explicit_label)
        for label in self._webhook_labels():
            token = self.ring.token_of(label)
            if token:
                return token
        return None
