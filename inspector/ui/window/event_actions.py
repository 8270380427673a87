"""The "act on events" actions: replay, edit and send, export/import, diff and response rules.

The actions need little of the window, and say so: an `EventsHost` (the selection, the filter, a
way to refresh rows and to say something) and the session (store, runner, rules, forwarding,
listener URL, the token for sends to our own listener). The window places the actions in its
menu, toolbar and context menu; the dialogs live in inspector/ui/dialogs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import shiboken6
from PySide6.QtCore import QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from inspector.ui.dialogs.diff_dialog import DiffDialog
from inspector.ui.dialogs.edit_send_dialog import EditSendDialog
from inspector.ui.dialogs.export_dialog import ExportDialog
from inspector.ui.dialogs.import_dialog import ImportDialog
from inspector.ui.dialogs.replay_dialog import ReplayDialog
from inspector.ui.dialogs.rules_dialog import RulesDialog
from inspector.ui.session import InspectorSession
from inspector.ui.window.rules_indicator import RuleSetWatcher

# Window-wide keys. Ctrl+E and Ctrl+Shift+C also mean something inside the JSON tree; the tree
# claims them (ShortcutOverride) only while it has focus, so both keep working in their scope.
REPLAY_KEYS = "Ctrl+R"
EDIT_SEND_KEYS = "Ctrl+E"
EXPORT_KEYS = "Ctrl+Shift+E"  # what the table shows, the selection as a choice
EXPORT_MATCHING_KEYS = "Ctrl+Alt+E"  # straight to everything the filter matches
IMPORT_KEYS = "Ctrl+I"
DIFF_KEYS = "Ctrl+D"
RULES_KEYS = "Ctrl+Shift+R"
# Forward results are gathered this long and shown with one summary query (bodies not read):
# with forwarding on, a burst of deliveries brings a burst of results.
FORWARD_REFRESH_MS = 100


class EventsHost(Protocol):
    """What the actions need of the window that shows the events."""

    def selected_seqs(self) -> list[int]: ...
    def current_filter(self) -> str: ...
    def forward_target(self) -> str: ...
    def refresh_events(self, seqs: Sequence[int]) -> None: ...
    def reload_history(self) -> None: ...
    def show_message(self, text: str, timeout_ms: int = 5000) -> None: ...


class EventActions(QObject):
    def __init__(
        self, session: InspectorSession, host: EventsHost, rules_watcher: RuleSetWatcher, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("eventActions")
        self.session = session
        self.store = session.store
        self.host = host
        self.rules_watcher = rules_watcher
        self._parent = parent
        self.dialogs: dict[str, QDialog] = {}  # the last dialog of each kind (tests look here)
        self._forwarded: set[int] = set()
        self._closed = False
        self._forward_timer = QTimer(self)
        self._forward_timer.setObjectName("forwardRefreshTimer")
        self._forward_timer.setSingleShot(True)
        self._forward_timer.setInterval(FORWARD_REFRESH_MS)
        self._forward_timer.timeout.connect(self._show_forward_results)
        session.forwarding.result.connect(self._on_forward_result)
        self._build_actions()
        # Actions other parts of the window add to the Events menu and the context menu.
        self.more_menu_actions: list[QAction | None] = []

    # -- construction ----------------------------------------------------------------------------

    def _action(
        self, name: str, text: str, slot: Callable[[], object], keys: str = "", tip: str = ""
    ) -> QAction:
        action = QAction(text, self._parent)
        action.setObjectName(name)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            hint = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
            action.setToolTip(f"{tip} ({hint})" if hint else tip)
        action.triggered.connect(lambda _checked=False: slot())
        self._parent.addAction(action)
        return action

    def _build_actions(self) -> None:
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
            "exportAction",
            "Export…",
            self.open_export,
            EXPORT_KEYS,
            "Save the events the table shows (or the selection) to a file",
        )
        self.export_filtered_action = self._action(
            "exportFilteredAction",
            "Export all matching…",
            self.open_export_filtered,
            EXPORT_MATCHING_KEYS,
            "Save every event the filter matches",
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

    def menu_actions(self) -> list[QAction | None]:
        """The Events menu (and the table's context menu), None for a separator."""
        return [
            self.replay_action,
            self.replay_filtered_action,
            self.edit_send_action,
            None,
            self.export_action,
            self.export_filtered_action,
            self.import_action,
            None,
            self.diff_action,
            self.rules_action,
            *self.more_menu_actions,
        ]

    def toolbar_actions(self) -> list[QAction | None]:
        return [
            self.replay_action,
            self.edit_send_action,
            self.diff_action,
            self.export_action,
            None,
            self.rules_action,
        ]

    def fill_menu(self, menu: QMenu) -> None:
        for action in self.menu_actions():
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)

    def show_context_menu(self, table: QWidget, pos: QPoint, leading: Sequence[QAction | None] = ()) -> QMenu:
        """The Events menu under `leading` (the window's copy and filter-on-value actions)."""
        menu = QMenu(table)
        menu.setObjectName("eventsContextMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in leading:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        if leading:
            menu.addSeparator()
        self.fill_menu(menu)
        viewport = getattr(table, "viewport", None)
        anchor = viewport() if callable(viewport) else table
        menu.popup(anchor.mapToGlobal(pos))
        return menu

    def update_enabled(self) -> None:
        n = len(self.host.selected_seqs())
        self.replay_action.setEnabled(n >= 1)
        self.edit_send_action.setEnabled(n == 1)
        self.diff_action.setEnabled(n == 2)

    def shutdown(self) -> None:
        """The window is closing: nothing more to show (results keep being stored)."""
        self._closed = True
        self._forward_timer.stop()  # the store may close right after the window

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

    def open_replay(self, seqs: Sequence[int] | None = None) -> QDialog | None:
        chosen = list(seqs) if seqs is not None else self.host.selected_seqs()
        if not chosen:
            return None
        return self._replay(chosen, "")

    def open_replay_filtered(self) -> QDialog:
        return self._replay(None, self.host.current_filter())

    def _replay(self, seqs: list[int] | None, filter_text: str) -> QDialog:
        dialog = ReplayDialog(
            self.store,
            seqs,
            filter_text,
            forward_url=self.host.forward_target(),
            listener_url=self.session.url,
            authorization=self.session.authorization,
            runner=self.session.runner,
            parent=self._parent,
        )
        dialog.eventsUpdated.connect(self.host.refresh_events)
        return self._open("replay", dialog)

    def open_edit_send(self) -> QDialog | None:
        seqs = self.host.selected_seqs()
        event = self.store.get(seqs[0]) if len(seqs) == 1 else None
        if event is None:
            return None
        dialog = EditSendDialog(
            self.store,
            event,
            forward_url=self.host.forward_target(),
            listener_url=self.session.url,
            authorization=self.session.authorization,
            runner=self.session.runner,
            parent=self._parent,
        )
        dialog.eventsUpdated.connect(self.host.refresh_events)
        return self._open("edit_send", dialog)

    def open_export(self) -> QDialog:
        """What the table shows (its filter), with the selection, if any, as the other choice."""
        dialog = ExportDialog(
            self.store,
            None,
            self.host.current_filter(),
            runner=self.session.runner,
            selection=self.host.selected_seqs(),
            parent=self._parent,
        )
        return self._open("export", dialog)

    def open_export_filtered(self) -> QDialog:
        dialog = ExportDialog(
            self.store, None, self.host.current_filter(), runner=self.session.runner, parent=self._parent
        )
        return self._open("export", dialog)

    def open_import(self) -> QDialog:
        dialog = ImportDialog(self.store, runner=self.session.runner, parent=self._parent)
        dialog.imported.connect(lambda _report: self.host.reload_history())
        return self._open("import", dialog)

    def open_diff(self) -> QDialog | None:
        seqs = self.host.selected_seqs()
        if len(seqs) != 2:
            return None
        first, second = (self.store.get(s) for s in seqs)
        if first is None or second is None:
            self.host.show_message("One of the two events is no longer stored")
            return None
        return self._open("diff", DiffDialog(first, second, runner=self.session.runner, parent=self._parent))

    def open_rules(self) -> QDialog:
        dialog = RulesDialog(
            self.session.rules, self.rules_watcher, event_types=self.store.event_types(), parent=self._parent
        )
        return self._open("rules", dialog)

    # -- results ---------------------------------------------------------------------------------

    def _on_forward_result(self, seq: int, _record: object) -> None:
        if self._closed:
            return  # a result relayed after the window closed: it is stored, nothing to show
        self._forwarded.add(seq)
        if not self._forward_timer.isActive():
            self._forward_timer.start()

    def _show_forward_results(self) -> None:
        seqs, self._forwarded = sorted(self._forwarded), set()
        self.host.refresh_events(seqs)
