"""`webhook-inspector --self-test`: prove that this install (or frozen bundle) really works.

Runs the real parts end to end on a temporary data dir: the listener on a free loopback port with a
generated token, a delivery POSTed to it with urllib (stdlib only, so a bundle that lost `requests`
still passes honestly), the stored row read back, the shipped resources, the keyring backends, and
the main window opened and closed (offscreen when there is no display). One line per check on
stdout; exit 0 only when every check passed. Never touches the user's data dir, settings or keyring
entries: the keyring is only asked which backend it would use.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TOKEN_LABEL = "self-test"
# Files a build must ship; a bundle that lost them fails here rather than at a user's first start.
REQUIRED_RESOURCES = ("icons/app.png", "icons/app.svg", "webhook-inspector.desktop")
WINDOW_MODULE = "inspector.ui.window.main_window"
WINDOW_TIMEOUT = 10.0
HTTP_TIMEOUT = 10.0


class CheckFailed(Exception):
    """A check did not pass; str() is the line printed after "FAIL"."""


def add_parser(sub: Any) -> None:
    """Not a subcommand: cli.py routes the top-level --self-test flag here and never calls this."""


class Report:
    """Prints one flushed line per check (a watching process sees each as it happens).

    Each line ends with the milliseconds since the previous one, so a slow start shows where.
    """

    def __init__(self) -> None:
        self.failed = False
        self._last = time.perf_counter()

    def ok(self, text: str) -> None:
        self._print(f"ok  {text}")

    def fail(self, text: str) -> None:
        self.failed = True
        self._print(f"FAIL {text}")

    def skip(self, text: str) -> None:
        self._print(f"skip {text}")

    def _print(self, line: str) -> None:
        now = time.perf_counter()
        print(f"{line} [{(now - self._last) * 1000:.0f} ms]", flush=True)
        self._last = now

    @contextmanager
    def check(self, what: str) -> Iterator[None]:
        """Turns any exception inside into a FAIL line naming `what`, so later checks still run."""
        try:
            yield
        except CheckFailed as exc:
            self.fail(f"{what}: {exc}")
        except Exception as exc:
            self.fail(f"{what}: {type(exc).__name__}: {exc}")


def run(args: argparse.Namespace) -> int:
    _default_to_offscreen()
    report = Report()
    with tempfile.TemporaryDirectory(prefix="webhook-inspector-selftest-") as tmp:
        _run_checks(report, Path(tmp))
    print("self-test " + ("FAILED" if report.failed else "passed"), flush=True)
    return 1 if report.failed else 0


def _default_to_offscreen() -> None:
    # A Linux machine without a display (CI, ssh) can still open the window on the offscreen
    # platform; a desktop session keeps its real platform plugin, which is worth testing too.
    if (
        sys.platform.startswith("linux")
        and "QT_QPA_PLATFORM" not in os.environ
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        _quiet_offscreen_limits()


# What the offscreen platform says about the window features it lacks (size hints, raise, grabs):
# true of the stand-in platform we chose, not of the app, so not printed into the report.
_OFFSCREEN_NOISE = "This plugin does not support "


def _quiet_offscreen_limits() -> None:
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message.startswith(_OFFSCREEN_NOISE):
            return
        previous(kind, context, message) if previous is not None else print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)


def _run_checks(report: Report, tmp: Path) -> None:
    with report.check("resources"):
        report.ok(f"resources: {_check_resources()}")
    _check_listener_and_window(report, tmp)
    # After the window, so "window shown" times what a real start does before it (the GUI does
    # not scan keyring backends first; that scan costs 150-400 ms, mostly ctypes' library search).
    with report.check("keyring backends"):
        report.ok(_check_keyring_backends())
    with report.check("keyring"):
        report.ok(_keyring_in_use())


def _check_listener_and_window(report: Report, tmp: Path) -> None:
    from inspector.core.capture.listener import Listener, ListenerConfig
    from inspector.core.capture.token_ring import TokenRing
    from inspector.core.store.event_store import EventStore

    try:
        store = EventStore.open(tmp / "data")
    except Exception as exc:
        report.fail(f"store: cannot open a store in {tmp}: {exc}")
        return
    report.ok(f"store opened in a temporary data dir ({store.path.name})")
    token = secrets.token_urlsafe(24)  # lives only in this process's memory
    ring = TokenRing()
    ring.set_token(TOKEN_LABEL, token)
    listener = Listener(store, ListenerConfig(host="127.0.0.1", port=0), ring)
    try:
        listener.start()
    except Exception as exc:
        report.fail(f"listener: {exc}")
        store.close()
        return
    try:
        report.ok(f"listener bound on {listener.url}")
        seq: int | None = None
        with report.check("delivery"):
            seq = _post_delivery(listener.url, token)
            report.ok(f"delivery with the token accepted (200, seq {seq})")
        with report.check("wrong token"):
            _post_wrong_token(listener.url)
            report.ok("delivery with a wrong token rejected (401)")
        if seq is not None:
            with report.check("stored delivery"):
                report.ok(_check_stored(store, seq, token))
        _check_window(report, store, listener, tmp)
    finally:
        listener.stop()
        store.close()


def _check_resources() -> str:
    from inspector.core import paths

    missing = [name for name in REQUIRED_RESOURCES if not paths.resource(name).is_file()]
    if missing:
        raise CheckFailed(f"missing from this build: {', '.join(missing)}")
    return ", ".join(REQUIRED_RESOURCES)


# The OS keyring backend of each platform, and the module it cannot work without (a dependency
# keyring itself declares for that platform, so its absence is a broken install or build).
_PLATFORM_KEYRING = {
    "linux": ("SecretService", "secretstorage"),
    "darwin": ("macOS", "keyring.backends.macOS.api"),
    "win32": ("Windows", "win32ctypes.pywin32.win32cred"),
}


def _platform_keyring() -> tuple[str, str] | None:
    return next((v for k, v in _PLATFORM_KEYRING.items() if sys.platform.startswith(k)), None)


def _check_keyring_backends() -> str:
    """Frozen builds lose keyring backends in two ways; either fails this check.

    keyring finds its backends through entry-point metadata (missing: only the fail backend
    exists), and each backend imports its platform module lazily (missing, e.g. secretstorage's
    _cffi_backend: the backend declares itself not viable). Both leave every secret in memory
    without a word, so they are build failures whatever keyring this machine offers.
    """
    import keyring.backend

    keyring.backend.get_all_keyring()  # loads the entry points, registers every backend class
    names = sorted(
        {
            cls.__module__.rsplit(".", 1)[-1]
            for cls in keyring.backend.KeyringBackend._classes
            if cls.__module__.startswith("keyring.backends.")
            and cls.__module__.rsplit(".", 1)[-1] not in ("fail", "null", "chainer")
        }
    )
    if not names:
        raise CheckFailed("no keyring backend modules could be loaded (entry-point metadata missing?)")
    platform = _platform_keyring()
    if platform is not None:
        backend, module = platform
        if backend not in names:
            raise CheckFailed(f"the {backend} backend was not loaded (found: {', '.join(names)})")
        failure = _import_failure(module)
        if failure:
            raise CheckFailed(f"the {backend} backend cannot work: {failure}")
        return f"keyring backends loaded: {', '.join(names)} ({module} importable)"
    return f"keyring backends loaded: {', '.join(names)}"


def _import_failure(module: str) -> str:
    try:
        importlib.import_module(module)
    except Exception as exc:
        return f"import {module}: {type(exc).__name__}: {str(exc)[:160]}"
    return ""


def _keyring_in_use() -> str:
    import keyring

    from inspector.core.provider.secrets import SecretStore

    backend = keyring.get_keyring()
    # probe=False: asking which backend is enough; no read that could pop up an unlock prompt.
    status = SecretStore(backend, probe=False).status
    if not status.persistent:
        # Not a failure: the app runs fine without one (no D-Bus session, locked keychain) and
        # tells the user so. The reason is keyring's own, e.g. "DBUS_SESSION_BUS_ADDRESS is unset".
        reason = _unviable_reason()
        return "keyring: none available (secrets kept for this session only)" + (
            f" [{reason}]" if reason else ""
        )
    kind = type(backend)
    return f"keyring: {status.backend} ({kind.__module__}.{kind.__qualname__})"


def _unviable_reason() -> str:
    """Why this platform's OS keyring backend declined, in keyring's words."""
    import keyring.backend

    platform = _platform_keyring()
    if platform is None:
        return ""
    for cls in keyring.backend.KeyringBackend._classes:
        if cls.__module__ == f"keyring.backends.{platform[0]}":
            try:
                cls.priority  # noqa: B018 - keyring backends raise here to say why they are not viable
            except Exception as exc:
                text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                return f"{platform[0]}: {text[:160]}"
    return ""


def _opener() -> urllib.request.OpenerDirector:
    # No proxies: an http_proxy in the environment must not carry a loopback request away.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, body: bytes, authorization: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url + "/self-test",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": authorization},
    )
    try:
        with _opener().open(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def _envelope() -> bytes:
    return json.dumps(
        {
            "event_id": f"self-test-{secrets.token_hex(8)}",
            "event_identifier": "self_test.ping",
            "data": {"message": "hello from webhook-inspector --self-test"},
        }
    ).encode()


def _post_delivery(url: str, token: str) -> int:
    status, answer = _post(url, _envelope(), f"Bearer {token}")
    if status != 200:
        raise CheckFailed(f"expected 200, got {status}: {answer[:200]!r}")
    seq = json.loads(answer).get("seq")
    if not isinstance(seq, int):
        raise CheckFailed(f"the answer names no stored seq: {answer[:200]!r}")
    return seq


def _post_wrong_token(url: str) -> None:
    status, answer = _post(url, _envelope(), "Bearer " + secrets.token_urlsafe(24))
    if status != 401:
        raise CheckFailed(f"expected 401, got {status}: {answer[:200]!r}")


def _check_stored(store: Any, seq: int, token: str) -> str:
    event = store.get(seq)
    if event is None:
        raise CheckFailed(f"seq {seq} was acknowledged but is not in the store")
    body = event.body_json()
    if not isinstance(body, dict) or body.get("event_identifier") != "self_test.ping":
        raise CheckFailed(f"seq {seq} reads back a different body: {event.body[:200]!r}")
    if event.webhook_id != TOKEN_LABEL:
        raise CheckFailed(f"seq {seq} is not credited to the {TOKEN_LABEL} token ({event.webhook_id!r})")
    if any(token in value for _, value in event.headers):
        raise CheckFailed("the verification token was stored in the headers unredacted")
    return f"delivery stored and read back (seq {seq}, token redacted)"


def _check_window(report: Report, store: Any, listener: Any, tmp: Path) -> None:
    if importlib.util.find_spec(WINDOW_MODULE) is None:
        report.skip("window: not built in this version")
        return
    with report.check("window"):
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from inspector.core.paths import AppDirs
        from inspector.ui.session import session_around
        from inspector.ui.window.main_window import build_main_window

        app = QApplication.instance() or QApplication([sys.argv[0] or "webhook-inspector"])
        # An ini file in the temp dir: the self-test never reads or writes the user's settings.
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        dirs = AppDirs.resolve(tmp / "data", tmp / "config", tmp / "log")
        session = session_around(store, listener, dirs)
        window = build_main_window(session, settings)
        window.show()
        _process_until(lambda: _exposed(window), "the window was never shown")
        size = window.size()
        report.ok(
            f"window shown ({size.width()}x{size.height()}, Qt platform {app.platformName()})"  # type: ignore[attr-defined]
        )
        with report.check("icons"):
            report.ok(f"icons: {_check_icons()}")
        window.close()
        _process_until(lambda: not window.isVisible(), "the window did not close")
        window.deleteLater()
        session.shutdown()
        app.processEvents()
        report.ok("window closed")


def _check_icons() -> str:
    """Every bundled action icon draws: an SVG needs Qt's svg image plugin, which a trimmed build
    could lose without any other symptom than a toolbar of blank buttons."""
    from inspector.core import paths
    from inspector.ui.icons import icon

    folder = paths.resource("icons/actions")
    names = sorted(p.name.removesuffix(".svg") for p in folder.iterdir() if p.name.endswith(".svg"))
    blank = [name for name in names if icon(name).isNull()]
    if not names or blank:
        raise CheckFailed(
            f"icons: {len(blank)} of {len(names)} action icons do not draw ({', '.join(blank[:4])})"
        )
    return f"{len(names)} action icons drawn"


def _exposed(window: Any) -> bool:
    handle = window.windowHandle()
    return bool(window.isVisible() and handle is not None and handle.isExposed())


def _process_until(condition: Callable[[], bool], failure: str) -> None:
    """Run the Qt event loop until `condition()` holds, or fail after WINDOW_TIMEOUT."""
    from inspector.ui.app import run_until

    if not run_until(condition, WINDOW_TIMEOUT, interval_ms=5):
        raise CheckFailed(f"{failure} within {WINDOW_TIMEOUT:.0f} s")
