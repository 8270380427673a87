"""start_run / RunDiagnostics.close in real child processes: what one command's life leaves behind."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.core.diagnostics.conftest import RunChild

RUN = (
    "import json, sys\n"
    "from inspector.core.diagnostics import start_run\n"
    "run = start_run(sys.argv[1], verbose='-v' in sys.argv)\n"
    "found = run.previous_crash\n"
    "print(json.dumps(None if found is None else found.message), flush=True)\n"
)


def test_a_clean_run_logs_start_and_stop_and_leaves_only_its_log(run_child: RunChild, tmp_path: Path) -> None:
    result = run_child(RUN + "run.close(3)\n", "export")
    logs = tmp_path / "logs"
    assert result.returncode == 0
    assert json.loads(result.stdout) is None
    assert result.stderr == ""
    assert sorted(p.name for p in logs.iterdir()) == ["export.log"]
    text = (logs / "export.log").read_text()
    assert "INFO    inspector.app" in text
    assert "started webhook-inspector " in text and "(export)" in text
    assert "stopped webhook-inspector (export), exit code 3" in text


def test_the_run_after_a_crash_hears_of_it_once(run_child: RunChild, tmp_path: Path) -> None:
    crashed = run_child(RUN + "import faulthandler\nfaulthandler._sigsegv()\n", "gui")
    assert crashed.returncode == -signal.SIGSEGV
    after = run_child(RUN + "run.close()\n", "listen", "-v")
    message = json.loads(after.stdout)
    assert message.startswith(
        "The last run of webhook-inspector gui crashed (Fatal Python error: Segmentation"
    )
    report = Path(message.rsplit("the report is at ", 1)[1])
    assert report.parent == tmp_path / "logs" and report.is_file()
    assert "previous run crashed" in after.stderr  # verbose: the log line on stderr too
    again = run_child(RUN + "run.close()\n", "listen")
    assert json.loads(again.stdout) is None


def test_an_unwritable_log_dir_is_one_warning_and_the_command_runs_on(
    run_child: RunChild, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_child(
        RUN + "print('still running', flush=True)\nrun.close()\n",
        "listen",
        env={"WEBHOOK_INSPECTOR_LOG_DIR": str(blocker / "logs")},
    )
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["null", "still running"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("webhook-inspector:")]
    assert warnings == [
        f"webhook-inspector: cannot write the log file {blocker / 'logs' / 'listen.log'}: Not a directory; "
        "logging to stderr only"
    ]
    assert "WARNING" not in result.stderr and "Traceback" not in result.stderr
    assert "INFO inspector.app: started webhook-inspector" in result.stderr
