"""QApplication setup: names (for QSettings and the desktop), icon, Ctrl-C/SIGTERM, palette."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEventLoop, QSettings, QSocketNotifier, QTimer
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication

from inspector import __version__
from inspector.core import paths
from inspector.ui.gc_on_gui_thread import GuiThreadCollector

SETTINGS_FILE = "window.ini"


def run_until(condition: Callable[[], object], timeout: float, interval_ms: int = 10) -> bool:
    """Run the Qt event loop (not a busy loop) until `condition()` holds or `timeout` s pass.

    For states reached through several events (expose, paint, background results) rather than
    one signal to wait on: the condition is checked inside a running event loop.
    """
    if condition():
        return True
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(interval_ms)
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(int(timeout * 1000))
    loop.exec()
    poll.stop()
    deadline.stop()
    return bool(condition())


def create_application(argv: Sequence[str] = ()) -> QApplication:
    """The one QApplication (reused if a test or embedder made it already)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(["webhook-inspector", *argv])
    app.setApplicationName(paths.APP_NAME)
    app.setApplicationDisplayName("Webhook Inspector")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(paths.APP_NAME)
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    if app.findChild(GuiThreadCollector) is None:
        GuiThreadCollector(app)
    # No hard-coded palette or style: Qt follows the system's light/dark scheme, and our few
    # colours (status, badges) are mid-tones chosen to read on both.
    return app


def app_icon() -> QIcon | None:
    node = paths.resource("icons/app.png")
    if not node.is_file():
        return None
    pixmap = QPixmap()
    if not pixmap.loadFromData(node.read_bytes()):
        return None
    return QIcon(pixmap)


def release_clipboard(app: QApplication) -> None:
    """Before exit, turn a QMimeData we put on the clipboard back into plain text.

    PySide6 crashes at interpreter exit (SIGSEGV) when the clipboard still holds a QMimeData
    created from Python (Copy body puts the raw bytes there); the copied text is kept.
    """
    clipboard = app.clipboard()
    mime = clipboard.mimeData()
    if mime is not None and mime.hasFormat("application/octet-stream"):
        clipboard.setText(clipboard.text())


def window_settings(config_dir: str) -> QSettings:
    """Window layout only (geometry, splitter, columns): never tokens or other secrets."""
    return QSettings(f"{config_dir}/{SETTINGS_FILE}", QSettings.Format.IniFormat)


class SignalWaker:
    """Lets Ctrl-C / SIGTERM quit the Qt loop promptly.

    Python runs signal handlers only between bytecodes, which never happen while Qt sleeps in its
    event loop; the wakeup fd makes the loop return to Python as soon as a signal arrives.
    """

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._rsock, self._wsock = socket.socketpair()
        self._rsock.setblocking(False)
        self._wsock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._wsock.fileno())
        self._notifier = QSocketNotifier(self._rsock.fileno(), QSocketNotifier.Type.Read, app)
        self._notifier.activated.connect(self._drain)
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Queued, so a signal that arrives before exec() starts still ends the loop.
            signal.signal(sig, lambda *_: QTimer.singleShot(0, app.quit))

    def _drain(self) -> None:
        try:
            self._rsock.recv(64)
        except OSError:
            pass

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._rsock.close()
        self._wsock.close()
