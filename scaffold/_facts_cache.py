"""What the README/CHANGELOG refresh learned about each file an edit leaves alone, trusted by stat.

An add-event in an app with 200 handlers changes five files, yet drawing the README graph
needs three facts of every other module: that it exists, the specifiers of its imports, and
whether its bytes name certain words (``sendEvent``, a client, a publisher). Reading and
checking ~250 files for those costs more than the rest of the edit. So each file's facts are
remembered with its ``lstat`` (size, mtime, inode, ctime), like git's index remembers a
file's hash, and used next time without reading the file while all four are the same.

When an entry is trusted (:meth:`Facts.get`), and why that is safe:

- **Same file, same bytes.** Every write changes mtime and ctime (ctime cannot be set back
  by ``touch`` or ``cp -p``); a new file in its place has another inode.
- **The racy-git guard.** A file written in the same clock tick as the facts were taken
  could change again without its stat changing (1-2 s timestamps on some file systems), so
  an entry whose mtime or ctime is within :data:`RACY_NS` of the moment it was taken is
  never trusted: that file is read again (and trusted next time).
- **Only what a read would accept.** ``lstat`` must say a regular file (a symlink, FIFO,
  device or folder is read, and so refused or followed, as before) that has a read bit, is
  at most :data:`scaffold._read.MAX_BYTES`, in folders that can be entered and that lie
  inside the app. A file the edit writes is never looked up here: it goes through the
  ChangeSet and all its checks.

The cache is best effort and safe to delete: a missing, unreadable, unwritable or corrupt
cache means every file is read, never an error. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import stat
import tempfile
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any, NamedTuple

from scaffold._read import MAX_BYTES

VERSION = 2
# An entry taken less than this after its file's last change is not trusted (racy git).
RACY_NS = 2_000_000_000


class Fact(NamedTuple):
    """What the inventory needs of a file it does not parse.

    Attributes:
        specs: The specifiers of its imports and re-exports, in order (None: not known).
        words: A set of words (see :func:`words_key`) -> whether its bytes name one.
        digest: The SHA-256 of its bytes (the key of :mod:`scaffold._import_cache`, which
            keeps the specifiers for the day the stat no longer matches).
    """

    specs: list[str] | None
    words: dict[str, bool]
    digest: str = ""


def words_key(words: Collection[str]) -> str:
    """The key of a set of words in :attr:`Fact.words`.

    Args:
        words: The words.

    Returns:
        The words sorted, joined by spaces (words are identifiers: no spaces in them).
    """
    return " ".join(sorted(words))


def names_one(data: bytes, words: Collection[str]) -> bool:
    """Whether ``data`` names one of ``words`` (as bytes anywhere in it).

    Args:
        data: A file's bytes.
        words: The words.

    Returns:
        True if one is in the bytes.
    """
    return any(word.encode() in data for word in words)


def _folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path("~/.cache").expanduser()) / "scaffold" / "facts"


def _entry(root: Path) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
    return _folder() / f"{name}.json"


class Stat(NamedTuple):
    """What an entry is trusted by (``lstat``: a symlink is not followed)."""

    mode: int
    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int


def _stat(path: str) -> Stat:
    """``lstat`` of ``path`` (a seam: tests model file systems with coarse timestamps)."""
    info = os.lstat(path)
    return Stat(info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def _now() -> int:
    """The clock the facts are taken by, in nanoseconds (a seam for tests)."""
    return time.time_ns()


class Facts:
    """The facts of one app's files, for one edit: trusted ones, and what this run learned.

    Args:
        root: The app root.
        skip: Paths (relative, normalised) never looked up or learned: the files the edit
            writes or deletes.
    """

    def __init__(self, root: Path, skip: Collection[str] = ()) -> None:
        self.root = root
        self._base = str(root)
        self._skip = set(skip)
        self._entries: dict[str, list[Any]] = {}
        self._trusted: dict[str, Fact | None] = {}
        self._learned: dict[str, tuple[bytes, list[str] | None]] = {}
        self._words: dict[str, frozenset[str]] = {}  # every words key asked this run
        self._keys: dict[frozenset[str], str] = {}  # their keys, each sorted once
        self._folders: dict[str, bool] = {}
        self._real_root: str | None = None
        self._started = _now()
        try:
            data = json.loads(_entry(root).read_text(encoding="utf-8"))
        except (OSError, ValueError, RuntimeError):
            return
        if isinstance(data, dict) and data.get("version") == VERSION:
            files = data.get("files")
            if isinstance(files, dict):
                self._entries = files

    def get(self, rel: str) -> Fact | None:
        """The facts of ``rel`` if its entry can be trusted now, else None (read it).

        Args:
            rel: A path relative to the app root.

        Returns:
            The facts, or None.
        """
        if rel in self._trusted:
            return self._trusted[rel]
        fact = self._trusted[rel] = self._lookup(rel)
        return fact

    def _lookup(self, rel: str) -> Fact | None:
        entry = self._entries.get(rel)
        if entry is None or rel in self._skip or posixpath.normpath(rel) != rel:
            return None
        try:
            size, mtime, inode, ctime, taken, specs, words, digest = entry
            info = _stat(f"{self._base}/{rel}")
        except (OSError, ValueError, TypeError):
            return None
        if not stat.S_ISREG(info.mode) or not info.mode & 0o444 or info.size > MAX_BYTES:
            return None
        if info[1:] != (size, mtime, inode, ctime) or not isinstance(taken, int):
            return None
        if max(mtime, ctime) > taken - RACY_NS:
            return None  # changed too close to when it was read: it may change unseen
        if not self._folder_ok(posixpath.dirname(rel)):
            return None
        if not isinstance(words, dict) or not (specs is None or isinstance(specs, list)):
            return None
        return Fact(specs, words, digest if isinstance(digest, str) else "")

    def _folder_ok(self, folder: str) -> bool:
        """Whether every folder on the way can be entered and the folder lies in the app."""
        if folder in self._folders:
            return self._folders[folder]
        ok = not folder or self._folder_ok(posixpath.dirname(folder))
        if ok and folder:
            path = f"{self._base}/{folder}"
            try:
                info = Path(path).stat()  # a folder symlink is followed; it must lie inside
                if self._real_root is None:
                    self._real_root = os.path.realpath(self._base)
                real = os.path.realpath(path)
                ok = (
                    stat.S_ISDIR(info.st_mode)
                    and bool(info.st_mode & 0o111)
                    and real.startswith(self._real_root.rstrip("/") + "/")
                )
            except OSError:
                ok = False
        self._folders[folder] = ok
        return ok

    def asked(self, words: Collection[str]) -> str:
        """Note that this run asks about ``words`` (learned files record it); return its key."""
        words = frozenset(words)
        key = self._keys.get(words)
        if key is None:
            key = self._keys[words] = words_key(words)
            self._words.setdefault(key, words)
        return key

    def learn(self, rel: str, data: bytes, specs: list[str] | None) -> None:
        """Record what was read of ``rel`` this run (its bytes, its specifiers if known).

        Args:
            rel: A path relative to the app root.
            data: Its bytes as read from disk.
            specs: Its import specifiers, or None when not worked out.
        """
        if rel in self._skip or posixpath.normpath(rel) != rel or rel.startswith(".."):
            return
        old = self._learned.get(rel)
        if old is not None and specs is None:
            specs = old[1]
        self._learned[rel] = (data, specs)

    def save(self) -> None:
        """Write the facts of the files used this run (atomically; errors are ignored).

        A file read this run is stored with its ``lstat`` now and the moment this run
        started as the time its facts were taken (so a change while it ran is never
        trusted); an entry trusted this run is kept as it was; the others go.
        """
        files: dict[str, list[Any]] = {}
        for rel, fact in self._trusted.items():
            if fact is not None and rel not in self._learned:
                files[rel] = self._entries[rel]
        for rel, (data, specs) in self._learned.items():
            try:
                info = _stat(f"{self._base}/{rel}")
            except OSError:
                continue
            if not stat.S_ISREG(info.mode) or info.size != len(data):
                continue
            words = {key: names_one(data, found) for key, found in self._words.items()}
            digest = hashlib.sha256(data).hexdigest()
            files[rel] = [*info[1:], self._started, specs, words, digest]
        if files == self._entries:
            return
        try:
            target = _entry(self.root)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=target.parent, delete=False, suffix=".tmp"
            ) as handle:
                handle.write(json.dumps({"version": VERSION, "files": files}))
            Path(handle.name).replace(target)
        except (OSError, RuntimeError):
            return
