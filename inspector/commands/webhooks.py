"""`webhook-inspector webhooks list|create|update|delete`: manage webhooks with the provider.

For scripts and CI. Tokens never appear on the command line (argv is visible in `ps`) nor in the
output: a webhook's authorization token is generated or read from an environment variable and
goes to the keyring; the API access token comes from an environment variable or the keyring.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from inspector.commands import UserError
from inspector.core.terminal_text import escape_controls, json_line

ACTIONS = ("list", "create", "update", "delete")


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "webhooks",
        parents=[common],
        help="list, create, update or delete webhooks with the provider",
        description="Manage webhooks with the provider (or the sandbox). Tokens go to the keyring.",
    )
    conn = argparse.ArgumentParser(add_help=False)
    where = conn.add_argument_group("provider")
    where.add_argument("--profile", metavar="NAME", help='profile to use (e.g. "Local sandbox")')
    where.add_argument("--api-url", metavar="URL", help="API base URL (overrides the profile's)")
    where.add_argument(
        "--access-token-env",
        metavar="NAME",
        help="read the API access token from this environment variable "
        "(default: the profile's keyring entry)",
    )
    conn.add_argument("--json", action="store_true", help="print JSON (never a token)")

    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", parents=[conn], help="list the profile's webhooks")

    create = actions.add_parser("create", parents=[conn], help="register a webhook")
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
        "--token-env",
        metavar="NAME",
        help="use the authorization token in this environment variable (kept in the keyring)",
    )

    update = actions.add_parser("update", parents=[conn], help="change a webhook")
    update.add_argument("id", help="webhook id")
    update.add_argument("--add-event", action="append", default=[], metavar="TYPE")
    update.add_argument("--remove-event", action="append", default=[], metavar="TYPE")
    update.add_argument("--url", help="new delivery URL")
    rotate = update.add_mutually_exclusive_group()
    rotate.add_argument("--rotate-token", action="store_true", help="generate a new authorization token")
    rotate.add_argument("--token-env", metavar="NAME", help="set the authorization token from this variable")

    delete = actions.add_parser("delete", parents=[conn], help="delete a webhook")
    delete.add_argument("id", help="webhook id")


def run(args: argparse.Namespace) -> int:
    from inspector.core.provider_client import ProviderClient, ProviderError
    from inspector.core.secrets import SecretStore
    from inspector.core.webhook_index import WebhookIndex, WebhookIndexError

    config_dir = resolve_config_dir(args)
    profile = resolve_profile(args, config_dir)
    store = SecretStore()
    access_token = resolve_access_token(args, profile.name, store)
    index = WebhookIndex(config_dir)
    handler = {"list": _list, "create": _create, "update": _update, "delete": _delete}
    try:
        with ProviderClient(profile, access_token) as client:
            return handler[args.action](args, client, store, index)
    except ProviderError as exc:
        print(f"webhook-inspector: error: {escape_controls(str(exc))}", file=sys.stderr)
        return 1
    except WebhookIndexError as exc:
        raise UserError(str(exc)) from None


# --- actions --------------------------------------------------------------------------------------


def _list(args: argparse.Namespace, client: Any, store: Any, index: Any) -> int:
    webhooks = client.list()
    if args.json:
        _print_json([w.to_json() for w in webhooks])
        return 0
    if not webhooks:
        print(f"no webhooks at {client.profile.api_url}")
    for w in webhooks:
        token = {True: "token set", False: "no token", None: "token ?"}[w.has_authorization_token]
        print(escape_controls(f"{w.id}  {w.url}  [{', '.join(w.events) or 'no events'}]  {token}"))
    return 0


def _create(args: argparse.Namespace, client: Any, store: Any, index: Any) -> int:
    from inspector.core.webhook_index import KnownWebhook

    token = _new_token(args, store, generate=args.generate_token, action="create the webhook")
    webhook = client.create(args.url, args.events, authorization_token=token)
    if token is not None and not store.set_webhook_token(webhook.id, token):
        # The keyring broke between our check and now: a webhook whose token nobody knows is
        # worse than none, so take it back.
        client.delete(webhook.id)
        print(
            f"webhook-inspector: error: could not keep the token ({store.description}); "
            f"the webhook was created and deleted again",
            file=sys.stderr,
        )
        return 1
    index.upsert(
        KnownWebhook(webhook.id, client.profile.name, webhook.url, webhook.events, webhook.created_at)
    )
    if args.json:
        _print_json(webhook.to_json())
    else:
        print(escape_controls(f"created {webhook.id}  {webhook.url}  [{', '.join(webhook.events)}]"))
    # Notes go to stderr so --json output stays machine-readable.
    if token is None:
        print("note: no authorization token, deliveries cannot be verified", file=sys.stderr)
    else:
        print(f"note: authorization token kept {store.description}", file=sys.stderr)
    return 0


def _update(args: argparse.Namespace, client: Any, store: Any, index: Any) -> int:
    from inspector.core.webhook_index import KnownWebhook

    if not (args.add_event or args.remove_event or args.url or args.rotate_token or args.token_env):
        raise UserError(
            "nothing to change: give --add-event, --remove-event, --url, --rotate-token or --token-env"
        )
    token = _new_token(args, store, generate=args.rotate_token, action="rotate the token")
    webhook = client.update(
        args.id,
        url=args.url,
        add_events=args.add_event,
        remove_events=args.remove_event,
        authorization_token=token,
    )
    if token is not None and not store.set_webhook_token(webhook.id, token):
        print(
            f"webhook-inspector: error: the provider has the new token but it could not be "
            f"kept ({store.description}); rotate again once the keyring works",
            file=sys.stderr,
        )
        return 1
    known = index.get(webhook.id)
    profile = known.profile if known else client.profile.name
    created = webhook.created_at or (known.created_at if known else None)
    index.upsert(KnownWebhook(webhook.id, profile, webhook.url, webhook.events, created))
    if args.json:
        _print_json(webhook.to_json())
    else:
        print(escape_controls(f"updated {webhook.id}  {webhook.url}  [{', '.join(webhook.events)}]"))
    if token is not None:
        print(f"note: new authorization token kept {store.description}", file=sys.stderr)
    return 0


def _delete(args: argparse.Namespace, client: Any, store: Any, index: Any) -> int:
    from inspector.core.provider_client import NotFoundError

    try:
        client.delete(args.id)
    except NotFoundError:
        # Gone at the provider already: forget it here too, but still say so.
        store.delete_webhook_token(args.id)
        index.remove(args.id)
        raise
    store.delete_webhook_token(args.id)
    index.remove(args.id)
    if args.json:
        _print_json({"id": args.id, "deleted": True})
    else:
        print(f"deleted {args.id}")
    return 0


# --- helpers (resolve_* are shared with `trigger`) ------------------------------------------------


def resolve_config_dir(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from inspector.core import paths

    value = getattr(args, "config_dir", None)
    return Path(value).expanduser() if value else paths.default_config_dir()


def resolve_profile(args: argparse.Namespace, config_dir: Any, *, default: str | None = None) -> Any:
    """--profile (else `default`) with --api-url over its URL, or a profile of --api-url alone."""
    from inspector.core.profiles import Profile, ProfileError, ProfileStore

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
    args: argparse.Namespace, profile_name: str, store: Any, *, fallback: str | None = None
) -> str:
    """--access-token-env, else the profile's keyring entry, else `fallback`; `store` may be None
    with --access-token-env (the keyring is then never asked)."""
    if args.access_token_env:
        return _env_token(args.access_token_env, "--access-token-env")
    token = store.api_token(profile_name) or fallback
    if not token:
        raise UserError(
            f"no API access token for profile {profile_name!r} ({store.description}); "
            "pass --access-token-env NAME"
        )
    return str(token)


def _new_token(args: argparse.Namespace, store: Any, *, generate: bool, action: str) -> str | None:
    """The webhook token to set (generated or from --token-env), after checking we can keep it."""
    import secrets

    if not generate and not args.token_env:
        return None
    if not store.persistent:
        raise UserError(
            f"refusing to {action} with an authorization token, because it could not be "
            f"kept: {store.description}. Unlock or install a system keyring "
            "(e.g. Secret Service) and try again."
        )
    if args.token_env:
        return _env_token(args.token_env, "--token-env")
    return secrets.token_urlsafe(32)


def _env_token(name: str, option: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise UserError(f"{option} {name}: that environment variable is not set or empty")
    if not value.isascii() or any(c.isspace() for c in value):
        raise UserError(f"{option} {name}: the token must be ASCII without spaces")
    return value


def _print_json(data: Any) -> None:
    print(json_line(data, indent=2))
