"""Talks to the provider's webhook API (or the sandbox) over `requests`.

One `requests.Session` per profile, with timeouts, retries and typed errors whose message is a
sentence the user can act on. Routes, the update method and where the id sits come from the
Profile (README.md "Provider API (what we assume)"); the defaults match the sandbox.

Retry policy (why not "retry everything"):
- Connection errors before the request was sent (refused, DNS, connect timeout): retried for
  every method, because the provider never saw the request.
- 429 Too Many Requests: retried for every method, POST included; the provider rejected the
  request without acting on it. `Retry-After` is honoured (capped, see MAX_RETRY_AFTER).
- 5xx: retried for GET/PUT/PATCH/DELETE only. Our PATCH/PUT bodies carry absolute values (the
  whole event list, the URL, the token), never "append", so sending one twice lands in the same
  state. A POST create that got a 5xx may still have created the webhook: retrying it could
  register a duplicate that delivers every event twice, so we surface the error instead and the
  user lists the webhooks to see.
- A read timeout is never retried: the user already waited the whole timeout once.

Secrets: the access token and any webhook token we send are never logged, never put in an
exception message and never in a repr; provider messages that echo them are scrubbed.
"""

from __future__ import annotations

import builtins  # the class defines a method named `list`: annotations after it need the type
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, ReadTimeoutError
from urllib3.util.retry import Retry

from inspector import __version__
from inspector.core.diagnostics.log_events import provider_call
from inspector.core.diagnostics.secret_registry import register_secret
from inspector.core.provider.profiles import Profile

DEFAULT_TIMEOUT = (5.0, 20.0)  # (connect, read) seconds
MAX_RETRY_AFTER = 10.0  # a longer Retry-After is not worth blocking a form for
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
_SECRET_KEYS = ("token", "secret", "password")


# --- errors ---------------------------------------------------------------------------------------


class ProviderError(Exception):
    """A call to the provider failed; str(exc) is one sentence for the user."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status})"


class AuthError(ProviderError):
    """401: the access token is missing, wrong or expired."""


class ForbiddenError(ProviderError):
    """403: the access token may not do this."""


class NotFoundError(ProviderError):
    """404: no such webhook (or route)."""

    after_retry = False  # True when an earlier attempt of the same call was retried


class ValidationError(ProviderError):
    """400/422: the provider rejected what we sent; `fields` maps field name -> its message."""

    def __init__(self, message: str, *, status: int | None = 422, fields: dict[str, str]) -> None:
        super().__init__(message, status=status)
        self.fields = fields


class RateLimitedError(ProviderError):
    """429 after our retries: the provider wants us to slow down."""


class ServerError(ProviderError):
    """5xx: the provider failed."""


class NetworkError(ProviderError):
    """The provider could not be reached (refused, DNS, unreachable)."""


class TLSError(NetworkError):
    """The TLS handshake or certificate check failed."""


class RequestTimeoutError(NetworkError):
    """No answer within the timeout."""


class UnexpectedResponseError(ProviderError):
    """A 2xx answer we cannot read (not JSON, no id where the profile says)."""


# --- records --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook as the provider describes it. `raw` has secret-looking keys removed."""

    id: str
    url: str
    events: tuple[str, ...]
    has_authorization_token: bool | None = None
    created_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """For --json output and the index: never a token."""
        data = dict(self.raw)
        data.update(
            id=self.id,
            url=self.url,
            events=list(self.events),
            has_authorization_token=self.has_authorization_token,
            created_at=self.created_at,
        )
        return data


@dataclass(frozen=True, slots=True)
class EventType:
    identifier: str
    description: str = ""


# --- retry ----------------------------------------------------------------------------------------


class ProviderRetry(Retry):
    """urllib3 Retry with the policy in the module docstring."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429 and self.total:
            return True  # rejected before acting on it: safe for POST too
        return super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER)

    def increment(self, *args: Any, **kwargs: Any) -> ProviderRetry:
        error = kwargs.get("error")
        if isinstance(error, ReadTimeoutError):
            raise error  # not retried: the user already waited one full read timeout
        return super().increment(*args, **kwargs)


def default_retry(total: int = 3, backoff_factor: float = 0.5) -> ProviderRetry:
    return ProviderRetry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=backoff_factor,
        backoff_max=8.0,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=IDEMPOTENT_METHODS,
        respect_retry_after_header=True,
        raise_on_status=False,  # we turn the last response into a typed error ourselves
    )


class _BearerAuth(requests.auth.AuthBase):
    # An auth object (not a plain header) also stops requests from applying ~/.netrc credentials.
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<BearerAuth ***>"


# --- client ---------------------------------------------------------------------------------------


class ProviderClient:
    """Webhook operations against one profile. Not shared across threads mid-call."""

    def __init__(
        self,
        profile: Profile,
        access_token: str,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
    ) -> None:
        self.profile = profile
        self.timeout = timeout
        self._secrets: set[str] = {access_token} if access_token else set()
        register_secret(access_token)
        self.session = requests.Session()
        self.session.auth = _BearerAuth(access_token)
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = f"webhook-inspector/{__version__}"
        adapter = HTTPAdapter(max_retries=retry if retry is not None else default_retry())
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"<ProviderClient profile={self.profile.name!r} api_url={self.profile.api_url!r}>"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- operations -------------------------------------------------------------------------------

    def create(self, url: str, events: Sequence[str], authorization_token: str | None = None) -> Webhook:
        body: dict[str, Any] = {"url": url, "events": list(events)}
        if authorization_token is not None:
            body["authorization_token"] = authorization_token
        data = self._request("POST", self.profile.webhooks_route, body, secret=authorization_token)
        return self._webhook(data, fallback_url=url, fallback_events=events)

    def list(self) -> list[Webhook]:
        data = self._request("GET", self.profile.webhooks_route)
        items = _unwrap_list(data, ("data", "webhooks", "items", "results"))
        if items is None:
            raise UnexpectedResponseError("The provider's list of webhooks is not a JSON list.")
        return [self._webhook(item) for item in items if isinstance(item, dict)]

    def get(self, webhook_id: str) -> Webhook:
        return self._webhook(self._request("GET", self._webhook_path(webhook_id)))

    def update(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        add_events: Iterable[str] = (),
        remove_events: Iterable[str] = (),
        authorization_token: str | None = None,
    ) -> Webhook:
        """Change URL, events (a full list, or add/remove against the current ones) or token."""
        add, remove = list(add_events), set(remove_events)
        if add or remove:
            current = list(events) if events is not None else list(self.get(webhook_id).events)
            events = [e for e in dict.fromkeys([*current, *add]) if e not in remove]
        body: dict[str, Any] = {}
        if url is not None:
            body["url"] = url
        if events is not None:
            body["events"] = list(events)
        if authorization_token is not None:
            body["authorization_token"] = authorization_token
        if not body:
            return self.get(webhook_id)
        data = self._request(
            self.profile.update_method,
            self._webhook_path(webhook_id),
            body,
            secret=authorization_token,
        )
        if not _find_id(data, self.profile.id_fields):
            return self.get(webhook_id)  # e.g. 204 No Content: read back the new state
        return self._webhook(data)

    def attach_events(self, webhook_id: str, events: Iterable[str]) -> Webhook:
        return self.update(webhook_id, add_events=events)

    def detach_events(self, webhook_id: str, events: Iterable[str]) -> Webhook:
        return self.update(webhook_id, remove_events=events)

    def rotate_token(self, webhook_id: str, new_token: str) -> Webhook:
        return self.update(webhook_id, authorization_token=new_token)

    def delete(self, webhook_id: str) -> None:
        try:
            self._request("DELETE", self._webhook_path(webhook_id))
        except NotFoundError as exc:
            # A retried DELETE whose first attempt did land answers 404: that is success.
            if not exc.after_retry:
                raise

    def event_types(self) -> builtins.list[EventType] | None:
        """The provider's event catalog, or None when it has no such endpoint."""
        if not self.profile.event_types_route:
            return None
        try:
            data = self._request("GET", self.profile.event_types_route)
        except NotFoundError:
            return None
        items = _unwrap_list(data, ("data", "event_types", "items", "results"))
        if items is None:
            return None
        types = []
        for item in items:
            if isinstance(item, str):
                types.append(EventType(item))
            elif isinstance(item, dict):
                ident = item.get("identifier") or item.get("event_identifier") or item.get("name")
                if isinstance(ident, str):
                    types.append(EventType(ident, str(item.get("description") or "")))
        return types

    def trigger_event(self, event_identifier: str, data: dict[str, Any] | None = None) -> dict:
        """Sandbox only: create an event and have the sandbox deliver it ("send test event")."""
        if not self.profile.is_sandbox:
            raise ProviderError("Test events can only be sent to a sandbox profile.")
        body: dict[str, Any] = {"event_identifier": event_identifier}
        if data is not None:
            body["data"] = data
        result = self._request("POST", "/sandbox/events", body)
        return result if isinstance(result, dict) else {}

    def scenarios(self) -> builtins.list[dict[str, Any]]:
        """Sandbox only: the scenarios it can run, each {"name", "description", "steps"}."""
        if not self.profile.is_sandbox:
            raise ProviderError("Scenarios can only be run on a sandbox profile.")
        items = _unwrap_list(self._request("GET", "/sandbox/scenarios"), ("data", "scenarios"))
        if items is None:
            raise UnexpectedResponseError("The sandbox's list of scenarios is not a JSON list.")
        scenarios = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                steps = item.get("steps")
                steps = [s for s in steps if isinstance(s, str)] if isinstance(steps, list) else []
                description = str(item.get("description") or "")
                scenarios.append({"name": item["name"], "description": description, "steps": steps})
        return scenarios

    def run_scenario(
        self, name: str, *, out_of_order: bool = False, duplicates: int = 0, gap_ms: int = 0
    ) -> dict:
        """Sandbox only: run a scenario; the answer lists its events in natural and delivery order.

        A POST, so a 5xx is not retried (the run may have happened: see the module docstring).
        """
        if not self.profile.is_sandbox:
            raise ProviderError("Scenarios can only be run on a sandbox profile.")
        body = {"scenario": name, "out_of_order": out_of_order, "duplicates": duplicates, "gap_ms": gap_ms}
        result = self._request("POST", "/sandbox/scenarios", body)
        return result if isinstance(result, dict) else {}

    # --- plumbing ---------------------------------------------------------------------------------

    def _webhook_path(self, webhook_id: str) -> str:
        return self.profile.webhook_route.replace("{id}", quote(webhook_id, safe=""))

    def _webhook(
        self,
        data: Any,
        *,
        fallback_url: str | None = None,
        fallback_events: Sequence[str] | None = None,
    ) -> Webhook:
        webhook_id = _find_id(data, self.profile.id_fields)
        if not webhook_id:
            fields = " or ".join(self.profile.id_fields)
            raise UnexpectedResponseError(
                f"The provider's answer has no webhook id (looked for {fields}); "
                "check the profile's id field setting."
            )
        obj = data
        if isinstance(data, dict) and isinstance(data.get("data"), dict) and "url" not in data:
            obj = data["data"]  # {"data": {...webhook...}} envelopes
        obj = obj if isinstance(obj, dict) else {}
        events = obj.get("events")
        if not isinstance(events, list):
            events = list(fallback_events or ())
        has_token = obj.get("has_authorization_token")
        return Webhook(
            id=webhook_id,
            url=str(obj.get("url") or fallback_url or ""),
            events=tuple(str(e) for e in events),
            has_authorization_token=has_token if isinstance(has_token, bool) else None,
            created_at=obj.get("created_at") if isinstance(obj.get("created_at"), str) else None,
            raw=_without_secrets(obj),
        )

    def _request(self, method: str, route: str, body: Any = None, *, secret: str | None = None) -> Any:
        if secret:
            self._secrets.add(secret)
            register_secret(secret)
        url = self.profile.api_url + route
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                url,
                data=None if body is None else json.dumps(body),
                headers={"Content-Type": "application/json"} if body is not None else None,
                timeout=self.timeout,
                allow_redirects=False,  # a redirect would resend the bearer token elsewhere
            )
        except requests.RequestException as exc:
            provider_call(method, route, None, time.perf_counter() - started)
            raise self._network_error(exc) from None
        provider_call(method, route, response.status_code, time.perf_counter() - started)
        if response.status_code >= 300:
            raise self._http_error(response)
        if response.status_code == 204 or not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            raise UnexpectedResponseError(
                f"The provider answered {method} {route} with something that is not JSON."
            ) from None

    def _host(self) -> str:
        parts = urlsplit(self.profile.api_url)
        return parts.netloc or self.profile.api_url

    def _network_error(self, exc: requests.RequestException) -> ProviderError:
        host = self._host()
        seconds = self.timeout[0] if isinstance(exc, requests.ConnectTimeout) else self.timeout[1]
        if isinstance(exc, requests.exceptions.SSLError):
            return TLSError(
                f"Secure connection to {host} failed (TLS): {_reason(exc)}. "
                "Check the API URL and your system's certificates."
            )
        if isinstance(exc, requests.Timeout):
            return RequestTimeoutError(f"{host} did not answer within {seconds:g} seconds.")
        if isinstance(exc, requests.ConnectionError):
            return NetworkError(f"Cannot reach {host}: {_reason(exc)}.")
        return NetworkError(f"The request to {host} failed: {_reason(exc)}.")

    def _http_error(self, response: requests.Response) -> ProviderError:
        status = response.status_code
        try:
            payload = response.json()
        except ValueError:
            payload = None
        said = self._scrub(_message_of(payload))
        suffix = f" The provider said: {said}" if said else ""
        if status == 401:
            return AuthError(
                "The API access token was rejected (401). Check the token for this profile." + suffix,
                status=status,
            )
        if status == 403:
            return ForbiddenError(
                "The API access token is not allowed to do this (403)." + suffix, status=status
            )
        if status == 404:
            err = NotFoundError(
                f"Nothing found at {response.request.method} {urlsplit(response.url).path} (404)." + suffix,
                status=status,
            )
            retries = getattr(response.raw, "retries", None)
            err.after_retry = bool(retries and retries.history)
            return err
        if status in (400, 422):
            fields = {k: self._scrub(v) for k, v in _fields_of(payload).items()}
            detail = "; ".join(f"{k}: {v.rstrip('.')}" for k, v in fields.items())
            message = f"The provider rejected the request ({status})"
            message += f": {detail}" if detail else (f": {said}" if said else ".")
            return ValidationError(message.rstrip(".") + ".", status=status, fields=fields)
        if status == 429:
            return RateLimitedError(
                "The provider is rate-limiting us (429); try again in a moment." + suffix,
                status=status,
            )
        if status >= 500:
            return ServerError(
                f"The provider had an internal problem ({status}); try again later." + suffix,
                status=status,
            )
        if 300 <= status < 400:
            return UnexpectedResponseError(
                f"The provider redirected us ({status}); check the API URL of this profile.",
                status=status,
            )
        return ProviderError(f"The provider answered {status}." + suffix, status=status)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return text


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, in words."""
    seen: set[int] = set()
    node: BaseException | None = exc
    chain: list[BaseException] = []
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        chain.append(node)
        nxt = getattr(node, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = node.__cause__ or node.__context__
            if nxt is None and node.args and isinstance(node.args[0], BaseException):
                nxt = node.args[0]
        node = nxt
    for item in chain:
        if isinstance(item, ConnectionRefusedError):
            return "connection refused (is the server running?)"
        if isinstance(item, NameResolutionError):
            return "the host name could not be resolved"
        if isinstance(item, ConnectionResetError):
            return "the connection was reset"
        if isinstance(item, OSError) and item.errno in (101, 113):  # ENETUNREACH, EHOSTUNREACH
            return "the network is unreachable"
    text = str(chain[-1]) or type(chain[-1]).__name__
    return text.split(": ", 1)[-1][:200]


def _find_id(data: Any, paths: Sequence[str]) -> str | None:
    for path in paths:
        node = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, (str, int)) and not isinstance(node, bool) and str(node):
            return str(node)
    return None


def _unwrap_list(data: Any, keys: Sequence[str]) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                return data[key]
    return None


def _without_secrets(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in obj.items()
        if k == "has_authorization_token" or not any(s in k.lower() for s in _SECRET_KEYS)
    }


def _message_of(payload: Any) -> str:
    if isinstance(payload, dict):
        for key in ("error", "message", "detail", "error_description"):
            value = payload.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
    return ""


def _fields_of(payload: Any) -> dict[str, str]:
    """Field messages from the usual shapes: {"fields": {f: msg}}, {"errors": {f: [msg]}},
    {"errors": [{"field", "message"}]}, {"detail": [{"loc", "msg"}]}."""
    if not isinstance(payload, dict):
        return {}
    out: dict[str, str] = {}
    for key in ("fields", "errors", "detail"):
        value = payload.get(key)
        if isinstance(payload.get("error"), dict) and key == "fields":
            value = payload["error"].get("fields", value)
        if isinstance(value, dict):
            for name, msg in value.items():
                out[str(name)] = "; ".join(map(str, msg)) if isinstance(msg, list) else str(msg)
        elif isinstance(value, list):
            for item in value:
                if not isinstance(item, dict):
                    continue
                name = item.get("field") or item.get("param")
                if name is None and isinstance(item.get("loc"), list):
                    name = ".".join(str(p) for p in item["loc"] if p != "body")
                msg = item.get("message") or item.get("msg")
                if name and msg:
                    out[str(name)] = str(msg)
        if out:
            break
    return out
