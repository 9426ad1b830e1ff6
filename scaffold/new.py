"""``scaffold new``: resolve the answers, then render the copier app template into DEST."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from scaffold import _app_docs
from scaffold._answers import AppAnswers
from scaffold._paths import template_root
from scaffold.errors import DestinationError, UserError


class Cancelled(UserError):
    """The person answered no to the final confirmation."""


@dataclass(frozen=True)
class NewResult:
    """What ``create_app`` did (or, with ``dry_run``, would do)."""

    dest: Path
    answers: AppAnswers
    created: tuple[str, ...]
    overwritten: tuple[str, ...]
    dry_run: bool


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


def render(answers: AppAnswers, out: Path) -> None:
    """Render the app template into ``out`` (an empty or missing folder) with copier.

    Args:
        answers: Validated answers.
        out: Where to render.

    Raises:
        UserError: If copier fails (the template itself is broken).
    """
    import copier

    try:
        with tempfile.TemporaryDirectory(prefix="scaffold-template-") as tmp:
            copier.run_copy(
                str(_plain_template(Path(tmp))),
                out,
                data=asdict(answers),
                defaults=True,
                quiet=True,
                overwrite=True,
                unsafe=False,
                settings=copier.Settings(),
            )
    except Exception as error:  # copier raises many kinds; none is the user's fault here
        raise UserError(f"the app template failed to render: {error}") from error


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


def create_app(
    dest: Path,
    answers: AppAnswers,
    *,
    force: bool = False,
    dry_run: bool = False,
    confirm: Callable[[list[str]], bool] | None = None,
) -> NewResult:
    """Render the app into ``dest``: all files or none.

    The template is rendered into a staging folder beside ``dest`` first; only when that
    succeeds are the files moved into place, so a failure leaves ``dest`` as it was.

    Args:
        dest: The destination folder.
        answers: Validated answers.
        force: Write into a non-empty folder, replacing files of the same name.
        dry_run: Render to a throwaway folder and report what would be written.
        confirm: Shown the files about to be written; writes nothing unless it says yes.

    Returns:
        What was (or would be) created and overwritten.

    Raises:
        Cancelled: If ``confirm`` says no.
    """
    dest = dest.absolute()
    check_destination(dest, force=force)
    parent = dest.parent
    made = [p for p in (parent, *parent.parents) if not p.exists()]  # deepest first
    if dry_run:
        parent = Path(tempfile.gettempdir())
    else:
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DestinationError(
                f"cannot create {parent}: {error.strerror}; pick a writable destination"
            ) from None
    try:
        staging = Path(tempfile.mkdtemp(prefix=".scaffold-new-", dir=parent))
    except OSError as error:
        _remove_empty(made)
        raise DestinationError(
            f"cannot write in {parent}: {error.strerror}; pick a writable destination"
        ) from None
    try:
        render(answers, staging)
        _app_docs.fill(staging)
        files = _would_write(staging)
        existing = {f for f in files if (dest / f).exists()}
        if not dry_run and confirm is not None and not confirm(files):
            raise Cancelled(f"nothing written: {dest} is as it was")
        if not dry_run:
            _move_into_place(staging, dest, files)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(made)  # folders made for DEST's parent go too: nothing is left behind
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return NewResult(
        dest=dest,
        answers=answers,
        created=tuple(f for f in files if f not in existing),
        overwritten=tuple(f for f in files if f in existing),
        dry_run=dry_run,
    )


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _move_into_place(staging: Path, dest: Path, files: list[str]) -> None:
    if not dest.exists():
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp made it private; the app folder should not be
        staging.replace(dest)  # same filesystem: one atomic rename
        staging.mkdir()  # so the caller's cleanup has something to remove
        return
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).replace(target)


def summary_json(result: NewResult) -> str:
    """Return the machine-readable summary printed by ``--json``.

    Args:
        result: What ``create_app`` returned.

    Returns:
        A JSON document.
    """
    return json.dumps(
        {
            "dest": str(result.dest),
            "dry_run": result.dry_run,
            "answers": asdict(result.answers),
            "created": list(result.created),
            "overwritten": list(result.overwritten),
        },
        indent=2,
    )
