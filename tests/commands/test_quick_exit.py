"""The console script ends ``check`` and ``add-event`` with ``os._exit`` (scaffold._entry):
what a normal exit does that anyone can see must still happen."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "check"


def _app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "idempotency", root)
    return root


def _script(body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", body], capture_output=True, text=True)


def test_check_prints_all_its_findings_and_its_exit_code_through_a_pipe(tmp_path: Path) -> None:
    root = _app(tmp_path)
    args = ["check", str(root / "node"), "--format", "json", "--no-cache"]
    in_process = CliRunner().invoke(cli.app, args)
    assert in_process.exit_code == 1
    result = subprocess.run(
        [sys.executable, "-m", "scaffold", *args], capture_output=True, text=True
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == json.loads(in_process.stdout)
    assert json.loads(result.stdout)  # findings, not an empty list


@pytest.mark.parametrize(
    ("rest", "typer_loaded"),
    [(["--no-cache"], False), (["--no-cache", "--"], True)],  # typer reads what follows --
    ids=["check-without-typer", "check-through-typer"],
)
def test_atexit_functions_still_run(rest: list[str], typer_loaded: bool, tmp_path: Path) -> None:
    root = _app(tmp_path)
    mark = tmp_path / "atexit-ran"
    result = _script(
        "import atexit, pathlib, sys\n"
        f"atexit.register(lambda: pathlib.Path({str(mark)!r}).write_text("
        "str('typer' in sys.modules)))\n"
        "from scaffold import _entry\n"
        f"sys.argv = ['scaffold', 'check', *{rest!r}, {str(root / 'node')!r}]\n"
        "_entry.run()\n"
        "print('not reached: run() ends the process')\n"
    )
    assert result.returncode == 1, result.stderr
    assert mark.read_text() == str(typer_loaded)
    assert "not reached" not in result.stdout
    assert "SC101" in result.stdout


def test_a_usage_error_keeps_exit_code_2_and_its_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scaffold", "check", "--no-such-flag"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "--no-such-flag" in result.stderr
    assert "Traceback" not in result.stderr


def test_other_commands_leave_the_normal_way(tmp_path: Path) -> None:
    """Only check and add-event skip the interpreter's clean-up: after ``run()`` of any
    other command the caller's code still runs (the normal SystemExit propagates)."""
    result = _script(
        "import sys\n"
        "from scaffold import _entry\n"
        "sys.argv = ['scaffold', 'docs', '--help']\n"
        "try:\n"
        "    _entry.run()\n"
        "except SystemExit as done:\n"
        "    print('exited', done.code)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("exited 0")


def test_add_event_writes_every_file_before_the_process_ends(tmp_path: Path) -> None:
    from scaffold.new import AppAnswers, create_app

    root = tmp_path / "gen"
    create_app(root, AppAnswers("acme", "order-sync", "Order Sync", "", "vbase", True))
    result = subprocess.run(
        [sys.executable, "-m", "scaffold", "add-event", "partner-ping"]
        + ["--sender", "acme.partner", "--topic", "ping", "-y", "-C", str(root)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "partnerPing" in (root / "node/events/index.ts").read_text()
    assert "partnerPing" in json.loads((root / "node/service.json").read_text())["events"]
    assert (root / "node/events/partnerPing.ts").is_file()
    assert (root / "node/__tests__/events/partnerPing.test.ts").is_file()
    assert "partnerPing" in (root / "README.md").read_text()  # the docs refresh, last
    check = subprocess.run(
        [sys.executable, "-m", "scaffold", "check", str(root), "--no-cache"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
