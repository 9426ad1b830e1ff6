"""Where the copier template (``copier.yml`` + ``templates/``) lives.

The repository root is the template. An installed wheel carries the same tree under
``scaffold/_template/`` (hatch ``force-include``); an editable install or a checkout reads the
repository root itself.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_FILES = ("copier.yml", "templates")


def template_root() -> Path:
    """Return the folder holding ``copier.yml`` and ``templates/``.

    Returns:
        ``scaffold/_template`` inside an installed wheel, else the repository root.
    """
    package = Path(__file__).resolve().parent
    bundled = package / "_template"
    if (bundled / "copier.yml").is_file():
        return bundled
    return package.parent
