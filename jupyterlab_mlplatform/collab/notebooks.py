"""The live shared notebooks of jupyter-collaboration, for the server's own edits.

A notebook open for co-editing lives in a room; edits to its document (``get_document(...,
copy=False)``) reach every client at once and are saved like the users' edits.  Rooms are
deleted a minute after their last client leaves, so a document is fetched again for every
edit, never kept.  Everything here runs on the server's event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

ORIGIN = "jupyterlab_mlplatform"
"""The origin of the server's own transactions on shared documents."""


class LiveNotebooks:
    def __init__(self, ydoc_app: Callable[[], Any | None]) -> None:
        """``ydoc_app``: jupyter-collaboration's extension app, or None without it."""
        self._ydoc_app = ydoc_app

    async def get(self, path: str) -> Any | None:
        """The live document of the notebook at ``path`` (a ``jupyter_ydoc.YNotebook``),
        or None when it is not open in a room (or co-editing is off)."""
        ydoc_app = self._ydoc_app()
        if ydoc_app is None:
            return None
        try:
            return await ydoc_app.get_document(
                path=path, content_type="notebook", file_format="json", copy=False
            )
        except Exception as e:  # noqa: BLE001 - no document then; the caller carries on
            log.debug("No live document for %s: %s", path, e)
            return None

    async def get_room(self, room_id: str) -> Any | None:
        """The live document of room ``room_id`` (``json:notebook:<file id>``)."""
        ydoc_app = self._ydoc_app()
        if ydoc_app is None:
            return None
        try:
            return await ydoc_app.get_document(room_id=room_id, copy=False)
        except Exception as e:  # noqa: BLE001
            log.debug("No live document for room %s: %s", room_id, e)
            return None


SCAN_CHUNK = 100
"""Cells read between two yields to the event loop when looking for a cell (about 2 ms)."""


async def find_cell(document: Any, cell_id: str, hint: int | None = None) -> int | None:
    """The index of the cell with id ``cell_id`` in a live notebook, or None.

    Looks at ``hint`` (where the cell was last time) first: cells seldom move, so most
    lookups cost one read.  Otherwise it scans the cells, yielding to the event loop every
    :data:`SCAN_CHUNK` cells so that a 2,000-cell notebook never stalls the server.
    """
    cells = document.ycells
    count = len(cells)
    if hint is not None and 0 <= hint < count and _cell_id(cells[hint]) == cell_id:
        return hint
    for start in range(0, count, SCAN_CHUNK):
        if start:
            await asyncio.sleep(0)
            count = len(cells)  # the notebook may have changed meanwhile
        with document.ydoc.transaction():
            for index in range(start, min(start + SCAN_CHUNK, count)):
                if _cell_id(cells[index]) == cell_id:
                    return index
    return None


def _cell_id(cell: Any) -> Any:
    try:
        return cell.get("id")
    except Exception:  # noqa: BLE001 - not a cell map
        return None
