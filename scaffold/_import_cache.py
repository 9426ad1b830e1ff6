"""What each ``.ts`` file imports, remembered across runs, keyed by the file's bytes.

Drawing an app's README graph follows its imports from ``node/index.ts``; finding them takes a
parse of every file, which is most of what an add-event costs in an app with hundreds of
handlers. A file's import specifiers depend on its bytes alone, so they are kept by the
SHA-256 of those bytes: a file that changes gets a new key, and a stale entry can never be
used. Where the specifiers point is still worked out on every run (it depends on which files
exist). The cache is best effort: a folder that cannot be read or written means no cache,
never an error. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

Specs = dict[str, list[str]]


def digest(data: bytes) -> str:
    """The key of a file's bytes.

    Args:
        data: The file's bytes.

    Returns:
        A hex digest.
    """
    return hashlib.sha256(data).hexdigest()


def _entry(root: Path) -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    folder = (Path(base) if base else Path("~/.cache").expanduser()) / "scaffold" / "imports"
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
    return folder / f"{name}.json"


def load(root: Path) -> Specs:
    """The specifiers remembered for the files of the app at ``root`` (empty on any problem).

    Args:
        root: The app root.

    Returns:
        Digest of a file's bytes -> the specifiers of its imports and re-exports, in order.
    """
    try:
        data = json.loads(_entry(root).read_text(encoding="utf-8"))
    except (OSError, ValueError, RuntimeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        key: value
        for key, value in data.items()
        if isinstance(key, str)
        and isinstance(value, list)
        and all(isinstance(spec, str) for spec in value)
    }


def save(root: Path, specs: Specs) -> None:
    """Remember ``specs`` for the app at ``root`` (atomically; errors are ignored).

    Args:
        root: The app root.
        specs: What :func:`load` returns, for the files read this time (older keys go).
    """
    try:
        target = _entry(root)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, delete=False, suffix=".tmp"
        ) as handle:
            handle.write(json.dumps(specs))  # the C encoder (dump is pure Python)
        Path(handle.name).replace(target)
    except (OSError, RuntimeError):
        return
