"""The Shapes view: what was learned of each event type's payload, docked into the main window.

Event types with their counts and first/last seen; for the selected type a tree of its paths
(types, presence, formats, examples); a click on a path filters the table to the events of that
type that have it (or lack it); buttons copy the type's JSON Schema or typed models. Everything it
shows is read off the GUI thread (the session's runner) and refreshed after deliveries come in.
"""

from __future__ import annotations

import importlib.util
import json
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.shapes import TypeSummary
from inspector.core.store import shape_state
from inspector.ui.events.filter_bar import quote_value
from inspector.ui.shapes.shape_models import PATH_ROLE, TYPE_ROLE, TypeRow, TypesModel, paths_model
from inspector.ui.window.main_window import MainWindow

KEY_DOCKS = "window/docks"  # where inspector/ui/webhooks/webhooks_dock.py saves the dock layout
DEFAULT_WIDTH = 560  # wide enough for a path, its types and its presence sentence
REFRESH_MS = 1500  # after deliveries come in, at most one refresh this often
SHORTCUT = "Ctrl+Shift+P"
MODEL_STYLES = (("Pydantic", "pydantic"), ("dataclasses", "dataclasses"), ("TypedDict", "typeddict"))
MODELS_MISSING = (
    "Typed models need the models extra (datamodel-code-generator): pip install 'webhook-inspector[models]'"
)


def models_available() -> bool:
    return importlib.util.find_spec("datamodel_code_generator") is not None


class ShapesPanel(QWidget):
    filterRequested = Signal(str)  # a query for the events table
    message = Signal(str)  # a short sentence for the status bar
    refreshed = Signal()  # the views show what the learner knew when the refresh began

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shapesPanel")
        self._session = window.session
        self._selected: str | None = None
        self._summary: TypeSummary | None = None
        self._busy = False
        self._again = False

        self.types_model = TypesModel(self)
        self.types_view = QTableView(self)
        self.types_view.setObjectName("shapeTypesView")
        self.types_view.setModel(self.types_model)
        self.types_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.types_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.types_view.verticalHeader().hide()
        header = self.types_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.types_view.selectionModel().currentRowChanged.connect(self._on_type_row)

        self.title = QLabel("", self)
        self.title.setObjectName("shapeTitle")
        self.title.setWordWrap(True)
        self.paths_view = QTreeView(self)
        self.paths_view.setObjectName("shapePathsView")
        self.paths_view.setUniformRowHeights(True)
        self.paths_view.clicked.connect(self._on_path_clicked)
        self.paths_view.activated.connect(self._on_path_clicked)

        self.mode = QComboBox(self)
        self.mode.setObjectName("shapeFilterMode")
        self.mode.addItem("Click a path: events that have it", "has")
        self.mode.addItem("Click a path: events that lack it", "lacks")
        self.copy_schema_button = QPushButton("Copy JSON Schema", self)
        self.copy_schema_button.setObjectName("copySchemaButton")
        self.copy_schema_button.clicked.connect(self.copy_schema)
        self.style_box = QComboBox(self)
        self.style_box.setObjectName("modelStyleBox")
        for label, style in MODEL_STYLES:
            self.style_box.addItem(label, style)
        self.copy_models_button = QPushButton("Copy models", self)
        self.copy_models_button.setObjectName("copyModelsButton")
        self.copy_models_button.clicked.connect(self.copy_models)
        self.rebuild_button = QPushButton("Relearn from history", self)
        self.rebuild_button.setObjectName("rebuildShapesButton")
        self.rebuild_button.setToolTip("Learn every type again from the whole stored history")
        self.rebuild_button.clicked.connect(self.rebuild_or_cancel)
        self._rebuild: Any = None  # the running job, if any
        self.note = QLabel("", self)
        self.note.setObjectName("shapeNote")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if not models_available():
            self.copy_models_button.setEnabled(False)
            self.style_box.setEnabled(False)
            self.note.setText(MODELS_MISSING)
            self.copy_models_button.setToolTip(MODELS_MISSING)  # stays when the note says other things

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.title)
        lower_layout.addWidget(self.paths_view, 1)
        lower_layout.addWidget(self.mode)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_schema_button)
        buttons.addWidget(self.rebuild_button)
        buttons.addStretch(1)
        buttons.addWidget(self.style_box)
        buttons.addWidget(self.copy_models_button)
        lower_layout.addLayout(buttons)
        lower_layout.addWidget(self.note)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.types_view)
        splitter.addWidget(lower)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self._set_buttons()

        self._timer = QTimer(self)
        self._timer.setObjectName("shapesRefreshTimer")
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._session.committed.connect(self._on_committed)

    # -- reading, off the GUI thread --------------------------------------------------------------

    def refresh(self) -> None:
        """Read the types (and the selected one's paths) again, in the background."""
        learning = self._session.learning
        if learning is None:
            self.types_model.set_rows([])
            self.title.setText("Learning payload shapes is off for this listener.")
            self.refreshed.emit()
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        selected = self._selected
        store = self._session.store
        learner = learning.learner

        def gather() -> tuple[list[TypeRow], TypeSummary | None]:
            types = learner.event_types()
            times = shape_state.type_times(store, types)
            rows = []
            for event_type in types:
                first, last = times.get(event_type, (None, None))
                summary_shapes = learner.shape_count(event_type)
                rows.append(TypeRow(event_type, learner.deliveries(event_type), summary_shapes, first, last))
            summary = learner.summary(selected) if selected in types else None
            return rows, summary

        self._session.runner.submit(gather, on_done=self._show, on_error=self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.message.emit(f"Shapes could not be read: {error}")

    def _show(self, result: tuple[list[TypeRow], TypeSummary | None]) -> None:
        self._busy = False
        rows, summary = result
        keep = self._selected
        self.types_model.set_rows(rows)
        if keep is not None and self.types_model.row_of(keep) >= 0:
            self.types_view.selectRow(self.types_model.row_of(keep))  # same type: no re-read
        self._show_summary(summary if summary is not None and summary.event_type == keep else None)
        self.refreshed.emit()
        if self._again:
            self._again = False
            self.refresh()

    def _show_summary(self, summary: TypeSummary | None) -> None:
        expanded = self._expanded_paths()
        self._summary = summary
        old = self.paths_view.model()
        if summary is None:
            self.paths_view.setModel(None)
            self.title.setText("Select an event type to see its paths." if self.types_model.rows() else "")
        else:
            model = paths_model(summary, self)
            self.paths_view.setModel(model)
            for column in range(4):  # examples take what is left, and elide
                self.paths_view.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
            self._expand(expanded if expanded else {"data"})
            self.title.setText(
                f"{summary.event_type}: {summary.deliveries:,} deliveries, {summary.shapes:,} distinct "
                f"shapes, {summary.sampled:,} sampled"
            )
        if old is not None:
            old.deleteLater()
        self._set_buttons()

    def _expanded_paths(self) -> set[str]:
        model = self.paths_view.model()
        found: set[str] = set()
        if model is None:
            return found
        todo = [QModelIndex()]
        while todo:
            parent = todo.pop()
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                if self.paths_view.isExpanded(index):
                    found.add(str(index.data(PATH_ROLE)))
                    todo.append(index)
        return found

    def _expand(self, paths: set[str]) -> None:
        model = self.paths_view.model()
        todo = [QModelIndex()]
        while todo and model is not None:
            parent = todo.pop()
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                if index.data(PATH_ROLE) in paths:
                    self.paths_view.expand(index)
                    todo.append(index)

    # -- what the user does -----------------------------------------------------------------------

    def _on_committed(self, _notice: object) -> None:
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def _on_type_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event_type = current.data(TYPE_ROLE) if current.isValid() else None
        if event_type == self._selected:
            return
        self._selected = event_type
        self._summary = None
        self._set_buttons()
        self.refresh()

    def select_type(self, event_type: str) -> bool:
        row = self.types_model.row_of(event_type)
        if row < 0:
            return False
        self.types_view.selectRow(row)
        return True

    def path_query(self, path: str, *, lacks: bool = False) -> str:
        """The table's query for the selected type's events that have (lack) `path`."""
        assert self._selected is not None
        return f"type:{quote_value(self._selected)} {'-' if lacks else ''}has:{quote_value(path)}"

    def _on_path_clicked(self, index: QModelIndex) -> None:
        path = index.siblingAtColumn(0).data(PATH_ROLE)
        if not path or self._selected is None:
            return
        self.filterRequested.emit(self.path_query(str(path), lacks=self.mode.currentData() == "lacks"))

    def _set_buttons(self) -> None:
        has_type = self._selected is not None and self._summary is not None
        self.copy_schema_button.setEnabled(has_type)
        self.copy_models_button.setEnabled(has_type and models_available())

    def _schema(self) -> dict[str, Any] | None:
        learning = self._session.learning
        if learning is None or self._selected is None:
            return None
        return learning.learner.schema(self._selected)

    def copy_schema(self) -> None:
        schema = self._schema()
        if schema is None:
            return
        QGuiApplication.clipboard().setText(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        self.message.emit(f"Copied the JSON Schema of {self._selected}")

    def copy_models(self) -> None:
        """Generate the selected type's models (off the GUI thread: the generator takes a moment)."""
        schema = self._schema()
        if schema is None or self._selected is None:
            return
        from inspector.core.shapes import generate_models

        event_type, style = self._selected, str(self.style_box.currentData())
        self.copy_models_button.setEnabled(False)
        self.note.setText(f"Generating {self.style_box.currentText()} models…")

        def done(code: str) -> None:
            QGuiApplication.clipboard().setText(code)
            self.note.setText(f"Copied {self.style_box.currentText()} models of {event_type}.")
            self.message.emit(f"Copied the {style} models of {event_type}")
            self._set_buttons()

        def failed(error: BaseException) -> None:
            self.note.setText(str(error))
            self._set_buttons()

        self._session.runner.submit(
            lambda: generate_models({event_type: schema}, style),  # type: ignore[arg-type]
            on_done=done,
            on_error=failed,
            owner=self,
        )

    def rebuild_or_cancel(self) -> None:
        """Relearn from the whole history off the GUI thread, with progress; a second click cancels."""
        learning = self._session.learning
        if self._rebuild is not None:
            self._rebuild.cancel()
            return
        if learning is None:
            return
        store = self._session.store

        def work(control: Any) -> bool:
            total = shape_state.count_learnable(store)
            control.report(0, total)
            return learning.rebuild(
                progress=lambda n: control.report(n, total), cancelled=lambda: control.cancelled
            )

        def progress(done: int, total: int) -> None:
            self.note.setText(f"Relearning: {done:,} of {total:,} deliveries…")

        def finished(done: bool) -> None:
            self._rebuild = None
            self.rebuild_button.setText("Relearn from history")
            self.note.setText("Relearned from the whole history." if done else "Relearning cancelled.")
            self.refresh()

        def failed(error: BaseException) -> None:
            self._rebuild = None
            self.rebuild_button.setText("Relearn from history")
            self.note.setText(f"Relearning failed: {error}")

        self.rebuild_button.setText("Cancel relearning")
        self._rebuild = self._session.runner.submit(
            work, on_done=finished, on_error=failed, on_progress=progress, owner=self, with_control=True
        )


class ShapesDock(QDockWidget):
    def __init__(self, window: MainWindow, settings: QSettings) -> None:
        super().__init__("Shapes", window)
        self.setObjectName("shapesDock")
        self.panel = ShapesPanel(window, self)
        self.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
        self.panel.filterRequested.connect(window.filter_bar.set_text)
        self.panel.message.connect(lambda text: window.statusBar().showMessage(text, 5000))
        self.visibilityChanged.connect(self._on_visible)
        toggle = self.toggleViewAction()
        toggle.setText("&Shapes")
        toggle.setObjectName("shapesToggleAction")
        toggle.setShortcut(QKeySequence(SHORTCUT))
        toggle.setToolTip("What was learned of each event type's payload")
        window.view_menu.addAction(toggle)
        window.addAction(toggle)  # the shortcut works while the dock is hidden
        # Shown on demand (View ▸ Shapes), unless the saved dock layout (the Webhooks dock saves
        # the window's, KEY_DOCKS) has it. restoreDockWidget alone says True with nothing saved.
        saved = settings.value(KEY_DOCKS)
        if not (isinstance(saved, QByteArray) and not saved.isEmpty() and window.restoreDockWidget(self)):
            window.resizeDocks([self], [DEFAULT_WIDTH], Qt.Orientation.Horizontal)
            self.hide()

    def _on_visible(self, visible: bool) -> None:
        if visible:
            self.panel.refresh()


def add_shapes_dock(window: MainWindow, settings: QSettings) -> ShapesDock:
    return ShapesDock(window, settings)
