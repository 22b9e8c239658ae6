"""Replacing a file atomically (standard library only: the deployment manager uses it too)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: str | os.PathLike[str], text: str, *, fsync: bool = False) -> None:
    """Write ``text`` (UTF-8) to a temporary file next to ``path``, mode 0600, then rename it
    over ``path``: readers see the old file or the new one, never half of one.  With
    ``fsync``, the data is on disk before the rename."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.stem}-", suffix=target.suffix
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
