"""`listen --tunnel` as a real subprocess, with the fake cloudflared/ngrok on its PATH (tests/fakes),
the real sandbox as the provider and a real Secret Service for the webhook's token."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
import requests
from keyring.backend import KeyringBackend

from inspector.core.provider.client import ProviderClient
from inspector.core.provider.profiles import LOCAL_SANDBOX, Profile, ProfileStore
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex
from inspector.core.provider.webhook_service import WebhookService, new_token
from inspector.core.tunnel.settings import TunnelSettings
from inspector.core.tunnel.tools import find_tool, well_known_dirs
from inspector.sandbox.server import SandboxServer
from tests.fakes.helpers import FakeTools, alive
from tests.keyring_service import SecretServiceSession
from tests.listen_process import CliProcess, run_cli
from tests.waiting import wait_until

PUBLIC = re.compile(r"^public url (https://127\.0\.0\.1:\d+)$")
ACCESS = "listen-tunnel-access"
TOOLS = ["cloudflared", "ngrok"]
WAIT = 30.0  # seconds: a subprocess that starts another (Python) process, on a shared machine


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def dirs(tmp_path: Path, config: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "data"), "--config-dir", str(config)]


def public_urls(proc: CliProcess) -> list[str]:
    return [m.group(1) for line in proc.stdout if (m := PUBLIC.match(line))]


def one_run(fake_tools: FakeTools, url: str) -> dict[str, object]:
    """The fake's record of the run whose public URL is `url`."""
    return wait_until(lambda: next((r for r in fake_tools.runs() if r["url"] == url), None), timeout=WAIT)


def stop(proc: CliProcess) -> int:
    proc.proc.send_signal(signal.SIGTERM)
    return proc.wait_exit()


@pytest.mark.parametrize("tool", TOOLS)
def test_public_url_health_check_url_change_and_nothing_left_behind(
    tool: str, fake_tools: FakeTools, dirs: list[str], config: Path
) -> None:
    proc = CliProcess("listen", "--port", "0", *dirs, "--tunnel", tool, env=fake_tools.env_for_subprocess())
    try:
        proc.wait_listening(timeout=WAIT)
        first = wait_until(lambda: public_urls(proc) and public_urls(proc)[0], timeout=WAIT)
        run = one_run(fake_tools, first)
        wait_until(
            lambda: any("tunnel: check: The tunnel reaches this listener" in x for x in proc.stderr),
            timeout=WAIT,
        )

        # A delivery to the public URL comes through the tunnel to this listener.
        body = {"event_id": "evt_tunnel_1", "event_identifier": "card.created", "data": {}}
        reply = requests.post(f"{first}/hooks", json=body, timeout=10, verify=str(fake_tools.tls.ca))
        assert reply.status_code == 200
        wait_until(lambda: any("evt_tunnel_1" in line for line in proc.stdout), timeout=WAIT)

        os.kill(int(str(run["pid"])), signal.SIGUSR1)  # the tool gets a new public URL
        second = wait_until(lambda: len(public_urls(proc)) == 2 and public_urls(proc)[1], timeout=WAIT)
        assert second != first
        assert second == one_run(fake_tools, second)["url"]
    finally:
        code = stop(proc)
    assert code == 0
    assert "Traceback" not in "\n".join(proc.stderr)
    assert not alive(int(str(run["pid"])))  # the tool ended with listen
    assert TunnelSettings(config).read().urls == (first, second)  # remembered for the next run


def test_a_killed_tool_is_restarted_and_the_webhooks_follow_it_verified_end_to_end(
    fake_tools: FakeTools,
    secret_service: SecretServiceSession,
    system_keyring: KeyringBackend,
    monkeypatch: pytest.MonkeyPatch,
    dirs: list[str],
    config: Path,
) -> None:
    fake_tools.on_path(monkeypatch)  # this process's sandbox delivers through the fake's TLS edge
    sandbox = SandboxServer(access_token=ACCESS, retry_schedule=(0.05, 0.1))
    sandbox.start()
    profile = Profile(LOCAL_SANDBOX, sandbox.url + "/v1", is_sandbox=True)
    ProfileStore(config).save(profile)
    service = WebhookService(SecretStore(), WebhookIndex(config))
    webhook_id = None
    env = fake_tools.env_for_subprocess(
        DBUS_SESSION_BUS_ADDRESS=secret_service.address, SANDBOX_ACCESS=ACCESS
    )
    proc = CliProcess(
        "listen",
        "--port",
        "0",
        *dirs,
        "--tunnel",
        "ngrok",
        "--follow-webhooks",
        LOCAL_SANDBOX,
        "--access-token-env",
        "SANDBOX_ACCESS",
        env=env,
    )
    try:
        proc.wait_listening(timeout=WAIT)
        first = wait_until(lambda: public_urls(proc) and public_urls(proc)[0], timeout=WAIT)
        saved = service.create(profile, f"{first}/hooks", ["card.created"], new_token(), access_token=ACCESS)
        webhook_id = saved.webhook.id

        os.kill(int(str(one_run(fake_tools, first)["pid"])), signal.SIGKILL)
        second = wait_until(lambda: len(public_urls(proc)) == 2 and public_urls(proc)[1], timeout=WAIT)
        wait_until(
            lambda: any("tunnel: warning: ngrok was killed by SIGKILL" in x for x in proc.stderr),
            timeout=WAIT,
        )
        wait_until(
            lambda: any(f"tunnel: {webhook_id} now points at {second}/hooks." in x for x in proc.stderr),
            timeout=WAIT,
        )
        with ProviderClient(profile, ACCESS) as client:
            assert client.get(webhook_id).url == f"{second}/hooks"
            event = client.trigger_event("card.created")
        line = wait_until(
            lambda: next((x for x in proc.stdout if event["event_id"] in x), None), timeout=WAIT
        )
        assert line.endswith(f"[verified {webhook_id}]"), line
        attempts = wait_until(lambda: sandbox.state.deliveries(event_id=event["event_id"]), timeout=WAIT)
        assert [(a.url, a.status) for a in attempts] == [(f"{second}/hooks", 200)]
        (move,) = TunnelSettings(config).read().moves
        assert (move.webhook_id, move.new_url, move.automatic, move.error) == (
            webhook_id,
            f"{second}/hooks",
            True,
            None,
        )
    finally:
        code = stop(proc)
        sandbox.stop()
        if webhook_id is not None:
            SecretStore().delete_webhook_token(webhook_id)
    assert code == 0
    assert "Traceback" not in "\n".join(proc.stderr)


def test_without_follow_a_stale_webhook_is_pointed_out(
    fake_tools: FakeTools, dirs: list[str], config: Path
) -> None:
    TunnelSettings(config).note_url("https://127.0.0.1:1")  # the tunnel of an earlier run
    index = WebhookIndex(config)
    index.upsert(KnownWebhook("wh_stale", LOCAL_SANDBOX, "https://127.0.0.1:1/hooks"))
    proc = CliProcess(
        "listen", "--port", "0", *dirs, "--tunnel", "cloudflared", env=fake_tools.env_for_subprocess()
    )
    try:
        proc.wait_listening(timeout=WAIT)
        url = wait_until(lambda: public_urls(proc) and public_urls(proc)[0], timeout=WAIT)
        note = wait_until(
            lambda: next((x for x in proc.stderr if x.startswith("tunnel: note:")), None), timeout=WAIT
        )
    finally:
        assert stop(proc) == 0
    assert note == (
        f"tunnel: note: wh_stale still points at https://127.0.0.1:1/hooks — update it to {url}/hooks? "
        '(run listen with --follow-webhooks "Local sandbox" to keep them on the tunnel)'
    )
    assert index.get("wh_stale").url == "https://127.0.0.1:1/hooks"  # type: ignore[union-attr]


@pytest.fixture
def no_tools_path(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    for tool in TOOLS:
        if find_tool(tool, search_path=os.pathsep.join(well_known_dirs())).found:  # type: ignore[arg-type]
            pytest.skip(f"this machine has a real {tool} where the app looks besides PATH")
    return {"PATH": str(empty)}


def test_a_tool_that_is_not_installed_is_refused_with_how_to_install_it(
    no_tools_path: dict[str, str], dirs: list[str], tmp_path: Path
) -> None:
    result = run_cli("listen", "--port", "0", *dirs, "--tunnel", "ngrok", env=no_tools_path)
    assert result.returncode == 2
    assert "listening on" not in result.stdout
    lines = result.stderr.splitlines()
    assert lines[0] == "Install ngrok (https://ngrok.com/download):"
    assert "  macOS: brew install ngrok/ngrok/ngrok" in lines
    assert any("ngrok config add-authtoken <YOUR_AUTHTOKEN>" in line for line in lines)
    assert lines[-1] == (
        "webhook-inspector: error: ngrok is not installed (it is not on PATH): install it as shown "
        "above, or give its location with --tunnel-path PATH"
    )
    assert not (tmp_path / "data").exists()  # refused before anything was created


def test_a_wrong_tunnel_path_is_one_sentence(dirs: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "cloudflared"
    result = run_cli("listen", "--port", "0", *dirs, "--tunnel", "cloudflared", "--tunnel-path", str(missing))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"webhook-inspector: error: The path {missing} set for cloudflared does not exist"
    )


def test_the_path_set_in_the_app_is_used(fake_tools: FakeTools, dirs: list[str], config: Path) -> None:
    TunnelSettings(config).set_tool_path(
        "cloudflared", str(Path(fake_tools.env["PATH"].split(os.pathsep)[0]))
    )
    env = fake_tools.env_for_subprocess()
    env["PATH"] = os.pathsep.join(env["PATH"].split(os.pathsep)[1:])  # the fakes' folder is not on PATH
    proc = CliProcess("listen", "--port", "0", *dirs, "--tunnel", "cloudflared", env=env)
    try:
        proc.wait_listening(timeout=WAIT)
        wait_until(lambda: public_urls(proc), timeout=WAIT)
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--follow-webhooks", "Local sandbox"], "--follow-webhooks goes with --tunnel"),
        (["--tunnel-path", "/x"], "--tunnel-path goes with --tunnel"),
        (["--tunnel", "cloudflared", "--follow-webhooks", "Nobody"], "no profile named 'Nobody'"),
    ],
)
def test_options_that_cannot_work_are_refused_before_listening(
    fake_tools: FakeTools, dirs: list[str], args: list[str], words: str
) -> None:
    result = run_cli("listen", "--port", "0", *dirs, *args, env=fake_tools.env_for_subprocess())
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("webhook-inspector: error: ") and words in line, line
    assert "listening on" not in result.stdout


def test_follow_without_an_access_token_is_refused(
    fake_tools: FakeTools, no_keyring: KeyringBackend, dirs: list[str], config: Path
) -> None:
    ProfileStore(config).save(Profile("Team", "http://127.0.0.1:9/v1", is_sandbox=True))
    env = fake_tools.env_for_subprocess(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    result = run_cli(
        "listen", "--port", "0", *dirs, "--tunnel", "ngrok", "--follow-webhooks", "Team", env=env
    )
    assert result.returncode == 2
    assert "no API access token for profile 'Team'" in result.stderr
    assert "--access-token-env NAME" in result.stderr
