"""`webhook-inspector sandbox`: run the local provider emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from inspector.commands import UserError, options

DEFAULT_PORT = 8766  # not the listener's 8765, so `sandbox` and `listen` run side by side
DEFAULT_ACCESS_TOKEN = "sandbox-token"

DESCRIPTION = """\
Run a local emulator of the provider's webhook API that really delivers events.

The API is under http://HOST:PORT/v1 and needs 'Authorization: Bearer <access token>'.
Without --access-token the token is 'sandbox-token' (printed on stderr at start).
Register webhooks with POST /v1/webhooks, trigger events with POST /v1/sandbox/events,
see every delivery attempt with GET /v1/sandbox/deliveries. The event catalog
(GET /v1/event-types) is our illustrative one, not the provider's official list.

State lives in memory. With --state FILE the registered webhooks survive restarts; that
file holds the webhooks' authorization tokens (the sandbox plays the provider, which must
know them), so it is written with mode 0600. Use it for test tokens only.
"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run the local provider emulator",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    options.bind(parser, default_port=DEFAULT_PORT, what="serve the sandbox")
    parser.add_argument(
        "--access-token",
        metavar="T",
        help=f"API access token clients must send (default {DEFAULT_ACCESS_TOKEN!r})",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        type=Path,
        help="keep webhooks (and their authorization tokens) in FILE, mode 0600",
    )
    parser.add_argument(
        "--retry-schedule",
        metavar="S,S,...",
        type=retry_schedule,
        default=(1.0, 2.0, 4.0),
        help="seconds between delivery retries (default 1,2,4; '' = no retries)",
    )
    parser.add_argument(
        "--delivery-timeout",
        metavar="S",
        type=positive_seconds,
        default=5.0,
        help="seconds to wait for a receiver's answer (default 5)",
    )


def retry_schedule(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of seconds: {text!r}") from None
    if any(not 0 <= d <= 3600 for d in delays):
        raise argparse.ArgumentTypeError("retry delays must be between 0 and 3600 seconds")
    return delays


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 600 seconds")
    return value


def run(args: argparse.Namespace) -> int:
    from inspector.sandbox.server import SandboxBindError, SandboxServer
    from inspector.sandbox.state import DeliveryAttempt, StateFileError

    def print_attempt(attempt: DeliveryAttempt) -> None:
        outcome = str(attempt.status) if attempt.status is not None else "no answer"
        line = (
            f"{attempt.event_identifier} {attempt.event_id} -> {attempt.webhook_id} "
            f"attempt {attempt.attempt}: {outcome} ({attempt.latency_ms:.0f} ms)"
        )
        if attempt.error:
            line += f" {attempt.error}" + ("; will retry" if attempt.will_retry else "; giving up")
        print(line, flush=True)

    access_token = args.access_token or DEFAULT_ACCESS_TOKEN
    try:
        server = SandboxServer(
            host=args.host,
            port=args.port,
            access_token=access_token,
            retry_schedule=args.retry_schedule,
            delivery_timeout=args.delivery_timeout,
            state_file=args.state,
            on_attempt=print_attempt,
        )
        server.start()
    except (SandboxBindError, StateFileError) as exc:
        raise UserError(str(exc)) from None

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print(f"sandbox on {server.url}", flush=True)
        if args.access_token is None:
            # The default token is not a secret: printed so users can copy it into curl.
            print(f"access token: {DEFAULT_ACCESS_TOKEN}", file=sys.stderr, flush=True)
        # A timed wait keeps the main thread responsive to Ctrl-C.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    return 0
