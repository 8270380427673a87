"""`webhook-inspector --self-test`, run for real in a subprocess as a user (or CI) runs it."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.commands import selftest
from inspector.core.diagnostics import LOG_DIR_ENV
from tests.keyring_service import SecretServiceSession

CLEARED_ENV = ("HOME", "DISPLAY", "WAYLAND_DISPLAY", "PYTHON_KEYRING_BACKEND", "QT_QPA_PLATFORM")
WINDOW_BUILT = importlib.util.find_spec(selftest.WINDOW_MODULE) is not None


def run_self_test(home: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    # A fake home and XDG dirs: the self-test must not need (or write) anything of the user's.
    # No display and no QT_QPA_PLATFORM: the self-test must pick offscreen by itself.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "DBUS_SESSION")) and key not in CLEARED_ENV and key != LOG_DIR_ENV
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),  # where the log goes (platformdirs' user log dir)
        **extra_env,
    )
    return subprocess.run(
        [sys.executable, "-m", "inspector", "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_self_test_passes_every_check_and_leaves_the_user_dirs_alone(tmp_path: Path) -> None:
    result = run_self_test(tmp_path / "home")

    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    # The offscreen platform's own limits are not the app's: not in the report.
    assert "propagateSizeHints" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "self-test passed"
    checks = lines[:-1]
    allowed_skips = [] if WINDOW_BUILT else ["skip window: not built in this version"]
    assert [re.sub(r" \[\d+ ms\]$", "", line) for line in checks if not line.startswith("ok  ")] == (
        allowed_skips
    )
    assert all(re.search(r" \[\d+ ms\]$", line) for line in checks)  # each check says what it took
    text = "\n".join(checks)
    for expected in (
        "ok  resources: icons/app.png",
        "ok  keyring backends loaded:",
        "ok  keyring: ",
        "ok  listener bound on http://127.0.0.1:",
        "ok  delivery with the token accepted (200",
        "ok  delivery with a wrong token rejected (401)",
        "ok  delivery stored and read back",
    ):
        assert expected in text
    if WINDOW_BUILT:
        assert "ok  window shown (" in text and "Qt platform offscreen" in text
        assert "ok  window closed" in text
    # Nothing of ours was created in the (fake) user's data, config or cache dirs; like every
    # command, the self-test keeps a log in the user log dir (a failed check is worth sending).
    log_dir = tmp_path / "home" / "state" / "webhook-inspector" / "log"
    assert [p for p in tmp_path.rglob("*") if "webhook" in p.name.lower()] == [log_dir.parent]
    assert sorted(p.name for p in log_dir.iterdir()) == ["selftest.log"]
    assert "stopped webhook-inspector (selftest), exit code 0" in (log_dir / "selftest.log").read_text()


def test_self_test_names_the_real_keyring_when_one_is_running(
    tmp_path: Path, secret_service: SecretServiceSession
) -> None:
    result = run_self_test(tmp_path / "home", DBUS_SESSION_BUS_ADDRESS=secret_service.address)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok  keyring: Secret Service (keyring.backends.SecretService.Keyring)" in result.stdout


def test_without_a_keyring_the_self_test_says_so_and_still_passes(tmp_path: Path) -> None:
    result = run_self_test(tmp_path / "home", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok  keyring: none available (secrets kept for this session only)" in result.stdout


def test_a_failing_check_prints_fail_and_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A build that lost a resource: the one case we can break without breaking the machine.
    monkeypatch.setattr(selftest, "REQUIRED_RESOURCES", ("icons/app.png", "icons/not-shipped.png"))
    monkeypatch.setattr(selftest, "WINDOW_MODULE", "inspector.ui.no_such_window")
    # In-process: leave keyring's process-wide backend choice to the keyring tests.
    monkeypatch.setattr(selftest, "_keyring_in_use", lambda: "keyring: not asked in this test")

    code = selftest.run(argparse_namespace())

    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL resources: missing from this build: icons/not-shipped.png" in out
    assert "ok  delivery stored and read back" in out  # later checks still ran
    assert out.splitlines()[-1] == "self-test FAILED"


def test_a_keyring_backend_that_cannot_import_its_platform_module_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a frozen build that lost secretstorage (or its _cffi_backend) looks like.
    monkeypatch.setattr(
        selftest, "_PLATFORM_KEYRING", {sys.platform: ("SecretService", "no_such_module_for_self_test")}
    )

    with pytest.raises(selftest.CheckFailed, match="SecretService backend cannot work"):
        selftest._check_keyring_backends()


def argparse_namespace() -> argparse.Namespace:
    return argparse.Namespace(data_dir=None, config_dir=None, host="127.0.0.1", port=0, token_env=None)
