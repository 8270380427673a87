"""The main window's "act on events" wiring (issue 6): forwarding, replay, edit-and-send,
export/import, diff and response rules, with their menu, toolbar and table context menu.

Kept out of main_window.py so the window stays about showing events; the dialogs themselves live
in their own modules. The window calls `attach_listener` when a listener runs and `shutdown` when
it closes; everything else hangs off signals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QToolBar

from inspector.core.actions.response_rules import RuleSet
from inspector.core.capture.listener import Listener
from inspector.ui.detail.action_results import ActionResultsView
from inspector.ui.dialogs.diff_dialog import DiffDialog
from inspector.ui.dialogs.edit_send_dialog import EditSendDialog
from inspector.ui.dialogs.export_dialog import ExportDialog
from inspector.ui.dialogs.import_dialog import ImportDialog
from inspector.ui.dialogs.replay_dialog import ReplayDialog
from inspector.ui.dialogs.rules_dialog import RulesDialog
from inspector.ui.window.forward_settings import ForwardSettings
from inspector.ui.window.rules_indicator import RuleSetWatcher, RulesIndicator

if TYPE_CHECKING:
    from inspector.ui.window.main_window import MainWindow

# Window-wide keys. Ctrl+E and Ctrl+Shift+C also mean something inside the JSON tree; the tree
# claims them (ShortcutOverride) only while it has focus, so both keep working in their scope.
REPLAY_KEYS = "Ctrl+R"
EDIT_SEND_KEYS = "Ctrl+E"
EXPORT_KEYS = "Ctrl+Shift+E"
IMPORT_KEYS = "Ctrl+I"
DIFF_KEYS = "Ctrl+D"
RULES_KEYS = "Ctrl+Shift+R"
FORWARDING_TAB = "Forwarding"
# Forward results are gathered this long and shown with one summary query (bodies not read):
# with forwarding on, a burst of deliveries brings a burst of results.
FORWARD_REFRESH_MS = 100

TokenSource = Callable[[], str | None]


class EventActions(QObject):
    """Owns the forwarding widget, the response rules and the Events actions of one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("eventActions")
        self.window = window
        self.store = window.store
        self.listener: Listener | None = None
        # Gives the verification token for sends to this listener (gui.py sets it); never stored.
        self.token_source: TokenSource | None = None
        self.dialogs: dict[str, QDialog] = {}  # the last dialog of each kind (tests look here)

        self.forward = ForwardSettings(window.store, None, window.settings, window)
        self.forward.resultArrived.connect(self._on_forward_result)
        self._forwarded: set[int] = set()
        self._closed = False
        self._forward_timer = QTimer(self)
        self._forward_timer.setObjectName("forwardRefreshTimer")
        self._forward_timer.setSingleShot(True)
        self._forward_timer.setInterval(FORWARD_REFRESH_MS)
        self._forward_timer.timeout.connect(self._show_forward_results)
        forward_bar = QToolBar("Forwarding", window)
        forward_bar.setObjectName("forwardToolBar")
        forward_bar.setMovable(False)
        forward_bar.addWidget(self.forward)

        self.rules = RuleSet()
        self.rules_watcher = RuleSetWatcher(self.rules, self)
        self.rules_indicator = RulesIndicator(self.rules, self.rules_watcher, window.statusBar())
        window.statusBar().addPermanentWidget(self.rules_indicator)

        self.results = ActionResultsView(window.panes)
        window.panes.tabs.addTab(self.results, FORWARDING_TAB)
        window.eventShown.connect(self.results.show_event)

        self._build_actions(forward_bar)
        window.table.selectionModel().selectionChanged.connect(lambda *_: self.update_enabled())
        window.model.modelReset.connect(self.update_enabled)
        window.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.table.customContextMenuRequested.connect(self._show_table_menu)
        self.update_enabled()

    # -- construction ----------------------------------------------------------------------------

    def _action(
        self, name: str, text: str, slot: Callable[[], object], keys: str = "", tip: str = ""
    ) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            hint = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
            action.setToolTip(f"{tip} ({hint})" if hint else tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def _build_actions(self, forward_bar: QToolBar) -> None:
        self.replay_action = self._action(
            "replayAction", "Replay…", self.open_replay, REPLAY_KEYS, "Resend the selected events"
        )
        self.replay_filtered_action = self._action(
            "replayFilteredAction",
            "Replay all matching…",
            self.open_replay_filtered,
            tip="Resend every event the filter matches",
        )
        self.edit_send_action = self._action(
            "editSendAction",
            "Edit and send…",
            self.open_edit_send,
            EDIT_SEND_KEYS,
            "Change the body and send it",
        )
        self.export_action = self._action(
            "exportAction", "Export…", self.open_export, EXPORT_KEYS, "Save the selected events to a file"
        )
        self.export_filtered_action = self._action(
            "exportFilteredAction",
            "Export all matching…",
            self.open_export_filtered,
            tip="Save every event the filter matches",
        )
        self.import_action = self._action(
            "importAction", "Import…", self.open_import, IMPORT_KEYS, "Add events from an NDJSON or HAR file"
        )
        self.diff_action = self._action(
            "diffAction", "Compare two events (Diff)…", self.open_diff, DIFF_KEYS, "Select exactly two events"
        )
        self.rules_action = self._action(
            "rulesAction", "Response rules…", self.open_rules, RULES_KEYS, "Choose what the listener answers"
        )

        menu = self.window.menuBar().addMenu("E&vents")
        menu.setObjectName("eventsMenu")
        self.menu = menu
        self._fill_menu(menu)

        bar = QToolBar("Events", self.window)
        bar.setObjectName("eventsToolBar")
        bar.setMovable(False)
        for action in (self.replay_action, self.edit_send_action, self.diff_action, self.export_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(self.rules_action)
        self.window.addToolBar(bar)
        self.window.addToolBar(forward_bar)

    def _fill_menu(self, menu: QMenu) -> None:
        menu.addAction(self.replay_action)
        menu.addAction(self.replay_filtered_action)
        menu.addAction(self.edit_send_action)
        menu.addSeparator()
        menu.addAction(self.export_action)
        menu.addAction(self.export_filtered_action)
        menu.addAction(self.import_action)
        menu.addSeparator()
        menu.addAction(self.diff_action)
        menu.addAction(self.rules_action)

    def _show_table_menu(self, pos: QPoint) -> QMenu:
        menu = QMenu(self.window.table)
        menu.setObjectName("eventsContextMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._fill_menu(menu)
        menu.popup(self.window.table.viewport().mapToGlobal(pos))
        return menu

    def update_enabled(self) -> None:
        n = len(self.window.selected_seqs())
        self.replay_action.setEnabled(n >= 1)
        self.export_action.setEnabled(n >= 1)
        self.edit_send_action.setEnabled(n == 1)
        self.diff_action.setEnabled(n == 2)

    # -- listener --------------------------------------------------------------------------------

    def attach_listener(self, listener: Listener) -> None:
        if self.listener is not None and self.listener is not listener:
            self.listener.set_rule_hook(None)
        self.listener = listener
        listener.set_rule_hook(self.rules.decide)
        self.forward.set_listener(listener)

    def shutdown(self) -> None:
        """Window closing: stop forwarding; the listener goes back to its normal answers."""
        self._closed = True
        self._forward_timer.stop()  # the store may close right after the window
        self.forward.shutdown()
        if self.listener is not None:
            self.listener.set_rule_hook(None)

    def authorization(self) -> str | None:
        """The Authorization header for sends to this listener, from a token the window knows.

        Without one the send goes out bare: the listener flags it unverified or answers 401, and
        the dialog shows that answer.
        """
        token = self.token_source() if self.token_source is not None else None
        return f"Bearer {token}" if token else None

    # -- dialogs ---------------------------------------------------------------------------------

    def _open(self, kind: str, dialog: QDialog) -> QDialog:
        old = self.dialogs.get(kind)
        job = getattr(old, "job", None)
        if (
            old is not None
            and shiboken6.isValid(old)
            and not old.isVisible()
            and not getattr(job, "running", False)
        ):
            old.deleteLater()  # a closed dialog of the same kind; one still sending is left to finish
        self.dialogs[kind] = dialog
        dialog.open()
        return dialog

    def _listener_url(self) -> str:
        return self.listener.url if self.listener is not None else ""

    def open_replay(self, seqs: Sequence[int] | None = None) -> QDialog | None:
        chosen = list(seqs) if seqs is not None else self.window.selected_seqs()
        if not chosen:
            return None
        return self._replay(chosen, "")

    def open_replay_filtered(self) -> QDialog:
        return self._replay(None, self.window.model.filter_text)

    def _replay(self, seqs: list[int] | None, filter_text: str) -> QDialog:
        dialog = ReplayDialog(
            self.store,
            seqs,
            filter_text,
            forward_url=self.forward.target_url,
            listener_url=self._listener_url(),
            authorization=self.authorization,
            parent=self.window,
        )
        dialog.eventsUpdated.connect(self._on_events_updated)
        return self._open("replay", dialog)

    def open_edit_send(self) -> QDialog | None:
        seqs = self.window.selected_seqs()
        event = self.store.get(seqs[0]) if len(seqs) == 1 else None
        if event is None:
            return None
        dialog = EditSendDialog(
            self.store,
            event,
            forward_url=self.forward.target_url,
            listener_url=self._listener_url(),
            authorization=self.authorization,
            parent=self.window,
        )
        dialog.eventsUpdated.connect(self._on_events_updated)
        return self._open("edit_send", dialog)

    def open_export(self) -> QDialog | None:
        seqs = self.window.selected_seqs()
        if not seqs:
            return None
        return self._open("export", ExportDialog(self.store, seqs, "", parent=self.window))

    def open_export_filtered(self) -> QDialog:
        dialog = ExportDialog(self.store, None, self.window.model.filter_text, parent=self.window)
        return self._open("export", dialog)

    def open_import(self) -> QDialog:
        dialog = ImportDialog(self.store, parent=self.window)
        dialog.imported.connect(lambda _report: self.window.reload_history())
        return self._open("import", dialog)

    def open_diff(self) -> QDialog | None:
        seqs = self.window.selected_seqs()
        if len(seqs) != 2:
            return None
        first, second = (self.store.get(s) for s in seqs)
        if first is None or second is None:
            self.window.statusBar().showMessage("One of the two events is no longer stored", 5000)
            return None
        return self._open("diff", DiffDialog(first, second, parent=self.window))

    def open_rules(self) -> QDialog:
        dialog = RulesDialog(
            self.rules, self.rules_watcher, event_types=self.store.event_types(), parent=self.window
        )
        return self._open("rules", dialog)

    # -- results ---------------------------------------------------------------------------------

    def _on_forward_result(self, seq: int, _record: Any) -> None:
        if self._closed:
            return  # a result relayed after the window closed: it is stored, nothing to show
        self._forwarded.add(seq)
        if not self._forward_timer.isActive():
            self._forward_timer.start()

    def _show_forward_results(self) -> None:
        seqs, self._forwarded = sorted(self._forwarded), set()
        self.window.model.update_summaries(self.store.summaries(seqs))
        if self.window.selected_seq in seqs:
            self.window.show_selected_again()

    def _on_events_updated(self, seqs: list[int]) -> None:
        if self.window.selected_seq in seqs:
            self.window.show_selected_again()
