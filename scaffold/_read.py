"""The one way scaffold reads a file of an app: regular files only, at most MAX_BYTES.

A FIFO named ``x.ts`` would block a plain ``read_bytes`` forever and a symlink to
``/dev/zero`` would fill the memory; both (and devices, sockets, huge files) are refused with
an :class:`OSError` whose ``strerror`` says why, so every caller's existing "cannot read
<file>: <why>" path (a finding, or a one-line refusal) covers them. Standard library only.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# No file scaffold reads or edits (manifest, service.json, TypeScript, docs) is near this; a
# larger one is a generated bundle or a mistake, and reading it would only cost memory.
MAX_BYTES = 8 * 1024 * 1024

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


class NotARegularFile(OSError):
    """The path is a FIFO, a device or a socket, or is larger than :data:`MAX_BYTES`."""


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """Return the bytes of the regular file at ``path`` (symlinks followed).

    Args:
        path: The file.
        limit: The largest size read.

    Returns:
        Its bytes.

    Raises:
        FileNotFoundError: If nothing is there (like ``Path.read_bytes``).
        IsADirectoryError: If it is a folder.
        NotARegularFile: If it is anything else but a regular file, or too large.
    """
    # O_NONBLOCK: opening a FIFO nobody writes to returns at once instead of waiting.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise NotARegularFile(
                errno.EINVAL, f"it is {kind}, not a regular file; replace it or move it away"
            )
        if info.st_size > limit:
            raise NotARegularFile(
                errno.EFBIG,
                f"it is {info.st_size} bytes, more than the {limit} scaffold reads; "
                "move it out of the app",
            )
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:  # grew while being read
            raise NotARegularFile(
                errno.EFBIG, f"it is more than the {limit} bytes scaffold reads; move it away"
            )
        return data
    finally:
        os.close(fd)


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """:func:`read_bytes`, decoded as UTF-8 (``UnicodeDecodeError`` as ``bytes.decode``)."""
    return read_bytes(path, limit).decode("utf-8")
