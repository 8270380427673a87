"""A thin indeterminate progress bar, visible only while its job group has calls in flight."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QWidget

from inspector.ui.runner import JobGroup


class BusyBar(QProgressBar):
    def __init__(self, jobs: JobGroup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("busyIndicator")
        self.setRange(0, 0)  # indeterminate: we cannot know how long the provider takes
        self.setTextVisible(False)
        self.setMaximumHeight(6)
        self.setVisible(jobs.busy)
        jobs.busyChanged.connect(self.setVisible)
