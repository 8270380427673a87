"""The sandbox API over real HTTP: CRUD, access token, validation (422), 404s."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from inspector.sandbox.catalog import CATALOG
from inspector.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api

HOOK = "https://example.test/hooks"

REQUIRED_TYPES = {
    "transaction.authorized",
    "transaction.declined",
    "transaction.settled",
    "transaction.reversed",
    "transaction.refunded",
    "card.created",
    "card.activated",
    "card.frozen",
    "card.unfrozen",
    "card.terminated",
    "cardholder.created",
    "balance.updated",
}


def test_create_list_get_update_delete(api: Api) -> None:
    created = api.create_webhook(HOOK, ["transaction.authorized"], token="tok-1")
    assert created["id"].startswith("wh_")
    assert created["url"] == HOOK
    assert created["events"] == ["transaction.authorized"]
    assert created["has_authorization_token"] is True
    assert created["created_at"].endswith("Z")
    assert "authorization_token" not in created  # the token is never sent back
    other = api.create_webhook("http://127.0.0.1:9/x", [])
    assert other["has_authorization_token"] is False

    listed = api.get("/webhooks").json()["data"]
    assert [w["id"] for w in listed] == [created["id"], other["id"]]
    assert api.get(f"/webhooks/{created['id']}").json() == created

    patched = api.patch(
        f"/webhooks/{created['id']}", {"events": ["card.frozen", "card.unfrozen", "card.frozen"]}
    )
    assert patched.status_code == 200
    assert patched.json()["events"] == ["card.frozen", "card.unfrozen"]  # replaced, repeats dropped
    assert patched.json()["url"] == HOOK
    assert patched.json()["has_authorization_token"] is True

    patched = api.patch(f"/webhooks/{created['id']}", {"url": HOOK + "/v2", "authorization_token": None})
    assert patched.json()["url"] == HOOK + "/v2"
    assert patched.json()["has_authorization_token"] is False
    assert api.get(f"/webhooks/{created['id']}").json()["url"] == HOOK + "/v2"

    deleted = api.delete(f"/webhooks/{created['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == {"id": created["id"], "deleted": True}
    assert [w["id"] for w in api.get("/webhooks").json()["data"]] == [other["id"]]
    assert api.get(f"/webhooks/{created['id']}").status_code == 404


def test_created_without_events_then_events_attached(api: Api) -> None:
    """The provider's documented flow: create, then attach events with an update."""
    response = api.post("/webhooks", {"url": HOOK})
    assert response.status_code == 201
    webhook = response.json()
    assert webhook["events"] == []
    updated = api.patch(f"/webhooks/{webhook['id']}", {"events": ["transaction.authorized"]})
    assert updated.json()["events"] == ["transaction.authorized"]


def test_event_types_is_the_catalog(api: Api) -> None:
    response = api.get("/event-types")
    assert response.status_code == 200
    identifiers = {t["identifier"] for t in response.json()["data"]}
    assert identifiers == set(CATALOG)
    assert identifiers >= REQUIRED_TYPES
    assert all(t["description"] for t in response.json()["data"])


ENDPOINTS = [
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("GET", "/webhooks/wh_x"),
    ("PATCH", "/webhooks/wh_x"),
    ("DELETE", "/webhooks/wh_x"),
    ("GET", "/event-types"),
    ("POST", "/sandbox/events"),
    ("GET", "/sandbox/deliveries"),
    ("GET", "/sandbox/scenarios"),
    ("POST", "/sandbox/scenarios"),
]


@pytest.mark.parametrize(("method", "route"), ENDPOINTS)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "test-access-token", "Basic dGVzdA==", "Bearer tëst", "Bearer "],
)
def test_wrong_or_missing_access_token_is_401(
    sandbox: SandboxServer, method: str, route: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization.encode()}
    response = requests.request(
        method, sandbox.url + "/v1" + route, json={"url": HOOK}, headers=headers, timeout=10
    )
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "access token" in response.json()["error"]
    assert sandbox.state.list_webhooks() == []  # nothing was created


def test_right_token_in_any_case_of_bearer(sandbox: SandboxServer) -> None:
    response = requests.get(
        sandbox.url + "/v1/webhooks",
        headers={"Authorization": "bearer test-access-token"},
        timeout=10,
    )
    assert response.status_code == 200


CREATE_422 = [
    ({"events": []}, "url", "Required"),
    ({"url": "", "events": []}, "url", "Required"),
    ({"url": 42, "events": []}, "url", "string"),
    ({"url": "ftp://example.test/x", "events": []}, "url", "http"),
    ({"url": "example.test/hooks", "events": []}, "url", "http"),
    ({"url": "http:///hooks", "events": []}, "url", "host"),
    ({"url": "http://exa mple.test/", "events": []}, "url", "spaces"),
    ({"url": "http://example.test:99999/", "events": []}, "url", "valid"),
    ({"url": "https://user:pw@example.test/", "events": []}, "url", "credentials"),
    ({"url": HOOK, "events": "transaction.authorized"}, "events", "list"),
    ({"url": HOOK, "events": [1, 2]}, "events", "list"),
    ({"url": HOOK, "events": ["transaction.authorised"]}, "events", "'transaction.authorised'"),
    ({"url": HOOK, "events": ["card.*"]}, "events", "Unknown"),
    ({"url": HOOK, "events": [], "authorization_token": 123}, "authorization_token", "string"),
    ({"url": HOOK, "events": [], "authorization_token": ""}, "authorization_token", "1 to"),
    ({"url": HOOK, "events": [], "authorization_token": "a b"}, "authorization_token", "ASCII"),
    ({"url": HOOK, "events": [], "authorization_token": "x" * 513}, "authorization_token", "1 to"),
    ({"url": HOOK, "events": [], "authorization_token": "tökén"}, "authorization_token", "ASCII"),
    ({"url": HOOK, "event": ["transaction.authorized"]}, "event", "Unknown field"),
]


@pytest.mark.parametrize(("body", "field", "words"), CREATE_422)
def test_create_rejects_each_bad_field_with_422(
    api: Api, body: dict[str, Any], field: str, words: str
) -> None:
    response = api.post("/webhooks", body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"]
    assert field in payload["fields"], payload
    assert words in payload["fields"][field]
    assert api.get("/webhooks").json()["data"] == []


def test_422_names_every_bad_field_at_once(api: Api) -> None:
    response = api.post("/webhooks", {"url": "nope", "events": ["x.y"], "authorization_token": 1})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"url", "events", "authorization_token"}


# A PATCH may leave out the url; every other bad field is as bad in an update.
UPDATE_422 = [c for c in CREATE_422 if "url" in c[0] or c[1] != "url"]


@pytest.mark.parametrize(("body", "field", "words"), UPDATE_422)
def test_update_rejects_each_bad_field_with_422_and_changes_nothing(
    api: Api, body: dict[str, Any], field: str, words: str
) -> None:
    webhook = api.create_webhook(HOOK, ["card.created"], token="keep")
    response = api.patch(f"/webhooks/{webhook['id']}", body)
    assert response.status_code == 422
    assert words in response.json()["fields"][field]
    assert api.get(f"/webhooks/{webhook['id']}").json() == webhook


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "event_identifier"),
        ({"event_identifier": 7}, "event_identifier"),
        ({"event_identifier": "transaction.exploded"}, "event_identifier"),
        ({"event_identifier": "card.created", "data": [1]}, "data"),
        ({"event_identifier": "card.created", "date": {}}, "date"),
    ],
)
def test_trigger_rejects_bad_events_with_422(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post("/sandbox/events", body)
    assert response.status_code == 422
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [(b"{not json", "application/json"), (b"[1, 2]", "application/json"), (b"", "application/json")],
)
def test_body_that_is_not_a_json_object_is_400(api: Api, raw: bytes, content_type: str) -> None:
    response = api.session.post(
        api.base + "/webhooks", data=raw, headers={"Content-Type": content_type}, timeout=10
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_body_at_the_limit_is_accepted(api: Api) -> None:
    body = b'{"url": "https://example.test/", "events": []}'
    raw = body[:-1] + b" " * (1024 * 1024 - len(body)) + b"}"
    assert len(raw) == 1024 * 1024
    chunks = (raw[i : i + 65536] for i in range(0, len(raw), 65536))
    assert api.session.post(api.base + "/webhooks", data=chunks, timeout=10).status_code == 201


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_body_is_413(api: Api, chunked: bool) -> None:
    raw = b'{"url": "' + b"a" * (1024 * 1024 + 1) + b'"}'
    # A generator body makes requests send it chunked, with no Content-Length to check up front.
    data = (raw[i : i + 65536] for i in range(0, len(raw), 65536)) if chunked else raw
    response = api.session.post(api.base + "/webhooks", data=data, timeout=10)
    assert response.status_code == 413
    assert "too large" in response.json()["error"]
    assert api.get("/webhooks").json()["data"] == []


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_webhook_id_is_404(api: Api, method: str) -> None:
    api.create_webhook(HOOK, [])
    response = api.request(method, "/webhooks/wh_doesnotexist", {"events": []})
    assert response.status_code == 404
    assert "wh_doesnotexist" in response.json()["error"]


def test_unknown_route_is_404_and_wrong_method_405(api: Api) -> None:
    assert api.get("/nope").status_code == 404
    response = api.request("PUT", "/webhooks")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert response.json()["error"]


def test_trigger_returns_the_event_and_its_subscribers(api: Api) -> None:
    a = api.create_webhook("http://127.0.0.1:9/a", ["card.frozen"])
    api.create_webhook("http://127.0.0.1:9/b", ["card.unfrozen"])
    event = api.trigger("card.frozen", {"reason": "cardholder_request"})
    assert event["event_id"].startswith("evt_")
    assert event["event_identifier"] == "card.frozen"
    assert event["webhook_ids"] == [a["id"]]
    assert event["data"]["reason"] == "cardholder_request"  # given data wins over generated
    assert event["data"]["card"]["masked_pan"]  # the rest is still generated (card events nest the card too)


def test_index_needs_no_token(sandbox: SandboxServer) -> None:
    response = requests.get(sandbox.url + "/", timeout=10)
    assert response.status_code == 200
    assert response.json()["api"] == sandbox.url + "/v1"
