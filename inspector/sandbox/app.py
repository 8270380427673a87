"""The sandbox's HTTP API (Werkzeug WSGI): exactly README.md's "Provider API (what we assume)".

Every `/v1` call needs `Authorization: Bearer <access token>`; errors are JSON
`{"error": "<sentence>"}`, plus `"fields": {"<field>": "<problem>"}` on 422.

    POST   /v1/webhooks            {url, events?, authorization_token?} -> 201 webhook
    GET    /v1/webhooks            -> 200 {"data": [webhook, ...]}
    GET    /v1/webhooks/{id}       -> 200 webhook
    PATCH  /v1/webhooks/{id}       {url?, events?, authorization_token?} (replaces) -> 200 webhook
    DELETE /v1/webhooks/{id}       -> 200 {"id", "deleted": true}
    GET    /v1/event-types         -> 200 {"data": [{"identifier", "description"}, ...]}
    POST   /v1/sandbox/events      {event_identifier, data?} -> 201 {event_id, event_identifier,
                                   data, created_at, webhook_ids}; delivered in the background
    GET    /v1/sandbox/deliveries  [?webhook_id=&event_id=] -> 200 {"data": [attempt, ...]}
    GET    /v1/sandbox/scenarios   -> 200 {"data": [{"name", "description", "steps"}, ...]}
    POST   /v1/sandbox/scenarios   {scenario, out_of_order?, duplicates?, gap_ms?} -> 201
                                   {scenario, out_of_order, duplicates, gap_ms, natural_order,
                                   delivery_order}; delivered in the background, in that order

A webhook is `{id, url, events, has_authorization_token, created_at, updated_at}`: the token itself
is never sent back. `data` given to POST /v1/sandbox/events is merged over a generated payload
(top-level keys), so `{"data": {"amount": 100}}` still gets a realistic card, merchant and so on.

A scenario run (scenarios.py) creates one event per step and answers with them twice: in
`natural_order` (each with its `data`) and in `delivery_order` (duplicates included), every item
`{step, event_id, event_identifier, created_at, duplicate, webhook_ids}` with `step` counting
from 1 in natural order. Each step goes to the webhooks subscribed to its type, like
POST /v1/sandbox/events; `gap_ms` spaces the steps on the delivery engine's schedule, so the
request never waits for them.
"""

from __future__ import annotations

import hmac
import json
import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from inspector.core.events import iso_utc
from inspector.sandbox.catalog import CATALOG, generate, new_id
from inspector.sandbox.delivery import DeliveryEngine, SandboxEvent
from inspector.sandbox.scenarios import SCENARIOS, parse_run, plan, tell
from inspector.sandbox.state import SandboxState, StateFileError

MAX_REQUEST_BYTES = 1024 * 1024
MAX_URL_CHARS = 2048
MAX_TOKEN_CHARS = 512
WEBHOOK_FIELDS = frozenset({"url", "events", "authorization_token"})
EVENT_FIELDS = frozenset({"event_identifier", "data"})

URL_MAP = Map(
    [
        Rule("/", endpoint="index", methods=["GET"]),
        Rule("/v1/webhooks", endpoint="list_webhooks", methods=["GET"]),
        Rule("/v1/webhooks", endpoint="create_webhook", methods=["POST"]),
        Rule("/v1/webhooks/<webhook_id>", endpoint="get_webhook", methods=["GET"]),
        Rule("/v1/webhooks/<webhook_id>", endpoint="update_webhook", methods=["PATCH"]),
        Rule("/v1/webhooks/<webhook_id>", endpoint="delete_webhook", methods=["DELETE"]),
        Rule("/v1/event-types", endpoint="event_types", methods=["GET"]),
        Rule("/v1/sandbox/events", endpoint="trigger_event", methods=["POST"]),
        Rule("/v1/sandbox/deliveries", endpoint="deliveries", methods=["GET"]),
        Rule("/v1/sandbox/scenarios", endpoint="scenarios", methods=["GET"]),
        Rule("/v1/sandbox/scenarios", endpoint="run_scenario", methods=["POST"]),
    ],
    strict_slashes=False,
)


class ApiRequest(Request):
    # Werkzeug refuses a larger Content-Length up front and stops reading a chunked body at this
    # size (silently); one byte over our limit is how a cut chunked body shows it was too large.
    max_content_length = MAX_REQUEST_BYTES + 1


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False)
    return Response(body, status=status, mimetype="application/json", headers=headers)


def error_response(error: ApiError) -> Response:
    payload: dict[str, Any] = {"error": error.message}
    if error.fields:
        payload["fields"] = error.fields
    headers = {"WWW-Authenticate": 'Bearer realm="sandbox"'} if error.status == 401 else None
    return json_response(payload, error.status, headers)


class SandboxApp:
    """The WSGI application. Owns nothing long-lived except through `state` and `engine`."""

    def __init__(self, state: SandboxState, engine: DeliveryEngine, access_token: str) -> None:
        self.state = state
        self.engine = engine
        self._access_token = access_token.encode("utf-8")
        self._rng = random.Random()
        self._rng_lock = threading.Lock()  # random.Random is not safe to share between threads

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.handle(ApiRequest(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        adapter = URL_MAP.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
            if endpoint != "index":
                self._check_access(request)
            handler = getattr(self, f"on_{endpoint}")
            return handler(request, **values)
        except ApiError as exc:
            return error_response(exc)
        except NotFound:
            return error_response(ApiError(404, f"No such endpoint: {request.path}."))
        except MethodNotAllowed as exc:
            response = error_response(ApiError(405, f"{request.method} is not allowed on {request.path}."))
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
            return response
        except StateFileError as exc:
            return error_response(ApiError(500, str(exc)))
        except HTTPException as exc:
            return error_response(ApiError(exc.code or 500, exc.description or exc.name))

    # --- helpers --------------------------------------------------------------------------------

    def _check_access(self, request: Request) -> None:
        values = request.headers.getlist("Authorization")
        if not values:
            raise ApiError(401, "Missing access token: send 'Authorization: Bearer <token>'.")
        scheme, _, token = values[0].partition(" ")
        if len(values) != 1 or scheme.lower() != "bearer":
            raise ApiError(401, "Invalid access token.")
        try:
            candidate = token.strip().encode("ascii")
        except UnicodeEncodeError:
            raise ApiError(401, "Invalid access token.") from None
        if not hmac.compare_digest(candidate, self._access_token):
            raise ApiError(401, "Invalid access token.")

    @staticmethod
    def _json_object(request: Request) -> dict[str, Any]:
        too_large = ApiError(413, f"Request body is too large (over {MAX_REQUEST_BYTES} bytes).")
        try:
            raw = request.get_data(cache=False)
        except RequestEntityTooLarge:
            raise too_large from None
        if len(raw) > MAX_REQUEST_BYTES:
            raise too_large
        if not raw.strip():
            raise ApiError(400, "Request body must be a JSON object.")
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(400, "Request body is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise ApiError(400, "Request body must be a JSON object.")
        return payload

    def _webhook_or_404(self, webhook_id: str) -> Any:
        webhook = self.state.get_webhook(webhook_id)
        if webhook is None:
            raise ApiError(404, f"No webhook with id {webhook_id!r}.")
        return webhook

    # --- endpoints ------------------------------------------------------------------------------

    def on_index(self, request: Request) -> Response:
        return json_response({"name": "webhook-inspector sandbox", "api": request.host_url + "v1"})

    def on_list_webhooks(self, request: Request) -> Response:
        return json_response({"data": [w.to_json() for w in self.state.list_webhooks()]})

    def on_create_webhook(self, request: Request) -> Response:
        payload = self._json_object(request)
        changes = validate_webhook_fields(payload, require_url=True)
        webhook = self.state.create_webhook(
            url=changes["url"],
            events=changes.get("events", ()),
            authorization_token=changes.get("authorization_token"),
        )
        return json_response(webhook.to_json(), 201)

    def on_get_webhook(self, request: Request, webhook_id: str) -> Response:
        return json_response(self._webhook_or_404(webhook_id).to_json())

    def on_update_webhook(self, request: Request, webhook_id: str) -> Response:
        self._webhook_or_404(webhook_id)
        payload = self._json_object(request)
        changes = validate_webhook_fields(payload, require_url=False)
        webhook = self.state.update_webhook(webhook_id, **changes)
        if webhook is None:  # deleted between the check and the update
            raise ApiError(404, f"No webhook with id {webhook_id!r}.")
        return json_response(webhook.to_json())

    def on_delete_webhook(self, request: Request, webhook_id: str) -> Response:
        if not self.state.delete_webhook(webhook_id):
            raise ApiError(404, f"No webhook with id {webhook_id!r}.")
        return json_response({"id": webhook_id, "deleted": True})

    def on_event_types(self, request: Request) -> Response:
        return json_response({"data": [t.to_json() for t in CATALOG.values()]})

    def on_trigger_event(self, request: Request) -> Response:
        payload = self._json_object(request)
        fields: dict[str, str] = {}
        for name in sorted(set(payload) - EVENT_FIELDS):
            fields[name] = "Unknown field."
        identifier = payload.get("event_identifier")
        if identifier is None:
            fields["event_identifier"] = "Required."
        elif not isinstance(identifier, str):
            fields["event_identifier"] = "Must be a string."
        elif identifier not in CATALOG:
            fields["event_identifier"] = f"Unknown event identifier {identifier!r}."
        extra = payload.get("data")
        if extra is not None and not isinstance(extra, dict):
            fields["data"] = "Must be a JSON object."
        if fields:
            raise ApiError(422, "The event is invalid.", fields)
        assert isinstance(identifier, str)  # checked above: fields would hold the problem
        now = time.time()
        with self._rng_lock:
            data = generate(identifier, self._rng, now)
        data.update(extra or {})
        event_id = new_id("evt")
        envelope = {"event_id": event_id, "event_identifier": identifier, "data": data}
        body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        webhook_ids = [w.id for w in self.state.subscribers(identifier)]
        self.engine.submit(SandboxEvent(event_id, identifier, body), webhook_ids)
        return json_response({**envelope, "created_at": iso_utc(now), "webhook_ids": webhook_ids}, 201)

    def on_scenarios(self, request: Request) -> Response:
        return json_response({"data": [s.to_json() for s in SCENARIOS.values()]})

    def on_run_scenario(self, request: Request) -> Response:
        run, fields = parse_run(self._json_object(request))
        if run is None:
            raise ApiError(422, "The scenario run is invalid.", fields)
        with self._rng_lock:
            told = tell(run.scenario, self._rng, time.time())
            planned = plan(len(told), self._rng, out_of_order=run.out_of_order, duplicates=run.duplicates)
        events: list[SandboxEvent] = []
        natural: list[dict[str, Any]] = []
        for number, (identifier, data) in enumerate(zip(run.scenario.steps, told, strict=True), 1):
            event_id = new_id("evt")
            envelope = {"event_id": event_id, "event_identifier": identifier, "data": data}
            events.append(
                SandboxEvent(event_id, identifier, json.dumps(envelope, ensure_ascii=False).encode())
            )
            webhook_ids = [w.id for w in self.state.subscribers(identifier)]
            natural.append(_run_item(number, event_id, identifier, data, webhook_ids))
        delivery = [
            {**{k: v for k, v in natural[p.step].items() if k != "data"}, "duplicate": p.duplicate}
            for p in planned
        ]
        self.engine.submit_sequence(
            [(events[p.step], natural[p.step]["webhook_ids"]) for p in planned], gap=run.gap_ms / 1000
        )
        answer = {
            "scenario": run.scenario.name,
            "out_of_order": run.out_of_order,
            "duplicates": run.duplicates,
            "gap_ms": run.gap_ms,
            "natural_order": natural,
            "delivery_order": delivery,
        }
        return json_response(answer, 201)

    def on_deliveries(self, request: Request) -> Response:
        attempts = self.state.deliveries(
            webhook_id=request.args.get("webhook_id"), event_id=request.args.get("event_id")
        )
        return json_response({"data": [a.to_json() for a in attempts]})


def _run_item(
    number: int, event_id: str, identifier: str, data: dict[str, Any], webhook_ids: list[str]
) -> dict[str, Any]:
    """A step of a run as it was created (natural order): a first delivery, never a duplicate."""
    return {
        "step": number,
        "event_id": event_id,
        "event_identifier": identifier,
        "created_at": data["created_at"],
        "duplicate": False,
        "webhook_ids": webhook_ids,
        "data": data,
    }


def validate_webhook_fields(payload: dict[str, Any], *, require_url: bool) -> dict[str, Any]:
    """The accepted fields of a create/update body, or ApiError 422 naming every bad field."""
    fields: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name in sorted(set(payload) - WEBHOOK_FIELDS):
        # Rejected rather than ignored so a typo ("event") does not silently do nothing.
        fields[name] = "Unknown field."

    if "url" in payload:
        problem = url_problem(payload["url"])
        if problem:
            fields["url"] = problem
        else:
            changes["url"] = payload["url"]
    elif require_url:
        fields["url"] = "Required."

    if "events" in payload:
        events = payload["events"]
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            fields["events"] = "Must be a list of event identifiers (strings)."
        else:
            unknown = [e for e in events if e not in CATALOG]
            if unknown:
                fields["events"] = "Unknown event identifier(s): " + ", ".join(repr(e) for e in unknown)
            else:
                changes["events"] = list(dict.fromkeys(events))  # drop repeats, keep order

    if "authorization_token" in payload:
        token = payload["authorization_token"]
        if token is None:
            changes["authorization_token"] = None  # PATCH with null removes the token
        elif not isinstance(token, str):
            fields["authorization_token"] = "Must be a string or null."
        elif not token or len(token) > MAX_TOKEN_CHARS:
            fields["authorization_token"] = f"Must be 1 to {MAX_TOKEN_CHARS} characters."
        elif not all("!" <= ch <= "~" for ch in token):
            # It travels in an HTTP header: visible ASCII only, no spaces.
            fields["authorization_token"] = "Must be visible ASCII characters without spaces."
        else:
            changes["authorization_token"] = token

    if fields:
        raise ApiError(422, "The webhook is invalid.", fields)
    return changes


def url_problem(value: Any) -> str | None:
    """Why `value` is not a usable webhook URL, or None."""
    if not isinstance(value, str):
        return "Must be a string."
    if not value:
        return "Required."
    if len(value) > MAX_URL_CHARS:
        return f"Must be at most {MAX_URL_CHARS} characters."
    if any(ch.isspace() for ch in value):
        return "Must not contain spaces."
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "Must be a valid http(s) URL."
    if parts.scheme not in ("http", "https"):
        return "Must be an http:// or https:// URL."
    if not parts.hostname:
        return "Must include a host."
    if parts.username or parts.password:
        return "Must not include credentials; use authorization_token."
    return None
