"""Hatch build hook: ship the template's release history, so `scaffold update` needs no network.

copier's update renders the template version an app was made from and the one it moves to,
so an installed scaffold must hold every earlier release of the template, not only its own.
This hook writes a git bundle with one commit per release tag (``vX.Y.Z`` reachable from
HEAD), each holding only the template (``copier.yml`` + ``templates/``, the files of
``scaffold._paths.TEMPLATE_FILES``), tagged as in the repository. Git stores each release as
a delta of the one before, so the bundle grows by a few kilobytes per release.

- From a git checkout: the bundle is made here, from the tags (the sdist ships it too).
- From an sdist (no ``.git``): the bundle it ships is used as it is.
- Neither (a plain copy, or a checkout without release tags): no bundle; ``scaffold
  update`` then needs ``--template``.

Commits are dated by the tagged commit and authored by "scaffold", so the same tags give
the same commit ids in every build. The hook uses only git plumbing, in a throwaway bare
repository that borrows the checkout's objects (git alternates): nothing is written to the
checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TEMPLATE_FILES = ("copier.yml", "templates")  # keep in step with scaffold/_paths.py
SDIST_BUNDLE = "template-history.bundle"
WHEEL_BUNDLE = "scaffold/_template/history.bundle"


def _git(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=stdin,
        env={**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def release_tags(root: Path) -> list[str]:
    """Return the version tags (``vX.Y.Z``, PEP 440) reachable from HEAD, oldest first."""
    from packaging.version import InvalidVersion, Version  # a dependency of hatchling

    versions = {}
    for tag in _git("tag", "--merged", "HEAD", "--list", "v*", cwd=root).split():
        try:
            versions[tag] = Version(tag)
        except InvalidVersion:
            continue
    return sorted(versions, key=versions.__getitem__)


def make_bundle(root: Path, out: Path) -> list[str]:
    """Write the template history of the checkout at ``root`` to the bundle ``out``.

    Returns:
        The tags it holds, oldest first (none: no bundle is written).
    """
    tags = release_tags(root)
    common = Path(_git("rev-parse", "--path-format=absolute", "--git-common-dir", cwd=root).strip())
    with tempfile.TemporaryDirectory(prefix="scaffold-history-") as tmp:
        repo = Path(tmp) / "history.git"
        _git("init", "-q", "--bare", str(repo), cwd=Path(tmp))
        (repo / "objects" / "info" / "alternates").write_text(f"{common / 'objects'}\n")
        parent: str | None = None
        kept: list[str] = []
        for tag in tags:
            entries = _git("ls-tree", f"{tag}^{{commit}}", "--", *TEMPLATE_FILES, cwd=root)
            if "\tcopier.yml\n" not in entries:
                continue  # a tag from before the repository was the template
            tree = _git("mktree", cwd=repo, stdin=entries).strip()
            date = _git("log", "-1", "--format=%cI", f"{tag}^{{commit}}", cwd=root).strip()
            who = {"NAME": "scaffold", "EMAIL": "scaffold@localhost", "DATE": date}
            env = {f"GIT_{role}_{k}": v for role in ("AUTHOR", "COMMITTER") for k, v in who.items()}
            parents = ["-p", parent] if parent else []
            message = f"template {tag}"
            parent = _git("commit-tree", tree, *parents, "-m", message, cwd=repo, env=env).strip()
            _git("update-ref", f"refs/tags/{tag}", parent, cwd=repo)
            kept.append(tag)
        if parent is None:
            return []
        _git("update-ref", "refs/heads/main", parent, cwd=repo)
        _git("symbolic-ref", "HEAD", "refs/heads/main", cwd=repo)
        _git("bundle", "create", "-q", str(out), "--all", cwd=repo)
    return kept


class TemplateHistoryHook(BuildHookInterface):  # type: ignore[type-arg]
    """Add the template's release history (a git bundle) to the sdist and the wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # an editable install reads the checkout's own git history
        root = Path(self.root)
        bundle = root / SDIST_BUNDLE
        if (root / ".git").exists():
            self._tmp = tempfile.mkdtemp(prefix="scaffold-build-")
            bundle = Path(self._tmp) / SDIST_BUNDLE
            try:
                tags = make_bundle(root, bundle)
            except FileNotFoundError:  # no git: hatch-vcs falls back to 0.0.0 as well
                self.app.display_warning(
                    "git is not installed: the build carries no template history, so "
                    "`scaffold update` will need --template"
                )
                return
            if not tags:
                self.app.display_warning(
                    "no release tags (vX.Y.Z) in this checkout: the build carries no template "
                    "history, so `scaffold update` will need --template"
                )
                return
            self.app.display_info(f"template history: {', '.join(tags)}")
            if _git("rev-parse", "--is-shallow-repository", cwd=root).strip() == "true":
                self.app.display_warning(
                    "shallow clone: the template history holds only the releases it can see; "
                    "build releases from a full clone (git fetch --unshallow --tags)"
                )
        elif not bundle.is_file():
            self.app.display_warning(
                "neither a git checkout nor an sdist with its template history: "
                "`scaffold update` will need --template"
            )
            return
        target = SDIST_BUNDLE if self.target_name == "sdist" else WHEEL_BUNDLE
        build_data["force_include"][str(bundle)] = target

    def finalize(
        self,
        version: str,  # noqa: ARG002 (hatchling's signature)
        build_data: dict[str, Any],  # noqa: ARG002
        artifact_path: str,  # noqa: ARG002
    ) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
