"""A reader that stops reading (`scaffold ... | head`) is not an error of the command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scaffold.new import AppAnswers, create_app

ANSWERS = AppAnswers(
    vendor="acme",
    name="order-sync",
    title="Order Sync",
    description="",
    store="vbase",
    example=True,
)


def run_with_closed_stdout(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run scaffold with the read end of its stdout closed before it writes anything."""
    with subprocess.Popen(
        [sys.executable, "-m", "scaffold", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()
        stderr = child.stderr.read()
        code = child.wait(timeout=120)
    return subprocess.CompletedProcess(child.args, code, "", stderr)


def test_an_add_whose_summary_cannot_be_printed_is_applied_and_says_no_falsehood(
    tmp_path: Path,
) -> None:
    app = tmp_path / "order-sync"
    create_app(app, ANSWERS)
    done = run_with_closed_stdout(
        app, "add-event", "order-paid", "--sender", "vtex.orders-broadcast", "--topic", "order-paid"
    )
    assert (app / "node/events/orderPaid.ts").is_file()
    assert "nothing was changed" not in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.returncode == 141, done.stderr


def test_list_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    app = tmp_path / "order-sync"
    create_app(app, ANSWERS)
    done = run_with_closed_stdout(app, "list")
    assert done.stderr == ""
    assert done.returncode == 141
