"""Keeping who ran each cell out of saved notebooks (``MLPlatformApp.attribution_saved``)."""

from __future__ import annotations

from typing import Any

from .models import CELL_METADATA_KEY, EXECUTION_KEY


def strip_execution_records(model: dict[str, Any], **kwargs: Any) -> None:
    """A contents manager pre-save hook: drop ``metadata.mlplatform.execution`` from the
    cells of a notebook being saved (the live shared notebook keeps them)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells") or ():
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        if not isinstance(metadata, dict):
            continue
        section = metadata.get(CELL_METADATA_KEY)
        if isinstance(section, dict) and EXECUTION_KEY in section:
            del section[EXECUTION_KEY]
            if not section:
                del metadata[CELL_METADATA_KEY]
