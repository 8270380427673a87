"""Delivery engine: POSTs events to webhooks like a real provider, off the API's threads.

A small pool of worker threads takes due jobs from a time-ordered queue. A failed attempt (network
error, timeout, non-2xx answer) goes back into the queue with the next delay of the retry schedule,
carrying the very same body, hence the same `event_id`. The webhook is looked up again before each
attempt, so deleting it stops its pending retries and an updated URL or token applies at once.

A sequence (a scenario's steps) is delivered in its order to each webhook: the webhook's next step
is queued only once its first attempt of the step before has finished, and never before the
step's place on the sequence's timeline (`gap` apart). Without that chain, concurrent workers
would race and "in order" would be luck. A failed step retries on its own schedule while the
sequence goes on, as a provider's redeliveries do.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import requests

from inspector import __version__
from inspector.sandbox.state import DeliveryAttempt, Webhook

USER_AGENT = f"webhook-inspector-sandbox/{__version__}"
MAX_ERROR_CHARS = 300


@dataclass(frozen=True, slots=True)
class SandboxEvent:
    event_id: str
    event_identifier: str
    body: bytes  # the serialized envelope, identical on every attempt


@dataclass(slots=True)
class _Job:
    event: SandboxEvent
    webhook_id: str
    attempt: int = 1
    # The webhook's later steps of a sequence, each with the earliest monotonic time it may start.
    then: tuple[tuple[float, SandboxEvent], ...] = ()


class DeliveryEngine:
    def __init__(
        self,
        lookup: Callable[[str], Webhook | None],
        record: Callable[[DeliveryAttempt], None],
        retry_schedule: Sequence[float] = (1.0, 2.0, 4.0),
        timeout: float = 5.0,
        workers: int = 8,
    ) -> None:
        self._lookup = lookup
        self._record = record
        self._retry_schedule = tuple(float(d) for d in retry_schedule)
        self._timeout = timeout
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, _Job]] = []  # (due monotonic time, tiebreak, job)
        self._counter = itertools.count()
        self._in_flight = 0
        self._chained = 0  # steps of sequences waiting behind a queued or in-flight job
        self._stopping = False
        self._local = threading.local()
        self._threads = [
            threading.Thread(target=self._work, name=f"sandbox-delivery-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, event: SandboxEvent, webhook_ids: Sequence[str]) -> None:
        """Queue one delivery per webhook; returns at once."""
        now = time.monotonic()
        with self._cond:
            for webhook_id in webhook_ids:
                heapq.heappush(self._queue, (now, next(self._counter), _Job(event, webhook_id)))
            self._cond.notify_all()

    def submit_sequence(self, steps: Sequence[tuple[SandboxEvent, Sequence[str]]], gap: float = 0.0) -> None:
        """Deliver `steps` (each an event and its webhooks) in this order, step k no earlier than
        k * gap seconds from now; returns at once (the module docstring says how order is kept)."""
        start = time.monotonic()
        chains: dict[str, list[tuple[float, SandboxEvent]]] = {}
        for k, (event, webhook_ids) in enumerate(steps):
            for webhook_id in dict.fromkeys(webhook_ids):
                chains.setdefault(webhook_id, []).append((start + k * gap, event))
        with self._cond:
            for webhook_id, chain in chains.items():
                due, event = chain[0]
                job = _Job(event, webhook_id, then=tuple(chain[1:]))
                heapq.heappush(self._queue, (due, next(self._counter), job))
                self._chained += len(job.then)
            self._cond.notify_all()

    def pending(self) -> int:
        """Deliveries still to make: queued, being attempted, retries waiting for their time and
        the later steps of sequences."""
        with self._cond:
            return len(self._queue) + self._in_flight + self._chained

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._queue and not self._in_flight and not self._chained, timeout
            )

    def stop(self, timeout: float | None = None) -> None:
        """Drop pending jobs and wait for attempts in flight (bounded by the delivery timeout)."""
        with self._cond:
            self._stopping = True
            self._queue.clear()
            self._chained = 0
            self._cond.notify_all()
        deadline = time.monotonic() + (self._timeout + 1.0 if timeout is None else timeout)
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # --- worker side ----------------------------------------------------------------------------

    def _work(self) -> None:
        session = requests.Session()
        try:
            while True:
                job = self._next_job()
                if job is None:
                    return
                try:
                    self._attempt(session, job)
                finally:
                    with self._cond:
                        self._in_flight -= 1
                        self._cond.notify_all()
        finally:
            session.close()

    def _next_job(self) -> _Job | None:
        with self._cond:
            while not self._stopping:
                if self._queue:
                    wait = self._queue[0][0] - time.monotonic()
                    if wait <= 0:
                        _, _, job = heapq.heappop(self._queue)
                        self._in_flight += 1
                        return job
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def _attempt(self, session: requests.Session, job: _Job) -> None:
        webhook = self._lookup(job.webhook_id)
        if webhook is None:
            # Deleted since the event was triggered: a provider stops delivering too.
            self._drop_chain(job)
            return
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if webhook.authorization_token is not None:
            headers["Authorization"] = f"Bearer {webhook.authorization_token}"
        started_wall = time.time()
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            # No redirects: a provider posts to the registered URL only; a 3xx counts as a failure.
            response = session.post(
                webhook.url,
                data=job.event.body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            )
            status = response.status_code
            response.close()
            if not 200 <= status < 300:
                error = f"receiver answered HTTP {status}"
        except requests.Timeout:
            error = f"no answer within {self._timeout:g} s"
        except requests.RequestException as exc:
            error = _describe(exc)
        latency_ms = (time.perf_counter() - started) * 1000
        retry_index = job.attempt - 1
        will_retry = error is not None and retry_index < len(self._retry_schedule)
        self._record(
            DeliveryAttempt(
                webhook_id=webhook.id,
                event_id=job.event.event_id,
                event_identifier=job.event.event_identifier,
                url=webhook.url,
                attempt=job.attempt,
                status=status,
                error=error,
                latency_ms=latency_ms,
                delivered_at=started_wall,
                will_retry=will_retry,
            )
        )
        if will_retry:
            due = time.monotonic() + self._retry_schedule[retry_index]
            retry = _Job(job.event, job.webhook_id, job.attempt + 1)
            with self._cond:
                if not self._stopping:
                    heapq.heappush(self._queue, (due, next(self._counter), retry))
                    self._cond.notify_all()
        if job.then:
            # Queued before this job stops counting as in flight, so wait_idle never sees a gap.
            (not_before, event), rest = job.then[0], job.then[1:]
            step = _Job(event, job.webhook_id, then=rest)
            with self._cond:
                if not self._stopping:
                    heapq.heappush(
                        self._queue, (max(time.monotonic(), not_before), next(self._counter), step)
                    )
                    self._chained -= 1
                    self._cond.notify_all()

    def _drop_chain(self, job: _Job) -> None:
        with self._cond:
            if job.then and not self._stopping:  # stop() already forgot every chained step
                self._chained -= len(job.then)
                self._cond.notify_all()


def _describe(exc: requests.RequestException) -> str:
    """One readable line: requests' messages nest the urllib3 reason deep inside."""
    if isinstance(exc, requests.ConnectionError):
        text = f"connection failed: {exc}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
