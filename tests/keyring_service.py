"""pytest plugin: a real Secret Service (gnome-keyring on a private D-Bus session bus) and the
no-keyring path (keyring's fail backend).

Load it from tests/conftest.py with `pytest_plugins = ["tests.keyring_service"]`.

`secret_service` (session scope) starts `dbus-daemon --session` and `gnome-keyring-daemon
--unlock --components=secrets` with its files under a temp dir, points this process's
DBUS_SESSION_BUS_ADDRESS at the bus, and makes keyring use SecretService. Without the binaries the
tests skip locally but fail when CI=true: CI must prove the real thing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, fail

from tests.waiting import wait_until

SECRETS_BUS_NAME = "org.freedesktop.secrets"
KEYRING_PASSWORD = b"test-keyring-password"


@dataclass(frozen=True)
class SecretServiceSession:
    address: str  # the private bus's DBUS_SESSION_BUS_ADDRESS
    backend: KeyringBackend  # keyring's SecretService backend on that bus
    keyring_dir: Path  # gnome-keyring's files (encrypted), never our config dir


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test against a real Secret Service, but {reason}")
    pytest.skip(reason)


def _name_has_owner(address: str, name: str) -> bool:
    """Ask the bus whether `name` is owned, without D-Bus activation starting a second daemon."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    try:
        with open_dbus_connection(bus=address) as conn:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(name), timeout=2)
    except (OSError, TimeoutError, ValueError):
        return False
    return bool(reply.body and reply.body[0])


def _wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    try:
        wait_until(condition, timeout=timeout, interval=0.05)  # another process: nothing signals us
    except AssertionError:
        pytest.fail(f"{what} within {timeout} s")


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretServiceSession]:
    for binary in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(binary) is None:
            _missing(f"{binary} is not installed (apt-get install gnome-keyring dbus-x11)")
    try:
        import jeepney  # noqa: F401  (keyring's SecretService needs it too)
    except ImportError:
        _missing("jeepney is not installed")

    base = tmp_path_factory.mktemp("secret-service")
    runtime = base / "run"
    runtime.mkdir(mode=0o700)
    started = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    lines = started.stdout.split()
    if started.returncode != 0 or len(lines) < 2:
        pytest.fail(f"dbus-daemon did not start: {started.stderr.strip()}")
    address, bus_pid = lines[0], int(lines[1])

    # gnome-keyring keeps its (encrypted) files under XDG_DATA_HOME: a temp dir, not $HOME.
    env = {
        **os.environ,
        "DBUS_SESSION_BUS_ADDRESS": address,
        "XDG_DATA_HOME": str(base / "data"),
        "XDG_CONFIG_HOME": str(base / "config"),
        "XDG_CACHE_HOME": str(base / "cache"),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    log = (base / "gnome-keyring.log").open("wb")
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    saved_address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    saved_backend = keyring.get_keyring()
    try:
        assert daemon.stdin is not None
        daemon.stdin.write(KEYRING_PASSWORD)  # --unlock reads the login password from stdin
        daemon.stdin.close()
        _wait_for(
            lambda: daemon.poll() is not None or _name_has_owner(address, SECRETS_BUS_NAME),
            20,
            "gnome-keyring-daemon did not register on the bus",
        )
        if daemon.poll() is not None:
            pytest.fail(f"gnome-keyring-daemon exited: {(base / 'gnome-keyring.log').read_text()}")

        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        # keyring caches which backends were viable at its first call (maybe before this bus
        # existed), so re-detecting is not enough: check SecretService's viability directly.
        try:
            SecretService.Keyring.priority  # noqa: B018 - raises RuntimeError when unusable
        except RuntimeError as exc:
            pytest.fail(f"SecretService is not usable on the private bus: {exc}")
        keyring.set_keyring(SecretService.Keyring())
        backend = keyring.get_keyring()
        if not isinstance(backend, SecretService.Keyring):
            pytest.fail(f"keyring uses {backend!r}, not SecretService, on the private bus")
        backend.set_password("webhook-inspector-test", "probe", "ok")
        assert backend.get_password("webhook-inspector-test", "probe") == "ok"
        backend.delete_password("webhook-inspector-test", "probe")
        yield SecretServiceSession(address, backend, base / "data")
    finally:
        keyring.set_keyring(saved_backend)
        if saved_address is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved_address
        daemon.terminate()
        try:
            daemon.wait(10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(5)
        log.close()
        try:
            os.kill(bus_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


@pytest.fixture
def system_keyring(secret_service: SecretServiceSession) -> Iterator[KeyringBackend]:
    """The real Secret Service as keyring's backend for one test (undoes a no_keyring before it)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(secret_service.backend)
    yield secret_service.backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[KeyringBackend]:
    """keyring's fail backend (what a machine without any keyring gets), restored afterwards."""
    previous = keyring.get_keyring()
    backend = fail.Keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
