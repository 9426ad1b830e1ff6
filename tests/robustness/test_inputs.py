"""Inputs that cannot hurt: special files, huge files, hostile manifest ids, device names."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold import _read
from scaffold.check import check_app
from scaffold.errors import InvalidAnswerError, ProjectError
from scaffold.events import add_event

FIXTURE = Path(__file__).parents[1] / "fixtures" / "apps" / "inline-semicolons"
ROOT = Path(__file__).parents[2]
ADD = ["add-event", "orderPaid", "--sender", "vtex.orders-broadcast", "--topic", "order-paid"]


def regular_files(root: Path) -> dict[str, bytes]:
    """Every regular file's bytes (special files are what the test is about: not read)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and _is_regular(path):
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def _is_regular(path: Path) -> bool:
    import stat

    return stat.S_ISREG(path.lstat().st_mode)


def fifo(app: Path) -> str:
    os.mkfifo(app / "node/events/pipe.ts")
    return "node/events/pipe.ts"


def dev_zero(app: Path) -> str:
    (app / "node/zero.ts").symlink_to("/dev/zero")
    return "node/zero.ts"


def huge(app: Path) -> str:
    with (app / "node/huge.ts").open("wb") as handle:
        handle.truncate(_read.MAX_BYTES + 1)  # sparse: costs no disk
    return "node/huge.ts"


SPECIALS = {"fifo": fifo, "dev-zero": dev_zero, "huge": huge}


def scaffold(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # A subprocess with a timeout: a hang fails the test instead of stopping the run.
    return subprocess.run(
        [sys.executable, "-m", "scaffold", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("special", sorted(SPECIALS))
@pytest.mark.parametrize("command", ["check", "list", "graph", "add-event", "remove-event"])
def test_special_files_never_hang_nor_crash(tmp_path: Path, special: str, command: str) -> None:
    app = Path(shutil.copytree(FIXTURE, tmp_path / "app"))
    rel = SPECIALS[special](app)
    before = regular_files(app)
    args = {
        "add-event": [*ADD, "-C", str(app)],
        "remove-event": ["remove-event", "orderCreated", "-C", str(app)],
    }.get(command, [command, str(app)])
    done = scaffold(*args)
    assert "Traceback" not in done.stderr, done.stderr
    assert "MemoryError" not in done.stderr
    if command == "check":
        # A finding names the file and why it was not read.
        assert done.returncode == 1
        why = "more than the 8388608 bytes" if special == "huge" else "not a regular file"
        assert f"{rel}:1:1 SC000 error: cannot read this file" in done.stdout
        assert why.replace(" bytes", "") in done.stdout
    elif done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        assert lines[-1].startswith("error: ") and rel in lines[-1], lines
        assert regular_files(app) == before


def test_read_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(_read.NotARegularFile, match="FIFO"):
        _read.read_bytes(tmp_path / "pipe")
    with pytest.raises(_read.NotARegularFile, match="character device"):
        _read.read_bytes(Path("/dev/zero"))
    (tmp_path / "big").write_bytes(b"x" * 11)
    with pytest.raises(_read.NotARegularFile, match="11 bytes, more than the 10"):
        _read.read_bytes(tmp_path / "big", limit=10)
    assert _read.read_bytes(tmp_path / "big", limit=11) == b"x" * 11
    with pytest.raises(IsADirectoryError):
        _read.read_bytes(tmp_path)
    with pytest.raises(FileNotFoundError):
        _read.read_bytes(tmp_path / "missing")


def test_check_finds_the_fifo_among_other_findings(tmp_path: Path) -> None:
    app = Path(shutil.copytree(FIXTURE, tmp_path / "app"))
    os.mkfifo(app / "node/events/pipe.ts")
    findings = check_app(app)
    assert [f.path for f in findings if "FIFO" in f.message] == ["node/events/pipe.ts"]


# --- manifest vendor / name, used in code, routes and senders -----------------------------


@pytest.mark.parametrize(
    ("field", "value", "expect"),
    [
        ("name", "x';process.exit(3);'", r"invalid app name"),
        ("name", "order sync", r"invalid app name"),
        ("vendor", "ac me", r"invalid vendor"),
        ("vendor", "Acme", r"invalid vendor"),
    ],
)
def test_add_refuses_a_manifest_id_it_would_write_into_code(
    tmp_path: Path, field: str, value: str, expect: str
) -> None:
    app = Path(shutil.copytree(FIXTURE, tmp_path / "app"))
    manifest = json.loads((app / "manifest.json").read_text())
    manifest[field] = value
    (app / "manifest.json").write_text(json.dumps(manifest))
    before = regular_files(app)
    with pytest.raises(ProjectError, match=rf"^manifest\.json: `{field}`: {expect}") as caught:
        add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["order-paid"])
    assert "\n" not in str(caught.value)
    assert regular_files(app) == before
    done = scaffold("add-worker", "sync-items", "-C", str(app))
    assert done.returncode != 0 and done.stderr.count("\n") == 1, done.stderr
    assert regular_files(app) == before
    findings = [f for f in check_app(app) if f.path == "manifest.json" and f.rule == "SC304"]
    assert len(findings) == 1 and field in findings[0].message


# --- names Windows reserves ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["add-event", "con", "--sender", "vtex.orders-broadcast", "--topic", "order-paid"],
        ["add-event", "Nul", "--sender", "vtex.orders-broadcast", "--topic", "order-paid"],
        ["add-worker", "lpt1"],
        ["add-worker", "sync-items", "--topic", "aux"],
        ["add-publisher", "com9"],
    ],
    ids=["con", "Nul", "lpt1", "topic-aux", "com9"],
)
def test_windows_device_names_are_refused(tmp_path: Path, args: list[str]) -> None:
    app = Path(shutil.copytree(FIXTURE, tmp_path / "app"))
    before = regular_files(app)
    done = scaffold(*args, "-C", str(app), "-y")
    assert done.returncode == 1
    assert "device name on Windows" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: ")
    assert regular_files(app) == before


def test_device_like_names_that_are_not_devices_pass(tmp_path: Path) -> None:
    app = Path(shutil.copytree(FIXTURE, tmp_path / "app"))
    add_event(app, "com10", sender="vtex.orders-broadcast", topics=["order-paid"])
    assert (app / "node/events/com10.ts").exists()
    with pytest.raises(InvalidAnswerError, match="device name"):
        add_event(app, "com1", sender="vtex.orders-broadcast", topics=["order-paid"])


# --- small things a new user meets -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [*ADD, "--store", "redis"],
        ["add-worker", "sync-items", "--store", "redis"],
        ["add-publisher", "item-changed", "--store", "redis"],
    ],
    ids=["add-event", "add-worker", "add-publisher"],
)
def test_a_bad_store_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    app = Path(shutil.copytree(FIXTURE, tmp_path / "app"))
    before = regular_files(app)
    done = scaffold(*args, "-C", str(app))
    assert done.returncode == 2  # an option error, like click's own (README)
    assert done.stderr.strip().splitlines() == [
        "error: invalid --store 'redis': choose one of vbase, masterdata"
    ]
    assert regular_files(app) == before


def test_a_bad_store_on_new_is_a_usage_error_too(tmp_path: Path) -> None:
    done = scaffold(
        "new", str(tmp_path / "app"), "--vendor", "acme", "--store", "redis", "--defaults"
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: invalid --store 'redis': choose one of vbase, masterdata"
    ]
    assert not (tmp_path / "app").exists()


@pytest.mark.parametrize("command", ["check", "list", "graph"])
def test_commands_without_dash_c_do_not_suggest_it(tmp_path: Path, command: str) -> None:
    done = scaffold(command, str(tmp_path))
    assert done.returncode == 1
    line = done.stderr.strip().splitlines()[-1]
    assert line.endswith("or pass its folder as DIR") and "-C" not in line
    done = scaffold("add-publisher", "item-changed", "-C", str(tmp_path))
    assert done.stderr.strip().endswith("or pass -C PATH")


def test_the_longest_worker_name_needs_its_topic_named(tmp_path: Path) -> None:
    app = Path(shutil.copytree(FIXTURE, tmp_path / "app"))
    before = regular_files(app)
    longest = "a" * 64
    done = scaffold("add-worker", longest, "-C", str(app), "-y")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: worker name '{longest}' gives the topic '{'a' * 20}'... (74 characters, at "
        "most 64): pass a shorter --topic, or a worker name of at most 54 characters"
    ]
    assert regular_files(app) == before
    done = scaffold("add-worker", longest, "--topic", "bulk-requested", "-C", str(app), "-y")
    assert done.returncode == 0, done.stderr
    assert (app / f"node/workers/{longest}.ts").is_file()
    done = scaffold("add-worker", "b" * 54, "-C", str(app), "-y")
    assert done.returncode == 0, done.stderr


def test_new_in_a_folder_whose_name_is_no_app_name_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "My App"
    folder.mkdir()
    done = scaffold("new", ".", "--vendor", "acme", "--defaults", cwd=folder)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: missing name (the folder name 'My App' is not a valid app name): pass it with "
        "--name (or --data name=...)"
    ]
    assert not any(folder.iterdir())


def test_new_with_an_empty_destination_writes_nothing(tmp_path: Path) -> None:
    # `scaffold new "$DIR"` with DIR unset: '' is a mistake, not "this folder".
    done = scaffold("new", "", "--vendor", "acme", "--defaults", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: empty destination folder: name the new app's folder (scaffold new order-sync), "
        "or pass . for this folder"
    ]
    assert not any(tmp_path.iterdir())


def test_an_import_of_a_json_file_is_no_folder_to_enter(tmp_path: Path) -> None:
    # Real apps import data files (`import report from './report.json'`); looking for
    # `report.json/index.ts` must find nothing, not refuse a folder without the x bit.
    app = Path(shutil.copytree(FIXTURE, tmp_path / "app"))
    (app / "node/report.json").write_text('{"a": 1}\n')
    index = app / "node/index.ts"
    index.write_text("import report from './report.json'\n" + index.read_text())
    add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["order-paid"])
    assert (app / "node/events/orderPaid.ts").is_file()
