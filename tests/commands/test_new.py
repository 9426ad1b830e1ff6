"""``scaffold new``: flags, answers files, validation, destination rules, dry run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from scaffold import new as new_
from scaffold._answers import AppAnswers
from scaffold.cli import app
from scaffold.errors import UserError
from tests.helpers import snapshot

FULL = ["--vendor", "acme", "--name", "order-sync", "--store", "vbase"]


def answers_of(dest: Path) -> dict[str, object]:
    data = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


def test_flags_only_renders_app_with_answers_file(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "order-sync"
    result = runner.invoke(
        app,
        [
            "new",
            str(dest),
            *FULL,
            "--title",
            "Order Sync Pro",
            "--description",
            "Keeps orders in sync",
            "--no-example",
        ],
    )
    assert result.exit_code == 0, result.output
    assert answers_of(dest) == {
        "vendor": "acme",
        "name": "order-sync",
        "title": "Order Sync Pro",
        "description": "Keeps orders in sync",
        "store": "vbase",
        "example": False,
    }
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["vendor"] == "acme"
    assert f"Created acme.order-sync in {dest}" in result.output


def test_dest_defaults_to_name(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new", *FULL, "--defaults"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "order-sync" / "manifest.json").is_file()


def test_defaults_take_name_and_title_from_dest(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "stock-feed"
    result = runner.invoke(app, ["new", str(dest), "--vendor", "acme", "--defaults"])
    assert result.exit_code == 0, result.output
    assert answers_of(dest) == {
        "vendor": "acme",
        "name": "stock-feed",
        "title": "Stock Feed",
        "description": "",
        "store": "vbase",
        "example": True,
    }


def test_optional_answers_default_without_tty(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "x"
    result = runner.invoke(app, ["new", str(dest), *FULL])
    assert result.exit_code == 0, result.output
    assert answers_of(dest)["title"] == "Order Sync"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--name", "order-sync"], "--vendor"),
        (["--vendor", "acme"], "--name"),
    ],
)
def test_missing_required_without_tty_names_the_flag(
    runner: CliRunner, tmp_path: Path, args: list[str], flag: str
) -> None:
    dest = tmp_path / "Not_A_Valid_Name"
    result = runner.invoke(app, ["new", str(dest), *args])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: missing")
    assert flag in lines[0]
    assert not dest.exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--vendor", "Acme"], "invalid vendor 'Acme'"),
        (["--vendor", "ac-me"], "invalid vendor 'ac-me'"),
        (["--name", "Order_Sync"], "invalid app name 'Order_Sync'"),
        (["--name", "order--sync"], "invalid app name 'order--sync'"),
        (["--name", "-order"], "invalid app name '-order'"),
        (["--data", "store=redis"], "invalid store 'redis' in --data"),  # --store: exit 2
        (["--data", "example=maybe"], "invalid example 'maybe'"),
        (["--data", "colour=blue"], "unknown answer 'colour'"),
        (["--data", "vendor"], "use KEY=VALUE"),
        (["--title", ""], "empty title"),
        (["--description", "two\nlines"], "single line"),
    ],
)
def test_bad_answers_one_line_exit_1_nothing_written(
    runner: CliRunner, tmp_path: Path, args: list[str], needle: str
) -> None:
    dest = tmp_path / "app"
    base = {"--vendor": "acme", "--name": "order-sync"}
    for flag in args[::2]:
        base.pop(flag, None)
    flat = [x for kv in base.items() for x in kv]
    result = runner.invoke(app, ["new", str(dest), *flat, *args, "--defaults"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert needle in lines[0]
    assert "Traceback" not in result.output
    assert not dest.exists()


def test_data_pairs_and_file_with_precedence(runner: CliRunner, tmp_path: Path) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text(
        "vendor: fromfile\nname: file-app\nstore: masterdata\nexample: false\n_commit: x\n"
    )
    dest = tmp_path / "app"
    result = runner.invoke(
        app,
        [
            "new",
            str(dest),
            "--data-file",
            str(data_file),
            "--data",
            "name=data-app",
            "--data",
            "title=From Data",
            "--vendor",
            "fromflag",
            "--defaults",
        ],
    )
    assert result.exit_code == 0, result.output
    assert answers_of(dest) == {
        "vendor": "fromflag",  # flag beats --data and --data-file
        "name": "data-app",  # --data beats --data-file
        "title": "From Data",
        "description": "",
        "store": "masterdata",
        "example": False,
    }


def test_data_file_json(runner: CliRunner, tmp_path: Path) -> None:
    data_file = tmp_path / "answers.json"
    data_file.write_text(json.dumps({"vendor": "acme", "name": "json-app", "example": True}))
    dest = tmp_path / "app"
    result = runner.invoke(app, ["new", str(dest), "--data-file", str(data_file)])
    assert result.exit_code == 0, result.output
    assert answers_of(dest)["name"] == "json-app"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("vendor: [unclosed\n", "cannot parse --data-file"),
        ("- a\n- b\n", "expected a mapping"),
        ("vendor: acme\nname: x\ncolour: red\n", "unknown answer 'colour'"),
        ("vendor: 12\nname: x\n", "expected text"),
    ],
)
def test_bad_data_file(runner: CliRunner, tmp_path: Path, content: str, needle: str) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text(content)
    dest = tmp_path / "app"
    result = runner.invoke(app, ["new", str(dest), "--data-file", str(data_file), "--defaults"])
    assert result.exit_code == 1
    assert needle in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not dest.exists()


def test_missing_data_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["new", str(tmp_path / "a"), "--data-file", str(tmp_path / "no.yml")]
    )
    assert result.exit_code == 1
    assert "cannot read --data-file" in result.output


def test_non_empty_dest_refused_then_forced(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "app"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    (dest / "manifest.json").write_text("old")
    before = snapshot(dest)
    result = runner.invoke(app, ["new", str(dest), *FULL])
    assert result.exit_code == 1
    assert "not empty" in result.output and "--force" in result.output
    assert snapshot(dest) == before

    result = runner.invoke(app, ["new", str(dest), *FULL, "--force"])
    assert result.exit_code == 0, result.output
    assert (dest / "keep.txt").read_text() == "mine"
    assert json.loads((dest / "manifest.json").read_text())["vendor"] == "acme"
    assert "overwrote manifest.json" in result.output


def test_dest_is_a_file(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "file"
    dest.write_text("x")
    result = runner.invoke(app, ["new", str(dest), *FULL])
    assert result.exit_code == 1
    assert "not a folder" in result.output
    assert dest.read_text() == "x"


def test_empty_existing_dest_is_fine(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "app"
    dest.mkdir()
    result = runner.invoke(app, ["new", str(dest), *FULL])
    assert result.exit_code == 0, result.output
    assert (dest / "manifest.json").exists()


def test_dry_run_writes_nothing_and_lists_files(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "app"
    result = runner.invoke(app, ["new", str(dest), *FULL, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert not dest.exists()
    assert "would create manifest.json" in result.output
    assert "would create .copier-answers.yml" in result.output
    assert list(tmp_path.iterdir()) == [tmp_path / "home"] or not any(
        p.name.startswith(".scaffold-new-") for p in tmp_path.iterdir()
    )


def test_json_summary(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "app"
    result = runner.invoke(app, ["new", str(dest), *FULL, "--json", "-n"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dry_run"] is True
    assert summary["answers"]["vendor"] == "acme"
    assert "manifest.json" in summary["created"]
    assert summary["overwritten"] == []


def test_render_failure_leaves_dest_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(answers: AppAnswers, out: Path, *template: str | None) -> None:
        (out / "half.txt").write_text("partial")
        raise UserError("the app template failed to render: boom")

    monkeypatch.setattr(new_, "render", broken)
    answers = AppAnswers("acme", "order-sync", "T", "", "vbase", True)
    for dest in (tmp_path / "missing", tmp_path / "existing"):
        if dest.name == "existing":
            dest.mkdir()
            (dest / "a.txt").write_text("a")
        before = snapshot(dest)
        with pytest.raises(UserError):
            new_.create_app(dest, answers, force=True)
        assert snapshot(dest) == before
    assert not any(p.name.startswith(".scaffold-new-") for p in tmp_path.iterdir())


def test_created_folder_is_not_private(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "app"
    assert runner.invoke(app, ["new", str(dest), *FULL]).exit_code == 0
    assert dest.stat().st_mode & 0o055 == 0o055 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_version(runner: CliRunner) -> None:
    from scaffold import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"scaffold {__version__}"


def test_help_leads_with_examples(runner: CliRunner) -> None:
    result = runner.invoke(app, ["new", "--help"])
    assert result.exit_code == 0
    assert "scaffold new order-sync --vendor acme" in result.output
    for flag in ("--vendor", "--name", "--store", "--example", "--defaults", "--data-file"):
        assert flag in result.output


def test_import_is_light() -> None:
    code = (
        "import sys, scaffold.cli\n"
        "heavy = [m for m in ('copier', 'questionary', 'tree_sitter', 'rich', 'yaml')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_entry_point_runs_without_tty(tmp_path: Path) -> None:
    """A real process with stdin closed must fail fast, never wait for a prompt."""
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", "new", str(tmp_path / "app")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert (
        proc.stderr.strip() == "error: missing vendor: pass it with --vendor (or --data vendor=...)"
    )
    assert "Traceback" not in proc.stderr


def test_example_flag_adds_consumer_worker_publisher_and_routes(
    runner: CliRunner, tmp_path: Path
) -> None:
    with_example, without = tmp_path / "with", tmp_path / "without"
    assert runner.invoke(app, ["new", str(with_example), *FULL, "--example"]).exit_code == 0
    assert runner.invoke(app, ["new", str(without), *FULL, "--no-example"]).exit_code == 0
    extra = set(snapshot(with_example)) - set(snapshot(without))
    assert {
        "node/events/orderStatusUpdated.ts",
        "node/workers/syncItems.ts",
        "node/publishers/itemsSyncRequested.ts",
        "node/routes/syncItemsJobs.ts",
    } <= extra
    assert set(snapshot(without)) <= set(snapshot(with_example))
    service = json.loads((without / "node/service.json").read_text())
    assert service["events"] == {} and service["routes"] == {}


def test_shell_completion_offers_commands_and_stores(tmp_path: Path) -> None:
    def complete(words: str, cword: int) -> list[str]:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "_SCAFFOLD_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
        }
        script = Path(sys.executable).parent / "scaffold"  # the installed console script
        out = subprocess.run([script], env=env, capture_output=True, text=True, check=True)
        return out.stdout.split()

    assert complete("scaffold new --store ", 3) == ["vbase", "masterdata"]
    assert {"add-event", "add-worker", "add-publisher"} <= set(complete("scaffold add", 1))


def test_public_api_is_importable_and_lazy() -> None:
    code = (
        "import sys, scaffold\n"
        "assert 'scaffold.new' not in sys.modules\n"
        "from scaffold import create_app, add_event, add_worker, add_publisher, check_app\n"
        "from scaffold import remove_event, AppAnswers, ScaffoldError, UserError\n"
        "assert all(callable(f) for f in (create_app, add_event, check_app))\n"
        "heavy = [m for m in ('copier', 'questionary', 'tree_sitter') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_dry_run_prints_the_diff_of_every_file(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "app"
    dest.mkdir()
    (dest / "manifest.json").write_text('{"vendor": "old"}\n')
    result = runner.invoke(app, ["new", str(dest), *FULL, "--force", "-n"])
    assert result.exit_code == 0, result.output
    assert "--- a/manifest.json\n+++ b/manifest.json\n" in result.output
    assert '\n-{"vendor": "old"}\n' in result.output
    assert "--- /dev/null\n+++ b/node/index.ts\n" in result.output
    assert "would overwrite manifest.json" in result.output
    assert (dest / "manifest.json").read_text() == '{"vendor": "old"}\n'
    assert sorted(p.name for p in dest.iterdir()) == ["manifest.json"]


def test_force_into_existing_folder_is_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "existing"
    (dest / "node").mkdir(parents=True)
    (dest / "manifest.json").write_text("mine")
    (dest / "node" / "index.ts").write_text("// mine\n")
    (dest / "keep.txt").write_text("keep")
    before = snapshot(dest)
    real_replace = Path.replace
    replaced: list[str] = []

    def failing_replace(self: Path, target: Path) -> Path:
        # Files go in in path order: manifest.json is in place when node/index.ts fails.
        if Path(target) == dest / "node" / "index.ts":
            raise OSError(5, "Input/output error", str(target))
        replaced.append(Path(target).name)
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", failing_replace)
    answers = AppAnswers("acme", "order-sync", "T", "", "vbase", True)
    with pytest.raises(UserError, match="nothing was changed"):
        new_.create_app(dest, answers, force=True)
    assert replaced.count("manifest.json") == 2  # written, then put back by the rollback
    assert snapshot(dest) == before
    assert sorted(p.name for p in dest.rglob("*")) == sorted(
        ["node", "index.ts", "manifest.json", "keep.txt"]
    )


@pytest.mark.parametrize("where", ["cwd-in-app-subfolder", "explicit-dest-in-app", "default-dest"])
def test_new_inside_an_app_is_refused_nothing_written(
    where: str, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = tmp_path / "outer"
    assert runner.invoke(app, ["new", str(outer), *FULL, "--defaults"]).exit_code == 0
    before = snapshot(tmp_path)
    if where == "cwd-in-app-subfolder":
        monkeypatch.chdir(outer / "node")
        args = ["new", "inner", "--vendor", "acme", "--defaults"]
    elif where == "explicit-dest-in-app":
        args = ["new", str(outer / "apps" / "inner"), "--vendor", "acme", "--defaults"]
    else:
        monkeypatch.chdir(outer)
        args = ["new", "--vendor", "acme", "--name", "inner", "--defaults"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert f"inside the VTEX IO app at {outer}" in lines[0]
    assert f"run `scaffold new` from outside that app (e.g. in {tmp_path})" in lines[0]
    assert snapshot(tmp_path) == before


def test_new_beside_an_app_or_above_a_git_root_is_fine(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = tmp_path / "outer"
    assert runner.invoke(app, ["new", str(outer), *FULL, "--defaults"]).exit_code == 0
    beside = runner.invoke(app, ["new", str(tmp_path / "beside"), *FULL, "--defaults"])
    assert beside.exit_code == 0, beside.output
    # A manifest.json that is not an app's (no builders) is not an app.
    (tmp_path / "tool").mkdir()
    (tmp_path / "tool" / "manifest.json").write_text('{"name": "x", "vendor": "y"}')
    inside_tool = runner.invoke(app, ["new", str(tmp_path / "tool" / "a"), *FULL, "--defaults"])
    assert inside_tool.exit_code == 0, inside_tool.output
    # The walk stops at a git root: a repository under an app's folder is its own project.
    repo = outer / "vendored" / "repo"
    (repo / ".git").mkdir(parents=True)
    in_repo = runner.invoke(app, ["new", str(repo / "app"), *FULL, "--defaults"])
    assert in_repo.exit_code == 0, in_repo.output
    # And `new . --force` at an app's own root renders over it: not nesting.
    monkeypatch.chdir(outer)
    again = runner.invoke(app, ["new", ".", *FULL, "--defaults", "--force"])
    assert again.exit_code == 0, again.output
