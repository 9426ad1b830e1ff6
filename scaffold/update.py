"""``scaffold update``: copier's 3-way update of an app to a newer template version.

The app's ``.copier-answers.yml`` says which template version made it (``_commit``,
``vX.Y.Z``). The versions are read from, in this order: ``--template`` (a clone or URL of
the repository, or of a fork); else, for an app of this project, the template history the
installed scaffold carries (a git bundle of every release in the wheel, made by
``hatch_build.py``; the repository itself in a checkout), with no network; else the
``_src_path`` the app recorded (a fork's URL). The update runs in a throwaway git copy of
the app: copier renders the old version, diffs it against the app (the person's changes),
renders the new version and re-applies that diff, leaving ``<<<<<<< before updating``
markers where both changed the same lines. The result is then planned as a ChangeSet
against the app, so ``--dry-run`` shows diffs and applying is all or nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold._changes import ChangeSet, Written
from scaffold._project import find_app_root
from scaffold.errors import ProjectError, ScaffoldError, UpdateError

ANSWERS_FILE = ".copier-answers.yml"
MARKER_START = b"<<<<<<< before updating"


@dataclass
class UpdateResult(Written):
    """What ``update_app`` did (or, with ``dry_run``, would do); files as :class:`Written`.

    Attributes:
        root: The app root.
        old: The template version the app had (``_commit``).
        new: The version it was updated to (equal to ``old`` when up to date).
        template: Where the template versions were read from.
        conflicts: ``(file, line)`` of every ``<<<<<<<`` marker left to resolve.
    """

    root: Path
    old: str
    new: str
    template: str
    conflicts: list[tuple[str, int]] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        """True when there was no newer version to update to."""
        return self.old == self.new

    def to_json(self) -> str:
        """The machine-readable summary ``scaffold update --json`` prints."""
        import json

        conflicts = [{"file": rel, "line": line} for rel, line in self.conflicts]
        return json.dumps(
            {
                "root": str(self.root),
                "from": self.old,
                "to": self.new,
                "template": self.template,
                "up_to_date": self.up_to_date,
                "dry_run": self.dry_run,
                **self.files_json(),
                "conflicts": conflicts,
            },
            indent=2,
        )


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UpdateError("git is not installed: scaffold update needs git") from None


def _read_answers(root: Path) -> dict[str, Any]:
    import yaml

    path = root / ANSWERS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UpdateError(
            f"{root} has no {ANSWERS_FILE}: only apps made by `scaffold new` (or copier) "
            "can be updated"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UpdateError(f"cannot read {ANSWERS_FILE}: {error}; restore it from git") from None
    if not isinstance(data, dict):
        raise UpdateError(f"{ANSWERS_FILE} is not a mapping; restore it from git")
    return data


def _check_clean(root: Path) -> None:
    top = _git("rev-parse", "--show-toplevel", cwd=root)
    if top.returncode != 0:
        raise UpdateError(
            f"{root} is not in a git repository: commit the app to git first, so the "
            "update can merge your changes and you can review or undo it"
        )
    status = _git("status", "--porcelain", "--untracked-files=all", "--", ".", cwd=root)
    dirty = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    if status.returncode != 0 or dirty:
        first = dirty[0] if dirty else "git status failed"
        more = f" and {len(dirty) - 1} more" if len(dirty) > 1 else ""
        raise UpdateError(
            f"uncommitted changes in the app ({first}{more}): commit or stash them, "
            "then run scaffold update again"
        )


def _is_local(src: str) -> bool:
    return "://" not in src and not src.startswith("git@")


@dataclass(frozen=True)
class _Source:
    """Where the template versions are read from."""

    location: str  # what git and copier read: a URL, a clone, or the installed bundle
    label: str  # how messages name it
    installed: bool = False  # the history this scaffold carries (wheel bundle or checkout)

    @property
    def bundle(self) -> bool:
        from scaffold._paths import HISTORY_BUNDLE

        return self.installed and self.location.endswith(HISTORY_BUNDLE)


def _versions(src: _Source) -> dict[str, Any]:
    """Return ``{tag: Version}`` of the release tags of the template repository."""
    from packaging.version import InvalidVersion, Version

    listed = _git("ls-remote", "--tags", "--refs", src.location)
    if listed.returncode != 0:
        if src.installed:
            raise UpdateError(
                f"cannot read the template history of {src.label} at {src.location}: "
                "reinstall scaffold, or pass --template PATH_OR_URL of a scaffold clone"
            )
        if _is_local(src.location):
            raise UpdateError(
                f"{src.location} is not a git repository of the template: pass a clone of "
                "the scaffold repository (git clone URL) to --template"
            )
        raise UpdateError(
            f"cannot reach the template at {src.location}: to update offline, pass --template "
            "PATH of a local clone of the scaffold repository"
        )
    out: dict[str, Any] = {}
    for line in listed.stdout.splitlines():
        tag = line.partition("\trefs/tags/")[2]
        try:
            out[tag] = Version(tag)
        except InvalidVersion:
            continue
    return out


def _target(versions: dict[str, Any], to: str | None, src: str, *, installed: bool) -> str:
    if to is not None:
        for tag in (to, f"v{to}"):
            if tag in versions:
                return tag
        from scaffold._release import DIST

        known = ", ".join(sorted(versions, key=versions.__getitem__)) or "none"
        newer = f", or upgrade scaffold (pip install -U {DIST})" if installed else ""
        raise UpdateError(f"no version {to} in {src} (tags: {known}): pick one of them{newer}")
    releases = {tag: v for tag, v in versions.items() if not v.is_prerelease}
    if not releases:
        raise UpdateError(f"{src} has no release tags (vX.Y.Z): nothing to update to")
    return max(releases, key=releases.__getitem__)


def _check_history_holds(
    old: str, old_version: Any, versions: dict[str, Any], src: _Source
) -> None:
    """Refuse, in one line, an app whose version the installed scaffold cannot render."""
    from scaffold._release import DIST

    if old_version is None:
        if src.bundle:  # a checkout may hold the commit: copier looks it up there
            raise UpdateError(
                f"the app was made by a development build of scaffold (template {old}), "
                f"which {src.label} does not hold: pass --template PATH_OR_URL of a scaffold "
                "clone that has that commit"
            )
        return
    if old_version in versions.values():
        return
    if not versions:
        raise UpdateError(
            f"{src.label} carries no release of the template (a development build): pass "
            "--template PATH_OR_URL of a scaffold clone with release tags"
        )
    if old_version > max(versions.values()):
        raise UpdateError(
            f"the app is at {old}, newer than {src.label}: upgrade scaffold "
            f"(pip install -U {DIST}) and run again, or pass --template PATH_OR_URL"
        )
    known = ", ".join(sorted(versions, key=versions.__getitem__))
    raise UpdateError(
        f"{src.label} does not hold the app's template version {old} (it has {known}): "
        "pass --template PATH_OR_URL of a scaffold clone that has it"
    )


def _old_version(old: str) -> Any:
    """The version a recorded ``_commit`` names, or None for a development build's commit.

    A release tag has dots (``v0.2.0``); a commit never does, though one can still read as
    a version: ``81168940c`` is PEP 440 for 81168940rc0 (``c`` spells ``rc``), ``1234567``
    for the release 1234567. Taken as versions, such a commit was "newer than" every release.
    """
    from packaging.version import InvalidVersion, Version

    if "." not in old:
        return None  # a development build's commit: copier finds it in the repository
    try:
        return Version(old)
    except InvalidVersion:
        return None


def _copy_tracked(root: Path, staging: Path) -> list[str]:
    listed = _git("ls-files", "-z", "--cached", "--", ".", cwd=root)
    if listed.returncode != 0:
        raise UpdateError(f"git cannot list the files of {root}: {listed.stderr.strip()}")
    files = [f for f in listed.stdout.split("\0") if f]
    for rel in files:
        source = root / rel
        if source.is_symlink() or not source.is_file():
            continue
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, staging / rel)
    return files


def _commit_all(repo: Path, message: str) -> None:
    quiet = ("-c", "user.name=scaffold", "-c", "user.email=scaffold@localhost")
    safe = ("-c", "commit.gpgsign=false", "-c", f"core.hooksPath={os.devnull}")
    for args in (("add", "-A"), (*quiet, *safe, "commit", "-q", "--no-verify", "-m", message)):
        done = _git(*args, cwd=repo)
        if done.returncode != 0:
            raise ScaffoldError(f"git {args[-1]} failed in the staging copy: {done.stderr}")


def _set_src(staging: Path, src: str | None, commit: str | None = None) -> None:
    from scaffold._release import stamp_answers

    path = staging / ANSWERS_FILE
    path.write_text(
        stamp_answers(path.read_text(encoding="utf-8"), src_path=src, commit=commit),
        encoding="utf-8",
    )


def _run_copier(staging: Path, src: str, ref: str, *, trust: bool, dry_run: bool = False) -> None:
    import copier
    from copier.errors import CopierError, UnsafeTemplateError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # copier's warnings are about its own internals
            copier.run_update(
                staging,  # its _src_path is the template to read (see _plan)
                vcs_ref=ref,
                defaults=True,
                overwrite=True,
                skip_answered=True,
                conflict="inline",
                quiet=True,
                # NOTE: a dry run never runs template code, --trust or not; copier still
                # refuses a template with migrations then (they are not skippable).
                unsafe=trust and not dry_run,
                skip_tasks=dry_run,
                settings=copier.Settings(),
            )
    except UnsafeTemplateError as error:
        features = str(error).splitlines()[0].rstrip(".").partition(": ")[2]
        if dry_run:
            raise UpdateError(
                f"the template at {src} uses {features} (code run on this machine), and a dry "
                "run never runs template code: read them in its copier.yml, then run without -n"
            ) from None
        raise UpdateError(
            f"the template at {src} uses {features} (code run on this machine): read them "
            "in its copier.yml, then pass --trust to allow them"
        ) from None
    except CopierError as error:
        raise UpdateError(f"copier cannot update the app: {error}") from None


def _conflicts(rel: str, data: bytes | None) -> list[tuple[str, int]]:
    if data is None or MARKER_START not in data:
        return []
    return [
        (rel, number)
        for number, line in enumerate(data.splitlines(), start=1)
        if line.rstrip() == MARKER_START
    ]


def _plan(
    root: Path,
    src: _Source,
    target: str,
    keep: str | None,
    *,
    trust: bool,
    dry_run: bool = False,
) -> ChangeSet:
    """Run copier's update in a git copy of the app; plan its result against the app."""
    with tempfile.TemporaryDirectory(prefix="scaffold-update-") as tmp:
        staging = Path(tmp) / "app"
        staging.mkdir()
        if _git("init", "-q", cwd=staging).returncode != 0:
            raise ScaffoldError("git init failed in a temporary folder")
        tracked = _copy_tracked(root, staging)
        _set_src(staging, src.location)
        _commit_all(staging, "the app as it is")
        _run_copier(staging, src.label, target, trust=trust, dry_run=dry_run)
        _set_src(staging, keep)
        changes = ChangeSet(root)
        rendered: set[str] = set()
        for path in sorted(staging.rglob("*")):
            rel = path.relative_to(staging).as_posix()
            if rel == ".git" or rel.startswith(".git/") or not path.is_file():
                continue
            rendered.add(rel)
            changes.write(Path(rel), path.read_bytes())
        for rel in tracked:
            if rel not in rendered and (root / rel).is_file() and not (root / rel).is_symlink():
                changes.delete(Path(rel))
    return changes


def _follows_this_project(recorded: str, url: str | None) -> bool:
    """The app follows this project's template (not a fork): the installed history has it.

    True for the project's URL, for no ``_src_path``, and for a local path that is gone (an
    old scaffold recorded its own install folder).
    """

    def bare(address: str) -> str:
        return address.rstrip("/").removesuffix(".git")

    if not recorded or (url is not None and bare(recorded) == bare(url)):
        return True
    return _is_local(recorded) and not Path(recorded).expanduser().exists()


def _source(template: str | None, recorded: str) -> _Source:
    """Pick the template history: ``--template``, else the installed one, else ``_src_path``."""
    from scaffold._paths import template_history
    from scaffold._release import repository_url, version

    if template is None and _follows_this_project(recorded, repository_url()):
        history = template_history()
        if history is not None:
            return _Source(str(history), f"the installed scaffold {version()}", installed=True)
    src = template if template is not None else recorded
    if not src:
        raise UpdateError(
            f"{ANSWERS_FILE} records no _src_path and this scaffold carries no template "
            "history (a development build): pass --template PATH_OR_URL"
        )
    src = str(Path(src).expanduser().resolve()) if _is_local(src) else src
    return _Source(src, src)


def update_app(
    start: Path,
    *,
    to: str | None = None,
    template: str | None = None,
    dry_run: bool = False,
    trust: bool = False,
) -> UpdateResult:
    """Update the app holding ``start`` to a newer version of its template.

    Args:
        start: A folder inside the app.
        to: The version to update to (``1.2.0`` or ``v1.2.0``); default the latest release.
        template: A git repository of the template (path or URL; a local clone works
            offline); default the installed scaffold's release history, or for an app
            that follows a fork, the ``_src_path`` it recorded.
        dry_run: Work out and diff the update; write nothing.
        trust: Let the template run its tasks and migrations.

    Returns:
        What changed (or would), and where conflicts are.

    Raises:
        UpdateError: If the app has uncommitted changes, records no version, is newer than
            the installed scaffold, or the template cannot be reached or has no such version.
    """
    from scaffold._release import repository_url

    root = find_app_root(start)
    answers = _read_answers(root)
    old = answers.get("_commit")
    recorded = str(answers.get("_src_path") or "")
    if not old:
        raise UpdateError(
            f"{ANSWERS_FILE} records no template version (_commit): set `_commit: vX.Y.Z` "
            "to the version that made the app, commit, and run again"
        )
    old = str(old)
    _check_clean(root)
    src = _source(template, recorded)
    versions = _versions(src)
    old_version = _old_version(old)
    if src.installed:
        _check_history_holds(old, old_version, versions, src)
    target = _target(versions, to, src.label, installed=src.installed)
    if old_version is not None and old_version >= versions[target]:
        if old_version > versions[target]:
            raise UpdateError(
                f"the app is at {old}, newer than {target}: scaffold update does not downgrade"
                if to is not None
                else f"the app is at {old}, newer than the newest release in {src.label} "
                f"({target}): pass --template PATH_OR_URL of a newer scaffold"
            )
        return UpdateResult(root, old, old, src.label, dry_run=dry_run)
    # The app keeps following what it follows: a fork stays recorded; this project's apps
    # (and a gone local path, made by an old scaffold) record the project's URL.
    url = repository_url()
    keep = url if _follows_this_project(recorded, url) else recorded
    changes = _plan(root, src, target, keep, trust=trust, dry_run=dry_run)
    result = UpdateResult(root, old, target, src.label, dry_run=dry_run, diff=changes.diff())
    result.record(changes.changes)
    for change in changes.changes:
        result.conflicts += _conflicts(change.rel, change.after)
    if not dry_run:
        try:
            changes.apply()
        except ProjectError as error:
            raise UpdateError(str(error)) from None
    return result
