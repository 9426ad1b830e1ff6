"""A cache of ``scaffold check`` results per app, keyed by what the result depends on.

The key covers the scaffold code that produced the result (each module's size and mtime), the
rules selected, and the path, size and mtime of every file the rules can read (manifest.json
and every ``.ts``/``.json`` under node/, node_modules and dot folders left out). Any change to
any of them is a miss. A hit costs a few hundred ``stat`` calls and one small JSON read, and
loads neither tree-sitter nor the rules. The cache is best effort: a folder that cannot be
read or written means no cache, never an error. It loads only the standard library (and
:mod:`scaffold._app_files`, which is standard library only too).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from scaffold._app_files import SKIPPED_FOLDERS

_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """``$SCAFFOLD_CACHE_DIR``, else ``$XDG_CACHE_HOME/scaffold/check``, else ``~/.cache/...``.

    Returns:
        The folder (it may not exist yet).
    """
    explicit = os.environ.get("SCAFFOLD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path("~/.cache").expanduser()) / "scaffold" / "check"


def key(root: Path, rules: frozenset[str], version: str) -> str:
    """Return the cache key of checking ``root`` with ``rules``.

    Args:
        root: The app root.
        rules: The selected rule ids.
        version: The scaffold version.

    Returns:
        A hex digest.
    """
    lines = [version, ",".join(sorted(rules)), str(root.resolve())]
    _stat_tree(lines, str(_PACKAGE), (".py",))
    _stat_file(lines, str(root / "manifest.json"))
    _stat_tree(lines, str(root / "node"), (".ts", ".json"))
    return hashlib.sha256("\0".join(lines).encode()).hexdigest()


def _stat_tree(lines: list[str], base: str, suffixes: tuple[str, ...]) -> None:
    try:
        entries = sorted(os.scandir(base), key=lambda entry: entry.name)
    except OSError:
        lines.append(f"{base}\0unlistable")
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in SKIPPED_FOLDERS and not entry.name.startswith("."):
                _stat_tree(lines, entry.path, suffixes)
        elif entry.name.endswith(suffixes):
            _stat_file(lines, entry.path)


def _stat_file(lines: list[str], path: str) -> None:
    try:
        stat = Path(path).stat()
    except OSError:
        lines.append(f"{path}\0missing")
        return
    lines.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_mode}")


def _entry(root: Path) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
    return cache_dir() / f"{name}.json"


def load(root: Path, cache_key: str) -> list[dict[str, Any]] | None:
    """Return the cached findings (as dicts) of ``root`` for ``cache_key``, or None.

    Args:
        root: The app root.
        cache_key: From :func:`key`.

    Returns:
        The findings' fields, or None on a miss.
    """
    try:
        data = json.loads(_entry(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != cache_key:
        return None
    findings = data.get("findings")
    return findings if isinstance(findings, list) else None


def save(root: Path, cache_key: str, findings: list[dict[str, Any]]) -> None:
    """Store the findings of ``root`` under ``cache_key`` (atomically; errors are ignored).

    Args:
        root: The app root.
        cache_key: From :func:`key`.
        findings: The findings' fields.
    """
    target = _entry(root)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, delete=False, suffix=".tmp"
        ) as handle:
            json.dump({"key": cache_key, "findings": findings}, handle)
        Path(handle.name).replace(target)
    except OSError:
        return
