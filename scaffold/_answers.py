"""The questions of ``scaffold new``: answers from flags, ``--data``, files and prompts.

Every answer is validated here, before anything is asked or written; precedence is
flags, then ``--data``, then ``--data-file``, then a prompt (on a terminal), then defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scaffold import _names
from scaffold._vtex import DEFAULT_STORE, STORES, Store
from scaffold.errors import InvalidAnswerError, MissingAnswerError


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
MAX_TEXT = 300
"""Longest title or description accepted: one line in the admin, not a document."""


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
            return _names.validate_app_name(dest.absolute().name)  # `new .` in my-app/
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
    return _plain_line(key, value, source=source)


def _plain_line(key: str, value: str, *, source: str) -> str:
    """Refuse text that is not one line of printable characters, or is too long."""
    odd = next((ch for ch in value if not ch.isprintable()), None)
    if odd is not None:  # newlines, tabs, escapes, U+2028: one plain line of text only
        raise InvalidAnswerError(
            f"invalid {key} in {source}: it holds the control character U+{ord(odd):04X}; "
            "use a single line of plain text"
        )
    if len(value) > MAX_TEXT:
        raise InvalidAnswerError(
            f"{key} in {source} is too long: {len(value)} characters, at most {MAX_TEXT}"
        )
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
        raw = yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise InvalidAnswerError(
            f"cannot read --data-file {path}: byte {error.start} is not UTF-8; "
            "save the file as UTF-8"
        ) from None
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
            why = ""
            if q.key == "name" and dest is not None:
                # `new .` in `My App/`: say why the folder's name is no default.
                folder = dest.absolute().name
                why = f" (the folder name {folder!r} is not a valid app name)" if folder else ""
            raise MissingAnswerError(
                f"missing {q.key}{why}: {how} with {q.flag} (or --data {q.key}=...)"
            )
    return AppAnswers(**known)
