"""Which release of scaffold (and so of its template) this is, and where the template lives.

The git tag ``vX.Y.Z`` of the repository is both the package version (hatch-vcs) and the
template version copier records in an app's ``.copier-answers.yml`` as ``_commit``; the
repository URL from pyproject ``[project.urls]`` is recorded as ``_src_path``.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

DIST = "vtex-io-scaffold"
FALLBACK_VERSION = "0.0.0"
_LOCAL_SHA = re.compile(r"\+g([0-9a-f]{7,40})\b")
_RELEASE = re.compile(r"^\d+(\.\d+)*$")


@cache
def version() -> str:
    """Return the installed package version (``0.0.0`` when there is no metadata at all).

    Returns:
        A PEP 440 version such as ``1.2.0`` or ``1.2.1.dev3+gabc1234``.
    """
    from importlib import metadata

    try:
        return metadata.version(DIST)
    except metadata.PackageNotFoundError:
        return FALLBACK_VERSION


def template_ref(package_version: str) -> str:
    """Return the git ref of the template that a package version renders.

    Args:
        package_version: A version from :func:`version`.

    Returns:
        ``vX.Y.Z`` for a release; the commit (``abc1234``) for a development build made
        between tags; ``v<version>`` otherwise.
    """
    if _RELEASE.match(package_version):
        return f"v{package_version}"
    sha = _LOCAL_SHA.search(package_version)
    return sha.group(1) if sha else f"v{package_version}"


def is_release(package_version: str) -> bool:
    """Return True for a version built from a release tag (``1.2.0``, not ``1.2.1.dev3+g...``).

    Args:
        package_version: A version from :func:`version`.

    Returns:
        Whether apps made by this version record a release tag that updates can find.
    """
    return bool(_RELEASE.match(package_version)) and package_version != FALLBACK_VERSION


def development_note(package_version: str, *, has_own_history: bool) -> str | None:
    """Return what ``scaffold new`` says when the app it makes cannot be updated bare.

    A build from an untagged commit (or without git at all) renders a template that no
    release holds, so a later ``scaffold update`` needs a clone that has that commit. An
    editable install is exempt (``has_own_history``): its checkout has the commit.

    Args:
        package_version: A version from :func:`version`.
        has_own_history: The template is read from a git checkout.

    Returns:
        One line, or ``None`` for a release.
    """
    if is_release(package_version) or has_own_history:
        return None
    return (
        f"scaffold {package_version} is a development build (not a release tag): the app "
        f"records template {template_ref(package_version)}, so `scaffold update` will need "
        "--template PATH_OR_URL of a scaffold clone that has it"
    )


@cache
def repository_url() -> str | None:
    """Return the project's repository URL (``[project.urls] Repository``), if it has one.

    This one setting is where apps point ``_src_path`` (for plain ``copier update``) and
    where a ``git clone`` gets the template; ``scaffold update`` itself reads the history
    the package carries. Read from the installed metadata, or from pyproject.toml in a
    checkout.

    Returns:
        The URL apps record as ``_src_path``; ``None`` when the project names none.
    """
    from importlib import metadata

    try:
        for entry in metadata.metadata(DIST).get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() == "repository":
                return str(url).strip()
        return None
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError:
        return None
    url = data.get("project", {}).get("urls", {}).get("Repository")
    return str(url) if url else None


def stamp_answers(text: str, *, src_path: str | None, commit: str | None) -> str:
    """Record the template's location and version in the text of ``.copier-answers.yml``.

    Replaces the ``_src_path`` and (when ``commit`` is given) ``_commit`` lines, written
    where and how copier writes them (sorted keys, right after the header comment), so
    the file is byte-identical to what plain ``copier copy`` of the repository writes.

    Args:
        text: The answers file copier rendered.
        src_path: The template's location (the repository URL; never a local path);
            ``None`` writes no ``_src_path`` (the project names no URL).
        commit: The template version (``vX.Y.Z``); ``None`` keeps copier's ``_commit``.

    Returns:
        The new text.
    """
    import yaml

    lines = text.splitlines(keepends=True)
    header = [line for line in lines[:1] if line.startswith("#")]
    body = lines[len(header) :]
    if commit is None:
        commit = next(
            (str(yaml.safe_load(line)["_commit"]) for line in body if line.startswith("_commit:")),
            None,
        )
    body = [line for line in body if not line.startswith(("_commit:", "_src_path:"))]
    stamped = {
        key: value
        for key, value in (("_commit", commit), ("_src_path", src_path))
        if value is not None
    }
    dumped = (
        yaml.safe_dump(stamped, default_flow_style=False, allow_unicode=True, width=10_000)
        if stamped
        else ""
    )
    return "".join(header) + dumped + "".join(body)
