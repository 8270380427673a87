"""The main window: filter bar, live events table, detail panes, status bar, and the menus.

Built by `build_main_window(session, settings)` on a session (inspector/ui/session.py) that owns
the listener and every other service; the window shows what the session says and calls its methods.
Tests build it on a temp dir with a real listener; it never opens the user's home, keyring or
network by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QPoint, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from inspector.core.capture.listener import Listener
from inspector.core.events import EventSummary, StoredEvent
from inspector.core.store.filter_query import FilterError
from inspector.ui.bridge import CommitNotice
from inspector.ui.detail.action_results import ActionResultsView
from inspector.ui.detail.detail_panes import DetailPanes
from inspector.ui.detail.related_pane import RelatedPane
from inspector.ui.events.badge_delegate import BadgeDelegate
from inspector.ui.events.cell_filters import term_for_cell
from inspector.ui.events.column_fit import ColumnFitter
from inspector.ui.events.events_model import (
    COL_EVENT_ID,
    COL_FORWARD,
    COL_METHOD,
    COL_PATH,
    COL_SIZE,
    COL_STATUS,
    COL_TIME,
    COL_TYPE,
    COL_VERDICT,
    SORT_KEYS,
    EventsModel,
    SeqRole,
    SummaryRole,
)
from inspector.ui.events.filter_bar import FilterBar, quote_value
from inspector.ui.icons import set_icons
from inspector.ui.session import InspectorSession
from inspector.ui.window.copy_actions import CopyActions
from inspector.ui.window.event_actions import EventActions
from inspector.ui.window.forward_settings import ForwardSettings
from inspector.ui.window.history_controls import HistoryControls
from inspector.ui.window.rules_indicator import RuleSetWatcher, RulesIndicator
from inspector.ui.window.status_bar import StatusControls

DEFAULT_WIDTHS = {
    COL_TIME: 175,
    COL_METHOD: 64,
    COL_PATH: 150,
    COL_TYPE: 190,
    COL_EVENT_ID: 170,
    COL_STATUS: 56,
    COL_SIZE: 72,
    COL_VERDICT: 160,
    COL_FORWARD: 80,
}
# What the long columns may shrink to when the columns are wider than the table (ColumnFitter).
MIN_WIDTHS = {
    COL_TIME: 80,
    COL_METHOD: 44,
    COL_PATH: 50,
    COL_TYPE: 80,
    COL_EVENT_ID: 60,
    COL_STATUS: 44,
    COL_SIZE: 50,
    COL_VERDICT: 64,
    COL_FORWARD: 56,
}
SHRINKABLE = (COL_TIME, COL_METHOD, COL_PATH, COL_TYPE, COL_EVENT_ID, COL_SIZE, COL_VERDICT)
COUNTS_LABEL_MS = 250  # how often "N of M events" may change during a burst
# How far a duplicate jump scrolls through pages before narrowing the table to the event id.
MAX_JUMP_PAGES = 50

KEY_GEOMETRY = "window/geometry"
KEY_SPLITTER = "window/splitter"
KEY_HEADER = "table/header"
KEY_FOLLOW = "capture/follow"
FORWARDING_TAB = "Forwarding"
RELATED_TAB = "Related"


class MainWindow(QMainWindow):
    listenerAttached = Signal(str)  # the listener URL, once one is running
    eventShown = Signal(object)  # the StoredEvent (or None) the detail panes now show
    aboutToClose = Signal()  # docks save their layout here, before the window goes

    def __init__(self, session: InspectorSession, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Webhook Inspector")
        self.session = session
        self.store = store = session.store
        self.settings = settings
        self.runner = session.runner
        self._selected_seq: int | None = None
        self._wanted_seq: int | None = None
        self._paused_new = 0
        self._shown_once = False
        self.clear_dialog: QMessageBox | None = None
        self.port_dialog: QMessageBox | None = None

        self.model = EventsModel(store, session.runner, self)
        self._counts_timer = QTimer(self)
        self._counts_timer.setObjectName("countsLabelTimer")
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_LABEL_MS)
        self._counts_timer.timeout.connect(self._show_counts)
        self.filter_bar = FilterBar(self, settings=settings)
        self.table = self._build_table()
        self.panes = DetailPanes(self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.panes)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        central = QWidget(self)
        central.setObjectName("centralWidget")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.status = StatusControls(self.statusBar())
        self._build_actions()
        self.rules_watcher = RuleSetWatcher(session.rules, self)
        self.rules_indicator = RulesIndicator(session.rules, self.rules_watcher, self.statusBar())
        self.statusBar().addPermanentWidget(self.rules_indicator)
        self.forward = ForwardSettings(session.forwarding, settings, self)
        self.results = ActionResultsView(self.panes)
        self.panes.tabs.addTab(self.results, FORWARDING_TAB)
        self.eventShown.connect(self.results.show_event)
        self.related = RelatedPane(store, session.runner, self.panes)
        self.panes.tabs.addTab(self.related, RELATED_TAB)
        self.eventShown.connect(self.related.show_event)
        self.event_actions = EventActions(session, self, self.rules_watcher, self)
        self.history = HistoryControls(session.history, self, settings, self)
        self.history.add_to(self.statusBar())
        self.event_actions.more_menu_actions += [None, self.history.keep_action]
        self.capture_menu.addAction(self.history.history_action)
        self._place_event_actions()
        self._wire()
        self.model.refresh()
        self.filter_bar.set_types(store.event_types())
        self.filter_bar.set_values("webhook", self._known_webhook_ids())
        self.panes.tree_view.filterRequested.connect(self.filter_bar.add_term)

    # -- construction --------------------------------------------------------------------------

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("eventsTable")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows for replay, export and diff; the panes follow the current row.
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        header.setObjectName("eventsTableHeader")
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        for col, width in DEFAULT_WIDTHS.items():
            table.setColumnWidth(col, width)
        table.setItemDelegateForColumn(COL_VERDICT, BadgeDelegate(table))
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setMinimumSectionSize(min(MIN_WIDTHS.values()))  # the stretched last one too
        self.column_fitter = ColumnFitter(table, SHRINKABLE, MIN_WIDTHS)
        # Indicator first, so enabling sorting does not trigger a second load of the same order.
        header.setSortIndicator(COL_TIME, Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._keep_indicator_on_sql_order)
        return table

    def _known_webhook_ids(self) -> list[str]:
        """Offered after `webhook:` in the filter box (a small JSON file in the config dir)."""
        try:
            return [w.id for w in self.session.sync.index.all()]
        except (OSError, ValueError):
            return []

    def _keep_indicator_on_sql_order(self, column: int, _order: Qt.SortOrder) -> None:
        # The verdict column has no SQL order: put the arrow back on the column actually sorted.
        if column in SORT_KEYS:
            return
        order_by, descending = self.model.order
        current = next((c for c, key in SORT_KEYS.items() if key == order_by), COL_TIME)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(current, order)

    def _action(
        self, name: str, text: str, slot: Callable[..., object], shortcut: QKeySequence | str = ""
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.focus_filter_action = self._action("focusFilterAction", "Find…", self.focus_filter, "Ctrl+F")
        self.copy_body_action = self._action("copyBodyAction", "Copy body", self.copy_body, "Ctrl+C")
        self.clear_filter_action = self._action(
            "clearFilterAction", "Clear filter", self.clear_filter, "Ctrl+L"
        )
        self.pause_action = self._action("pauseAction", "Pause", self._on_pause_toggled)
        self.pause_action.setCheckable(True)
        self.pause_action.setToolTip("Stop streaming new rows into the table (they are still recorded)")
        self.follow_action = self._action("followAction", "Follow newest", self._on_follow_toggled)
        self.follow_action.setCheckable(True)
        self.follow_action.setToolTip("Select each new delivery as it arrives")
        self.clear_history_action = self._action(
            "clearHistoryAction", "Clear history…", self.confirm_clear_history
        )
        self.clear_history_action.setToolTip("Delete every stored delivery")
        self.copy_url_action = self._action("copyUrlAction", "Copy listener URL", self.status.copy_url)
        self.quit_action = self._action("quitAction", "Quit", self.close, "Ctrl+Q")

        self.status.pause_button.setDefaultAction(self.pause_action)
        self.status.follow_toggle.setDefaultAction(self.follow_action)
        self.status.clear_button.setDefaultAction(self.clear_history_action)

        menus = self.menuBar()
        menus.setObjectName("menuBar")
        file_menu = menus.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.quit_action)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.setObjectName("editMenu")
        for action in (
            self.copy_body_action,
            self.copy_url_action,
            self.focus_filter_action,
            self.clear_filter_action,
        ):
            edit_menu.addAction(action)
        capture_menu = self.capture_menu = menus.addMenu("&Capture")
        capture_menu.setObjectName("captureMenu")
        capture_menu.addAction(self.pause_action)
        capture_menu.addAction(self.follow_action)
        capture_menu.addSeparator()
        capture_menu.addAction(self.clear_history_action)
        self.view_menu = menus.addMenu("&View")
        self.view_menu.setObjectName("viewMenu")

    def _place_event_actions(self) -> None:
        actions = self.event_actions
        menu = self.menuBar().addMenu("E&vents")
        menu.setObjectName("eventsMenu")
        actions.fill_menu(menu)
        self.events_menu = menu
        bar = QToolBar("Events", self)
        bar.setObjectName("eventsToolBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)  # the words stay
        for action in actions.toolbar_actions():
            if action is None:
                bar.addSeparator()
            else:
                bar.addAction(action)
        self.addToolBar(bar)
        forward_bar = QToolBar("Forwarding", self)
        forward_bar.setObjectName("forwardToolBar")
        forward_bar.setMovable(False)
        forward_bar.addWidget(self.forward)
        self.addToolBar(forward_bar)
        self.copy_actions = CopyActions(self.store, self.selected_seqs, self.show_message, self)
        self._cell_term: str | None = None  # the term of the cell the context menu was opened on
        self.filter_on_value_action = self._action(
            "filterOnValueAction", "Filter on this value", lambda: self._filter_on_cell(False)
        )
        self.exclude_value_action = self._action(
            "excludeValueAction", "Exclude this value", lambda: self._filter_on_cell(True)
        )
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self.show_table_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.copy_actions.update_enabled())
        self.copy_actions.update_enabled()
        self._set_icons()
        self.table.selectionModel().selectionChanged.connect(lambda *_: actions.update_enabled())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.history.update_enabled())
        self.model.modelReset.connect(actions.update_enabled)
        self.model.modelReset.connect(self.history.update_enabled)
        actions.update_enabled()

    def show_table_menu(self, pos: QPoint) -> QMenu:
        """Copy as cURL / HAR / body and "filter on this value" for the cell, then the Events menu."""
        leading: list[QAction | None] = list(self.copy_actions.actions())
        index = self.table.indexAt(pos)
        summary = index.data(SummaryRole) if index.isValid() else None
        self._cell_term = (
            term_for_cell(summary, index.column()) if isinstance(summary, EventSummary) else None
        )
        if self._cell_term is not None:
            shown = self._cell_term.replace("&", "&&")
            self.filter_on_value_action.setText(f"Filter on “{shown}”")
            self.exclude_value_action.setText(f"Exclude “{shown}”")
            leading += [None, self.filter_on_value_action, self.exclude_value_action]
        return self.event_actions.show_context_menu(self.table, pos, leading)

    def _filter_on_cell(self, exclude: bool) -> None:
        if self._cell_term is not None:
            self.filter_bar.add_term(self._cell_term, exclude=exclude)

    def _set_icons(self) -> None:
        """Bundled icons in the palette's text colour (redone when the palette changes)."""
        actions = self.event_actions
        set_icons(
            {
                actions.replay_action: "replay",
                actions.edit_send_action: "edit-send",
                actions.diff_action: "diff",
                actions.export_action: "export",
                actions.export_filtered_action: "export",
                actions.import_action: "import",
                actions.rules_action: "rules",
                self.pause_action: "pause",
                self.follow_action: "follow",
                self.clear_history_action: "clear",
                self.copy_body_action: "copy",
                self.focus_filter_action: "filter",
                self.copy_actions.copy_curl_action: "copy",
            }
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        changed = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if event.type() in changed and hasattr(self, "copy_actions"):
            self._set_icons()

    def _wire(self) -> None:
        session = self.session
        session.committed.connect(self._on_committed)
        session.history.pruned.connect(self.model.on_pruned)
        session.listenerStarted.connect(self._on_listener_started)
        session.listenerFailed.connect(self.offer_free_port)
        session.tokenProblem.connect(self.status.set_token_problem)
        session.storeProblem.connect(self.status.set_store_problem)
        self.status.set_token_problem(session.token_problem)
        self.model.countsChanged.connect(self._on_counts)
        self.model.streamed.connect(self._on_streamed)
        self.model.loaded.connect(self._on_loaded)
        self.model.jobFailed.connect(lambda msg: self.statusBar().showMessage(msg, 5000))
        self.filter_bar.queryChanged.connect(self.apply_query)
        self.filter_bar.navigate.connect(self.move_selection)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.panes.duplicateActivated.connect(self.select_seq)
        self.panes.filterRequested.connect(self.filter_bar.set_text)
        self.related.seqActivated.connect(self.select_seq)
        self.related.filterRequested.connect(self.filter_bar.set_text)
        self.status.set_count(None)

    # -- listener ------------------------------------------------------------------------------

    @property
    def listener(self) -> Listener | None:
        return self.session.listener

    def _on_listener_started(self, url: str) -> None:
        self.status.set_url(url)
        # The platform appends the application's display name ("… — Webhook Inspector") itself.
        self.setWindowTitle(url)
        # Anything committed between our first page and the subscription is caught up now; the
        # model counts only rows it has not accounted for yet.
        self.model.on_committed(self.session.catch_up_notice())
        self.listenerAttached.emit(url)

    def show_listener_problem(self, message: str) -> None:
        # In the URL label only: a temporary status message would paint over it.
        self.status.set_url(None, message)

    def offer_free_port(self, message: str) -> QMessageBox:
        """Say the port is taken and offer to listen on any free port instead (non-blocking)."""
        self.show_listener_problem(message)
        box = QMessageBox(self)
        box.setObjectName("portTakenDialog")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Port in use")
        box.setText(message[:1].upper() + message[1:] + ".")
        box.setInformativeText(
            "Listen on a free port instead? Point your tunnel at the new address shown in the status bar."
        )
        use_free = QPushButton("Use a free port", box)
        use_free.setObjectName("useFreePortButton")
        box.addButton(use_free, QMessageBox.ButtonRole.AcceptRole)
        later = QPushButton("Not now", box)
        later.setObjectName("notNowButton")
        box.addButton(later, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(use_free)

        def finished(_result: int) -> None:
            if box.clickedButton() is not use_free:
                return
            try:
                self.session.start_on_free_port()
            except OSError as exc:
                self.show_listener_problem(str(exc))

        box.finished.connect(finished)
        self.port_dialog = box
        box.open()
        return box

    # -- live updates --------------------------------------------------------------------------

    def _on_committed(self, notice: CommitNotice) -> None:
        if self.model.paused:
            self._paused_new += notice.new_count
            self.status.set_paused_new(self._paused_new)
        self.model.on_committed(notice)
        if notice.event_types:
            self.filter_bar.add_types(notice.event_types)

    def _on_counts(self) -> None:
        # A label change re-lays out and repaints the whole status bar: during a burst, show the
        # counts a few times a second rather than on every model update.
        if not self._counts_timer.isActive():
            self._counts_timer.start()

    def _show_counts(self) -> None:
        self.filter_bar.show_counts(self.model.matching_count, self.model.total_count)
        self.status.set_count(self.model.total_count)

    def _on_streamed(self, newest_seq: int) -> None:
        if self.follow_action.isChecked():
            self.select_seq(newest_seq)

    def _on_pause_toggled(self, paused: bool) -> None:
        self.pause_action.setText("Resume" if paused else "Pause")
        if not paused:
            self.session.bridge.flush_now()
            self._paused_new = 0
            self.status.set_paused_new(None)
        else:
            self.status.set_paused_new(0)
        self.model.set_paused(paused)

    def _on_follow_toggled(self, on: bool) -> None:
        if on and self.model.rowCount() and self.model.newest_first:
            self.select_row(0)

    # -- filter --------------------------------------------------------------------------------

    def apply_query(self, query: str) -> None:
        try:
            self.model.set_filter(query)
        except FilterError as exc:
            self.filter_bar.show_error(exc, query)
            return
        self.filter_bar.show_error(None)
        self.model.set_counts(None, self.model.total_count)

    def focus_filter(self) -> None:
        self.filter_bar.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.edit.selectAll()

    def clear_filter(self) -> None:
        self.filter_bar.clear()
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_loaded(self) -> None:
        if self.model.paused:
            # A reload (filter, sort, clear) while paused shows everything stored up to now.
            self._paused_new = 0
            self.status.set_paused_new(0)
        if self._wanted_seq is not None:
            self._try_select_wanted()
        elif self._selected_seq is not None:
            row = self.model.row_of_seq(self._selected_seq)
            if row is not None:
                self.select_row(row)

    # -- selection -----------------------------------------------------------------------------

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        seq = current.data(SeqRole)
        if seq is None or seq == self._selected_seq:
            return
        self._selected_seq = seq
        self._show_event(self.store.get(seq))

    def _show_event(self, event: StoredEvent | None) -> None:
        self.panes.show_event(event)
        self.eventShown.emit(event)

    @property
    def selected_seq(self) -> int | None:
        """The delivery the detail panes show (the current row)."""
        return self._selected_seq

    def show_selected_again(self) -> None:
        """Re-read the shown delivery (a forward or replay result was stored with it)."""
        if self._selected_seq is not None:
            self._show_event(self.store.get(self._selected_seq))

    def selected_seqs(self) -> list[int]:
        """Seqs of the selected rows, oldest first (the order replays and diffs want)."""
        rows = self.table.selectionModel().selectedRows()
        return sorted({seq for index in rows if (seq := index.data(SeqRole)) is not None})

    def selected_summaries(self) -> list[EventSummary]:
        """The selected rows' summaries, oldest first."""
        rows = self.table.selectionModel().selectedRows()
        found = [s for index in rows if isinstance(s := index.data(SummaryRole), EventSummary)]
        return sorted(found, key=lambda s: s.seq)

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        if not index.isValid():
            return
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def move_selection(self, delta: int) -> None:
        current = self.table.currentIndex()
        row = (current.row() + delta) if current.isValid() else 0
        if row >= self.model.rowCount() and self.model.canFetchMore(QModelIndex()):
            self.model.fetch_more_now()
        self.select_row(max(0, min(row, self.model.rowCount() - 1)))

    def select_seq(self, seq: int) -> None:
        """Select delivery `seq`, widening the filter (or narrowing to its event id) if needed."""
        row = self.model.row_of_seq(seq)
        if row is not None:
            self.select_row(row)
            return
        self._wanted_seq = seq
        if self.filter_bar.query():
            self.filter_bar.clear()  # reloads; _on_loaded continues the search
        else:
            self._try_select_wanted()

    def _try_select_wanted(self) -> None:
        seq = self._wanted_seq
        if seq is None:
            return
        pages = 0
        while self.model.row_of_seq(seq) is None and pages < MAX_JUMP_PAGES:
            if not self.model.canFetchMore(QModelIndex()):
                break
            loaded = self.model.loaded_seqs()
            if self.model.newest_first and loaded and loaded[-1] < seq:
                break  # newest-first and already past it: it is not in this view
            self.model.fetch_more_now()
            pages += 1
        row = self.model.row_of_seq(seq)
        if row is not None:
            self._wanted_seq = None
            self.select_row(row)
            return
        event = self.store.get(seq)
        narrow = f"id:{quote_value(event.event_id)}" if event and event.event_id else ""
        if narrow and self.filter_bar.query() != narrow:
            self.filter_bar.set_text(narrow)  # reloads; _on_loaded tries again
            return
        self._wanted_seq = None
        self.statusBar().showMessage(f"Delivery #{seq} is no longer stored", 5000)

    def copy_body(self) -> None:
        self.panes.copy_body()

    # -- history -------------------------------------------------------------------------------

    def confirm_clear_history(self) -> QMessageBox:
        total = self.model.total_count
        box = QMessageBox(self)
        box.setObjectName("clearHistoryDialog")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Clear history")
        what = f"all {total:,} stored deliveries" if total is not None else "every stored delivery"
        box.setText(f"Delete {what}?")
        box.setInformativeText("This cannot be undone. New deliveries keep arriving.")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.button(QMessageBox.StandardButton.Yes).setObjectName("confirmClearButton")

        def finished(_result: int) -> None:
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                self.clear_history()

        box.finished.connect(finished)
        self.clear_dialog = box
        box.open()
        return box

    def clear_history(self) -> None:
        """Delete everything off the GUI thread (VACUUM of a big file takes a while)."""
        self.clear_history_action.setEnabled(False)
        self.statusBar().showMessage("Clearing history…")
        self.runner.submit(
            self.store.clear, on_done=self._on_cleared, on_error=self._on_clear_failed, owner=self
        )

    def _on_cleared(self, _result: object) -> None:
        self.clear_history_action.setEnabled(True)
        self._selected_seq = None
        self._show_event(None)
        self.reload_history()
        self.statusBar().showMessage("History cleared", 3000)

    def _on_clear_failed(self, error: BaseException) -> None:
        self.clear_history_action.setEnabled(True)
        self.statusBar().showMessage(f"Could not clear the history: {error}", 8000)

    def reload_history(self) -> None:
        """Reload the table and the type list (history cleared, events imported)."""
        self.model.refresh()
        self.filter_bar.set_types(self.store.event_types())

    # -- what the event actions need (EventsHost) --------------------------------------------------

    def current_filter(self) -> str:
        return self.model.filter_text

    def forward_target(self) -> str:
        return self.forward.target_url

    def refresh_events(self, seqs: Sequence[int]) -> None:
        """Rows whose summary changed (a forward or replay result was stored with them)."""
        if not seqs:
            return
        self.model.update_summaries(self.store.summaries(seqs))
        if self._selected_seq in seqs:
            self.show_selected_again()

    def show_message(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    # -- window state --------------------------------------------------------------------------

    def restore_state(self) -> None:
        geometry = self.settings.value(KEY_GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(self.first_run_size())
        splitter = self.settings.value(KEY_SPLITTER)
        if not (isinstance(splitter, QByteArray) and self.splitter.restoreState(splitter)):
            self.splitter.setSizes([440, 300])
        header = self.settings.value(KEY_HEADER)
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.table.horizontalHeader().restoreState(header)
        follow = self.settings.value(KEY_FOLLOW, False, type=bool)
        self.follow_action.setChecked(bool(follow))

    def first_run_size(self) -> QSize:
        """1280x800 (the events table, the panes and the Webhooks panel all fit), or the screen's
        available area when that is smaller."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        wanted = QSize(1280, 800)
        if screen is None:
            return wanted
        return wanted.boundedTo(screen.availableGeometry().size())

    def save_state(self) -> None:
        # Layout only: never tokens or anything secret in this file.
        self.settings.setValue(KEY_GEOMETRY, self.saveGeometry())
        self.settings.setValue(KEY_SPLITTER, self.splitter.saveState())
        self.settings.setValue(KEY_HEADER, self.table.horizontalHeader().saveState())
        self.settings.setValue(KEY_FOLLOW, self.follow_action.isChecked())
        self.settings.sync()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            if self.model.rowCount() and self.table.currentIndex().row() < 0:
                self.select_row(0)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.aboutToClose.emit()
        self.save_state()
        self.event_actions.shutdown()
        self.session.committed.disconnect(self._on_committed)
        super().closeEvent(event)


def build_main_window(session: InspectorSession, settings: QSettings) -> MainWindow:
    """The window on its session; a listener that runs already is shown at once (else the window
    shows it when `listenerStarted` comes, or offers a free port on `listenerFailed`)."""
    window = MainWindow(session, settings)
    window.restore_state()
    if session.listener is not None:
        window._on_listener_started(session.listener.url)
    elif session.listener_problem:
        window.offer_free_port(session.listener_problem)
    window.model.request_counts()
    return window
