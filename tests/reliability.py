"""Shared helpers of the reliability tests: a full byte snapshot of a tree, one-line errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from typer.testing import Result

Entry = tuple[str, int, bytes | str | None]


def tree_state(root: Path) -> dict[str, Entry]:
    """Every file, folder and symlink under ``root`` (``root`` included): kind, mode, content.

    Symlinks are recorded, never followed; unreadable files are read anyway (the tests run as
    root), so a test that changes only a mode bit or a byte still sees the difference.
    """
    out: dict[str, Entry] = {}
    if not root.exists():
        return out
    out["."] = ("dir", stat.S_IMODE(root.lstat().st_mode), None)
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", mode, str(path.readlink()))
            elif stat.S_ISDIR(info.st_mode):
                out[rel] = ("dir", mode, None)
            else:
                out[rel] = ("file", mode, _read_any(path))
    return out


def _read_any(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.access(path, os.R_OK):
        return path.read_bytes()
    path.chmod(mode | 0o400)  # not root: read it, then put the mode back
    try:
        return path.read_bytes()
    finally:
        path.chmod(mode)


def one_error_line(result: Result) -> str:
    """Assert the CLI failed with exactly one ``error:`` line (notes aside), no traceback.

    Returns:
        The error line.
    """
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    others = [line for line in lines if not line.startswith(("error: ", "note: "))]
    assert len(errors) == 1 and not others, result.output
    assert "Traceback" not in result.output
    return errors[0]
