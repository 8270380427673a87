"""Forwarding: every accepted delivery is also sent to the developer's app (e.g. localhost:3000).

`Forwarder.submit` is the forward hook (`Listener.set_forward_hook`): it runs on a listener
thread after the commit and before the 2xx goes back to the provider, so it only puts the job on
a bounded queue. A few worker threads send it with `requests` and record the target's answer with
the event under extra["forward"]. One attempt per event: a target that is down is recorded as an
error, never retried in a loop (the developer replays once the app is fixed).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from inspector import __version__
from inspector.core.diagnostics.log_events import forward_failed
from inspector.core.diagnostics.text_redaction import redact_text
from inspector.core.events import StoredEvent, iso_utc
from inspector.core.redaction import redact_url
from inspector.core.store.event_store import EventStore

log = logging.getLogger(__name__)

RESPONSE_BODY_CAP = 64 * 1024  # of the target's answer, kept with the event
MAX_ERROR_CHARS = 300
DROPPED_QUEUE_FULL = "dropped: forwarding queue full"
LOOP_ERROR = "not forwarded: this delivery came from the forwarder itself (target is the listener)"
# Added to every forwarded request. A target that is the listener itself (or a tunnel to it) would
# otherwise forward each delivery to itself for ever; the listener's hook sees the marker and stops.
FORWARDED_MARKER = "X-Webhook-Inspector-Forwarded"

# Hop-by-hop headers (RFC 9110 7.6.1) describe one connection, not the message; Host and
# Content-Length are set for the new connection and the body we really send.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}
)

ResultCallback = Callable[[int, dict[str, Any]], None]


def forwardable_headers(headers: Iterable[tuple[str, str]]) -> CaseInsensitiveDict[str]:
    """The original headers minus hop-by-hop ones; repeats are joined as HTTP allows."""
    out: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for name, value in headers:
        lowered = name.lower()
        if lowered in HOP_BY_HOP or lowered.startswith("proxy-"):
            continue
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def normalize_target_url(text: str) -> str:
    """A usable http(s) URL from what the user typed ("localhost:3000/hooks" gets http://)."""
    url = text.strip()
    if not url:
        raise ValueError("the target URL is empty")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"the target URL must start with http:// or https:// (not {parts.scheme}://)")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"the port in {text.strip()!r} is not a number from 1 to 65535") from None
    if not parts.hostname or port == 0 or any(c.isspace() for c in url):
        raise ValueError(f"{text.strip()!r} is not a URL like http://localhost:3000/webhooks")
    return url


def send_request(
    session: requests.Session,
    method: str,
    url: str,
    headers: CaseInsensitiveDict[str] | dict[str, str],
    body: bytes,
    *,
    timeout: float,
) -> dict[str, Any]:
    """One HTTP attempt; returns the record kept with the event. Never raises for network trouble."""
    at = iso_utc(time.time())
    started = time.perf_counter()
    status: int | None = None
    text = ""
    truncated = False
    error: str | None = None
    try:
        # No redirects: the developer named the target; following a 3xx elsewhere would hide it.
        with session.request(
            method,
            url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
            data, truncated = _read_capped(response, RESPONSE_BODY_CAP)
            text = data.decode(response.encoding or "utf-8", errors="replace")
    except requests.Timeout:
        error = f"no answer within {timeout:g} s"
    except requests.ConnectionError as exc:
        error = _short(f"cannot connect to {url}: {_root_cause(exc)}")
    except (requests.RequestException, LookupError, ValueError) as exc:
        # LookupError: an unknown charset in the answer; ValueError: a URL requests cannot use.
        error = _short(f"{type(exc).__name__}: {exc}")
    record: dict[str, Any] = {
        "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
        "body": text,
        "error": error,
        "url": url,
        "at": at,
    }
    if truncated:
        record["body_truncated"] = True
    return record


def _read_capped(response: requests.Response, cap: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_content(chunk_size=16384):
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            return b"".join(chunks)[:cap], True
    return b"".join(chunks), False


def _root_cause(exc: BaseException) -> str:
    # requests nests urllib3's reason a few levels deep; the innermost OSError says it plainly.
    seen: set[int] = set()
    current: BaseException | None = exc
    best = str(exc)
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            best = current.strerror
        nxt = current.__cause__ or current.__context__
        if nxt is None and current.args and isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        if nxt is None and hasattr(current, "reason") and isinstance(current.reason, BaseException):
            nxt = current.reason
        current = nxt
    return best


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment must not capture localhost forwarding
    session.headers["User-Agent"] = f"webhook-inspector/{__version__}"
    return session


class Forwarder:
    """Sends accepted deliveries to `target_url` in a small thread pool with a bounded queue."""

    def __init__(
        self,
        target_url: str,
        store: EventStore,
        timeout: float = 10.0,
        max_workers: int = 4,
        *,
        max_queue: int = 1000,
        on_result: ResultCallback | None = None,
    ) -> None:
        self._target_url = normalize_target_url(target_url)
        self.store = store
        self.timeout = timeout
        self.on_result = on_result  # (seq, record) on a worker thread, after the record is stored
        # The queue itself is unbounded so close() can always add its stop markers; the bound on
        # waiting jobs is kept by `_waiting` under the lock.
        self._queue: queue.Queue[tuple[StoredEvent, list[tuple[str, str]]] | None] = queue.Queue()
        self._max_queue = max(1, max_queue)
        self._waiting = 0
        # Seqs dropped because the queue was full: recorded by a worker, since submit() must not
        # touch the database (it runs on the listener thread before the provider gets its 2xx).
        self._dropped: deque[int] = deque(maxlen=100_000)
        self._lock = threading.Lock()
        self._closed = False
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._workers = [
            threading.Thread(target=self._work, name=f"forwarder-{i}", daemon=True)
            for i in range(max(1, max_workers))
        ]
        for worker in self._workers:
            worker.start()

    @property
    def target_url(self) -> str:
        return self._target_url

    @target_url.setter
    def target_url(self, text: str) -> None:
        """Change the target while running (read per job); ValueError with a sentence if unusable."""
        self._target_url = normalize_target_url(text)

    def submit(self, stored: StoredEvent, original_headers: list[tuple[str, str]]) -> None:
        """Queue one delivery; returns at once. The headers (with secrets) stay in memory only."""
        with self._lock:
            if self._closed:
                return
            if self._waiting >= self._max_queue:
                self.dropped += 1
                self._dropped.append(stored.seq)
                return
            self._waiting += 1
        self._queue.put_nowait((stored, list(original_headers)))

    def pending(self) -> int:
        """Jobs waiting for a worker (not counting those being sent)."""
        with self._lock:
            return self._waiting

    def close(self, timeout: float | None = None) -> None:
        """Stop: queued jobs are discarded, requests in flight finish.

        Waits up to `timeout` (default: the request timeout + 1 s) for the workers; a window passes
        timeout=0 so it never waits (the daemon workers end on their own after the current request).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        with self._lock:
            self._waiting = 0
        for _ in self._workers:
            self._queue.put_nowait(None)
        deadline = time.monotonic() + (self.timeout + 1.0 if timeout is None else timeout)
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Forwarder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- worker side ---------------------------------------------------------------------------

    def _work(self) -> None:
        session = new_session()
        try:
            while True:
                job = self._queue.get()
                if job is None:
                    return
                with self._lock:
                    self._waiting = max(0, self._waiting - 1)
                stored, headers = job
                try:
                    self._forward(session, stored, headers)
                    self._record_dropped()
                except Exception:  # a bug must not silently end forwarding for the session
                    log.exception("forwarding event %s failed", stored.seq)
        finally:
            session.close()

    def _forward(
        self, session: requests.Session, stored: StoredEvent, headers: list[tuple[str, str]]
    ) -> None:
        url = self.target_url
        if any(name.lower() == FORWARDED_MARKER.lower() for name, _ in headers):
            with self._lock:
                self.failed += 1
            self._store(stored.seq, _no_send_record(url, LOOP_ERROR))
            return
        sent_headers = forwardable_headers(headers)
        sent_headers[FORWARDED_MARKER] = str(stored.seq)
        record = send_request(session, stored.method, url, sent_headers, stored.body, timeout=self.timeout)
        with self._lock:
            if record["error"] is None:
                self.sent += 1
            else:
                self.failed += 1
        if record["error"] is not None:
            forward_failed(stored.seq, url, record["error"])
        self._store(stored.seq, record)

    def _record_dropped(self) -> None:
        while True:
            with self._lock:
                if not self._dropped:
                    return
                seq = self._dropped.popleft()
            self._store(seq, _no_send_record(self.target_url, DROPPED_QUEUE_FULL))

    def _store(self, seq: int, record: dict[str, Any]) -> None:
        # The target is the user's, but a token in its query (or a password in it) is still a
        # secret: the record goes into the database and every export.
        record = kept_record(record)
        try:
            self.store.set_extra(seq, "forward", record)
        except Exception:  # the store closing under us must not kill the worker
            log.warning("could not record the forwarding result of event %s", seq, exc_info=True)
            return
        callback = self.on_result
        if callback is not None:
            try:
                callback(seq, record)
            except Exception:
                log.exception("forwarding result callback failed")


def kept_record(record: dict[str, Any]) -> dict[str, Any]:
    """A send's record as it may be stored: the target URL without secrets, and the error too
    (requests names the URL, query and all, in its messages)."""
    kept = dict(record)
    if isinstance(kept.get("url"), str):
        kept["url"] = redact_url(kept["url"])
    if isinstance(kept.get("error"), str):
        kept["error"] = redact_text(kept["error"])
    return kept


def _no_send_record(url: str, error: str) -> dict[str, Any]:
    return {
        "status": None,
        "latency_ms": 0.0,
        "body": "",
        "error": error,
        "url": url,
        "at": iso_utc(time.time()),
    }
