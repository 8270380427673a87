"""Fixtures for the tunnel tests: listener-like servers and the sandbox. The fake tools on PATH
(`fake_tools`, `tls`) are in tests/conftest.py, their helpers in tests/fakes/helpers.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from inspector.core.capture.delivery_handler import HEALTH_PATH
from inspector.sandbox.server import SandboxServer
from tests.fake_tunnel_agent import FakeAgent

InstanceServer = Callable[[str], FakeAgent]
SANDBOX_TOKEN = "tunnel-tests-access"


@pytest.fixture
def instance_server() -> Iterator[InstanceServer]:
    """A listener-like server whose health answer carries `instance` (what the listener will send)."""
    started: list[FakeAgent] = []

    def make(instance: str) -> FakeAgent:
        agent = FakeAgent({HEALTH_PATH: {"status": "ok", "instance": instance}}).__enter__()
        started.append(agent)
        return agent

    yield make
    for agent in started:
        agent.__exit__(None, None, None)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(access_token=SANDBOX_TOKEN, retry_schedule=(0.05, 0.1), delivery_timeout=5.0)
    server.start()
    yield server
    server.stop()
