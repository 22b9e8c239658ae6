"""Folders and files only the server's user can open: everything the platform keeps on disk.

The data dir holds the tracking database, run artifacts, model copies, deployment logs and
API keys.  Whatever the process umask, every folder the platform creates there is 0700 and
every file 0600: the modes are set explicitly after creation, not left to the umask.
Standard library only (the deployment manager and the tracking store both use it).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO, Any

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

_WRITE_FLAGS = {
    "w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
    "a": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    "x": os.O_WRONLY | os.O_CREAT | os.O_EXCL,
}


def make_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` and each missing parent, each 0700; folders that exist already are
    left as they are (they may not be ours)."""
    folder = Path(path)
    missing: list[Path] = []
    current = folder
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for item in reversed(missing):
        try:
            item.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            if not item.is_dir():
                raise
            continue  # made meanwhile by another thread, which sets its mode
        os.chmod(item, PRIVATE_DIR)
    return folder


def open_private(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = None
) -> IO[Any]:
    """``open(path, mode)`` for writing (``w``, ``a`` or ``x``, text or ``b``), the file
    0600: created so, or made so when it existed with other permissions (and is ours)."""
    flags = _WRITE_FLAGS.get(mode.replace("b", "").replace("+", ""))
    if flags is None:
        raise ValueError(f"open_private writes files; mode {mode!r} is not a write mode")
    if "+" in mode:
        flags = (flags & ~os.O_WRONLY) | os.O_RDWR
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_FILE:
            # A file we created is ours to change; another user's (a shared database
            # someone configured) is used as it is.
            with contextlib.suppress(PermissionError):
                os.fchmod(fd, PRIVATE_FILE)
        return open(fd, mode, encoding=None if "b" in mode else (encoding or "utf-8"))
    except BaseException:
        os.close(fd)
        raise


def make_private_file(path: str | os.PathLike[str]) -> Path:
    """Make sure ``path`` exists (empty if it did not) and is 0600, e.g. before a database
    library creates it with its own modes.  Its folder is created 0700 when missing."""
    file = Path(path)
    make_private_dir(file.parent)
    with open_private(file, "ab"):
        pass
    return file
