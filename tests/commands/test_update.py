"""``scaffold update``: copier's 3-way update from a local, tagged git repository of the template.

The template repository is built here from this checkout's copier.yml + templates/ (CI has
no GitHub): v1.0.0 is the template as it is, v1.1.0 and v1.2.0 change a few files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from scaffold import add_event, add_publisher, add_worker
from scaffold._answers import AppAnswers
from scaffold.check import check_app
from scaffold.cli import app as cli
from scaffold.errors import UserError
from scaffold.new import create_app
from scaffold.update import update_app
from tests.helpers import commit_all, git, snapshot, template_repo

URL = "https://github.com/vtex-io-scaffold/scaffold"
OLD_LINE = (
    "A VTEX IO node app that reacts to platform events and runs background work, safely under"
)
NEW_LINE = "A VTEX IO node app (template 1.1.0) that reacts to platform events and runs background"
TOP_COMMENT = "// The Service: clients, events and routes (template 1.1.0)\n"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template repository with tags v1.0.0, v1.1.0 and v1.2.0."""
    repo = template_repo(tmp_path_factory.mktemp("template") / "scaffold", "v1.0.0")
    _edit(repo / "templates/app/README.md.jinja", OLD_LINE, NEW_LINE)
    index = repo / "templates/app/node/index.ts"
    index.write_text(TOP_COMMENT + index.read_text())
    (repo / "templates/app/docs/UPGRADING.md").write_text("# Upgrading\n\nNew in 1.1.0.\n")
    commit_all(repo, "1.1.0", "v1.1.0")
    upgrading = repo / "templates/app/docs/UPGRADING.md"
    upgrading.write_text(upgrading.read_text() + "\nNew in 1.2.0.\n")
    commit_all(repo, "1.2.0", "v1.2.0")
    return repo


@pytest.fixture(scope="module")
def app_v1(versions: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An app made by template v1.0.0 and committed to its own git repository."""
    root = tmp_path_factory.mktemp("apps") / "order-sync"
    answers = AppAnswers("acme", "order-sync", "Order Sync", "", "vbase", True)
    create_app(root, answers, template=str(versions), ref="v1.0.0")
    git(root, "init", "-q")
    commit_all(root, "app from template v1.0.0")
    return root


@pytest.fixture
def app(app_v1: Path, tmp_path: Path) -> Path:
    root = tmp_path / "order-sync"
    shutil.copytree(app_v1, root, symlinks=True)
    return root


def work_tree(root: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in snapshot(root).items() if not rel.startswith(".git/")}


def recorded(root: Path) -> dict[str, object]:
    return yaml.safe_load((root / ".copier-answers.yml").read_text())


def test_app_records_the_tag_and_the_repository_url(app: Path) -> None:
    answers = recorded(app)
    assert answers["_commit"] == "v1.0.0"
    assert answers["_src_path"] == URL


def test_update_keeps_template_changes_and_user_changes(app: Path, versions: Path) -> None:
    changelog = app / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + "\n## 0.1.0\n\n- Our own first release.\n")
    (app / "node/ownHelper.ts").write_text("export const own = 1\n")
    commit_all(app, "our changes")

    result = update_app(app, template=str(versions), to="1.1.0")

    assert (result.old, result.new, result.conflicts) == ("v1.0.0", "v1.1.0", [])
    assert result.created == ["docs/UPGRADING.md"]
    assert sorted(result.modified) == [".copier-answers.yml", "README.md", "node/index.ts"]
    assert NEW_LINE in (app / "README.md").read_text()
    assert (app / "node/index.ts").read_text().startswith(TOP_COMMENT)
    assert changelog.read_text().endswith("- Our own first release.\n")
    assert (app / "node/ownHelper.ts").read_text() == "export const own = 1\n"
    assert recorded(app)["_commit"] == "v1.1.0"
    assert recorded(app)["_src_path"] == URL  # the local clone is not recorded
    assert "docs/UPGRADING.md" in git(app, "status", "--porcelain", "--untracked-files=all")


def test_conflicting_change_gets_inline_markers(
    app: Path, versions: Path, runner: CliRunner
) -> None:
    readme = app / "README.md"
    _edit(readme, OLD_LINE, "A VTEX IO node app by ACME that reacts to events, safely under")
    commit_all(app, "our README")

    result = runner.invoke(cli, ["update", str(app), "--template", str(versions), "--to", "1.1.0"])

    assert result.exit_code == 1, result.output
    lines = readme.read_text().splitlines()
    start = lines.index("<<<<<<< before updating")
    assert "conflict README.md:" + str(start + 1) in result.output
    assert "A VTEX IO node app by ACME that reacts to events, safely under" in lines[start:]
    assert NEW_LINE in lines[start:]
    assert ">>>>>>> after updating" in lines[start:]
    # The rest of the update went in.
    assert (app / "node/index.ts").read_text().startswith(TOP_COMMENT)
    assert recorded(app)["_commit"] == "v1.1.0"


def test_dirty_tree_is_refused_with_one_line(app: Path, versions: Path, runner: CliRunner) -> None:
    (app / "node/index.ts").write_text("// not committed\n")
    before = work_tree(app)
    result = runner.invoke(cli, ["update", str(app), "--template", str(versions)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "uncommitted changes in the app (node/index.ts)" in result.output
    assert "commit or stash" in result.output
    assert work_tree(app) == before


def test_app_outside_git_is_refused(app: Path, versions: Path) -> None:
    shutil.rmtree(app / ".git")
    with pytest.raises(UserError, match="not in a git repository"):
        update_app(app, template=str(versions))


def test_app_grown_with_add_commands_updates_cleanly(app: Path, versions: Path) -> None:
    add_event(app, "payment-approved", sender="vtex.payments", topics=["payment-approved"])
    add_worker(app, "rebuild-index")
    add_publisher(app, "stock-changed")
    commit_all(app, "grown with add-*")
    grown = snapshot(app)

    result = update_app(app, template=str(versions))

    assert result.conflicts == [] and result.new == "v1.2.0"
    after = snapshot(app)
    for rel in (
        "node/events/paymentApproved.ts",
        "node/workers/rebuildIndex.ts",
        "node/publishers/stockChanged.ts",
        "node/__tests__/events/paymentApproved.test.ts",
    ):
        assert after[rel] == grown[rel], rel
    service = json.loads(after["node/service.json"])
    assert {"paymentApproved", "rebuildIndex"} <= set(service["events"])
    assert after["node/events/index.ts"] == grown["node/events/index.ts"]
    assert after["node/index.ts"].startswith(TOP_COMMENT.encode())
    assert check_app(app) == []


def test_up_to_date_says_so_and_changes_nothing(
    app: Path, versions: Path, runner: CliRunner
) -> None:
    assert update_app(app, template=str(versions)).new == "v1.2.0"
    commit_all(app, "updated")
    before = work_tree(app)
    result = runner.invoke(cli, ["update", str(app), "--template", str(versions)])
    assert result.exit_code == 0, result.output
    assert result.output == f"up to date: v1.2.0 is the newest version in {versions}\n"
    assert work_tree(app) == before


def test_dry_run_prints_diffs_and_writes_nothing(
    app: Path, versions: Path, runner: CliRunner
) -> None:
    before = work_tree(app)
    result = runner.invoke(cli, ["update", str(app), "--template", str(versions), "-n"])
    assert result.exit_code == 0, result.output
    assert "--- /dev/null\n+++ b/docs/UPGRADING.md\n" in result.output
    assert "-_commit: v1.0.0\n+_commit: v1.2.0\n" in result.output
    assert "would create docs/UPGRADING.md" in result.output
    assert "would update" in result.output and "from v1.0.0 to v1.2.0" in result.output
    assert work_tree(app) == before


def test_unknown_version_and_downgrade_are_refused(app: Path, versions: Path) -> None:
    with pytest.raises(UserError, match=r"no version 9\.9\.9 .*v1\.0\.0, v1\.1\.0, v1\.2\.0"):
        update_app(app, template=str(versions), to="9.9.9")
    update_app(app, template=str(versions), to="v1.2.0")
    commit_all(app, "at 1.2.0")
    with pytest.raises(UserError, match="does not downgrade"):
        update_app(app, template=str(versions), to="1.1.0")


def test_unreachable_template_without_clone_is_one_clear_line(app: Path, runner: CliRunner) -> None:
    answers = app / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(URL, "https://127.0.0.1:9/scaffold.git"))
    commit_all(app, "unreachable template")
    result = runner.invoke(cli, ["update", str(app)])
    assert result.exit_code == 1
    assert result.output == (
        "error: cannot reach the template at https://127.0.0.1:9/scaffold.git: to update "
        "offline, pass --template PATH of a local clone of the scaffold repository\n"
    )


def test_template_tasks_need_trust(app: Path, versions: Path, tmp_path: Path) -> None:
    repo = tmp_path / "tasks-template"
    git(tmp_path, "clone", "-q", str(versions), str(repo))
    config = repo / "copier.yml"
    config.write_text(config.read_text() + '\n_tasks:\n  - "touch pwned"\n')
    commit_all(repo, "a template that runs a command", "v2.0.0")
    before = work_tree(app)
    with pytest.raises(UserError, match=r"uses tasks \(code run on this machine\).*--trust"):
        update_app(app, template=str(repo))
    assert work_tree(app) == before


def test_app_without_recorded_version_is_refused(app: Path, versions: Path) -> None:
    answers = app / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: v1.0.0\n", ""))
    commit_all(app, "answers of an old scaffold")
    with pytest.raises(UserError, match="records no template version"):
        update_app(app, template=str(versions))


def test_template_tasks_run_with_trust(app: Path, versions: Path, tmp_path: Path) -> None:
    repo = tmp_path / "tasks-template"
    git(tmp_path, "clone", "-q", str(versions), str(repo))
    config = repo / "copier.yml"
    config.write_text(config.read_text() + '\n_tasks:\n  - "echo ran > task-output.txt"\n')
    commit_all(repo, "a template that runs a command", "v2.0.0")
    result = update_app(app, template=str(repo), trust=True)
    assert result.new == "v2.0.0" and "task-output.txt" in result.created
    assert (app / "task-output.txt").read_text() == "ran\n"


def test_a_local_path_recorded_by_an_old_scaffold_becomes_the_url(
    app: Path, versions: Path
) -> None:
    answers = app / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(URL, "/usr/lib/python3/site-packages/x"))
    commit_all(app, "answers of an old scaffold, with a path")
    update_app(app, template=str(versions))
    assert recorded(app)["_src_path"] == URL
    assert recorded(app)["_commit"] == "v1.2.0"


def test_a_dry_run_never_runs_template_tasks(app: Path, versions: Path, tmp_path: Path) -> None:
    repo = tmp_path / "tasks-template"
    git(tmp_path, "clone", "-q", str(versions), str(repo))
    marker = tmp_path / "task-ran"
    config = repo / "copier.yml"
    config.write_text(config.read_text() + f'\n_tasks:\n  - "touch {marker}"\n')
    commit_all(repo, "a template that runs a command", "v2.0.0")
    before = work_tree(app)
    result = update_app(app, template=str(repo), trust=True, dry_run=True)
    assert result.dry_run and result.new == "v2.0.0"
    assert not marker.exists()  # -n --trust: the diff, without running the template's code
    assert work_tree(app) == before
    update_app(app, template=str(repo), trust=True)
    assert marker.exists()  # the same update without -n runs it


def test_an_app_that_records_another_repository_follows_it(app: Path, versions: Path) -> None:
    # Made by plain `copier copy` of a fork's clone: the bare update reads that repository
    # (not the installed scaffold's history), and the app keeps naming it.
    answers = app / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(URL, str(versions)))
    commit_all(app, "an app of a fork")
    result = update_app(app)
    assert (result.new, result.template) == ("v1.2.0", str(versions))
    assert NEW_LINE in (app / "README.md").read_text()
    assert (recorded(app)["_commit"], recorded(app)["_src_path"]) == ("v1.2.0", str(versions))


@pytest.mark.parametrize("commit", ["81168940c", "1234567", "2025b1", "abc1234", "1e3f5a7"])
def test_a_development_builds_commit_is_never_read_as_a_version(commit: str) -> None:
    """Some commits are PEP 440 versions by accident (``81168940c`` is 81168940rc0): read
    so, an app made by a development build was refused as "newer than" every release."""
    from scaffold.update import _old_version

    assert _old_version(commit) is None


@pytest.mark.parametrize(
    ("recorded", "version"), [("v0.2.0", "0.2.0"), ("0.1.0", "0.1.0"), ("v1.0.0rc1", "1.0.0rc1")]
)
def test_a_release_tag_is_read_as_its_version(recorded: str, version: str) -> None:
    from packaging.version import Version

    from scaffold.update import _old_version

    assert _old_version(recorded) == Version(version)
