"""The local file system for artifacts, keeping what it creates private to the server's user.

fsspec's local file system creates folders and files as the umask says; this one creates
folders 0700 and files 0600 whatever the umask (see :mod:`..private_files`).
"""

from __future__ import annotations

from typing import Any

from fsspec.implementations.local import LocalFileSystem

from ..private_files import make_private_dir, open_private


class PrivateLocalFileSystem(LocalFileSystem):  # type: ignore[misc]
    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        path = self._strip_protocol(path)
        if not exist_ok and self.exists(path):
            raise FileExistsError(path)
        make_private_dir(path)

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        path = self._strip_protocol(path)
        if self.exists(path):
            raise FileExistsError(path)
        if not create_parents and not self.isdir(self._parent(path)):
            raise FileNotFoundError(self._parent(path))
        make_private_dir(path)

    def _open(self, path: str, mode: str = "rb", block_size: Any = None, **kwargs: Any) -> Any:
        path = self._strip_protocol(path)
        if "w" in mode or "a" in mode:
            if self.auto_mkdir:
                make_private_dir(self._parent(path))
            with open_private(path, "ab"):  # created 0600 now; opening it again keeps that
                pass
        return super()._open(path, mode, block_size=block_size, **kwargs)
