"""`webhook-inspector webhooks list|create|update|delete`: manage webhooks with the provider.

For scripts and CI, on the same WebhookService (and so the same token policy) as the window's
Webhooks panel. Tokens never appear on the command line (argv is visible in `ps`) nor in the
output: a webhook's own authorization token is generated (`--generate-token`) or read from an
environment variable (`--webhook-token-env NAME`) and goes to the keyring; the API access token
comes from `--access-token-env NAME`, the profile's keyring entry, or PENNY_ACCESS_TOKEN.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from inspector.commands import UserError, options
from inspector.core.terminal_text import escape_controls, json_line

if TYPE_CHECKING:
    from inspector.core.provider.profiles import Profile
    from inspector.core.provider.secrets import SecretStore
    from inspector.core.provider.webhook_service import WebhookService

ACTIONS = ("list", "create", "update", "delete")
# The provider's own examples read the API access token from this variable.
PROVIDER_TOKEN_ENV = "PENNY_ACCESS_TOKEN"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "webhooks",
        help="list, create, update or delete webhooks with the provider",
        description=(
            "Manage webhooks with the provider (or the local sandbox). A webhook's authorization "
            "token goes to the system keyring, never to a file or the output; without a keyring, "
            "creating or rotating a token is refused."
        ),
    )
    options.config(p)
    conn = argparse.ArgumentParser(add_help=False)
    options.provider(conn, nested=True)
    conn.add_argument("--json", action="store_true", help="print JSON (never a token)")
    # The listener's option, by mistake: say which one is meant instead of a bare "unrecognized".
    conn.add_argument("--token-env", dest="listener_token_env", help=argparse.SUPPRESS)

    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "list", parents=[conn], help="list the profile's webhooks", description="List webhooks."
    )

    create = actions.add_parser(
        "create", parents=[conn], help="register a webhook", description="Register a webhook."
    )
    create.add_argument("--url", required=True, help="where the provider delivers events")
    create.add_argument(
        "--event",
        dest="events",
        action="append",
        required=True,
        metavar="TYPE",
        help="event identifier to subscribe to (repeat for several)",
    )
    token = create.add_mutually_exclusive_group()
    token.add_argument(
        "--generate-token",
        action="store_true",
        help="generate a random authorization token and keep it in the keyring",
    )
    token.add_argument(
        "--webhook-token-env",
        metavar="NAME",
        help="the webhook's authorization token, from this environment variable (kept in the keyring)",
    )

    update = actions.add_parser(
        "update",
        parents=[conn],
        help="change a webhook",
        description="Change a webhook's URL, events or token.",
    )
    update.add_argument("id", help="webhook id")
    update.add_argument("--add-event", action="append", default=[], metavar="TYPE", help="subscribe to TYPE")
    update.add_argument(
        "--remove-event", action="append", default=[], metavar="TYPE", help="unsubscribe from TYPE"
    )
    update.add_argument("--url", help="new delivery URL")
    rotate = update.add_mutually_exclusive_group()
    rotate.add_argument("--rotate-token", action="store_true", help="generate a new authorization token")
    rotate.add_argument(
        "--webhook-token-env", metavar="NAME", help="set the webhook's authorization token from this variable"
    )

    delete = actions.add_parser(
        "delete",
        parents=[conn],
        help="delete a webhook",
        description="Delete a webhook and forget its token.",
    )
    delete.add_argument("id", help="webhook id")


def run(args: argparse.Namespace) -> int:
    from inspector.core.provider.client import ProviderError
    from inspector.core.provider.secrets import SecretStore
    from inspector.core.provider.webhook_index import WebhookIndex, WebhookIndexError
    from inspector.core.provider.webhook_service import WebhookService

    if getattr(args, "listener_token_env", None):
        raise UserError(
            "--token-env is the listener's verification token (gui, listen); a webhook's own token "
            "is --webhook-token-env NAME (or --generate-token)"
        )
    dirs = options.dirs(args)
    profile = resolve_profile(args, dirs.config)
    secrets = SecretStore()
    access_token = resolve_access_token(args, profile, secrets)
    service = WebhookService(secrets, WebhookIndex(dirs.config))
    handler = {"list": _list, "create": _create, "update": _update, "delete": _delete}
    try:
        return handler[args.action](args, service, profile, access_token)
    except ProviderError as exc:
        print(f"webhook-inspector: error: {escape_controls(str(exc))}", file=sys.stderr)
        return 1
    except WebhookIndexError as exc:
        raise UserError(str(exc)) from None


# --- actions --------------------------------------------------------------------------------------


def _list(args: argparse.Namespace, service: WebhookService, profile: Profile, access: str) -> int:
    rows = service.list(profile, access_token=access)
    if args.json:
        _print_json([row.webhook.to_json() for row in rows])
        return 0
    if not rows:
        print(escape_controls(f"no webhooks at {profile.api_url}"))
    for row in rows:
        w = row.webhook
        token = {True: "token set", False: "no token", None: "token ?"}[w.has_authorization_token]
        here = ", kept here" if row.token_here else ""
        print(escape_controls(f"{w.id}  {w.url}  [{', '.join(w.events) or 'no events'}]  {token}{here}"))
    return 0


def _create(args: argparse.Namespace, service: WebhookService, profile: Profile, access: str) -> int:
    token = _new_token(args, generate=args.generate_token)
    _check_can_keep(service, token, "create the webhook")
    saved = service.create(profile, args.url, args.events, token, access_token=access)
    webhook = saved.webhook
    if args.json:
        _print_json(webhook.to_json())
    else:
        print(escape_controls(f"created {webhook.id}  {webhook.url}  [{', '.join(webhook.events)}]"))
    # Notes go to stderr so --json output stays machine-readable.
    if token is None:
        print("note: no authorization token, deliveries cannot be verified", file=sys.stderr)
    else:
        print(f"note: authorization token kept {saved.keeping}", file=sys.stderr)
    return 0


def _update(args: argparse.Namespace, service: WebhookService, profile: Profile, access: str) -> int:
    if not (args.add_event or args.remove_event or args.url or args.rotate_token or args.webhook_token_env):
        raise UserError(
            "nothing to change: give --add-event, --remove-event, --url, --rotate-token "
            "or --webhook-token-env"
        )
    token = _new_token(args, generate=args.rotate_token)
    _check_can_keep(service, token, "rotate the token")
    saved = service.update(
        profile,
        args.id,
        url=args.url,
        add_events=args.add_event,
        remove_events=args.remove_event,
        token=token,
        access_token=access,
    )
    webhook = saved.webhook
    if args.json:
        _print_json(webhook.to_json())
    else:
        print(escape_controls(f"updated {webhook.id}  {webhook.url}  [{', '.join(webhook.events)}]"))
    if token is not None:
        print(f"note: new authorization token kept {saved.keeping}", file=sys.stderr)
    return 0


def _delete(args: argparse.Namespace, service: WebhookService, profile: Profile, access: str) -> int:
    service.delete(profile, args.id, access_token=access)
    if args.json:
        _print_json({"id": args.id, "deleted": True})
    else:
        print(escape_controls(f"deleted {args.id}"))
    return 0


# --- what every provider command resolves ---------------------------------------------------------


def resolve_profile(args: argparse.Namespace, config_dir: Any, *, default: str | None = None) -> Profile:
    """--profile NAME (else `default`) with --api-url overriding its URL, or a bare --api-url."""
    from inspector.core.provider.profiles import Profile, ProfileError, ProfileStore

    name = args.profile or default
    try:
        if name:
            profile = ProfileStore(config_dir).get(name)
            return profile.with_api_url(args.api_url) if args.api_url else profile
        if args.api_url:
            return Profile(args.api_url, args.api_url)
    except ProfileError as exc:
        raise UserError(str(exc)) from None
    raise UserError("choose the provider with --profile NAME or --api-url URL")


def resolve_access_token(
    args: argparse.Namespace,
    profile: Profile,
    secrets: SecretStore | None,
    *,
    fallback: str | None = None,
) -> str:
    """--access-token-env, else the profile's keyring entry, else PENNY_ACCESS_TOKEN (not for a
    sandbox: a production token has no business there), else `fallback`. Says on stderr where an
    environment token came from. `secrets` may be None with --access-token-env (no keyring asked)."""
    if args.access_token_env:
        return _env_token(args.access_token_env, "--access-token-env")
    token = secrets.api_token(profile.name) if secrets is not None else None
    if token:
        return str(token)
    if not profile.is_sandbox and os.environ.get(PROVIDER_TOKEN_ENV, "").strip():
        value = _env_token(PROVIDER_TOKEN_ENV, "the provider's variable")
        print(f"note: using the API access token in {PROVIDER_TOKEN_ENV}", file=sys.stderr)
        return value
    if fallback:
        return fallback
    where = secrets.description if secrets is not None else "no keyring asked"
    raise UserError(
        f"no API access token for profile {profile.name!r} ({where}); "
        f"pass --access-token-env NAME (or set {PROVIDER_TOKEN_ENV})"
    )


def _new_token(args: argparse.Namespace, *, generate: bool) -> str | None:
    """The webhook token to set: generated, or from --webhook-token-env (the service checks that it
    can be kept before anything is sent)."""
    from inspector.core.provider.webhook_service import new_token

    if args.webhook_token_env:
        return _env_token(args.webhook_token_env, "--webhook-token-env")
    return new_token() if generate else None


def _check_can_keep(service: WebhookService, token: str | None, action: str) -> None:
    """A token this run could not keep is the user's to fix (a keyring): exit 2 before any call."""
    from inspector.core.provider.webhook_service import TokenNotKeptError

    if token is None:
        return
    try:
        service.check_can_keep(action)
    except TokenNotKeptError as exc:
        text = str(exc)
        raise UserError(text[:1].lower() + text[1:]) from None


def _env_token(name: str, option: str) -> str:
    from inspector.core.capture.token_ring import token_from_env

    try:
        return token_from_env(name, option)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _print_json(data: Any) -> None:
    print(json_line(data, indent=2))
