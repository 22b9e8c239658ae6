"""Copying a model package out of a run's artifacts into a deployment's (or an export's)
folder, without letting any path leave it."""

from __future__ import annotations

import asyncio
import posixpath
from pathlib import Path

from ... import bounded_json
from ...errors import InvalidArgument
from ...private_files import make_private_dir, open_private
from ...tracking.service import TrackingService
from ..model.metadata import METADATA_FILE

CHUNK = 1024 * 1024


def clean_artifact_path(path: str) -> str:
    """A relative artifact folder without ``..``, ``.`` or empty parts."""
    parts = path.replace("\\", "/").strip("/").split("/")
    if not path.strip("/") or any(part in ("", ".", "..") for part in parts):
        raise InvalidArgument("artifact_path must be a relative folder inside the run.")
    return "/".join(parts)


async def copy_package(
    tracking: TrackingService, run_id: str, artifact_path: str, target: Path
) -> None:
    """Copy the run's artifact folder into ``target`` (no path may leave it);
    InvalidArgument when the folder holds no model package."""
    files: list[tuple[str, Path]] = []
    pending = [artifact_path]
    root = target.resolve()
    while pending:
        folder = pending.pop()
        listing = await tracking.list_artifacts(run_id, folder)
        for entry in listing.files:
            if entry.is_dir:
                pending.append(entry.path)
                continue
            relative = posixpath.relpath(entry.path, artifact_path)
            destination = (root / relative).resolve()
            if relative.startswith("..") or not destination.is_relative_to(root):
                raise InvalidArgument("The model folder holds a path outside of it.")
            files.append((entry.path, destination))
    if not any(dest == root / METADATA_FILE for _, dest in files):
        raise InvalidArgument(
            f"The artifact folder holds no model package ({METADATA_FILE} is missing)."
        )
    for source, destination in files:
        handle, _size, _type = await tracking.open_artifact(run_id, source)
        try:
            await asyncio.to_thread(make_private_dir, destination.parent)
            with open_private(destination, "wb") as out:
                while chunk := await tracking.read_chunk(handle, CHUNK):
                    await asyncio.to_thread(out.write, chunk)
        finally:
            handle.close()


async def copy_package_flavor(
    tracking: TrackingService, run_id: str, artifact_path: str, target: Path
) -> str | None:
    """:func:`copy_package`, then return the package's flavor (None when unreadable)."""
    await copy_package(tracking, run_id, artifact_path, target)
    try:
        description = bounded_json.loads((target / METADATA_FILE).read_bytes())
        flavor = description.get("flavor")
    except (OSError, ValueError, AttributeError):
        return None
    return flavor if isinstance(flavor, str) else None
