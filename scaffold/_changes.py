"""ChangeSet: plan every write first, show it as diffs, then apply it all at once.

The file transaction under every command (``new``, ``update``, the edit session); it imports
nothing above it. :class:`Written` is the record of files every command's result reports.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Literal, NamedTuple

from scaffold import _read as _read_file
from scaffold.errors import ProjectError, ScaffoldError

Kind = Literal["create", "modify", "delete"]


class Change(NamedTuple):
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
        # A delete also removes the folders it leaves empty (the undo of a create).
        self.remove_empty_folders = True
        # Paths already found inside the root: planning reads a file several times, and
        # each check resolves the path and the root (a system call per component).
        self._inside: set[Path] = set()
        self._real_root: Path | None = None  # the root, symlinks resolved (once)
        self._real_folders: dict[Path, Path] = {}
        self._entered: set[Path] = set()  # folders found enterable while planning

    def _key(self, path: Path) -> Path:
        path = path if path.is_absolute() else self.root / path
        key = Path(os.path.normpath(path))
        if key not in self._inside:
            self._check_inside(key)
            self._inside.add(key)
        return key

    def _check_inside(self, path: Path) -> None:
        """Refuse a path that leaves the root, itself or through a symlink on its way."""
        try:
            real = self._real(path)
            if self._real_root is None:
                self._real_root = self.root.resolve()
            inside = real.is_relative_to(self._real_root)
        except (OSError, RuntimeError) as error:  # a symlink loop, a name too long
            raise ProjectError(
                f"cannot follow {self._rel(path)}: {getattr(error, 'strerror', None) or error}"
            ) from None
        if not inside:
            raise ProjectError(
                f"{self._rel(path)} leads outside the app (to {real}, through a symlink); "
                "scaffold only edits files inside the app: replace the link with the file"
            )

    def _real(self, path: Path) -> Path:
        """``path.resolve()``, with each folder resolved once (an edit reads many files
        of one folder): the folder's real path, then the name, unless it is a symlink."""
        if path.parent == path:
            return path.resolve()
        folder = self._real_folders.get(path.parent)
        if folder is None:
            folder = self._real_folders[path.parent] = self._real(path.parent)
        try:
            link = stat.S_ISLNK(os.lstat(folder / path.name).st_mode)
        except OSError:
            link = False  # nothing there (yet): resolve() keeps the name as it is
        return (folder / path.name).resolve() if link else folder / path.name

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def _snapshot(self, path: Path) -> None:
        if path not in self._before:
            self._before[path] = _read(path, self._rel(path))

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
        return _read(key, self._rel(key), self._entered)

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
        if not changes:
            return []
        with _locked(self.root), _signals_deferred() as received:
            done = self._apply(changes, received)
        return done

    def _precheck(self, changes: list[Change]) -> None:
        for change in changes:
            _check_writable(change, self.root)
        for change in changes:
            if _read(change.path, change.rel) != change.before:
                raise ProjectError(
                    f"{change.rel} changed on disk while scaffold was planning; "
                    "nothing was written, run the command again"
                )

    def _apply(self, changes: list[Change], received: list[int]) -> list[Change]:
        self._precheck(changes)
        made_dirs: list[Path] = []
        temps: dict[Path, Path] = {}
        done: list[Change] = []
        current: Change | None = None  # what the error message names: the file, not its temp
        try:
            for current in changes:
                if current.after is not None:
                    made_dirs.extend(_make_parents(current.path.parent))
                    temps[current.path] = _temp_copy(current.path, current.after)
            for current in changes:
                if current.after is None:
                    current.path.unlink()
                    if self.remove_empty_folders:
                        _remove_empty_parents(current.path.parent, self.root)
                else:
                    temps[current.path].replace(current.path)
                    del temps[current.path]
                done.append(current)
            if received:  # a signal arrived while writing: back to the old state, then stop
                _rollback(done, temps, made_dirs)
                return []
        except OSError as error:
            _rollback(done, temps, made_dirs)
            shown = current.rel if current is not None else "a file"
            raise ProjectError(
                f"cannot write {shown}: {error.strerror}; nothing was changed"
            ) from None
        except BaseException:
            _rollback(done, temps, made_dirs)
            raise
        return done


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _check_folders(path: Path, rel: str, entered: set[Path] | None = None) -> None:
    """Refuse a file whose folders cannot be entered (no ``x`` bit), even for root.

    ``entered`` holds folders already found fine (with every folder above them): an edit
    reads many files of one folder.
    """
    parts = rel.split("/")[:-1]
    folder = path.parent
    checked = []
    for depth in range(len(parts), 0, -1):
        if entered is not None and folder in entered:
            break
        checked.append(folder)
        mode = _mode(folder)
        # NOTE: a "folder" that is a file (`x.json/index.ts`, tried for `import './x.json'`)
        # is no folder to enter: the read finds no file there.
        if mode is not None and not mode & 0o111 and folder.is_dir():
            shown = "/".join(parts[:depth])
            raise ProjectError(
                f"cannot enter {shown}/: it has no execute (search) permission; "
                f"fix it with `chmod u+x {shown}` and run again"
            )
        folder = folder.parent
    if entered is not None:
        entered.update(checked)


def _read(path: Path, rel: str, entered: set[Path] | None = None) -> bytes | None:
    """Return a file's bytes (``None``: no file), refusing what the user cannot read.

    Permission bits are checked as written, not as the process could bypass them: scaffold
    running as root must not read (and then rewrite) a file its owner made unreadable.
    ``entered``: as :func:`_check_folders`.
    """
    try:
        _check_folders(path, rel, entered)
        try:
            info: os.stat_result | None = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            info = None
        if info is not None and stat.S_ISREG(info.st_mode) and not info.st_mode & 0o444:
            raise ProjectError(
                f"cannot read {rel}: it has no read permission; fix it with `chmod u+r {rel}` "
                "and run again"
            )
        return _read_file.read_bytes(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise ProjectError(f"{rel} is a folder, expected a file") from None
    except OSError as error:
        raise ProjectError(f"cannot read {rel}: {error.strerror}; nothing was changed") from None


def _check_writable(change: Change, root: Path) -> None:
    """Refuse to change a read-only file, or to create or delete one in a read-only folder."""
    if change.kind == "modify":
        mode = _mode(change.path)
        if mode is not None and not mode & 0o222:
            raise ProjectError(
                f"{change.rel} is read-only; nothing was written: make it writable "
                f"(`chmod u+w {change.rel}`) or leave it out"
            )
    folder = change.path.parent
    while not folder.exists() and folder != root:
        folder = folder.parent
    mode = _mode(folder)
    if mode is not None and not mode & 0o222:
        shown = folder.relative_to(root).as_posix() if folder != root else "the app folder"
        raise ProjectError(
            f"{shown} is read-only; nothing was written: make it writable "
            f"(`chmod u+w {shown}`) and run again"
        )


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the app folder itself, or refuse at once.

    ``flock`` on the folder's own descriptor: no lock file is left in the person's tree,
    and the lock goes away with the process, however it ends.
    """
    import fcntl

    folder = root
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # `new` into a folder still to be made: lock where it will be
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise ProjectError(
                f"another scaffold command is changing {root} right now; nothing was written: "
                "wait for it to finish and run again"
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """Hold SIGINT/SIGTERM/SIGHUP while files are renamed; deliver them afterwards.

    The body sees the signals received so far (the list it is given) and rolls its writes
    back when there is one, so the app is left as it was; the signal is then raised again
    with the handlers that were in place (Ctrl-C becomes ``KeyboardInterrupt``, a SIGTERM
    ends the process). Outside the main thread signals cannot be caught, so nothing is held.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def hold(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    wanted = [signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)]
    # NOTE: a signal the process ignores (nohup, a job started with `&` by a script) stays
    # ignored: holding it would roll back an edit its sender never meant to stop.
    held = [sig for sig in dict.fromkeys(wanted) if signal.getsignal(sig) != signal.SIG_IGN]
    previous = {sig: signal.signal(sig, hold) for sig in held}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            signal.raise_signal(received[0])
            # Still running (a handler of the caller's that returns): the writes were rolled
            # back, so the command must not report success.
            raise KeyboardInterrupt


def _remove_empty_parents(folder: Path, root: Path) -> None:
    """Remove ``folder`` and its parents up to ``root`` while they are empty (undo's tidy-up)."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


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
                change.path.parent.mkdir(parents=True, exist_ok=True)  # a delete may have tidied it
                _temp_copy(change.path, change.before).replace(change.path)
        except OSError as error:  # pragma: no cover - the disk failed twice
            raise ScaffoldError(
                f"could not restore {change.path} after a failed write: {error}"
            ) from error
    # Deepest first across all changes: node/a/x made before node/a/y must still go.
    for folder in sorted(made_dirs, key=lambda path: len(path.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    # NOTE: split on "\n" only; str.splitlines would also split on \x0b, \u2028 and friends.
    return [line for line in re.split(r"(?<=\n)", text) if line]


class Diffs(Mapping[str, str]):
    """What :meth:`ChangeSet.diff` returns, worked out on first use: only a dry run prints
    it, and diffing a 200-line README or events map costs more than the rest of an edit.

    Args:
        changes: The planned changes (:attr:`ChangeSet.changes`; their bytes never change).
    """

    def __init__(self, changes: list[Change]) -> None:
        self._changes = changes
        self._texts: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._texts is None:
            self._texts = {change.rel: _unified(change) for change in self._changes}
        return self._texts

    def __getitem__(self, rel: str) -> str:
        return self._all()[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


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


@dataclass(kw_only=True)
class Written:
    """Which files a change set creates, modifies and deletes (with ``dry_run``: would).

    What the editing commands' :class:`~scaffold._edit.Result` and ``update``'s result share.

    Attributes:
        created: Files created, relative to the root.
        modified: Files modified.
        deleted: Files deleted.
        dry_run: Nothing was written.
        diff: A unified diff per changed file (what ``--dry-run`` prints).
    """

    created: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dry_run: bool = False
    diff: Mapping[str, str] = field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        """True when no file changes."""
        return not (self.created or self.modified or self.deleted)

    def record(self, changes: list[Change]) -> None:
        """Add each change's path to the list of its kind.

        Args:
            changes: Planned changes (:attr:`ChangeSet.changes`).
        """
        lists = {"create": self.created, "modify": self.modified, "delete": self.deleted}
        for change in changes:
            lists[change.kind].append(change.rel)

    def files_json(self) -> dict[str, object]:
        """The file lists every ``--json`` summary of a change shows."""
        return {
            "created": self.created,
            "modified": self.modified,
            "deleted": self.deleted,
        }
