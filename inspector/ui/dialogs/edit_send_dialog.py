"""Edit an event's body as JSON and send it to this listener or the forward target.

Validation runs as the user types (debounced for big bodies): the error names its line and column,
and Send stays disabled while the text is not strict JSON (NaN/Infinity are refused, as the
listener refuses them). "New event_id" gives the body a fresh id so the receiver stores it as a new
event, not a redelivery. The send runs off the GUI thread; the answer is shown below the editor and
kept with the original event (extra["replays"], marked as edited).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.actions.replay import record_replay, send_body, with_fresh_event_id
from inspector.core.events import StoredEvent
from inspector.core.store.event_store import EventStore
from inspector.ui import theme
from inspector.ui.dialogs.send_targets import LISTENER, TargetPicker
from inspector.ui.runner import JobGroup, Runner
from inspector.ui.window.forward_settings import describe_forward_result, record_ok

IMMEDIATE_LIMIT = 256 * 1024  # characters; bigger texts are validated after a pause in typing
DEBOUNCE_MS = 250
RESPONSE_SHOWN_CHARS = 64 * 1024

AuthorizationSource = Callable[[], str | None]


class JsonProblem(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"Line {self.line}, column {self.column}: {self.args[0]}"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def check_json(text: str) -> Any:
    """The parsed document, or JsonProblem with the line and column of the first error."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonProblem(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise JsonProblem("nested too deeply", 1, 1) from None
    except ValueError as exc:  # NaN / Infinity: the position is not reported, so find the word
        word = str(exc).split(" ", 1)[0]
        offset = max(0, text.find(word))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise JsonProblem(str(exc), line, column) from None


def editable_text(event: StoredEvent) -> str:
    parsed = event.body_json()
    if parsed is not None:
        return json.dumps(parsed, indent=2, ensure_ascii=False)
    return event.body.decode("utf-8", errors="replace")


class EditSendDialog(QDialog):
    sent = Signal(object)  # the result record (status, latency_ms, body, error, url, at)
    eventsUpdated = Signal(object)  # [seq] of the original event, whose extra["replays"] grew

    def __init__(
        self,
        store: EventStore,
        event: StoredEvent,
        *,
        forward_url: str = "",
        listener_url: str = "",
        authorization: AuthorizationSource | None = None,
        runner: Runner,
        timeout: float = 10.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("editSendDialog")
        self.setWindowTitle(f"Edit and send — #{event.seq} {event.event_identifier or ''}".rstrip())
        self.store = store
        # Not `self.event`: that would hide QObject.event(), which Qt calls (a parented dialog crashed).
        self.original = event
        self.authorization = authorization
        self.timeout = timeout
        self.valid = False
        self.error: JsonProblem | None = None
        self.last_result: dict[str, Any] | None = None
        self.sent_body: bytes | None = None
        self.jobs = JobGroup(runner, self)

        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("bodyEditor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setPlainText(editable_text(event))
        self.validation_label = QLabel(self)
        self.validation_label.setObjectName("validationLabel")
        self.fresh_id = QCheckBox("Give it a new event_id (so it is not treated as a redelivery)", self)
        self.fresh_id.setObjectName("freshEventIdCheck")
        self.fresh_id.setChecked(True)
        # The rule Replay follows too: the forward target when one is set, else this listener.
        self.target = TargetPicker(forward_url, listener_url, self, default=None)
        self.response_label = QLabel(self)
        self.response_label.setObjectName("responseStatus")
        self.response_label.setWordWrap(True)
        self.response_view = QPlainTextEdit(self)
        self.response_view.setObjectName("responseBody")
        self.response_view.setReadOnly(True)
        self.response_view.setMaximumHeight(140)
        self.response_view.setPlaceholderText("The answer appears here")

        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.reset_button = QPushButton("Reset", self)
        self.reset_button.setObjectName("resetButton")
        self.reset_button.setToolTip("Back to the stored body")
        self.reset_button.clicked.connect(lambda: self.editor.setPlainText(editable_text(self.original)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.reset_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Send to:", self.target)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.validation_label)
        layout.addWidget(self.fresh_id)
        layout.addLayout(form)
        layout.addWidget(self.response_label)
        layout.addWidget(self.response_view)
        layout.addWidget(buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.validate)
        self.editor.textChanged.connect(self._on_text_changed)
        self.fresh_id.toggled.connect(lambda _on: self.validate())
        self.target.changed.connect(self._update_send)
        self.validate()
        self.resize(720, 640)

    # -- validation ------------------------------------------------------------------------------

    def _on_text_changed(self) -> None:
        if self.editor.document().characterCount() <= IMMEDIATE_LIMIT:
            self.validate()
        else:
            self.valid = False  # not sendable until the pending check has run
            self._update_send()
            self._debounce.start()

    def validate(self) -> bool:
        self._debounce.stop()
        try:
            document = check_json(self.editor.toPlainText())
            if self.fresh_id.isChecked() and not isinstance(document, dict):
                raise JsonProblem("a new event_id needs a JSON object at the top", 1, 1)
        except JsonProblem as problem:
            self.valid, self.error = False, problem
            self.validation_label.setText(str(problem))
            self.validation_label.setStyleSheet(theme.error_css())
        else:
            self.valid, self.error = True, None
            self.validation_label.setText("Valid JSON")
            self.validation_label.setStyleSheet(theme.ok_css())
        self._update_send()
        return self.valid

    def jump_to_error(self) -> None:
        if self.error is None:
            return
        block = self.editor.document().findBlockByNumber(self.error.line - 1)
        cursor = QTextCursor(block)
        cursor.movePosition(
            QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.MoveAnchor, self.error.column - 1
        )
        self.editor.setTextCursor(cursor)

    def _update_send(self) -> None:
        self.send_button.setEnabled(self.valid and not self.jobs.busy)

    # -- sending ---------------------------------------------------------------------------------

    def send(self) -> None:
        if not self.validate() or self.jobs.busy:
            return
        try:
            url = self.target.url()
        except ValueError as exc:
            self._show_response(str(exc)[:1].upper() + str(exc)[1:] + ".", theme.error_css())
            return
        if not url:
            self._show_response("Choose where to send it.", theme.error_css())
            return
        body = self.editor.toPlainText().encode("utf-8")
        if self.fresh_id.isChecked():
            body = with_fresh_event_id(body)
        self.sent_body = body
        token = self.authorization() if self.authorization and self.target.choice() == LISTENER else None
        headers = list(self.original.headers)
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))  # an imported event may lack it
        store, seq, method, timeout = self.store, self.original.seq, self.original.method, self.timeout

        def work() -> dict[str, Any]:
            result = send_body(url, body, headers, method=method, authorization=token, timeout=timeout)
            record_replay(store, seq, {**result, "edited": True})
            return result

        self._show_response(f"Sending to {url}…", "")
        self.jobs.submit(work, on_done=self._on_sent, on_error=self._on_send_failed, pool="net")
        self._update_send()

    def _on_sent(self, result: dict[str, Any]) -> None:
        self.last_result = result
        style = theme.ok_css() if record_ok(result) else theme.error_css()
        text = describe_forward_result(result)
        self._show_response(f"Answer: {text}" if not result.get("error") else text, style)
        self.response_view.setPlainText(str(result.get("body") or "")[:RESPONSE_SHOWN_CHARS])
        self._update_send()
        self.sent.emit(result)
        self.eventsUpdated.emit([self.original.seq])

    def _on_send_failed(self, error: BaseException) -> None:
        self._show_response(f"Not sent: {error}", theme.error_css())
        self._update_send()

    def _show_response(self, text: str, style: str) -> None:
        self.response_label.setText(text)
        self.response_label.setStyleSheet(style)
