"""Replay selected (or filtered) events to the forward target, this listener, or any URL.

The sends run one after the other on the thread pool (`core.replay.replay`); the bar shows how
many are done and Cancel stops before the next send. Every result is kept with its event
(extra["replays"]), so the detail panes show it afterwards; `eventsUpdated` names the seqs touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.actions.replay import ReplayCounts, replay
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import parse_filter
from inspector.ui.dialogs.send_targets import LISTENER, TargetPicker
from inspector.ui.runner import Cancelled, JobControl, Pool, Runner, WatchedJob

AuthorizationSource = Callable[[], str | None]

# Replays wait on the target over the network: the net pool, so the table's queries go on.
JOB_POOL: Pool = "net"


def seqs_for_filter(store: EventStore, filter_text: str) -> list[int]:
    """Seqs matching a filter, oldest first (replay in the order they were received)."""
    flt = parse_filter(filter_text)
    total = store.count(flt)
    return [s.seq for s in store.query(flt, limit=max(total, 1), descending=False)]


def counts_text(counts: ReplayCounts) -> str:
    text = f"Sent {counts.sent} of {counts.total}: {counts.succeeded} answered 2xx"
    if counts.failed:
        text += f", {counts.failed} failed"
    if counts.cancelled:
        text = "Cancelled. " + text
    elif counts.skipped:
        text += f", {counts.skipped} no longer stored"
    return text + "."


class ReplayDialog(QDialog):
    eventsUpdated = Signal(object)  # list[int]: seqs whose extra["replays"] grew
    replayFinished = Signal(object)  # ReplayCounts

    def __init__(
        self,
        store: EventStore,
        seqs: Sequence[int] | None = None,
        filter_text: str = "",
        *,
        forward_url: str = "",
        listener_url: str = "",
        authorization: AuthorizationSource | None = None,
        runner: Runner,
        timeout: float = 10.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("replayDialog")
        self.setWindowTitle("Replay events")
        self.store = store
        self.seqs = list(seqs) if seqs is not None else None
        self.filter_text = filter_text
        self.authorization = authorization
        self.timeout = timeout
        self.counts: ReplayCounts | None = None
        self.touched: list[int] = []
        self.job = WatchedJob(runner, self, pool=JOB_POOL)

        what = (
            f"{len(self.seqs)} selected event{'s' if len(self.seqs) != 1 else ''}"
            if self.seqs is not None
            else f"every event matching “{filter_text}”"
            if filter_text
            else "every stored event"
        )
        self.scope_label = QLabel(f"Replay {what}, in the order received.", self)
        self.scope_label.setObjectName("replayScope")
        self.target = TargetPicker(forward_url, listener_url, self, default=None)
        self.target.changed.connect(self._update_buttons)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("replayProgress")
        self.progress.setRange(0, max(1, len(self.seqs or ())))
        self.progress.setValue(0)
        self.progress.setFormat("%v of %m")
        self.result_label = QLabel(self)
        self.result_label.setObjectName("replayResult")
        self.result_label.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        self.start_button = QPushButton("Replay", self)
        self.start_button.setObjectName("replayStartButton")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("replayCancelButton")
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("replayCloseButton")
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("Send to:", self.target)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scope_label)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)

        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self.job.runningChanged.connect(lambda _running: self._update_buttons())
        self._update_buttons()
        self.resize(560, self.sizeHint().height())

    # -- actions ---------------------------------------------------------------------------------

    def start(self) -> None:
        if self.job.running:
            return
        try:
            url = self.target.url()
        except ValueError as exc:
            self.result_label.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return
        if not url:
            self.result_label.setText("Choose where to send the events.")
            return
        self.counts = None
        self.touched = []
        self.result_label.setText(f"Replaying to {url}…")
        seqs, filter_text, store = self.seqs, self.filter_text, self.store
        # The token is read here (GUI thread, from memory) and only when sending to this listener.
        token = self.authorization() if self.authorization and self.target.choice() == LISTENER else None
        timeout = self.timeout

        def work(control: JobControl) -> tuple[ReplayCounts, list[int]]:
            items = seqs if seqs is not None else seqs_for_filter(store, filter_text)
            control.report(0, len(items))
            if control.cancelled:
                raise Cancelled()
            touched: list[int] = []

            def on_progress(done: int, total: int, seq: int, _result: dict[str, Any]) -> None:
                touched.append(seq)
                control.report(done, total)

            counts = replay(
                store,
                items,
                url,
                on_progress=on_progress,
                cancel_event=control.cancel_event,
                authorization=token,
                timeout=timeout,
            )
            return counts, touched

        self.job.start(work)

    def cancel(self) -> None:
        if self.job.running:
            self.job.cancel()
            self.result_label.setText("Cancelling after the send in progress…")

    def reject(self) -> None:
        # Closing while sending stops the sends too: no replay keeps going behind a closed dialog.
        self.job.cancel()
        super().reject()

    # -- results ---------------------------------------------------------------------------------

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)

    def _on_done(self, outcome: tuple[ReplayCounts, list[int]]) -> None:
        counts, touched = outcome
        self.counts = counts
        self.touched = touched
        self.progress.setValue(counts.total - (counts.skipped if counts.cancelled else 0))
        self.result_label.setText(counts_text(counts))
        if touched:
            self.eventsUpdated.emit(touched)
        self.replayFinished.emit(counts)

    def _on_failed(self, error: object) -> None:
        if isinstance(error, Cancelled):
            self.result_label.setText("Cancelled before anything was sent.")
            return
        self.result_label.setText(f"Replay stopped: {error}")

    def _update_buttons(self) -> None:
        running = self.job.running
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)
        self.target.setEnabled(not running)
