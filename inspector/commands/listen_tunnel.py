"""`listen --tunnel cloudflared|ngrok`: the supervised tunnel, its news on the terminal, the health
check through it and `--follow-webhooks PROFILE`.

stdout gets `public url https://…` once the URL is known and again on every change (what scripts
read, like `listening on`); everything else about the tunnel goes to stderr, prefixed `tunnel:`.
The checks and the webhook updates run on a thread of their own, one URL at a time, so the
supervisor (which reports on its own thread) never waits for the network.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from inspector.commands import UserError, options
from inspector.core.terminal_text import escape_controls

if TYPE_CHECKING:
    from inspector.core.capture.listener import Listener
    from inspector.core.capture.token_ring import TokenRing
    from inspector.core.tunnel.follower import TunnelFollower
    from inspector.core.tunnel.supervisor import TunnelState, TunnelSupervisor

Say = Callable[[str], None]
HEALTH_WITHIN = 30.0  # seconds a new tunnel may take before its public URL reaches us


def err(text: str) -> None:
    print(escape_controls(text), file=sys.stderr, flush=True)


class ListenTunnel:
    """Built before the listener binds (so a missing tool or profile is refused first)."""

    def __init__(self, args: argparse.Namespace, tokens: TokenRing, say_out: Say) -> None:
        from inspector.core.tunnel.settings import TunnelSettings
        from inspector.core.tunnel.tools import find_tool, install_text

        self.tool = args.tunnel
        self._say_out = say_out
        dirs = options.dirs(args)
        self.settings = TunnelSettings(dirs.config)
        configured = args.tunnel_path or self.settings.read().tool_paths.get(self.tool)
        lookup = find_tool(self.tool, configured)
        if lookup.path is None:
            if configured:
                raise UserError((lookup.problem or f"{self.tool} was not found").rstrip("."))
            for line in install_text(lookup.info):
                err(line)
            raise UserError(
                f"{self.tool} is not installed (it is not on PATH): install it as shown above, "
                "or give its location with --tunnel-path PATH"
            )
        self.executable = lookup.path
        self.follow_profile: str | None = args.follow_webhooks
        self.follower = self._follower(args, tokens, dirs.config)
        self.supervisor: TunnelSupervisor | None = None
        self._urls: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._instance = ""

    def _follower(self, args: argparse.Namespace, tokens: TokenRing, config_dir: object) -> TunnelFollower:
        from pathlib import Path

        from inspector.commands.webhooks import resolve_access_token, resolve_profile
        from inspector.core.provider.profiles import ProfileStore
        from inspector.core.provider.secrets import SecretStore
        from inspector.core.provider.webhook_index import WebhookIndex
        from inspector.core.provider.webhook_service import WebhookService
        from inspector.core.tunnel.follower import TunnelFollower

        folder = Path(str(config_dir))
        access: dict[str, str] = {}
        secrets = SecretStore()
        if self.follow_profile is not None:
            lookup = argparse.Namespace(profile=self.follow_profile, api_url=None)
            profile = resolve_profile(lookup, folder)
            access[profile.name] = resolve_access_token(args, profile, secrets)
        # The listener's ring: a token the update touched would be accepted at once (none does).
        service = WebhookService(secrets, WebhookIndex(folder), ring=tokens)
        return TunnelFollower(service, ProfileStore(folder), self.settings, access_tokens=access)

    def start(self, listener: Listener) -> None:
        from inspector.core.tunnel.supervisor import TunnelSupervisor

        self._instance = listener.instance_id
        supervisor = TunnelSupervisor(self.tool, self.executable, listener.port)
        supervisor.add_listener(self._on_state)
        supervisor.add_url_listener(self._on_url)
        self.supervisor = supervisor
        self._worker = threading.Thread(target=self._work, name="tunnel-checks", daemon=True)
        self._worker.start()
        err(f"tunnel: starting {self.tool} ({self.executable}) for {listener.url}")
        supervisor.start()

    def stop(self) -> None:
        self._stop.set()
        self._urls.put(None)
        if self.supervisor is not None:
            self.supervisor.stop()
        if self._worker is not None:
            self._worker.join(timeout=15)

    # -- on the supervisor's thread ---------------------------------------------------------------

    def _on_state(self, state: TunnelState) -> None:
        from inspector.core.tunnel.supervisor import Phase

        if state.phase is Phase.RESTARTING:
            err(f"tunnel: warning: {state.describe()}")
        elif state.phase is Phase.FAILED:
            err(f"tunnel: error: {state.describe()} (the listener keeps running)")

    def _on_url(self, _old: str | None, new: str) -> None:
        self._say_out(f"public url {new}")
        self._urls.put(new)

    # -- on the checks thread -----------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            url = self._urls.get()
            while url is not None and not self._urls.empty():
                url = self._urls.get()  # only the newest URL matters
            if url is None or self._stop.is_set():
                return
            try:
                self._follow(url)
                self._check(url)
            except Exception as exc:  # the listener must keep running whatever a check hits
                err(f"tunnel: warning: could not check the tunnel: {exc}")

    def _follow(self, url: str) -> None:
        for offer in self.follower.url_changed(url):
            if offer.profile == self.follow_profile:
                result = self.follower.apply(offer.profile, url, automatic=True)
                err(f"tunnel: {result.describe()}")
            else:
                err(
                    f"tunnel: note: {offer.describe()} (run listen with --follow-webhooks "
                    f'"{offer.profile}" to keep them on the tunnel)'
                )

    def _check(self, url: str) -> None:
        from inspector.core.tunnel.health import check_settled

        result = check_settled(url, self._instance, within=HEALTH_WITHIN, stop=self._stop)
        if self._stop.is_set():
            return
        err(f"tunnel: {'check' if result.ok else 'warning'}: {result.message}")
