"""Where the templates that ship inside the package live."""

from __future__ import annotations

from pathlib import Path


def template_root() -> Path:
    """Return the copier template folder (``copier.yml`` + ``app/`` + ``components/``).

    Returns:
        An absolute path inside the installed package.
    """
    return Path(__file__).resolve().parent / "templates"
