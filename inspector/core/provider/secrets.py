"""Where tokens live: the OS keyring when a real one works, else memory for this session only.

This is the only module that imports `keyring`. Entry names (README.md "Where secrets go"): service
`webhook-inspector`, usernames `profile:<profile>:api-token` and
`webhook:<webhook id>:authorization-token`.

A backend counts as usable only when it is a real OS store (Secret Service, macOS Keychain,
Windows Credential Locker, KWallet). keyring's `fail`/`null` backends, a locked or dismissed
keyring, and a keyrings.alt file backend that keyring picked on its own (nobody configured it) all
send secrets to memory, and `status` says so in words the app shows. We never write a secret to a
plaintext file behind the user's back.
"""

from __future__ import annotations

import configparser
import os
import threading
from dataclasses import dataclass

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, PasswordDeleteError

from inspector.core.diagnostics.secret_registry import register_secret

SERVICE = "webhook-inspector"

# Friendlier names than keyring's own `name` ("SecretService Keyring").
_BACKEND_NAMES = {
    "keyring.backends.SecretService": "Secret Service",
    "keyring.backends.libsecret": "Secret Service (libsecret)",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Locker",
}


def api_token_entry(profile: str) -> str:
    return f"profile:{profile}:api-token"


def webhook_token_entry(webhook_id: str) -> str:
    return f"webhook:{webhook_id}:authorization-token"


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """Where secrets go right now, in words for the user."""

    persistent: bool  # True: an OS keyring keeps them across sessions
    backend: str  # "Secret Service", or "memory"
    reason: str = ""  # why we fell back to memory (empty when persistent)

    @property
    def description(self) -> str:
        if self.persistent:
            return f"in your system keyring: {self.backend}"
        detail = f" ({self.reason})" if self.reason else ""
        return f"this session only: no keyring available{detail}"


def _backend_label(backend: KeyringBackend) -> str:
    module = type(backend).__module__
    for prefix, label in _BACKEND_NAMES.items():
        if module == prefix or module.startswith(prefix + "."):
            return label
    return str(getattr(backend, "name", type(backend).__name__))


def _configured_by_user() -> bool:
    """True when the user named a backend (env var or keyringrc.cfg), so it is not our guess."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    config = configparser.RawConfigParser()
    try:
        config.read(keyring.core._config_path(), encoding="utf-8")
    except (OSError, configparser.Error):
        return False
    return config.has_option("backend", "default-keyring")


def _unusable_reason(backend: KeyringBackend) -> str | None:
    """Why `backend` must not hold our secrets, or None when it is a real store."""
    if isinstance(backend, fail.Keyring):
        return "keyring found no backend"
    if isinstance(backend, null.Keyring):
        return "the keyring is disabled"
    module = type(backend).__module__
    # keyrings.alt offers plaintext/"encrypted" files; only acceptable if the user chose it.
    if module.startswith("keyrings.alt") and not _configured_by_user():
        return f"{type(backend).__name__} is a file-based fallback, not an OS keyring"
    return None


def _pick_backend(backend: KeyringBackend) -> KeyringBackend | str:
    """The real backend to use, or the reason there is none.

    A chainer writes to its first member that accepts, which may be a plaintext file; we pick its
    best real member ourselves instead.
    """
    if isinstance(backend, chainer.ChainerBackend):
        reasons = []
        for member in backend.backends:
            reason = _unusable_reason(member)
            if reason is None:
                return member
            reasons.append(reason)
        return reasons[0] if reasons else "keyring found no backend"
    reason = _unusable_reason(backend)
    return backend if reason is None else reason


class SecretStore:
    """get/set/delete secrets by entry name; thread-safe.

    `backend=None` uses whatever keyring detects (keyring.get_keyring()); tests pass one in.
    """

    def __init__(self, backend: KeyringBackend | None = None, *, probe: bool = True) -> None:
        self._lock = threading.Lock()
        self._memory: dict[str, str] = {}
        self._backend: KeyringBackend | None = None
        try:
            chosen = _pick_backend(backend if backend is not None else keyring.get_keyring())
        except (KeyringError, RuntimeError) as exc:
            chosen = f"keyring failed to start: {_short(exc)}"
        if isinstance(chosen, str):
            self._status = StoreStatus(False, "memory", chosen)
            return
        self._backend = chosen
        self._status = StoreStatus(True, _backend_label(chosen))
        if probe:
            # Reading a missing entry is harmless, and finds a locked or dismissed keyring now,
            # before the user types a token we could not keep.
            try:
                chosen.get_password(SERVICE, "probe")
            except (KeyringError, RuntimeError) as exc:
                self._fall_back(exc)

    @property
    def status(self) -> StoreStatus:
        return self._status

    @property
    def persistent(self) -> bool:
        return self._status.persistent

    @property
    def description(self) -> str:
        return self._status.description

    def get(self, entry: str) -> str | None:
        with self._lock:
            if entry in self._memory:
                return self._memory[entry]
            backend = self._backend
        if backend is None:
            return None
        try:
            value = backend.get_password(SERVICE, entry)
        except (KeyringError, RuntimeError) as exc:
            self._fall_back(exc)
            return None
        register_secret(value)  # whatever the keyring holds is scrubbed from every log line
        return value

    def set(self, entry: str, secret: str) -> bool:
        """Store `secret`; True when the OS keyring keeps it, False when only memory does."""
        register_secret(secret)
        with self._lock:
            backend = self._backend
        if backend is not None:
            try:
                backend.set_password(SERVICE, entry, secret)
            except (KeyringError, RuntimeError) as exc:
                self._fall_back(exc)
            else:
                with self._lock:
                    self._memory.pop(entry, None)
                return True
        with self._lock:
            self._memory[entry] = secret
        return False

    def delete(self, entry: str) -> None:
        with self._lock:
            self._memory.pop(entry, None)
            backend = self._backend
        if backend is None:
            return
        try:
            backend.delete_password(SERVICE, entry)
        except PasswordDeleteError:
            pass  # nothing stored under that name: the wanted end state
        except (KeyringError, RuntimeError) as exc:
            self._fall_back(exc)

    # Convenience names for the two kinds of entries.
    def api_token(self, profile: str) -> str | None:
        return self.get(api_token_entry(profile))

    def set_api_token(self, profile: str, token: str) -> bool:
        return self.set(api_token_entry(profile), token)

    def webhook_token(self, webhook_id: str) -> str | None:
        return self.get(webhook_token_entry(webhook_id))

    def set_webhook_token(self, webhook_id: str, token: str) -> bool:
        return self.set(webhook_token_entry(webhook_id), token)

    def delete_webhook_token(self, webhook_id: str) -> None:
        self.delete(webhook_token_entry(webhook_id))

    def _fall_back(self, exc: BaseException) -> None:
        # A locked keyring, a dismissed unlock prompt or a vanished D-Bus: stay in memory for the
        # rest of the session rather than prompting on every call.
        with self._lock:
            if self._backend is None:
                return
            label = _backend_label(self._backend)
            self._backend = None
            self._status = StoreStatus(False, "memory", f"{label} is locked or unavailable: {_short(exc)}")

    def __repr__(self) -> str:
        return f"<SecretStore {self._status.description}>"


def _short(exc: BaseException) -> str:
    # Keyring errors never carry secrets, but keep the status line one short sentence.
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
