"""How each tool is started, and how its public URL is read (local API first, its output second).

cloudflared: `cloudflared tunnel --no-autoupdate --grace-period 3s --url http://127.0.0.1:PORT
--metrics 127.0.0.1:M` starts a quick tunnel. Its metrics server answers `GET /quicktunnel` with
`{"hostname": "…"}`, the quick tunnel's hostname (what cloudflared's own metrics handler and
component tests do; tests/fakes/fake_cloudflared answers the same). We choose M, so the endpoint
is ours and not another cloudflared's. The log (stderr) has the URL in a box:

    … INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |
    … INF |  https://word-word-word-word.trycloudflare.com                                             |

`--no-autoupdate`: otherwise cloudflared may replace itself and restart under us. `--grace-period`:
on SIGTERM it waits that long for requests in flight (30 s by default), longer than we wait before
SIGKILL.

ngrok: `ngrok http 127.0.0.1:PORT --log stdout --log-format logfmt` uses the user's own config
(authtoken, region). It logs where its agent API listens and the tunnel it started:

    t=… lvl=info msg="starting web service" obj=web addr=127.0.0.1:4040 allow_hosts=[]
    t=… lvl=info msg="started tunnel" obj=tunnels name=command_line addr=http://127.0.0.1:8765
        url=https://abcd.ngrok-free.app    (one line)

The API port comes from that line (4040 is only the first choice; a second agent gets 4041), and
`GET /api/tunnels` there is read by inspector/core/tunnel/detect.py. Both tools get 127.0.0.1 rather than
"localhost" because the listener binds IPv4 loopback and "localhost" may mean ::1 first.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence

from inspector.core.tunnel.detect import detect_tunnel, public_origin
from inspector.core.tunnel.tools import ToolName

GRACE_PERIOD = "3s"
_LOGFMT = re.compile(r'(?P<key>[A-Za-z_][\w.-]*)=(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>\S*))')
_BOX_URL = re.compile(r"\|\s*(?P<url>https://[^\s|]+)\s*\|")
_TRYCLOUDFLARE = re.compile(r"https://[a-z0-9-]+\.trycloudflare\.com\b")

# Output that means restarting cannot help: (text in a line, what to tell the user).
_NGROK_AUTH = (
    "ngrok needs a valid authtoken: run `ngrok config add-authtoken <YOUR_AUTHTOKEN>` with the token "
    "from https://dashboard.ngrok.com/get-started/your-authtoken, then start the tunnel again."
)
FATAL_OUTPUT: dict[ToolName, tuple[tuple[str, str], ...]] = {
    "ngrok": (
        ("ERR_NGROK_4018", _NGROK_AUTH),
        ("ERR_NGROK_105", _NGROK_AUTH),
        ("ERR_NGROK_107", _NGROK_AUTH),
        (
            "ERR_NGROK_108",
            "ngrok allows only one agent session on this account and another ngrok is running: "
            "stop it, or let the app use that one.",
        ),
    ),
    "cloudflared": (
        (
            "Incorrect Usage",
            "This cloudflared does not understand the options for a quick tunnel: update cloudflared.",
        ),
        (
            "use `cloudflared tunnel run` to start tunnel",
            "cloudflared's config file names a tunnel, so it will not start a quick tunnel: "
            "move ~/.cloudflared/config.yml aside or run that tunnel yourself.",
        ),
    ),
}


def logfmt(line: str) -> dict[str, str]:
    """The key=value fields of a logfmt line (quoted values unescaped only for `\\"`)."""
    fields = {}
    for match in _LOGFMT.finditer(line):
        quoted = match["quoted"]
        fields[match["key"]] = quoted.replace('\\"', '"') if quoted is not None else match["bare"]
    return fields


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the tool binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class Agent:
    """One run of a tool: its command line, and what its output and API said about the URL."""

    name: ToolName

    def __init__(self, executable: str, local_port: int, api_timeout: float) -> None:
        self.executable = executable
        self.local_port = local_port
        self.api_timeout = api_timeout
        self.output_url: str | None = None  # the latest public URL the output named
        self.fatal: str | None = None
        self.changes = 0  # counts what the output taught us (URL, API address, fatal error)

    def command(self) -> list[str]:
        raise NotImplementedError

    def feed(self, line: str) -> bool:
        """Read one raw output line; True when it taught us something (see `changes`)."""
        before = self.changes
        for needle, reason in FATAL_OUTPUT[self.name]:
            if needle in line and self.fatal is None:
                self.fatal = reason
                self.changes += 1
        url = self._url_in(line)
        if url is not None and url != self.output_url:
            self.output_url = url
            self.changes += 1
        return self.changes != before

    def _url_in(self, line: str) -> str | None:
        raise NotImplementedError

    def api_url(self) -> str | None:
        """The public URL from the tool's local API, or None when it does not answer (yet)."""
        raise NotImplementedError


class CloudflaredAgent(Agent):
    name: ToolName = "cloudflared"

    def __init__(self, executable: str, local_port: int, api_timeout: float) -> None:
        super().__init__(executable, local_port, api_timeout)
        self.metrics_port = free_port()
        self._box_opened = False

    def command(self) -> list[str]:
        return [
            self.executable,
            "tunnel",
            "--no-autoupdate",
            "--grace-period",
            GRACE_PERIOD,
            "--url",
            f"http://127.0.0.1:{self.local_port}",
            "--metrics",
            f"127.0.0.1:{self.metrics_port}",
        ]

    def _url_in(self, line: str) -> str | None:
        if "Your quick Tunnel has been created" in line:
            self._box_opened = True
            return None
        if self._box_opened:
            match = _BOX_URL.search(line)
            if match:
                self._box_opened = False
                return public_origin(match["url"])
        match = _TRYCLOUDFLARE.search(line)
        return match[0] if match else None  # the pattern allows nothing but a plain origin

    def api_url(self) -> str | None:
        result = detect_tunnel(
            self.local_port, ngrok_ports=(), cloudflared_ports=(self.metrics_port,), timeout=self.api_timeout
        )
        return result.url


class NgrokAgent(Agent):
    name: ToolName = "ngrok"

    def __init__(self, executable: str, local_port: int, api_timeout: float) -> None:
        super().__init__(executable, local_port, api_timeout)
        self.api_host: str | None = None
        self.api_port: int | None = None

    def command(self) -> list[str]:
        return [
            self.executable,
            "http",
            f"127.0.0.1:{self.local_port}",
            "--log",
            "stdout",
            "--log-format",
            "logfmt",
        ]

    def _url_in(self, line: str) -> str | None:
        fields = logfmt(line)
        msg = fields.get("msg")
        if msg == "starting web service":
            self._web_addr(fields.get("addr", ""))
        elif msg == "started tunnel":
            return public_origin(fields.get("url", ""))
        return None

    def _web_addr(self, addr: str) -> None:
        host, sep, port = addr.rpartition(":")
        if not sep or not port.isdigit():
            return
        host = host.strip("[]")
        self.changes += 1
        # A wildcard bind is reachable on loopback; ask there rather than on every interface.
        self.api_host = {
            "": "127.0.0.1",
            "0.0.0.0": "127.0.0.1",
            "localhost": "127.0.0.1",
            "::": "[::1]",
        }.get(host, f"[{host}]" if ":" in host else host)
        self.api_port = int(port)

    def api_url(self) -> str | None:
        if self.api_port is None or self.api_host is None:
            return None  # the API's port is only known once ngrok has logged it
        ports: Sequence[int] = (self.api_port,)
        result = detect_tunnel(
            self.local_port,
            host=self.api_host,
            ngrok_ports=ports,
            cloudflared_ports=(),
            timeout=self.api_timeout,
        )
        # A tunnel to another port (a warning) is not the one we started.
        return result.url if result.warning is None else None


AGENTS: dict[ToolName, type[Agent]] = {"cloudflared": CloudflaredAgent, "ngrok": NgrokAgent}
