"""Run artifacts on any fsspec filesystem (a local folder by default, ``s3://...`` etc. by URL).

Every path a user gives is relative to its run's artifact folder and is checked by
:func:`safe_relative_path` before it touches a filesystem: no absolute paths, no ``..``, no
control characters, and on local disks no symlink that leads outside the run's folder.
Uploads go to a temporary name and are renamed into place only when complete, so an aborted
or oversized upload never replaces a stored file.
"""

from __future__ import annotations

import errno
import mimetypes
import os
import posixpath
import uuid
from dataclasses import dataclass
from typing import IO, Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from ..errors import InvalidArgument, NotFound, PayloadTooLarge
from .models import ArtifactInfo, ArtifactList
from .private_fs import PrivateLocalFileSystem

_UPLOAD_SUFFIX = ".mlp-upload-"
_UPLOAD_NAME_EXTRA = len(_UPLOAD_SUFFIX) + 32
"""What an upload's temporary name adds to the file's name (the suffix and a uuid4 hex)."""

MAX_NAME_BYTES = 255 - _UPLOAD_NAME_EXTRA
"""The longest file or folder name, in UTF-8 bytes: 255 (the NAME_MAX of common local file
systems and of S3-style keys' parts) less room for the upload's temporary name."""
MAX_PATH_BYTES = 1024
"""The longest artifact path, in UTF-8 bytes (well inside PATH_MAX with the run's folder)."""


def safe_relative_path(path: str) -> str:
    """The normalised form of a user-given artifact path, or ``InvalidArgument``.

    ``""`` and ``"."`` mean the run's artifact folder itself.
    """
    if any(ord(c) < 32 for c in path) or "\\" in path:
        raise InvalidArgument("Artifact paths cannot contain control characters or backslashes.")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise InvalidArgument("Artifact paths must be relative to the run's artifact folder.")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise InvalidArgument("Artifact paths cannot contain '..'.")
    if any(_UPLOAD_SUFFIX in p for p in parts):
        raise InvalidArgument("That artifact name is reserved.")
    if any(_utf8_size(p) > MAX_NAME_BYTES for p in parts):
        raise InvalidArgument(
            f"Artifact file and folder names are limited to {MAX_NAME_BYTES} bytes (UTF-8)."
        )
    joined = "/".join(parts)
    if _utf8_size(joined) > MAX_PATH_BYTES:
        raise InvalidArgument(f"Artifact paths are limited to {MAX_PATH_BYTES} bytes (UTF-8).")
    return joined


def _utf8_size(text: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: no file system can name it
        raise InvalidArgument("Artifact paths must be valid Unicode text.") from None


@dataclass
class ArtifactLocation:
    fs: Any
    root: str
    """The run's artifact folder, in the filesystem's own path form."""

    def path(self, relative: str) -> str:
        safe = safe_relative_path(relative)
        full = posixpath.join(self.root, safe) if safe else self.root
        if isinstance(self.fs, LocalFileSystem):
            real_root = os.path.realpath(self.root)
            real = os.path.realpath(full)
            if real != real_root and not real.startswith(real_root + os.sep):
                raise InvalidArgument("Artifact paths cannot leave the run's artifact folder.")
        return full


class ArtifactUpload:
    """A file being written; :meth:`commit` moves it into place, :meth:`abort` drops it."""

    def __init__(self, location: ArtifactLocation, target: str, max_size: int) -> None:
        self._fs = location.fs
        self._target = target
        self._temp = f"{target}{_UPLOAD_SUFFIX}{uuid.uuid4().hex}"
        self._max_size = max_size
        self.size = 0
        parent = posixpath.dirname(target)
        if self._fs.isfile(parent):
            raise InvalidArgument("A parent of that artifact path is a file.")
        if self._fs.isdir(target):
            raise InvalidArgument("That artifact path is a folder.")
        try:
            self._fs.makedirs(parent, exist_ok=True)
            self._file: IO[bytes] = self._fs.open(self._temp, "wb")
        except OSError as e:
            # The limits above hold on common file systems; a deep artifact root can still
            # make the whole path too long for this one.
            if e.errno == errno.ENAMETOOLONG:
                raise InvalidArgument("That artifact path is too long for the store.") from None
            raise

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._max_size:
            self.abort()
            raise PayloadTooLarge(f"Artifacts are limited to {self._max_size} bytes.")
        self._file.write(chunk)

    def commit(self) -> ArtifactInfo:
        self._file.close()
        self._fs.mv(self._temp, self._target)
        return ArtifactInfo(path=posixpath.basename(self._target), is_dir=False, size=self.size)

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        if self._fs.exists(self._temp):
            self._fs.rm(self._temp)


class ArtifactRepository:
    """Reads and writes the artifacts of runs, whose ``artifact_uri`` says where they live."""

    def __init__(self, max_size: int, storage_options: dict[str, Any] | None = None) -> None:
        self.max_size = max_size
        self.storage_options = storage_options or {}

    def location(self, artifact_uri: str) -> ArtifactLocation:
        fs, root = fsspec.core.url_to_fs(artifact_uri, **self.storage_options)
        if type(fs) is LocalFileSystem:
            fs = PrivateLocalFileSystem(**fs.storage_options)
        return ArtifactLocation(fs, root.rstrip("/") or "/")

    def list(self, artifact_uri: str, path: str = "", lenient: bool = False) -> ArtifactList:
        """The entries of a folder.  A file or nothing at ``path`` is ``InvalidArgument`` or
        ``NotFound``, or with ``lenient`` an empty list (as MLflow's listing answers)."""
        location = self.location(artifact_uri)
        relative = safe_relative_path(path)
        full = location.path(relative)
        files: list[ArtifactInfo] = []
        if location.fs.isdir(full):
            for entry in sorted(location.fs.ls(full, detail=True), key=lambda e: e["name"]):
                name = posixpath.basename(entry["name"].rstrip("/"))
                if _UPLOAD_SUFFIX in name:
                    continue
                is_dir = entry.get("type") == "directory"
                files.append(
                    ArtifactInfo(
                        path=posixpath.join(relative, name) if relative else name,
                        is_dir=is_dir,
                        size=None if is_dir else entry.get("size"),
                    )
                )
        elif relative and not lenient:
            if location.fs.exists(full):
                raise InvalidArgument("That artifact path is a file, not a folder.")
            raise NotFound("No artifact folder at that path.")
        return ArtifactList(root_uri=artifact_uri, path=relative, files=files)

    def open_read(self, artifact_uri: str, path: str) -> tuple[IO[bytes], int, str]:
        """An open file, its size and its media type; ``NotFound`` for folders or nothing."""
        location = self.location(artifact_uri)
        full = location.path(path)
        if not safe_relative_path(path) or not location.fs.isfile(full):
            raise NotFound("No artifact file at that path.")
        size = int(location.fs.size(full))
        media_type = mimetypes.guess_type(full)[0] or "application/octet-stream"
        return location.fs.open(full, "rb"), size, media_type

    def start_upload(self, artifact_uri: str, path: str) -> ArtifactUpload:
        if not safe_relative_path(path):
            raise InvalidArgument("An artifact upload needs a file path.")
        location = self.location(artifact_uri)
        return ArtifactUpload(location, location.path(path), self.max_size)

    def delete_all(self, artifact_uri: str) -> None:
        location = self.location(artifact_uri)
        if location.fs.exists(location.root):
            location.fs.rm(location.root, recursive=True)
