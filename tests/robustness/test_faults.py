"""Faults during a write: the app is left in its old state (or the new one), never a mix.

Failures are real where the machine allows: a write refused by the kernel for an unprivileged
user (a subprocess that drops to ``nobody`` after loading everything it needs), signals sent
to a real process while it renames files, two processes on one app. A full disk is simulated
(ENOSPC on the second rename), since no test can fill a disk here.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app as cli
from tests.reliability import one_error_line, tree_state

FIXTURE = Path(__file__).parents[1] / "fixtures" / "apps" / "inline-semicolons"
ROOT = Path(__file__).parents[2]
ADD = ["add-event", "orderPaid", "--sender", "vtex.orders-broadcast", "--topic", "order-paid"]
NOBODY = 65534


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "app"))


@pytest.mark.parametrize(
    ("code", "message"),
    [(errno.ENOSPC, "No space left on device"), (errno.EACCES, "Permission denied")],
    ids=["disk-full", "permission-denied"],
)
def test_second_rename_fails(
    app: Path, monkeypatch: pytest.MonkeyPatch, code: int, message: str
) -> None:
    before = tree_state(app)
    real = Path.replace
    renames: list[str] = []

    def failing(self: Path, target: str | os.PathLike[str]) -> Path:
        renames.append(str(target))
        if len(renames) == 2:
            raise OSError(code, os.strerror(code), str(target))
        return real(self, target)

    monkeypatch.setattr(Path, "replace", failing)
    result = CliRunner().invoke(cli, [*ADD, "-C", str(app)])
    monkeypatch.undo()
    line = one_error_line(result)
    assert f"{message}; nothing was changed" in line
    assert len(renames) > 2  # the first rename happened and was undone by another one
    assert tree_state(app) == before


def test_temp_file_write_fails(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold import _changes

    before = tree_state(app)
    real = _changes._temp_copy
    calls: list[Path] = []

    def failing(target: Path, data: bytes) -> Path:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), str(target))
        return real(target, data)

    monkeypatch.setattr(_changes, "_temp_copy", failing)
    line = one_error_line(CliRunner().invoke(cli, [*ADD, "-C", str(app)]))
    monkeypatch.undo()
    assert "quota exceeded; nothing was changed" in line
    assert tree_state(app) == before
    assert not [p for p in app.rglob("*.tmp")]


# --- real processes --------------------------------------------------------------------------

# Runs scaffold with a pause after the first rename of apply: it writes MARKER, then waits
# until RELEASE exists (at most 60 s).
PAUSING = """
import pathlib, sys, time
marker, release, args = sys.argv[1], sys.argv[2], sys.argv[3:]
real = pathlib.Path.replace
count = []
def replace(self, target):
    out = real(self, target)
    count.append(target)
    if len(count) == 1:
        pathlib.Path(marker).write_text("renamed one file")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not pathlib.Path(release).exists():
            time.sleep(0.02)
    return out
pathlib.Path.replace = replace
sys.argv = ["scaffold", *args]
from scaffold.cli import main
main()
"""


def start_pausing(marker: Path, release: Path, args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", PAUSING, str(marker), str(release), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for(marker: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never reached its first rename"
        time.sleep(0.02)


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_signal_during_apply_leaves_the_old_state(app: Path, tmp_path: Path, name: str) -> None:
    sig = signal.Signals[name]
    before = tree_state(app)
    marker = tmp_path / "marker"
    release = tmp_path / "release"
    process = start_pausing(marker, release, [*ADD, "-C", str(app)])
    wait_for(marker, process)
    assert tree_state(app) != before  # caught in the middle: one file is already renamed
    process.send_signal(sig)
    time.sleep(0.2)  # let it be delivered while the process still holds its first rename
    release.touch()
    _, stderr = process.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert process.returncode == 130
        assert stderr.strip().splitlines() == ["error: aborted, nothing was written"]
    else:
        assert process.returncode == -sig  # ended by the signal, after the rollback
        assert "Traceback" not in stderr
    assert tree_state(app) == before


def test_second_run_is_refused_while_the_first_writes(app: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    release = tmp_path / "release"
    first = start_pausing(marker, release, [*ADD, "-C", str(app)])
    wait_for(marker, first)
    second = subprocess.run(
        [sys.executable, "-m", "scaffold", "add-worker", "syncStock", "-C", str(app)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    release.touch()
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        f"error: another scaffold command is changing {app} right now; nothing was written: "
        "wait for it to finish and run again"
    ]
    service = json.loads((app / "node/service.json").read_text(encoding="utf-8"))
    assert set(service["events"]) == {"orderCreated", "skuChanged", "orderPaid"}
    assert not (app / "node/workers").exists()


# --- as an unprivileged user: the kernel refuses, not our mode checks -------------------------

AS_NOBODY = """
import json, os, sys
from typer.testing import CliRunner
from scaffold.cli import app
warm, target, args = sys.argv[1], sys.argv[2], sys.argv[3:]
CliRunner().invoke(app, [*args, "-C", warm])  # load every module while still root
from scaffold import _render
_render.environment().auto_reload = False  # templates stay cached: the checkout may be private
os.setegid(NOBODY)
os.seteuid(NOBODY)
result = CliRunner().invoke(app, [*args, "-C", target])
print(json.dumps({"code": result.exit_code, "output": result.output}))
""".replace("NOBODY", str(NOBODY))


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder an unprivileged user can enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="scaffold-nobody-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def run_as_nobody(shared: Path, target: Path, args: list[str]) -> tuple[int, str]:
    assert os.geteuid() == 0, "these tests drop from root to nobody; CI runs as root"
    warm = Path(shutil.copytree(FIXTURE, shared / "warm"))
    done = subprocess.run(
        [sys.executable, "-c", AS_NOBODY, str(warm), str(target), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
        cwd=shared,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], report["output"]


def test_unreadable_for_the_user(shared: Path) -> None:
    app = Path(shutil.copytree(FIXTURE, shared / "app"))
    (app / "node/service.json").chmod(0o600)  # root's: readable by its owner only
    before = tree_state(app)
    code, output = run_as_nobody(shared, app, ADD)
    assert code == 1
    assert output.splitlines()[-1] == (
        "error: cannot read node/service.json: Permission denied; nothing was changed"
    )
    assert tree_state(app) == before


def test_rename_refused_halfway_by_the_kernel(shared: Path) -> None:
    """manifest.json and two new files are in place when node/index.ts cannot be replaced.

    The app folder and node/events are writable by anyone; node/ is sticky (like /tmp), so
    nobody may create files there but not replace root's node/index.ts: the kernel says EPERM
    on the fourth rename, and the three before it must be undone.
    """
    app = Path(shutil.copytree(FIXTURE, shared / "app"))
    app.chmod(0o777)
    (app / "node/events").chmod(0o777)
    (app / "node").chmod(0o1777)
    before = tree_state(app)
    code, output = run_as_nobody(shared, app, ADD)
    assert code == 1
    assert output.splitlines()[-1] == (
        "error: cannot write node/index.ts: Operation not permitted; nothing was changed"
    )
    assert tree_state(app) == before
