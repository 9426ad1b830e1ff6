"""``scaffold new``: resolve the answers, then render the copier app template into DEST."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scaffold import _app_docs
from scaffold._answers import AppAnswers
from scaffold._changes import ChangeSet
from scaffold._paths import template_root
from scaffold.errors import Cancelled, DestinationError, ProjectError, UserError


@dataclass(frozen=True)
class NewResult:
    """What ``create_app`` did (or, with ``dry_run``, would do)."""

    dest: Path
    answers: AppAnswers
    created: tuple[str, ...]
    overwritten: tuple[str, ...]
    dry_run: bool
    diff: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The machine-readable summary ``scaffold new --json`` prints."""
        return json.dumps(
            {
                "dest": str(self.dest),
                "dry_run": self.dry_run,
                "answers": asdict(self.answers),
                "created": list(self.created),
                "overwritten": list(self.overwritten),
            },
            indent=2,
        )


def _would_write(staged: Path) -> list[str]:
    return sorted(
        p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file() or p.is_symlink()
    )


def _plain_template(tmp: Path) -> Path:
    """Return the template folder, copied out of a git checkout when it is one.

    Copier clones a template that is a git repository (slow, and it warns about uncommitted
    changes); the checkout's files are what an editable install means to render.
    """
    root = template_root()
    if not (root / ".git").exists():
        return root
    shutil.copy2(root / "copier.yml", tmp / "copier.yml")
    shutil.copytree(root / "templates", tmp / "templates")
    return tmp


ANSWERS_FILE = ".copier-answers.yml"


def render(
    answers: AppAnswers, out: Path, template: str | None = None, ref: str | None = None
) -> None:
    """Render the app template into ``out`` (an empty or missing folder) with copier.

    The answers file records the repository URL as ``_src_path`` and the template version
    as ``_commit`` (never a local path), so ``scaffold update`` / ``copier update`` can
    find both on any machine.

    Args:
        answers: Validated answers.
        out: Where to render.
        template: A git repository of the template (path or URL) to render instead of the
            installed one; its ``_commit`` is the ref copier checks out.
        ref: The tag or commit of ``template`` to render (default: its latest tag).

    Raises:
        UserError: If copier fails (the template itself is broken).
    """
    import copier

    from scaffold import _release

    try:
        with tempfile.TemporaryDirectory(prefix="scaffold-template-") as tmp:
            copier.run_copy(
                template if template is not None else str(_plain_template(Path(tmp))),
                out,
                data=asdict(answers),
                vcs_ref=ref,
                defaults=True,
                quiet=True,
                overwrite=True,
                unsafe=False,
                settings=copier.Settings(),
            )
    except Exception as error:  # copier raises many kinds; none is the user's fault here
        raise UserError(f"the app template failed to render: {error}") from error
    commit = None if template is not None else _release.template_ref(_release.version())
    answers_file = out / ANSWERS_FILE
    answers_file.write_text(
        _release.stamp_answers(
            answers_file.read_text(encoding="utf-8"),
            src_path=_release.repository_url(),
            commit=commit,
        ),
        encoding="utf-8",
    )


def check_destination(dest: Path, *, force: bool) -> None:
    """Refuse a destination that is a file, or a non-empty folder without ``force``.

    Args:
        dest: The destination folder.
        force: Allow writing into a non-empty folder.

    Raises:
        DestinationError: If the destination cannot be used.
    """
    too_long = next((part for part in dest.parts if len(os.fsencode(part)) > 255), None)
    if too_long is not None:
        raise DestinationError(
            f"destination folder name {too_long[:20]!r}... is too long "
            f"({len(os.fsencode(too_long))} bytes, at most 255): pick a shorter one"
        )
    try:
        is_dir = dest.is_dir()
        exists = is_dir or dest.exists()
        not_empty = is_dir and any(dest.iterdir())
    except OSError as error:
        raise DestinationError(
            f"cannot use {dest}: {error.strerror}; pick another destination"
        ) from None
    if exists and not is_dir:
        raise DestinationError(f"{dest} exists and is not a folder: pick another destination")
    if not_empty and not force:
        raise DestinationError(
            f"{dest} is not empty: pick a new folder, or pass --force to write into it"
        )


def enclosing_app(dest: Path) -> Path | None:
    """The VTEX IO app folder ``dest`` would be created inside, if any.

    Walks up from ``dest``'s parent (symlinks resolved: where the files would really go)
    looking for a ``manifest.json`` that is a JSON object with ``vendor``, ``name`` and
    ``builders`` (an app's, not any manifest). The walk stops after the first folder that
    holds ``.git`` (an app is one repository: above its root is not the app) and at the
    filesystem root. ``dest`` itself is not looked at: ``new . --force`` in an app renders
    over it, which is not nesting.

    Args:
        dest: The destination folder.

    Returns:
        The enclosing app's root, or None.
    """
    from scaffold import _read

    folder = dest.resolve().parent
    for candidate in (folder, *folder.parents):
        try:
            manifest = json.loads(_read.read_bytes(candidate / "manifest.json"))
        except (OSError, ValueError):
            manifest = None
        if (
            isinstance(manifest, dict)
            and isinstance(manifest.get("vendor"), str)
            and isinstance(manifest.get("name"), str)
            and isinstance(manifest.get("builders"), dict)
        ):
            return candidate
        if (candidate / ".git").exists():
            return None
    return None


def refuse_nested(dest: Path) -> None:
    """Refuse to create an app inside another app.

    Args:
        dest: The destination folder.

    Raises:
        DestinationError: If ``dest`` is inside an app (see :func:`enclosing_app`).
    """
    app = enclosing_app(dest)
    if app is not None:
        raise DestinationError(
            f"{dest} is inside the VTEX IO app at {app} (it has manifest.json): the new app "
            f"would be nested in it; run `scaffold new` from outside that app (e.g. in "
            f"{app.parent}) or give a destination outside it"
        )


def create_app(
    dest: Path,
    answers: AppAnswers,
    *,
    force: bool = False,
    dry_run: bool = False,
    confirm: Callable[[list[str]], bool] | None = None,
    template: str | None = None,
    ref: str | None = None,
) -> NewResult:
    """Render the app into ``dest``: all files or none.

    The template is rendered into a temporary folder, then planned as a ChangeSet against
    ``dest`` (the same one the ``add-*`` commands use): a dry run shows its diffs, and
    applying it writes every file or, on any error, none.

    Args:
        dest: The destination folder.
        answers: Validated answers.
        force: Write into a non-empty folder, replacing files of the same name.
        dry_run: Report (with diffs) what would be written; write nothing.
        confirm: Shown the files about to be written; writes nothing unless it says yes.
        template: A git repository of the template to render instead of the installed one.
        ref: The tag or commit of ``template`` to render.

    Returns:
        What was (or would be) created and overwritten.

    Raises:
        Cancelled: If ``confirm`` says no.
        DestinationError: If ``dest`` cannot be used, or is inside another app.
    """
    dest = dest.absolute()
    check_destination(dest, force=force)
    refuse_nested(dest)
    changes = ChangeSet(dest)
    with tempfile.TemporaryDirectory(prefix="scaffold-new-") as tmp:
        staging = Path(tmp)
        render(answers, staging, template, ref)
        _app_docs.fill(staging)
        files = _would_write(staging)
        for rel in files:
            changes.write(Path(rel), (staging / rel).read_bytes())
        # Folders copier renders empty (no example: node/workers/...) are part of the app too.
        folders = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_dir())
    planned = changes.changes
    diff = changes.diff()
    if not dry_run and confirm is not None and not confirm(files):
        raise Cancelled(f"nothing written: {dest} is as it was")
    if not dry_run:
        try:
            changes.apply()
            for folder in folders:
                (dest / folder).mkdir(parents=True, exist_ok=True)
        except ProjectError as error:
            raise DestinationError(str(error)) from None
        except OSError as error:
            raise DestinationError(
                f"cannot create {error.filename}: {error.strerror}; pick a writable destination"
            ) from None
    return NewResult(
        dest=dest,
        answers=answers,
        created=tuple(c.rel for c in planned if c.kind == "create"),
        overwritten=tuple(c.rel for c in planned if c.kind == "modify"),
        dry_run=dry_run,
        diff=diff,
    )
