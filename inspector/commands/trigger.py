"""`webhook-inspector trigger NAME`: have the sandbox send one event type or run a scenario.

Like `stripe trigger`: NAME is an event type the sandbox knows (`transaction.authorized`, sent
with POST /v1/sandbox/events) or one of its scenarios (`transaction-refund`, run with
POST /v1/sandbox/scenarios). Which one is asked of the sandbox itself, so a newer sandbox's
types and scenarios work without a newer command.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from inspector.commands import UserError, options
from inspector.core.terminal_text import escape_controls, json_line

DESCRIPTION = """\
Have the sandbox create an event, or run a scenario (a card or purchase through its life), and
deliver it to every webhook subscribed to the event's type.

NAME is an event type (e.g. transaction.authorized) or a scenario (e.g. transaction-refund,
card-lifecycle); an unknown NAME lists both. A scenario's steps share their ids
(data.transaction_id, data.card.card_id, data.cardholder_id) and carry increasing
data.created_at; --out-of-order, --duplicates and --gap-ms make its delivery as untidy as a real
provider's. One line per delivery is printed; the deliveries themselves happen in the background.

The sandbox is the "Local sandbox" profile unless --profile or --api-url says otherwise. The
access token comes from --access-token-env, else the profile's keyring entry, else the
`webhook-inspector sandbox` default ('sandbox-token').
"""
SCENARIO_OPTIONS = ("--out-of-order", "--duplicates", "--gap-ms")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "trigger",
        help="send a sandbox event type or run a scenario",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="NAME", help="an event type or a scenario of the sandbox")
    run = p.add_argument_group("scenario delivery")
    run.add_argument("--out-of-order", action="store_true", help="deliver the steps shuffled")
    run.add_argument(
        "--duplicates",
        metavar="N",
        type=count,
        default=0,
        help="redeliver N randomly chosen steps later, with the same event_id",
    )
    run.add_argument("--gap-ms", metavar="N", type=count, default=0, help="wait N milliseconds between steps")
    options.provider(p)
    p.add_argument("--json", action="store_true", help="print the sandbox's answer as JSON")


def count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from inspector.commands.sandbox import DEFAULT_ACCESS_TOKEN
    from inspector.commands.webhooks import resolve_access_token, resolve_profile
    from inspector.core.provider.client import ProviderClient, ProviderError
    from inspector.core.provider.profiles import LOCAL_SANDBOX

    profile = resolve_profile(args, options.dirs(args).config, default=LOCAL_SANDBOX)
    if not profile.is_sandbox:
        raise UserError(
            escape_controls(f"profile '{profile.name}' is not a sandbox; trigger sends only to one")
        )
    secrets = None
    if not args.access_token_env:
        from inspector.core.provider.secrets import SecretStore

        secrets = SecretStore()
    access_token = resolve_access_token(args, profile, secrets, fallback=DEFAULT_ACCESS_TOKEN)
    try:
        with ProviderClient(profile, access_token) as client:
            return _trigger(args, client)
    except ProviderError as exc:
        print(f"webhook-inspector: error: {escape_controls(str(exc))}", file=sys.stderr)
        return 1


def _trigger(args: argparse.Namespace, client: Any) -> int:
    name = args.name
    event_types = [t.identifier for t in client.event_types() or ()]
    if name in event_types:
        given = [o for o, v in zip(SCENARIO_OPTIONS, _scenario_options(args), strict=True) if v]
        if given:
            raise UserError(
                escape_controls(f"{', '.join(given)} apply to scenarios only; {name} is an event type")
            )
        event = client.trigger_event(name)
        deliveries = [{**event, "step": 1, "duplicate": False}]
        answer: dict[str, Any] = event
        total = 1
    else:
        scenarios = [s["name"] for s in client.scenarios()]
        if name not in scenarios:
            raise UserError(
                escape_controls(
                    # Quoted by hand: repr() would escape what escape_controls escapes again.
                    f"'{name}' is neither an event type nor a scenario of this sandbox "
                    f"(event types: {', '.join(event_types) or 'none'}; "
                    f"scenarios: {', '.join(scenarios) or 'none'})"
                )
            )
        out_of_order, duplicates, gap_ms = _scenario_options(args)
        answer = client.run_scenario(name, out_of_order=out_of_order, duplicates=duplicates, gap_ms=gap_ms)
        deliveries = [d for d in answer.get("delivery_order") or () if isinstance(d, dict)]
        total = len(answer.get("natural_order") or ()) or len(deliveries)
    if args.json:
        print(json_line(answer, indent=2))
    else:
        for position, delivery in enumerate(deliveries, 1):
            print(escape_controls(_line(position, len(deliveries), total, delivery)))
    unheard = [str(d.get("event_identifier")) for d in deliveries if not d.get("webhook_ids")]
    if unheard:
        # On stderr so --json output stays machine-readable.
        types = ", ".join(dict.fromkeys(unheard))
        print(escape_controls(f"note: no webhook is subscribed to {types}"), file=sys.stderr)
    return 0


def _scenario_options(args: argparse.Namespace) -> tuple[bool, int, int]:
    return args.out_of_order, args.duplicates, args.gap_ms


def _line(position: int, deliveries: int, steps: int, delivery: dict[str, Any]) -> str:
    """`2/4  step 3/3  transaction.refunded  evt_…  2026-…Z  -> wh_…`, `duplicate` when it is one."""
    webhooks = delivery.get("webhook_ids") or []
    targets = ", ".join(str(w) for w in webhooks) if webhooks else "no webhook subscribed"
    parts = [
        f"{delivery.get('event_identifier')}",
        f"{delivery.get('event_id')}",
        f"{delivery.get('created_at')}",
    ]
    if deliveries > 1 or steps > 1:
        parts.insert(0, f"{position}/{deliveries}  step {delivery.get('step')}/{steps}")
    if delivery.get("duplicate"):
        parts.append("duplicate")
    return "  ".join(parts) + f"  -> {targets}"
