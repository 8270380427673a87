"""ShapeLearner: the learned shapes of every event type, cheap per delivery, rich on demand.

Three ways in, for three threads:

- `shape_of(body)` (module `signature`) on the request thread: one walk, no shared state;
- `observe(event_type, shape, body)` on one serial thread (the store's writer, say): a dict lookup
  and a counter for a shape seen before; set arithmetic only for a new one, which is also when it
  returns differences (the `new_shape` verdict). It picks samples and queues references to their
  bodies (never copies): every body of a new shape, all of a type's first SAMPLE_FIRST deliveries,
  then one in SAMPLE_EVERY; at most MAX_PENDING wait (new shapes may take MAX_PENDING more);
- `learn_pending()` on a background thread: feeds the queued samples to genson and to the example,
  format and value-set statistics. Nothing ever rescans history; `rebuild` relearns from it on request.

Reading (`schema`, `summary`, `to_state`) may happen on any thread; two locks keep the structure
counts (taken briefly by `observe`) and the sample statistics (held while learning) consistent.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from inspector.core.shapes.differences import Difference
from inspector.core.shapes.learned_schema import learned_schema
from inspector.core.shapes.samples import FieldSamples, TypeSamples
from inspector.core.shapes.signature import Shape, shape_of
from inspector.core.shapes.state import StateError, shapes_from_json, shapes_to_json
from inspector.core.shapes.type_shapes import ShapeCounts, TypeShapes

MAX_TYPES = 1000
SAMPLE_FIRST = 100
SAMPLE_EVERY = 100
MAX_PENDING = 500
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class FieldSummary:
    """One path of one event type, for tables and tooltips."""

    path: str
    parent: str | None
    types: dict[str, int]  # JSON type -> deliveries in which the path had it
    present: int  # deliveries in which the path occurs
    parent_present: int  # deliveries in which its parent is an object (or array, for `[]`)
    format: str | None
    values: list[str] | None  # a small value set, when there is one
    examples: list[Any]


@dataclass(frozen=True, slots=True)
class TypeSummary:
    event_type: str
    deliveries: int
    shapes: int
    sampled: int
    fields: list[FieldSummary]  # in path order


class ShapeLearner:
    """Learned shapes per event type; see the module docstring for who calls what on which thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # structure counts
        self._sample_lock = threading.Lock()  # sample statistics
        self._shapes: dict[str, TypeShapes] = {}
        self._samples: dict[str, TypeSamples] = {}
        self._pending: deque[tuple[str, Any]] = deque()
        self._dirty: set[str] = set()
        self.dropped_samples = 0
        self.unlearned_types = 0  # deliveries of types beyond MAX_TYPES

    # --- the per-delivery path -------------------------------------------------------------------

    def observe(self, event_type: str, shape: Shape, body: Any = None) -> list[Difference]:
        """Count one accepted delivery; its differences from what this type showed before it.

        `body` is the parsed body `shape` came from; when given, it may be queued (by reference) as
        a sample for `learn_pending`. The caller must not change it afterwards.
        """
        with self._lock:
            shapes = self._shapes.get(event_type)
            if shapes is None:
                if len(self._shapes) >= MAX_TYPES:
                    self.unlearned_types += 1
                    return []
                shapes = self._shapes[event_type] = TypeShapes()
            self._dirty.add(event_type)
            # The common case inline (TypeShapes.observe_known, without the call): a known key.
            record = shapes.fast.get(shape.key)
            if record is not None:
                record.count += 1
                shapes.deliveries += 1
                found: list[Difference] = []
                new_shape = False
            else:
                found, new_shape = shapes.observe_new(shape)
            count = shapes.deliveries
        if body is not None and not shape.truncated:
            wanted = new_shape or count <= SAMPLE_FIRST or count % SAMPLE_EVERY == 0
            if wanted and len(self._pending) < (2 * MAX_PENDING if new_shape else MAX_PENDING):
                self._pending.append((event_type, body))
            elif wanted:
                self.dropped_samples += 1
        return found

    def pending_samples(self) -> int:
        return len(self._pending)

    def learn_pending(self, limit: int | None = None) -> int:
        """Learn from queued samples (all, or at most `limit`); how many. Run it off the request path."""
        done = 0
        with self._sample_lock:
            while self._pending and (limit is None or done < limit):
                event_type, body = self._pending.popleft()
                samples = self._samples.get(event_type)
                if samples is None:
                    samples = self._samples[event_type] = TypeSamples()
                samples.add(body)
                done += 1
        return done

    def take_dirty(self) -> set[str]:
        """The event types observed since the last call (for saving only what changed)."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
        return dirty

    # --- reading ---------------------------------------------------------------------------------

    def event_types(self) -> list[str]:
        with self._lock:
            return sorted(self._shapes)

    def deliveries(self, event_type: str) -> int:
        with self._lock:
            shapes = self._shapes.get(event_type)
            return 0 if shapes is None else shapes.deliveries

    def shape_count(self, event_type: str) -> int:
        """How many distinct shapes deliveries of the type had (0 for a type never seen)."""
        with self._lock:
            shapes = self._shapes.get(event_type)
            return 0 if shapes is None else len(shapes.signatures)

    def _counts(self, event_type: str) -> ShapeCounts:
        # Copied under the lock, so building a schema or a table does not hold up `observe`.
        with self._lock:
            return self._shapes[event_type].counts()

    def schema(self, event_type: str) -> dict[str, Any]:
        """The learned JSON Schema (draft 2020-12) of one type; KeyError for a type never seen."""
        counts = self._counts(event_type)
        with self._sample_lock:
            return learned_schema(event_type, counts, self._samples.get(event_type) or TypeSamples())

    def schemas(self, event_types: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """Event type -> learned schema, for the given types or all."""
        chosen = self.event_types() if event_types is None else list(event_types)
        return {t: self.schema(t) for t in chosen}

    def summary(self, event_type: str) -> TypeSummary:
        """Per path: types, presence, format, value set and examples; KeyError for an unknown type."""
        counts = self._counts(event_type)
        with self._sample_lock:
            samples = self._samples.get(event_type) or TypeSamples()
            fields = []
            for path in sorted(counts.types_at):
                parent = counts.parents.get(path)
                kinds = {kind: counts.pairs[(path, kind)] for kind in sorted(counts.types_at[path])}
                if parent is None:
                    parent_present = counts.deliveries
                else:
                    parent_kind = "array" if path.endswith("[]") else "object"
                    parent_present = counts.pairs[(parent, parent_kind)]
                field = samples.fields.get(path) or FieldSamples(secret=False)
                fields.append(
                    FieldSummary(
                        path=path,
                        parent=parent,
                        types=kinds,
                        present=counts.paths[path],
                        parent_present=parent_present,
                        format=field.format(),
                        values=field.value_set(),
                        examples=list(field.examples),
                    )
                )
            return TypeSummary(event_type, counts.deliveries, counts.shapes, samples.count, fields)

    # --- saving and relearning -------------------------------------------------------------------

    def to_state(self, event_types: Iterable[str] | None = None) -> dict[str, Any]:
        """A JSON-serialisable copy of what was learned (of the given types, or all).

        `{"version": 1, "types": {type: {...}}}`; the entries of `types` may be saved and loaded
        one by one. Queued samples are not part of it: call `learn_pending` first.
        """
        with self._lock, self._sample_lock:
            chosen = sorted(self._shapes) if event_types is None else list(event_types)
            types = {}
            for event_type in chosen:
                if event_type not in self._shapes:
                    continue
                samples = self._samples.get(event_type) or TypeSamples()
                types[event_type] = {
                    "shapes": shapes_to_json(self._shapes[event_type]),
                    "samples": samples.to_json(),
                }
        return {"version": STATE_VERSION, "types": types}

    @classmethod
    def from_state(cls, state: Any) -> ShapeLearner:
        """A learner holding what `to_state` saved; StateError (one sentence) when it is unreadable."""
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise StateError("the saved shapes are from another version; rebuild them from the history")
        learner = cls()
        types = state.get("types")
        if not isinstance(types, dict):
            raise StateError("the saved shapes have no event types; rebuild them from the history")
        for event_type, entry in types.items():
            try:
                learner._shapes[str(event_type)] = shapes_from_json(entry["shapes"])
                learner._samples[str(event_type)] = TypeSamples.from_json(entry["samples"])
                learner.schema(str(event_type))  # what a reader will do: fails now, not later
            except StateError:
                raise
            except Exception as exc:  # saved data of any form: genson and int() raise many kinds
                raise StateError(
                    f"the saved shapes of {event_type!r} are damaged ({type(exc).__name__}); "
                    "rebuild them from the history"
                ) from None
        return learner

    def rebuild(
        self,
        events: Iterable[tuple[str, Any]],
        *,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        every: int = 10_000,
    ) -> bool:
        """Relearn everything from `events` ((event type, parsed body) pairs, oldest first).

        `progress(n)` is called every `every` events and with the final count; `cancelled()` is asked
        every `every` events. The learned state is replaced only when all events were read: on
        cancel this learner keeps what it had and False is returned. Deliveries observed on this
        learner while a rebuild runs are replaced with the rest, so the caller either pauses
        observing or lets the rebuild's events include them.
        """
        fresh = ShapeLearner()
        count = 0
        for event_type, body in events:
            if count % every == 0 and cancelled is not None and cancelled():
                return False
            fresh.observe(event_type, shape_of(body), body)
            if fresh._pending:
                fresh.learn_pending()
            count += 1
            if count % every == 0 and progress is not None:
                progress(count)
        if cancelled is not None and cancelled():
            return False
        with self._lock, self._sample_lock:
            self._shapes, self._samples = fresh._shapes, fresh._samples
            self._pending.clear()
            self._dirty = set(self._shapes)
        if progress is not None and (count == 0 or count % every):
            progress(count)  # the last count, unless the loop just reported it
        return True
