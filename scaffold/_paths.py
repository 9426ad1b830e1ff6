"""Where the copier template (``copier.yml`` + ``templates/``) and its release history live.

The repository root is the template. An installed wheel carries the same tree under
``scaffold/_template/`` (hatch ``force-include``); an editable install or a checkout reads the
repository root itself. The wheel also carries the template's release history, a git bundle
of one commit per ``vX.Y.Z`` tag made by ``hatch_build.py``: what ``scaffold update`` renders.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_FILES = ("copier.yml", "templates")  # hatch_build.py bundles these too
HISTORY_BUNDLE = "history.bundle"


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


def template_history() -> Path | None:
    """Return the git history of the template's releases that this scaffold carries.

    Returns:
        The bundle in an installed wheel; the repository of a checkout (an editable
        install); ``None`` for a build that carries no history (no release tags).
    """
    root = template_root()
    bundle = root / HISTORY_BUNDLE
    if bundle.is_file():
        return bundle
    if (root / ".git").exists():
        return root
    return None
