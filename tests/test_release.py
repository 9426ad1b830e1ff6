"""Releases: the repository is a copier template, the git tag is the version, the wheel works.

Builds run hatchling (a test dependency) on a copy of this checkout, so they test the
pyproject.toml and the files of the working tree, with tags made here (no network).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from scaffold import _release
from scaffold._answers import AppAnswers
from scaffold.new import create_app
from tests.helpers import build, checkout_copy, commit_all, git, snapshot, template_repo

ANSWERS = {
    "vbase-example": AppAnswers("acme", "order-sync", "Order Sync", "Syncs orders.", "vbase", True),
    "masterdata-minimal": AppAnswers("acme", "stock-feed", "Stock Feed", "", "masterdata", False),
}
SRC_PATH = re.compile(r"^_src_path: .*$", re.MULTILINE)
COMMIT = re.compile(r"^_commit: .*$", re.MULTILINE)


@pytest.mark.parametrize("variant", ANSWERS)
def test_plain_copier_copy_of_the_repository_renders_what_scaffold_new_renders(
    tmp_path: Path, variant: str
) -> None:
    import copier

    ref = _release.template_ref(_release.version())
    repo = template_repo(tmp_path / "scaffold", ref)
    answers = ANSWERS[variant]
    copier.run_copy(
        str(repo),
        tmp_path / "copier",
        data=vars(answers),
        defaults=True,
        quiet=True,
        unsafe=False,
        settings=copier.Settings(),
    )
    create_app(tmp_path / "scaffold-new", answers)

    by_copier = snapshot(tmp_path / "copier")
    by_scaffold = snapshot(tmp_path / "scaffold-new")
    assert folders(tmp_path / "copier") == folders(tmp_path / "scaffold-new")
    assert sorted(by_copier) == sorted(by_scaffold)
    for rel in by_copier:
        if rel != ".copier-answers.yml":
            assert by_copier[rel] == by_scaffold[rel], rel
    # Same answers file, except that copier records where it copied from: here a local path,
    # where scaffold records the repository URL.
    copied = by_copier[".copier-answers.yml"].decode()
    recorded = yaml.safe_load(copied)
    # A commit id of digits only is quoted by YAML ('973108833'): compare values, not text.
    assert (recorded["_src_path"], recorded["_commit"]) == (str(repo), ref)
    assert (
        SRC_PATH.sub(f"_src_path: {_release.repository_url()}", copied).encode()
        == (by_scaffold[".copier-answers.yml"])
    )


def folders(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())


def _run_from(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_wheel_of_a_tagged_checkout_ships_the_template_and_records_its_version(
    tmp_path: Path,
) -> None:
    src = checkout_copy(tmp_path / "src")
    git(src, "init", "-q")
    commit_all(src, "release", "v9.9.9")
    wheel = build(src, "wheel", tmp_path / "dist")
    assert wheel.name.startswith("vtex_io_scaffold-9.9.9-")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    assert "scaffold/_template/copier.yml" in names
    assert "scaffold/_template/templates/app/manifest.json.jinja" in names
    assert "scaffold/_template/templates/components/consumer/handler.ts.jinja" in names

    where = _run_from(site, tmp_path, "-c", "import scaffold._paths as p; print(p.template_root())")
    assert where.stdout.strip() == str(site / "scaffold" / "_template")
    assert _run_from(site, tmp_path, "-m", "scaffold", "--version").stdout == "scaffold 9.9.9\n"
    made = _run_from(
        site,
        tmp_path,
        *("-m", "scaffold", "new", "order-sync", "--vendor", "acme", "--description"),
        *("Syncs orders.", "--defaults"),
    )
    assert made.returncode == 0, made.stderr
    assert made.stderr == ""  # a release: no development-build note

    create_app(tmp_path / "editable", ANSWERS["vbase-example"])
    from_wheel = snapshot(tmp_path / "order-sync")
    from_checkout = snapshot(tmp_path / "editable")
    answers = from_wheel.pop(".copier-answers.yml").decode()
    assert "_commit: v9.9.9\n" in answers
    assert f"_src_path: {_release.repository_url()}\n" in answers
    checkout_answers = from_checkout.pop(".copier-answers.yml").decode()
    assert answers == COMMIT.sub("_commit: v9.9.9", checkout_answers)
    assert from_wheel == from_checkout


def test_builds_from_a_checkout_without_git_and_from_an_sdist(tmp_path: Path) -> None:
    plain = checkout_copy(tmp_path / "plain")
    plain_wheel = build(plain, "wheel", tmp_path / "plain-dist")
    assert plain_wheel.name.startswith(f"vtex_io_scaffold-{_release.FALLBACK_VERSION}-")

    tagged = checkout_copy(tmp_path / "tagged")
    git(tagged, "init", "-q")
    commit_all(tagged, "release", "v9.9.9")
    sdist = build(tagged, "sdist", tmp_path / "sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    assert not (unpacked / ".git").exists()
    assert (unpacked / "template-history.bundle").is_file()
    wheel = build(unpacked, "wheel", tmp_path / "from-sdist")
    assert wheel.name.startswith("vtex_io_scaffold-9.9.9-")
    assert bundle_heads(wheel, tmp_path / "from-sdist-history") == {"v9.9.9"}
    with zipfile.ZipFile(plain_wheel) as archive:  # no git, no tags: no history
        assert "scaffold/_template/history.bundle" not in archive.namelist()


def bundle_heads(wheel: Path, where: Path) -> set[str]:
    """Unpack the wheel's template history into ``where``; return its tags."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extract("scaffold/_template/history.bundle", where)
    bundle = where / "scaffold/_template/history.bundle"
    heads = git(where, "bundle", "list-heads", str(bundle)).split()[1::2]
    assert "HEAD" in heads
    return {ref.removeprefix("refs/tags/") for ref in heads if ref.startswith("refs/tags/")}


def test_wheel_carries_every_release_of_the_template_and_only_the_template(
    tmp_path: Path,
) -> None:
    src = checkout_copy(tmp_path / "src")
    git(src, "init", "-q")
    commit_all(src, "release 1.0.0", "v1.0.0")
    git(src, "tag", "not-a-version")
    readme = src / "templates/app/README.md.jinja"
    readme.write_text(readme.read_text() + "\nChanged in 1.1.0.\n")
    (src / "scaffold/changed_outside_the_template.py").write_text("")
    commit_all(src, "release 1.1.0", "v1.1.0rc1")
    git(src, "tag", "v1.1.0")
    git(src, "checkout", "-q", "-b", "elsewhere")
    commit_all(src, "a release on another branch", "v5.0.0")
    git(src, "checkout", "-q", "main")
    commit_all(src, "work after 1.1.0")
    wheel = build(src, "wheel", tmp_path / "dist")
    assert wheel.name.startswith("vtex_io_scaffold-1.1.1.dev1+g")

    assert bundle_heads(wheel, tmp_path / "site") == {"v1.0.0", "v1.1.0rc1", "v1.1.0"}
    history = tmp_path / "history"
    git(
        tmp_path,
        "clone",
        "-q",
        str(tmp_path / "site/scaffold/_template/history.bundle"),
        str(history),
    )
    for tag in ("v1.0.0", "v1.1.0"):
        assert git(history, "ls-tree", "--name-only", tag).split() == ["copier.yml", "templates"]
        for part in ("copier.yml", "templates"):
            assert git(history, "rev-parse", f"{tag}:{part}") == git(
                src, "rev-parse", f"{tag}:{part}"
            )
    assert git(history, "rev-parse", "HEAD") == git(history, "rev-parse", "v1.1.0^{commit}")


@pytest.mark.parametrize(
    ("version", "ref"),
    [
        ("1.2.0", "v1.2.0"),
        ("1.2.1.dev3+gabc1234", "abc1234"),
        ("1.2.1.dev3+gabc1234.d20261129", "abc1234"),
        ("0.0.0", "v0.0.0"),
    ],
)
def test_template_ref_of_a_version(version: str, ref: str) -> None:
    assert _release.template_ref(version) == ref


def test_stamp_answers_writes_what_copier_writes() -> None:
    text = "# header\n_src_path: /home/me/site-packages/x\ndescription: ''\nname: a\n"
    assert _release.stamp_answers(text, src_path="https://x/y", commit="0123456") == (
        "# header\n_commit: '0123456'\n_src_path: https://x/y\ndescription: ''\nname: a\n"
    )
    # A project without a URL records none (copier's temporary path is not kept either).
    assert _release.stamp_answers(text, src_path=None, commit="v1.0.0") == (
        "# header\n_commit: v1.0.0\ndescription: ''\nname: a\n"
    )
    assert _release.stamp_answers(text, src_path=None, commit=None) == (
        "# header\ndescription: ''\nname: a\n"
    )
    copied = "# header\n_commit: v1.0.0\n_src_path: /tmp/clone\nname: a\n"
    assert _release.stamp_answers(copied, src_path="https://x/y", commit=None) == (
        "# header\n_commit: v1.0.0\n_src_path: https://x/y\nname: a\n"
    )


@pytest.mark.parametrize("variant", ANSWERS)
def test_the_template_itself_holds_the_docs_new_would_fill_in(tmp_path: Path, variant: str) -> None:
    # `new` refreshes the README graph block after rendering; plain copier cannot, so the
    # template must already render exactly that block.
    from scaffold import _app_docs, new

    new.render(ANSWERS[variant], tmp_path)
    rendered = snapshot(tmp_path)
    _app_docs.fill(tmp_path)
    assert snapshot(tmp_path) == rendered
