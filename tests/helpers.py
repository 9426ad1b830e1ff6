"""Helpers the test modules share (copier's tests/helpers.py pattern): no fixtures, no tests."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pexpect
import pytest

from scaffold._answers import AppAnswers
from scaffold.new import create_app

APPS = Path(__file__).parent / "fixtures" / "apps"
FIXTURES = sorted(p.name for p in APPS.iterdir())
# Fixtures about the host's setup (clients, tests, git-ignore, empty maps) rather than a
# source style; every fixture is in the node matrix and the undo tests.
HOSTS = frozenset(
    {
        "clients-elsewhere",
        "event-context",
        "events-empty",
        "no-clients",
        "no-jest",
        "test-tools",
        "types-node",
        "vtex-gitignore",
    }
)
STYLES = [*(f for f in FIXTURES if f not in HOSTS), "generated"]


@cache
def generated_app(store: str, example: bool, cache_dir: Path) -> Path:
    dest = cache_dir / f"gen-{store}-{example}"
    answers = AppAnswers(
        vendor="acme",
        name="order-sync",
        title="Order Sync",
        description="",
        store="masterdata" if store == "masterdata" else "vbase",
        example=example,
    )
    create_app(dest, answers)
    return dest


def make_app(style: str, dest: Path, cache_dir: Path, *, store: str = "vbase") -> Path:
    """Copy a fixture app, or a generated one (``generated``, ``generated-bare``), to ``dest``."""
    if style.startswith("generated"):
        shutil.copytree(generated_app(store, style != "generated-bare", cache_dir), dest)
        return dest
    shutil.copytree(APPS / style, dest)
    add_toolchain(dest / "node", generated_app(store, False, cache_dir) / "node")
    return dest


TOOLCHAIN = ("package.json", "tsconfig.json", "__tests__/tsconfig.json")


def add_toolchain(node_dir: Path, generated_node: Path) -> None:
    """Give a fixture the toolchain files it does not carry, from a generated app.

    A fixture about a host's own setup carries what it is about (a ``package.json`` without
    jest, a ``tsconfig.json`` with ``"types": ["node"]``...) and keeps it; the jest project
    ``__tests__/tsconfig.json`` comes only with the generated app's build tsconfig.
    """
    own_tsconfig = (node_dir / "tsconfig.json").exists()
    for rel in TOOLCHAIN:
        if (node_dir / rel).exists() or (own_tsconfig and rel.startswith("__tests__/")):
            continue
        (node_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(generated_node / rel, node_dir / rel)


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write each file (text as UTF-8, or bytes) under ``root``, making folders; return ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Return every file under ``root`` with its bytes (empty when ``root`` is missing)."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def spawn_scaffold(args: list[str], cwd: Path) -> pexpect.spawn:
    """Run ``python -m scaffold ARGS`` on a real pseudo-terminal, so questionary prompts."""
    env = {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
        "NO_COLOR": "1",
    }
    return pexpect.spawn(
        sys.executable,
        ["-m", "scaffold", *args],
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 160),
    )


def changed_lines(before: bytes, after: bytes) -> tuple[list[bytes], list[bytes]]:
    """Lines only in ``before`` and lines only in ``after`` (EOLs kept)."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    removed: list[bytes] = []
    added: list[bytes] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += a[i1:i2]
            added += b[j1:j2]
    return removed, added


def only_insertions(removed: list[bytes], added: list[bytes]) -> bool:
    """Every removed line reappears with text only inserted into it (a comma, a member)."""

    def grown(old: bytes, new: bytes) -> bool:
        ops = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
        return all(tag in {"equal", "insert"} for tag, *_ in ops)

    return all(any(grown(old, new) for new in added) for old in removed)


REPO_ROOT = Path(__file__).parent.parent
_GIT_CONFIG = (
    *("-c", "user.name=Test", "-c", "user.email=test@example.com"),
    *("-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main"),
)


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` (no user config needed) and return its output."""
    done = subprocess.run(
        ["git", *_GIT_CONFIG, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    """Commit every file of ``repo`` (and tag the commit)."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    if tag is not None:
        git(repo, "tag", tag)


def template_repo(dest: Path, tag: str) -> Path:
    """A local git repository of this checkout's template (copier.yml + templates/), tagged."""
    dest.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "copier.yml", dest / "copier.yml")
    shutil.copytree(REPO_ROOT / "templates", dest / "templates")
    git(dest, "init", "-q")
    commit_all(dest, "template", tag)
    return dest


def checkout_copy(dest: Path) -> Path:
    """The files of this checkout (tracked or new, not ignored), without git."""
    listed = git(REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in filter(None, listed.split("\0")):
        source = REPO_ROOT / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    return dest


def build(src: Path, target: str, out: Path) -> Path:
    """Build the ``wheel`` or ``sdist`` of the project at ``src`` with hatchling; return it."""
    done = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", target, "-d", str(out)],
        cwd=src,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("*.whl" if target == "wheel" else "*.tar.gz")
    return built


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the path of every file the service map parses (``Source.parse``) from now on.

    Args:
        monkeypatch: The test's monkeypatch (undone after the test).

    Returns:
        The list the paths are appended to, in order.
    """
    from scaffold import _service_map

    parsed: list[str] = []
    original = _service_map.Source.parse.__func__  # type: ignore[attr-defined]

    def counting(cls: type[_service_map.Source], rel: str, data: bytes) -> _service_map.Source:
        parsed.append(rel)
        return original(cls, rel, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(_service_map.Source, "parse", classmethod(counting))
    return parsed
