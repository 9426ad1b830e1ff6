"""``scaffold update`` for a user who only has the installed package: no clone, no network.

Wheels are built with hatchling from a temporary copy of this checkout made into a git
repository and tagged v0.1.0, then v0.2.0 after a template change (and one untagged commit
later: a development build). The copy is deleted before any wheel is used. Each test makes
a virtual environment the way a user would have one (``pip install`` of a wheel, then
``pip install`` of the next); the dependencies (copier, typer...) come from this test
environment through a ``.pth`` file and ``--no-deps``, so nothing is downloaded. Every
``scaffold`` run has git limited to local repositories and an unreachable HTTP proxy: a
network access fails instead of passing by luck.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from scaffold import _release
from scaffold._answers import AppAnswers
from scaffold.new import create_app
from tests.helpers import build, checkout_copy, commit_all, git, snapshot, template_repo

URL = _release.repository_url()  # the one setting: pyproject [project.urls] Repository
OLD_LINE = (
    "A VTEX IO node app that reacts to platform events and runs background work, safely under"
)
NEW_LINE = "A VTEX IO node app (template 0.2.0) that reacts to platform events and runs background"
UPGRADING = "# Upgrading\n\nNew in 0.2.0.\n"
OFFLINE = {
    "GIT_ALLOW_PROTOCOL": "file",  # git may read local repositories and bundles only
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wheels of releases 0.1.0 and 0.2.0 and of a development build after 0.2.0."""
    base = tmp_path_factory.mktemp("releases")
    clone = checkout_copy(base / "scaffold")
    git(clone, "init", "-q")
    commit_all(clone, "release 0.1.0", "v0.1.0")
    out = {"0.1.0": build(clone, "wheel", base / "dist-0.1.0")}
    _edit(clone / "templates/app/README.md.jinja", OLD_LINE, NEW_LINE)
    (clone / "templates/app/docs/UPGRADING.md").write_text(UPGRADING)
    commit_all(clone, "release 0.2.0: a template change", "v0.2.0")
    out["0.2.0"] = build(clone, "wheel", base / "dist-0.2.0")
    (clone / "templates/app/docs/UPGRADING.md").write_text(UPGRADING + "\nNot released.\n")
    commit_all(clone, "work after 0.2.0")
    out["dev"] = build(clone, "wheel", base / "dist-dev")
    shutil.rmtree(clone)
    return out


class Env:
    """A user's virtual environment with scaffold installed from a wheel."""

    def __init__(self, root: Path) -> None:
        self.root = root
        done = subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        self.python = root / "bin" / "python"
        site = self.run_python("-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
        # This test environment's packages (pip, copier, typer...), after the venv's own.
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (Path(site.stdout.strip()) / "test-environment.pth").write_text("\n".join(sorted(ours)))

    def run_python(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        pip = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1", "PIP_NO_INPUT": "1"}
        env = {**os.environ, **OFFLINE, **pip, "NO_COLOR": "1"}
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env.pop("PYTHONPATH", None)
        return subprocess.run(
            [str(self.python), *args],
            cwd=cwd or self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def pip_install(self, wheel: Path) -> None:
        done = self.run_python("-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel))
        assert done.returncode == 0, done.stderr

    def scaffold(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return self.run_python(str(self.root / "bin" / "scaffold"), *args, cwd=cwd)


def new_app(env: Env, where: Path) -> Path:
    made = env.scaffold("new", "order-sync", "--vendor", "acme", "--defaults", cwd=where)
    assert made.returncode == 0, made.stderr
    app = where / "order-sync"
    git(app, "init", "-q")
    commit_all(app, "the app as scaffold made it")
    return app


def recorded(app: Path) -> dict[str, object]:
    return yaml.safe_load((app / ".copier-answers.yml").read_text())


def work_tree(root: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in snapshot(root).items() if not rel.startswith(".git/")}


def test_bare_update_after_pip_upgrade_needs_no_clone_and_no_network(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    env = Env(tmp_path / "venv")
    env.pip_install(wheels["0.1.0"])
    app = new_app(env, tmp_path)
    assert (recorded(app)["_commit"], recorded(app)["_src_path"]) == ("v0.1.0", URL)
    assert OLD_LINE in (app / "README.md").read_text()
    changelog = app / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + "\n## 0.1.0\n\n- Our own first release.\n")
    (app / "node/ownHelper.ts").write_text("export const own = 1\n")
    commit_all(app, "our changes")

    env.pip_install(wheels["0.2.0"])
    assert env.scaffold("--version", cwd=tmp_path).stdout == "scaffold 0.2.0\n"
    updated = env.scaffold("update", cwd=app)

    assert updated.returncode == 0, updated.stderr
    assert "updated" in updated.stdout and "from v0.1.0 to v0.2.0" in updated.stdout
    assert NEW_LINE in (app / "README.md").read_text()
    assert (app / "docs/UPGRADING.md").read_text() == UPGRADING
    assert (recorded(app)["_commit"], recorded(app)["_src_path"]) == ("v0.2.0", URL)
    assert changelog.read_text().endswith("- Our own first release.\n")
    assert (app / "node/ownHelper.ts").read_text() == "export const own = 1\n"

    commit_all(app, "updated to 0.2.0")
    again = env.scaffold("update", cwd=app)
    assert again.returncode == 0, again.stderr
    assert again.stdout == (
        "up to date: v0.2.0 is the newest version in the installed scaffold 0.2.0\n"
    )


def test_an_app_newer_than_the_installed_scaffold_is_refused_in_one_line(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    env = Env(tmp_path / "venv")
    env.pip_install(wheels["0.2.0"])
    app = new_app(env, tmp_path)
    env.pip_install(wheels["0.1.0"])  # e.g. another machine, or a pinned older scaffold
    before = work_tree(app)

    refused = env.scaffold("update", cwd=app)

    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr == (
        "error: the app is at v0.2.0, newer than the installed scaffold 0.1.0: upgrade "
        "scaffold (pip install -U vtex-io-scaffold) and run again, or pass --template "
        "PATH_OR_URL\n"
    )
    assert work_tree(app) == before


def test_a_development_build_says_so_at_new_and_update_asks_for_a_clone(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    env = Env(tmp_path / "venv")
    env.pip_install(wheels["dev"])
    version = env.scaffold("--version", cwd=tmp_path).stdout.split()[1]
    assert version.startswith("0.2.1.dev1+g"), version
    made = env.scaffold("new", "order-sync", "--vendor", "acme", "--defaults", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    sha = str(recorded(tmp_path / "order-sync")["_commit"])
    assert version.split("+g")[1].startswith(sha)
    assert made.stderr == (
        f"note: scaffold {version} is a development build (not a release tag): the app "
        f"records template {sha}, so `scaffold update` will need --template PATH_OR_URL of "
        "a scaffold clone that has it\n"
    )
    app = tmp_path / "order-sync"
    git(app, "init", "-q")
    commit_all(app, "the app as a development build made it")

    refused = env.scaffold("update", cwd=app)

    assert refused.returncode == 1
    assert refused.stderr == (
        f"error: the app was made by a development build of scaffold (template {sha}), which "
        f"the installed scaffold {version} does not hold: pass --template PATH_OR_URL of a "
        "scaffold clone that has that commit\n"
    )


def test_a_checkout_reads_its_own_release_tags(tmp_path: Path) -> None:
    """Run from a checkout (an editable install), the history is the repository itself."""
    checkout = checkout_copy(tmp_path / "scaffold")
    git(checkout, "init", "-q")
    commit_all(checkout, "work before any release")
    app = tmp_path / "order-sync"
    answers = AppAnswers("acme", "order-sync", "Order Sync", "", "vbase", True)
    create_app(app, answers, template=str(template_repo(tmp_path / "t", "v1.0.0")), ref="v1.0.0")
    git(app, "init", "-q")
    commit_all(app, "app from template v1.0.0")
    env = {**os.environ, **OFFLINE, "PYTHONPATH": str(checkout), "NO_COLOR": "1"}

    def update(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scaffold", "update", *args],
            cwd=app,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    untagged = update()
    assert untagged.returncode == 1
    assert "carries no release of the template (a development build): pass --template" in (
        untagged.stderr
    )
    assert untagged.stderr.count("\n") == 1

    git(checkout, "tag", "v1.0.0")
    _edit(checkout / "templates/app/README.md.jinja", OLD_LINE, NEW_LINE)
    commit_all(checkout, "release 1.1.0", "v1.1.0")
    unknown = update("--to", "2.0.0")
    assert unknown.returncode == 1
    assert unknown.stderr.endswith(
        "(tags: v1.0.0, v1.1.0): pick one of them, or upgrade scaffold "
        "(pip install -U vtex-io-scaffold)\n"
    )
    updated = update()
    assert updated.returncode == 0, updated.stderr
    assert NEW_LINE in (app / "README.md").read_text()
    assert recorded(app)["_commit"] == "v1.1.0"
