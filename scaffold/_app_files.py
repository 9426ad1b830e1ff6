"""An app's own TypeScript files: which they are, which are tests, what a relative import means.

One answer for the editor (``_edit``), the resolver of the Service maps (``_service_map``),
``list``/``graph`` (``inventory``), the host reader (``_project``) and the lint rules
(``_rules``), so none of them can disagree about a module. Standard library only: the
lowest layer, imported by all of them.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from pathlib import Path

# Folders never walked: dependencies (thousands of files, none the app's own).
SKIPPED_FOLDERS = frozenset({"node_modules"})
# A file in one of these folders, or with one of these endings, is a test, mock or typing.
TEST_FOLDERS = frozenset({"__tests__", "__mocks__"})
TEST_SUFFIXES = (".test.ts", ".spec.ts", ".d.ts")

# What a relative import can name, after a `.js` or `.ts` it was written with is dropped:
# the app's TypeScript modules (what the editor, list/graph and the map resolver follow) ...
TS_MODULE = (".ts", "/index.ts")
# ... and anything the build finds there (SC004 asks whether the import exists at all).
ANY_MODULE = ("", ".ts", ".tsx", ".d.ts", ".js", ".json", "/index.ts", "/index.tsx", "/index.js")


def is_test(rel: str) -> bool:
    """Tell whether a path is a test, mock, type declaration or dependency file.

    Args:
        rel: A ``/``-separated path (relative to the app root or to ``node/``).

    Returns:
        True for files that are not the app's own running code.
    """
    parts = set(rel.split("/"))
    return bool((TEST_FOLDERS | SKIPPED_FOLDERS) & parts) or rel.endswith(TEST_SUFFIXES)


def ts_files(
    root: Path,
    folder: str = "node",
    *,
    tests: bool = True,
    rglob: bool = False,
    onerror: Callable[[OSError], object] | None = None,
) -> list[str]:
    """List the ``.ts`` files under ``root/folder``: node_modules and dot folders aside.

    Symlinked folders are not entered.

    Args:
        root: The app root.
        folder: The folder to walk, relative to ``root``.
        tests: Also list tests, mocks and ``.d.ts`` files (:func:`is_test`).
        rglob: List what ``Path.rglob("*.ts")`` lists (node_modules still aside): dot
            folders are entered, and a folder named ``*.ts`` is listed too (``list`` and
            ``graph`` show what such a walk finds).
        onerror: Called with each folder that cannot be listed (as :func:`os.walk`).

    Returns:
        Paths relative to ``root``, ``/``-separated, sorted as :class:`~pathlib.Path` sorts
        (folder by folder).
    """
    found: list[str] = []
    for here, dirs, files in os.walk(root / folder, onerror=onerror):
        base = Path(here).relative_to(root).as_posix()
        names = [*dirs, *files] if rglob else files
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_FOLDERS
            and (rglob or not d.startswith("."))
            and (tests or d not in TEST_FOLDERS)
        )
        for name in names:
            rel = f"{base}/{name}"
            if name.endswith(".ts") and (tests or not is_test(rel)):
                found.append(rel)
    return sorted(found, key=lambda rel: rel.split("/"))


def import_candidates(importer: str, spec: str, suffixes: tuple[str, ...] = TS_MODULE) -> list[str]:
    """The files a relative import may name, in the order TypeScript looks for them.

    Args:
        importer: The importing file's path (relative to the app root, or absolute).
        spec: The import specifier (``./x``, ``../clients``, ``./x.js``).
        suffixes: What may follow the module's base path (:data:`TS_MODULE`).

    Returns:
        The candidate paths, normalised; none for a package specifier.
    """
    if not spec.startswith("."):
        return []
    base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    for suffix in (".js", ".ts"):
        base = base.removesuffix(suffix)
    return [f"{base}{suffix}" for suffix in suffixes]


def resolve_import(
    importer: str,
    spec: str,
    exists: Callable[[str], bool],
    suffixes: tuple[str, ...] = TS_MODULE,
) -> str | None:
    """The file a relative import names: the first candidate that exists.

    Args:
        importer: The importing file's path.
        spec: The import specifier.
        exists: Whether a candidate path exists (on disk, or as planned).
        suffixes: What may follow the module's base path.

    Returns:
        The path, or ``None`` (a package, or nothing there).
    """
    return next((c for c in import_candidates(importer, spec, suffixes) if exists(c)), None)


# An import, export-from or require() of a string: a text test over bytes (no parse).
_IMPORT_SPEC = re.compile(rb"""(?:from|import|require\()\s*['"]([^'"]+)['"]""")


def importers(target: str, sources: dict[str, bytes]) -> list[str]:
    """The files among ``sources`` that import the module ``target`` (``node/x/y.ts``).

    Args:
        target: The module's path relative to the app root.
        sources: Path -> bytes of the files to look in.

    Returns:
        Their paths, in the order of ``sources``.
    """
    out = []
    for rel, data in sources.items():
        if rel == target:
            continue
        for spec in _IMPORT_SPEC.findall(data):
            if target in import_candidates(rel, spec.decode("utf-8", "replace")):
                out.append(rel)
                break
    return out
