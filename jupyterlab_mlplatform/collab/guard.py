"""Keep forged execution records out of shared notebooks.

Every client of a room can write any cell metadata, so a browser (or any y-websocket
client) could claim that someone else ran a cell.  The guard watches each live notebook:
a change to a cell's ``metadata.mlplatform.execution`` that does not carry the server's
signature for that cell is undone (the previous record is put back when it was the
server's, else the entry is removed).  The same check runs over every cell when the guard
first sees a notebook (records loaded from a file or the YStore) and on cells pasted in
(a record copied with a cell names the old cell id, so it does not verify).

The server's own writes are made in transactions with :data:`~.notebooks.ORIGIN` and are
not checked again.  Observer callbacks only note what to check: fixes are made on the
next turn of the event loop, outside the transaction that triggered them.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from pycrdt import ArrayEvent, MapEvent

from .models import CELL_METADATA_KEY, EXECUTION_KEY
from .notebooks import ORIGIN, SCAN_CHUNK
from .signing import RecordSigner

log = logging.getLogger(__name__)


class RecordGuard:
    def __init__(self, signer: RecordSigner) -> None:
        self._signer = signer
        self._watched: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        """Each watched document's subscription (kept: dropping it would stop the observer),
        for as long as the document lives."""
        self.removed = 0
        """Forged records undone so far (for logs and tests)."""

    def watching(self, document: Any) -> bool:
        return document in self._watched

    async def watch(self, document: Any) -> None:
        """Check every cell of ``document`` now and every change from now on."""
        if document in self._watched:
            return
        self._watched[document] = document.ycells.observe_deep(
            lambda events, txn: self._on_change(document, events, txn)
        )
        cells = document.ycells
        for start in range(0, len(cells), SCAN_CHUNK):
            if start:
                await asyncio.sleep(0)
            with document.ydoc.transaction():
                chunk = [cells[i] for i in range(start, min(start + SCAN_CHUNK, len(cells)))]
            self._check(document, chunk, {})

    # -- inside the transaction: note what to check ----------------------------------------

    def _on_change(self, document: Any, events: list[Any], txn: Any) -> None:
        try:
            if txn.origin == ORIGIN:
                return
            cells: list[Any] = []
            previous: dict[int, Any] = {}
            for event in events:
                if isinstance(event, MapEvent):
                    self._note_map_change(document, event, cells, previous)
                elif isinstance(event, ArrayEvent) and not event.path:  # type: ignore[attr-defined]
                    for part in event.delta:  # type: ignore[attr-defined]
                        cells.extend(part.get("insert") or ())
            if cells:
                asyncio.get_running_loop().call_soon(self._check, document, cells, previous)
        except Exception:  # an observer must never fail the client's update
            log.exception("Checking a notebook change for forged records failed")

    @staticmethod
    def _note_map_change(
        document: Any, event: Any, cells: list[Any], previous: dict[int, Any]
    ) -> None:
        path = event.path
        keys = event.keys
        if len(path) == 2 and path[1] == "metadata" and CELL_METADATA_KEY in keys:
            cell = document.ycells[path[0]]
            cells.append(cell)
            previous[id(cell)] = keys[CELL_METADATA_KEY].get("oldValue")
        elif len(path) == 1 and "metadata" in keys:  # the whole metadata map replaced
            cells.append(document.ycells[path[0]])

    # -- on the event loop: undo forgeries --------------------------------------------------

    def _check(self, document: Any, cells: list[Any], previous: dict[int, Any]) -> None:
        for cell in cells:
            try:
                self._check_cell(document, cell, previous.get(id(cell)))
            except Exception:
                log.debug("Could not check a cell's execution record", exc_info=True)

    def _check_cell(self, document: Any, cell: Any, old_section: Any) -> None:
        metadata = cell.get("metadata")
        if metadata is None or not hasattr(metadata, "get"):
            return
        section = metadata.get(CELL_METADATA_KEY)
        if hasattr(section, "to_py"):  # written as a shared map instead of a JSON value
            section = section.to_py()
        if not isinstance(section, dict) or EXECUTION_KEY not in section:
            return
        cell_id = cell.get("id")
        if isinstance(cell_id, str) and self._signer.verified(cell_id, section[EXECUTION_KEY]):
            return
        fixed = dict(section)
        old_record = old_section.get(EXECUTION_KEY) if isinstance(old_section, dict) else None
        if isinstance(cell_id, str) and self._signer.verified(cell_id, old_record):
            fixed[EXECUTION_KEY] = old_record
        else:
            del fixed[EXECUTION_KEY]
        with document.ydoc.transaction(origin=ORIGIN):
            if fixed:
                metadata[CELL_METADATA_KEY] = fixed
            else:
                del metadata[CELL_METADATA_KEY]
        self.removed += 1
        log.warning("Undid an execution record the server did not write (cell %s)", cell_id)
