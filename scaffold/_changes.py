"""ChangeSet: plan every write first, show it as diffs, then apply it all at once."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scaffold.errors import ProjectError, ScaffoldError

Kind = Literal["create", "modify", "delete"]


@dataclass(frozen=True)
class Change:
    """One planned change to one file.

    Attributes:
        path: The absolute path.
        rel: The path relative to the change set's root, with ``/`` separators.
        kind: ``create``, ``modify`` or ``delete``.
        before: The bytes on disk when the change was planned (``None``: no file).
        after: The bytes to write (``None``: delete the file).
    """

    path: Path
    rel: str
    kind: Kind
    before: bytes | None
    after: bytes | None


class ChangeSet:
    """Writes, creations and deletions planned against one folder, applied atomically.

    Each path keeps the bytes it had on disk when first planned; ``apply`` refuses
    to write if a file changed since, and undoes its own renames if anything fails.

    Args:
        root: The folder paths are shown relative to (usually the app root).
    """

    def __init__(self, root: Path) -> None:
        self.root = root.absolute()
        self._before: dict[Path, bytes | None] = {}
        self._after: dict[Path, bytes | None] = {}

    def _key(self, path: Path) -> Path:
        path = path if path.is_absolute() else self.root / path
        return Path(os.path.normpath(path))

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def _snapshot(self, path: Path) -> None:
        if path not in self._before:
            self._before[path] = _read(path)

    def read(self, path: Path) -> bytes | None:
        """Return a file's bytes as planned so far (falls back to the disk).

        Args:
            path: Absolute, or relative to the root.

        Returns:
            The planned bytes, the bytes on disk, or ``None`` if the file does not
            (or will not) exist.
        """
        key = self._key(path)
        if key in self._after:
            return self._after[key]
        return _read(key)

    def write(self, path: Path, data: bytes) -> None:
        """Plan to write ``data`` to ``path`` (creating it and its folders if needed).

        Args:
            path: Absolute, or relative to the root.
            data: The file's complete new content.
        """
        key = self._key(path)
        self._snapshot(key)
        self._after[key] = data

    def delete(self, path: Path) -> None:
        """Plan to delete ``path`` (nothing happens if it does not exist).

        Args:
            path: Absolute, or relative to the root.
        """
        key = self._key(path)
        self._snapshot(key)
        self._after[key] = None

    @property
    def changes(self) -> list[Change]:
        """The planned changes that would alter the disk, sorted by path."""
        out: list[Change] = []
        for path in sorted(self._after):
            before, after = self._before[path], self._after[path]
            if before == after:
                continue
            kind: Kind = "create" if before is None else "delete" if after is None else "modify"
            out.append(Change(path, self._rel(path), kind, before, after))
        return out

    @property
    def is_empty(self) -> bool:
        """True when applying would change nothing on disk."""
        return not self.changes

    def diff(self) -> dict[str, str]:
        """Return a unified diff per changed file, keyed by relative path.

        Line endings inside the files are kept as they are; a last line without a
        newline is marked like git does.

        Returns:
            ``{rel_path: diff_text}`` in path order.
        """
        return {change.rel: _unified(change) for change in self.changes}

    def apply(self) -> list[Change]:
        """Write every planned change, all or nothing.

        New content goes to a temporary file in the target's folder, which is then
        renamed over the target (keeping the original file mode). If any step fails,
        the files already replaced get their original bytes back, files created are
        removed, and the error is raised.

        Returns:
            The changes applied.

        Raises:
            ProjectError: If a file changed on disk since it was planned, or cannot
                be written.
        """
        changes = self.changes
        for change in changes:
            if _read(change.path) != change.before:
                raise ProjectError(
                    f"{change.rel} changed on disk while scaffold was planning; "
                    "nothing was written, run the command again"
                )
        made_dirs: list[Path] = []
        temps: dict[Path, Path] = {}
        done: list[Change] = []
        try:
            for change in changes:
                if change.after is not None:
                    made_dirs.extend(_make_parents(change.path.parent))
                    temps[change.path] = _temp_copy(change.path, change.after)
            for change in changes:
                if change.after is None:
                    change.path.unlink()
                else:
                    temps[change.path].replace(change.path)
                    del temps[change.path]
                done.append(change)
        except OSError as error:
            _rollback(done, temps, made_dirs)
            shown = self._rel(Path(error.filename)) if error.filename else "a file"
            raise ProjectError(
                f"cannot write {shown}: {error.strerror}; nothing was changed"
            ) from None
        except BaseException:
            _rollback(done, temps, made_dirs)
            raise
        return done


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ProjectError(f"{path} is a folder, expected a file") from None


def _make_parents(folder: Path) -> list[Path]:
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        path.mkdir()
    return missing


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _temp_copy(target: Path, data: bytes) -> Path:
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        temp.chmod(mode)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _rollback(done: list[Change], temps: dict[Path, Path], made_dirs: list[Path]) -> None:
    for temp in temps.values():
        temp.unlink(missing_ok=True)
    for change in reversed(done):
        try:
            if change.before is None:
                change.path.unlink(missing_ok=True)
            else:
                _temp_copy(change.path, change.before).replace(change.path)
        except OSError as error:  # pragma: no cover - the disk failed twice
            raise ScaffoldError(
                f"could not restore {change.path} after a failed write: {error}"
            ) from error
    for folder in made_dirs:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    # NOTE: split on "\n" only; str.splitlines would also split on \x0b, \u2028 and friends.
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _unified(change: Change) -> str:
    a = "/dev/null" if change.before is None else f"a/{change.rel}"
    b = "/dev/null" if change.after is None else f"b/{change.rel}"
    out: list[str] = []
    for line in difflib.unified_diff(
        _lines(change.before), _lines(change.after), fromfile=a, tofile=b, lineterm="\n"
    ):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
