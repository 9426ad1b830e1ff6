"""``scaffold new``: resolve the answers, then render the copier app template into DEST."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from scaffold import _names
from scaffold._paths import template_root
from scaffold._vtex import DEFAULT_STORE, STORES, Store
from scaffold.errors import DestinationError, InvalidAnswerError, MissingAnswerError, UserError


@dataclass(frozen=True)
class Question:
    """One answer the app template needs, and how it is asked for."""

    key: str
    flag: str
    prompt: str
    kind: Literal["text", "choice", "bool"] = "text"
    choices: tuple[str, ...] = ()
    required: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question("vendor", "--vendor", "Vendor (your VTEX account, e.g. acme):", required=True),
    Question("name", "--name", "App name (e.g. order-sync):", required=True),
    Question("title", "--title", "Title shown in the admin:"),
    Question("description", "--description", "One-line description:"),
    Question(
        "store",
        "--store",
        "Where idempotency and status records live:",
        kind="choice",
        choices=STORES,
    ),
    Question(
        "example",
        "--example/--no-example",
        "Include an example consumer, worker and publisher?",
        kind="bool",
    ),
)
KEYS = tuple(q.key for q in QUESTIONS)


@dataclass(frozen=True)
class AppAnswers:
    """Validated answers for the app template (the keys of ``copier.yml``)."""

    vendor: str
    name: str
    title: str
    description: str
    store: Store
    example: bool

    @property
    def app_id(self) -> str:
        """``vendor.name``: the sender of the app's own events."""
        return f"{self.vendor}.{self.name}"


@dataclass(frozen=True)
class NewResult:
    """What ``create_app`` did (or, with ``dry_run``, would do)."""

    dest: Path
    answers: AppAnswers
    created: tuple[str, ...]
    overwritten: tuple[str, ...]
    dry_run: bool


def default_for(key: str, known: Mapping[str, Any], dest: Path | None) -> Any:
    """Return the default answer for ``key`` given what is already known.

    Args:
        key: A question key.
        known: Answers resolved so far.
        dest: The destination folder, whose name is the default app name.

    Returns:
        The default, or ``None`` when there is none (vendor; name without a usable DEST).
    """
    if key == "name" and dest is not None:
        try:
            return _names.validate_app_name(dest.name)
        except InvalidAnswerError:
            return None
    if key == "title" and known.get("name"):
        return _names.default_title(str(known["name"]))
    defaults: dict[str, Any] = {"description": "", "store": DEFAULT_STORE, "example": True}
    return defaults.get(key)


def coerce(key: str, value: Any, *, source: str) -> Any:
    """Validate one answer and convert it to its type.

    Args:
        key: A question key.
        value: The raw value (string from a flag or ``--data``, or a YAML/JSON value).
        source: Where the value came from, for the error message.

    Returns:
        The validated value.

    Raises:
        InvalidAnswerError: If the value is not acceptable.
    """
    if key == "example":
        return _coerce_bool(key, value, source=source)
    if not isinstance(value, str):
        raise InvalidAnswerError(f"invalid {key} {value!r} in {source}: expected text")
    value = value.strip()
    try:
        if key == "vendor":
            return _names.validate_vendor(value)
        if key == "name":
            return _names.validate_app_name(value)
    except InvalidAnswerError as error:
        raise InvalidAnswerError(f"{error} (from {source})") from None
    if key == "store":
        if value not in STORES:
            raise InvalidAnswerError(
                f"invalid store {value!r} in {source}: choose one of {', '.join(STORES)}"
            )
        return value
    if key == "title" and not value:
        raise InvalidAnswerError(f"empty title in {source}: give a short human title")
    if "\n" in value:
        raise InvalidAnswerError(f"invalid {key} in {source}: use a single line")
    return value


def _coerce_bool(key: str, value: Any, *, source: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "y", "1", "on"}:
        return True
    if text in {"false", "no", "n", "0", "off"}:
        return False
    raise InvalidAnswerError(f"invalid {key} {value!r} in {source}: use true or false")


def parse_data_pairs(pairs: list[str]) -> dict[str, str]:
    """Parse repeated ``--data KEY=VALUE`` flags.

    Args:
        pairs: The raw flag values.

    Returns:
        The answers they give.

    Raises:
        InvalidAnswerError: If a pair has no ``=`` or names an unknown key.
    """
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep:
            raise InvalidAnswerError(f"invalid --data {pair!r}: use KEY=VALUE (e.g. vendor=acme)")
        _check_key(key, f"--data {pair!r}")
        out[key] = value
    return out


def read_data_file(path: Path) -> dict[str, Any]:
    """Read answers from a YAML or JSON file (a mapping of question keys to values).

    Args:
        path: The file (copier answers files work too: keys starting with ``_`` are ignored).

    Returns:
        The answers it gives.

    Raises:
        InvalidAnswerError: If the file is missing, unparsable, not a mapping or has unknown keys.
    """
    import yaml  # copier depends on PyYAML; YAML is a superset of JSON

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidAnswerError(
            f"cannot read --data-file {path}: {error.strerror}; check the path"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InvalidAnswerError(
            f"cannot parse --data-file {where}: not valid YAML or JSON; fix the syntax"
        ) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidAnswerError(
            f"invalid --data-file {path}: expected a mapping such as 'vendor: acme'"
        )
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if str(key).startswith("_"):
            continue
        _check_key(str(key), f"--data-file {path}")
        out[str(key)] = value
    return out


def _check_key(key: str, source: str) -> None:
    if key not in KEYS:
        raise InvalidAnswerError(
            f"unknown answer {key!r} in {source}: known answers are {', '.join(KEYS)}"
        )


Asker = Callable[[Question, Any], Any]


def resolve_answers(
    layers: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    dest: Path | None,
    use_defaults: bool,
    ask: Asker | None,
) -> AppAnswers:
    """Merge answers from flags, ``--data`` and ``--data-file``; fill the rest.

    Every given value is validated before anything is asked or written. A missing value
    is then asked for (when ``ask`` is given, i.e. stdin is a TTY), taken from its default
    (with ``use_defaults``, or when it is optional), or reported as missing.

    Args:
        layers: ``(source, answers)`` pairs, highest precedence first.
        dest: The destination folder (its name is the default app name).
        use_defaults: Take defaults without asking (copier's ``--defaults``).
        ask: Prompts for one question given its default; ``None`` without a TTY.

    Returns:
        The complete, validated answers.

    Raises:
        MissingAnswerError: If a required answer is missing and cannot be asked.
        InvalidAnswerError: If any given or typed answer is invalid.
    """
    given: dict[str, Any] = {}
    for source, layer in reversed(layers):
        for key, value in layer.items():
            if value is not None:
                given[key] = coerce(key, value, source=source)
    known: dict[str, Any] = {}
    for q in QUESTIONS:
        if q.key in given:
            known[q.key] = given[q.key]
            continue
        default = default_for(q.key, known, dest)
        if ask is not None and not use_defaults:
            known[q.key] = coerce(q.key, ask(q, default), source="the prompt")
        elif default is not None:
            known[q.key] = default
        else:
            how = "pass it" if ask is None else "pass it or drop --defaults to be asked"
            raise MissingAnswerError(
                f"missing {q.key}: {how} with {q.flag} (or --data {q.key}=...)"
            )
    return AppAnswers(**known)


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
    if dest.exists() and not dest.is_dir():
        raise DestinationError(f"{dest} exists and is not a folder: pick another destination")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise DestinationError(
            f"{dest} is not empty: pick a new folder, or pass --force to write into it"
        )


def create_app(
    dest: Path, answers: AppAnswers, *, force: bool = False, dry_run: bool = False
) -> NewResult:
    """Render the app into ``dest``: all files or none.

    The template is rendered into a staging folder beside ``dest`` first; only when that
    succeeds are the files moved into place, so a failure leaves ``dest`` as it was.

    Args:
        dest: The destination folder.
        answers: Validated answers.
        force: Write into a non-empty folder, replacing files of the same name.
        dry_run: Render to a throwaway folder and report what would be written.

    Returns:
        What was (or would be) created and overwritten.
    """
    dest = dest.absolute()
    check_destination(dest, force=force)
    parent = dest.parent
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
        raise DestinationError(
            f"cannot write in {parent}: {error.strerror}; pick a writable destination"
        ) from None
    try:
        render(answers, staging)
        files = _would_write(staging)
        existing = {f for f in files if (dest / f).exists()}
        if not dry_run:
            _move_into_place(staging, dest, files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return NewResult(
        dest=dest,
        answers=answers,
        created=tuple(f for f in files if f not in existing),
        overwritten=tuple(f for f in files if f in existing),
        dry_run=dry_run,
    )


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
