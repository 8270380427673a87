"""Shared fixtures: a real store on a temp dir, a real listener on a free loopback port."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Real widgets, no screen: every Qt test runs on the offscreen platform unless told otherwise.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.capture.token_ring import TokenRing
from inspector.core.store.event_store import EventStore
from tests.fakes.certs import TlsFiles, make_tls
from tests.fakes.helpers import FakeTools, fake_tools_env

# tests.log_secrets: the run fails when a secret the tests used reached any log file.
pytest_plugins = [
    *(["tests.keyring_service"] if (Path(__file__).parent / "keyring_service.py").exists() else []),
    "tests.log_secrets",
]


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_main_thread() -> Iterator[None]:
    """Garbage is collected only here, between tests, on the main thread (as the app does from a
    timer on its GUI thread, inspector/ui/gc_on_gui_thread.py): a collection that starts on a pool
    thread and frees a QObject of an earlier test deadlocks Qt."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    gc.collect() if "/ui/" in str(request.path) else gc.collect(1)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def store(data_dir: Path) -> Iterator[EventStore]:
    s = EventStore.open(data_dir)
    yield s
    s.close()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """Where a test's profiles, webhook index and window settings go (never the user's)."""
    path = tmp_path / "config"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def tokens() -> TokenRing:
    return TokenRing()


@pytest.fixture
def listener(store: EventStore, tokens: TokenRing) -> Iterator[Listener]:
    lst = Listener(store, ListenerConfig(port=0), tokens)
    lst.start()
    yield lst
    lst.stop()


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A throwaway CA and a 127.0.0.1 certificate: the fake tunnels' https "public" URLs."""
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake_tools(tmp_path: Path, tls: TlsFiles) -> Iterator[FakeTools]:
    """The fake cloudflared and ngrok first on a PATH of their own (tests/fakes); the
    supervisors made through it are stopped at the end."""
    folder = tmp_path / "tunnel-runs"
    folder.mkdir()
    tools = FakeTools(folder, tls, fake_tools_env(folder, tls))
    yield tools
    for supervisor in tools.supervisors:
        supervisor.stop(grace=1.0)
