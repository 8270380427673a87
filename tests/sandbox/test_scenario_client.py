"""ProviderClient.scenarios() and run_scenario() against the real sandbox over HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from inspector.core.capture.listener import Listener
from inspector.core.provider.client import (
    AuthError,
    NetworkError,
    ProviderClient,
    ProviderError,
    ValidationError,
    default_retry,
)
from inspector.core.provider.profiles import Profile
from inspector.core.store.event_store import EventStore
from inspector.sandbox.catalog import CATALOG
from inspector.sandbox.server import SandboxServer
from tests.sandbox.conftest import ACCESS_TOKEN, Api
from tests.sandbox.test_scenarios import arrived, ids


def sandbox_profile(url: str) -> Profile:
    return Profile("Local sandbox", url + "/v1", is_sandbox=True)


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[ProviderClient]:
    with ProviderClient(sandbox_profile(sandbox.url), ACCESS_TOKEN) as c:
        yield c


def test_scenarios_are_what_the_sandbox_lists(client: ProviderClient, api: Api) -> None:
    scenarios = client.scenarios()
    assert scenarios == api.get("/sandbox/scenarios").json()["data"]
    assert {s["name"] for s in scenarios} >= {"transaction-refund", "card-lifecycle"}


def test_run_scenario_passes_every_option(
    client: ProviderClient, api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    api.create_webhook(listener.url + "/hooks", list(CATALOG))
    run = client.run_scenario("transaction-refund", out_of_order=True, duplicates=1, gap_ms=20)
    assert (run["scenario"], run["out_of_order"], run["duplicates"], run["gap_ms"]) == (
        "transaction-refund",
        True,
        1,
        20,
    )
    rows = arrived(sandbox, store, 4)
    assert [r.event_id for r in rows] == ids(run, "delivery_order")
    firsts = [item["event_id"] for item in run["delivery_order"] if not item["duplicate"]]
    assert firsts != ids(run, "natural_order")  # shuffled
    assert sum(item["duplicate"] for item in run["delivery_order"]) == 1


def test_run_scenario_defaults_to_natural_order_once(
    client: ProviderClient, api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    api.create_webhook(listener.url + "/hooks", list(CATALOG))
    run = client.run_scenario("card-lifecycle")
    assert (run["out_of_order"], run["duplicates"], run["gap_ms"]) == (False, 0, 0)
    rows = arrived(sandbox, store, 5)
    assert [r.event_id for r in rows] == ids(run, "natural_order") == ids(run, "delivery_order")


def test_a_bad_run_is_a_validation_error_naming_the_field(client: ProviderClient) -> None:
    with pytest.raises(ValidationError) as info:
        client.run_scenario("transaction-exploded")
    assert info.value.status == 422
    assert "scenario" in info.value.fields
    assert "transaction-refund" in info.value.fields["scenario"]  # the known ones are listed
    with pytest.raises(ValidationError) as info:
        client.run_scenario("declined", duplicates=-1, gap_ms=1_000_000)
    assert set(info.value.fields) == {"duplicates", "gap_ms"}
    assert "gap_ms" in str(info.value)


def test_a_wrong_access_token_is_an_auth_error_without_the_token(sandbox: SandboxServer) -> None:
    with ProviderClient(sandbox_profile(sandbox.url), "wrong-access-T0ken") as client:
        with pytest.raises(AuthError) as listing:
            client.scenarios()
        with pytest.raises(AuthError) as running:
            client.run_scenario("declined")
    for info in (listing, running):
        assert info.value.status == 401
        assert "wrong-access-T0ken" not in str(info.value) + repr(info.value)


def test_only_a_sandbox_profile_runs_scenarios(sandbox: SandboxServer, api: Api) -> None:
    api.create_webhook("http://127.0.0.1:9/x", list(CATALOG))
    profile = Profile("Production", sandbox.url + "/v1")
    with ProviderClient(profile, ACCESS_TOKEN) as client:
        with pytest.raises(ProviderError, match="sandbox"):
            client.scenarios()
        with pytest.raises(ProviderError, match="sandbox"):
            client.run_scenario("declined")
    assert sandbox.wait_idle(10)
    assert api.deliveries() == []  # nothing was run


def test_an_unreachable_sandbox_is_a_network_error() -> None:
    with socket.socket() as s:  # bound, never listening: connections are refused
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        with ProviderClient(sandbox_profile(url), ACCESS_TOKEN, retry=default_retry(total=0)) as client:
            with pytest.raises(NetworkError, match="refused"):
                client.scenarios()
            with pytest.raises(NetworkError, match="refused"):
                client.run_scenario("declined")
