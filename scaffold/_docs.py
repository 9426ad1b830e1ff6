"""The documentation shipped in the wheel, printed by ``scaffold docs TOPIC``."""

from __future__ import annotations

from pathlib import Path

from scaffold.errors import UserError

# Topic -> (file under docs/, what it covers).
_FILES: dict[str, tuple[str, str]] = {
    "guide": ("README.md", "user guide: create an app, add to it, check it"),
    "commands": ("commands.md", "every command and flag"),
    "patterns": ("patterns.md", "what the generated code does and why"),
    "check": ("check.md", "the lint rules of `scaffold check`, with fixes"),
    "reliability": ("reliability.md", "limits, bad inputs and faults, and what scaffold does"),
}
TOPICS: dict[str, str] = {name: summary for name, (_, summary) in _FILES.items()}


def docs_root() -> Path:
    """Return the folder holding the Markdown docs.

    Returns:
        ``scaffold/_docs`` inside an installed wheel, else the repository's ``docs/``.
    """
    package = Path(__file__).resolve().parent
    bundled = package / "_docs"
    return bundled if bundled.is_dir() else package.parent / "docs"


def read(topic: str) -> str:
    """Return the text of one topic.

    Args:
        topic: A key of :data:`TOPICS` (case-insensitive).

    Returns:
        The Markdown text.

    Raises:
        UserError: If the topic is unknown or its file is missing.
    """
    key = topic.strip().lower()
    if key not in _FILES:
        raise UserError(
            f"unknown docs topic {topic!r}: choose one of {', '.join(_FILES)} "
            "(`scaffold docs` lists them)"
        )
    path = docs_root() / _FILES[key][0]
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(
            f"cannot read {path}: {error.strerror}; reinstall scaffold "
            "(pip install --force-reinstall vtex-io-scaffold)"
        ) from None
