"""Learned shapes at the scale of a long history: rebuild from N stored events, and opening the
Shapes view over them, against a plain read of the same rows in the same run.

    python tests/benchmarks/bench_shapes_scale.py [--events 1000000] [--data-dir DIR]

Fills a store with realistic deliveries (bench_gui's generator: 8 types, 1% rejected, redeliveries;
kept in --data-dir between runs so the fill is paid once), then measures:

- the baseline: reading every learnable row's body and json.loads of it (what any rebuild pays);
- `PayloadLearning.rebuild` (what `webhook-inspector schema --rebuild` runs), saved state included;
- loading the saved state (what a listener or the window does at start);
- the Shapes view: from View ▸ Shapes to the types table shown, and from selecting the busiest
  type to its path tree shown, on the real window (offscreen Qt).

A script, not a test: shared machines are too noisy for timed asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.bench_gui import fill_store, wait_qt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, help="keep the filled store here between runs")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-shapes-"))
    data_dir.mkdir(parents=True, exist_ok=True)

    from inspector.core.capture.payload_learning import PayloadLearning
    from inspector.core.store import shape_state
    from inspector.core.store.event_store import EventStore

    took = fill_store(data_dir, args.events)
    print(f"store: {args.events:,} events in {data_dir} (filled in {took:.0f} s)")
    store = EventStore.open(data_dir)
    learnable = shape_state.count_learnable(store)

    start = time.perf_counter()
    read = sum(1 for _ in shape_state.learnable_bodies(store))
    baseline = time.perf_counter() - start
    print(f"baseline, read + json.loads of {read:,} learnable bodies: {baseline:.1f} s")

    learning = PayloadLearning(store)
    ticks: list[int] = []
    start = time.perf_counter()
    assert learning.rebuild(progress=ticks.append)
    rebuild = time.perf_counter() - start
    assert ticks[-1] == learnable, (ticks[-1], learnable)
    print(
        f"rebuild of {learnable:,} events, saved: {rebuild:.1f} s "
        f"({rebuild / baseline:.2f} x the baseline; {len(ticks)} progress reports; goal < 60 s)"
    )
    saved = len(json.dumps(shape_state.load_state(store)))
    start = time.perf_counter()
    PayloadLearning(store)
    load = time.perf_counter() - start
    print(f"loading the saved state ({saved / 1024:.0f} KiB of JSON): {load * 1000:.0f} ms")
    store.close()

    opening = shapes_view(data_dir)
    print(f"Shapes view, View ▸ Shapes to the types table: {opening[0] * 1000:.0f} ms")
    print(f"Shapes view, selecting {opening[2]} to its path tree: {opening[1] * 1000:.0f} ms")
    return 0


def shapes_view(data_dir: Path) -> tuple[float, float, str]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from inspector.core.paths import AppDirs
    from inspector.core.store.event_store import EventStore
    from inspector.ui.session import session_around
    from inspector.ui.shapes.shapes_dock import add_shapes_dock
    from inspector.ui.window.main_window import build_main_window

    app = QApplication.instance() or QApplication(sys.argv)
    store = EventStore.open(data_dir)
    config = data_dir.parent / "bench-shapes-config"
    settings = QSettings(str(config / "window.ini"), QSettings.Format.IniFormat)
    session = session_around(store, None, AppDirs.resolve(data_dir, config))
    window = build_main_window(session, settings)
    dock = add_shapes_dock(window, settings)
    window.show()
    app.processEvents()
    shown: list[bool] = []
    dock.panel.refreshed.connect(lambda: shown.append(True))

    start = time.perf_counter()
    dock.show()
    assert wait_qt(lambda: bool(shown) and dock.panel.types_model.rows(), 60)
    types_at = time.perf_counter() - start
    busiest = max(dock.panel.types_model.rows(), key=lambda r: r.deliveries).event_type
    shown.clear()
    start = time.perf_counter()
    dock.panel.select_type(busiest)
    assert wait_qt(lambda: bool(shown) and dock.panel.paths_view.model() is not None, 60)
    tree_at = time.perf_counter() - start
    window.close()
    session.shutdown()
    store.close()
    return types_at, tree_at, busiest


if __name__ == "__main__":
    sys.exit(main())
