"""Learning the provider's payloads on the capture path: the `new_shape` and `schema_invalid` verdicts.

Who does what, on which thread (the learner's own rules, inspector/core/shapes/learner.py):

- `note(event_type, body)`, on the request thread: the body's structural signature, and, when a
  schema set is loaded, its problems against the type's schema (both need no shared state);
- `judge(event, note)`, in commit order on the batch's leader (inspector/core/store/batch_writer.py):
  `observe` (a dict lookup for a known shape) and the flags and Summary lines of a delivery that
  differs; the lines are kept in the row's `extra` under `shape`;
- a background thread, woken per committed batch: feeds the queued samples to the schema builder
  and saves the types that changed to the database every SAVE_EVERY seconds (and on stop).

Nothing rescans the history per delivery; `rebuild` relearns from the whole history on request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inspector.core import events as ev
from inspector.core.events import NewEvent
from inspector.core.shapes import Shape, ShapeLearner, StateError, shape_of
from inspector.core.store import shape_state
from inspector.core.store.event_store import EventStore

if TYPE_CHECKING:
    from inspector.core.shapes import SchemaSet

log = logging.getLogger(__name__)

SAVE_EVERY = 5.0  # seconds between saves of what changed
LEARN_CHUNK = 200  # samples learned per turn, so a stop or a save never waits long


@dataclass(frozen=True, slots=True)
class Note:
    """What the request thread worked out for the judge."""

    event_type: str
    shape: Shape
    body: Any
    problems: tuple[str, ...] = ()


def shape_extra(differences: list[Any], problems: tuple[str, ...]) -> dict[str, Any]:
    """The `extra["shape"]` entry: each difference as kind, path and its one-line text."""
    entry: dict[str, Any] = {}
    if differences:
        entry["differences"] = [{"kind": d.kind, "path": d.path, "text": str(d)} for d in differences]
    if problems:
        entry["schema_problems"] = list(problems)
    return entry


class PayloadLearning:
    """The learner of one store, fed by the listener, saved in the store."""

    def __init__(self, store: EventStore | None, *, schemas: SchemaSet | None = None) -> None:
        self.store = store
        self.schemas = schemas
        self.problem: str | None = None  # a sentence when the saved shapes could not be read
        self.learner = self._load()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_save = time.monotonic()
        self._save_lock = threading.Lock()

    def _load(self) -> ShapeLearner:
        if self.store is None:
            return ShapeLearner()
        try:
            state = shape_state.load_state(self.store)
            return ShapeLearner.from_state(state)
        except StateError as exc:
            self.problem = str(exc)
        except Exception as exc:  # an unreadable table must not stop the listener
            self.problem = f"the saved shapes could not be read ({type(exc).__name__}); rebuild them"
        log.warning("learned shapes: %s", self.problem)
        return ShapeLearner()

    # --- the capture path ------------------------------------------------------------------------

    def note(self, event_type: str, body: Any) -> Note:
        """On the request thread, for an accepted delivery of a named type."""
        problems: tuple[str, ...] = ()
        if self.schemas is not None:
            problems = tuple(self.schemas.check(event_type, body))
        return Note(event_type, shape_of(body), body, problems)

    def judge(self, event: NewEvent, note: Any) -> tuple[tuple[str, ...], dict[str, Any]] | None:
        """Serial, in commit order: observe the delivery; its flags and `extra` entries, if any."""
        if not isinstance(note, Note) or not 200 <= event.status < 300:
            return None
        differences = self.learner.observe(note.event_type, note.shape, note.body)
        if not differences and not note.problems:
            return None
        flags = ((ev.FLAG_NEW_SHAPE,) if differences else ()) + (
            (ev.FLAG_SCHEMA_INVALID,) if note.problems else ()
        )
        return flags, {ev.EXTRA_SHAPE: shape_extra(differences, note.problems)}

    def committed(self, _batch: object = None) -> None:
        """After each committed batch: let the background thread learn what was queued."""
        if self.learner.pending_samples():
            self._wake.set()

    # --- the background thread -------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="shape-learning", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Learn what is queued and save it; the thread ends."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            self._wake.set()
            thread.join(timeout)
        self.learner.learn_pending()
        self.save()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(SAVE_EVERY)
            self._wake.clear()
            try:
                while not self._stop.is_set() and self.learner.learn_pending(LEARN_CHUNK):
                    pass
                if time.monotonic() - self._last_save >= SAVE_EVERY:
                    self.save()
            except Exception:  # one bad sample must not end learning for the rest of the run
                log.exception("learning payload shapes failed")

    def save(self) -> None:
        """Save the types observed since the last save (nothing when none was)."""
        if self.store is None:
            return
        with self._save_lock:
            self._last_save = time.monotonic()
            dirty = self.learner.take_dirty()
            if not dirty:
                return
            state = self.learner.to_state(dirty)
            try:
                shape_state.save_state(self.store, state["types"])
            except Exception as exc:  # saved again with the next change; the listener goes on
                log.error("could not save the learned shapes: %s", exc)

    # --- relearning ------------------------------------------------------------------------------

    def rebuild(
        self,
        *,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> bool:
        """Relearn from the whole history and save it in place of what was saved; False if cancelled."""
        if self.store is None:
            return False
        done = self.learner.rebuild(
            shape_state.learnable_bodies(self.store), progress=progress, cancelled=cancelled
        )
        if done:
            self.learner.take_dirty()
            shape_state.save_state(self.store, self.learner.to_state()["types"], replace=True)
            self.problem = None
        return done
