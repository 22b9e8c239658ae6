"""Who ran each cell, and the runs it made, written into the live notebook and the feed.

The kernel websockets report every execute request with the authenticated user who sent
it and the cell it names (:mod:`..kernels.authors`); the tracking handlers report the runs
an execution creates.  For each execution this module

- writes a signed :class:`~.models.ExecutionRecord` into the cell's metadata in the live
  shared notebook, when the notebook is open in a room: when the request arrives, for
  each run it creates, and when the kernel replies.  Every co-editor sees it at once and
  it is saved with the notebook;
- adds an item to the activity feed, and updates it as runs appear and when it ends.

Writes for one execution are coalesced: a change that arrives while a write is under way
is written by the same task right after it, always from the execution's latest state.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..kernels.authors import Execution
from ..tracking.models import Run, finite_or_text
from .activity import ActivityFeed
from .guard import RecordGuard
from .models import (
    CELL_METADATA_KEY,
    EXECUTION_KEY,
    ActivityRun,
    CollabUser,
    ExecutionRecord,
    ExecutionStatus,
)
from .notebooks import ORIGIN, LiveNotebooks, find_cell
from .signing import RecordSigner

log = logging.getLogger(__name__)

PARENT_RUN_TAG = "mlflow.parentRunId"
MAX_TRACKED = 2048
"""Executions remembered (for runs created after their cell ended, e.g. by a thread)."""
MAX_HINTS = 20_000

SessionPath = Callable[[str], Awaitable[str | None]]
"""The notebook a kernel serves now (its session's path), or None."""
RunLookup = Callable[[str], Awaitable[Run]]

_STATUSES = {s.value for s in ExecutionStatus}


@dataclass
class _Tracked:
    execution: Execution
    item_id: int | None = None
    path_resolved: bool = False
    cell_index: int | None = None
    runs: list[ActivityRun] = field(default_factory=list)
    dirty: bool = False
    task: asyncio.Task[None] | None = None


class CellAttribution:
    def __init__(
        self,
        notebooks: LiveNotebooks,
        signer: RecordSigner,
        guard: RecordGuard,
        feed: ActivityFeed,
        session_path: SessionPath,
        get_run: RunLookup,
    ) -> None:
        self.notebooks = notebooks
        self.signer = signer
        self.guard = guard
        self.feed = feed
        self._session_path = session_path
        self._get_run = get_run
        self._tracked: OrderedDict[tuple[str, str], _Tracked] = OrderedDict()
        self._hints: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- what happened (called on the event loop) -------------------------------------------

    def execution_started(self, execution: Execution) -> None:
        self._schedule(self._track(execution))

    def execution_ended(self, execution: Execution) -> None:
        self._schedule(self._track(execution))

    def run_created(self, execution: Execution, run: Run) -> None:
        """``execution`` created ``run`` (its kernel called the tracking API).

        Child runs (a search's candidates, ``nested=True``) are part of their parent's
        run: the cell shows the parent, which lists them."""
        if run.run_id in execution.runs or PARENT_RUN_TAG in run.tags:
            return
        execution.runs.append(run.run_id)
        tracked = self._track(execution)
        tracked.runs.append(_activity_run(run))
        self._schedule(tracked)

    async def cell_index(self, path: str | None, cell_id: str | None) -> int | None:
        """Where a cell is now in a notebook open for co-editing (0-based), or None."""
        if not path or not cell_id:
            return None
        document = await self.notebooks.get(path)
        if document is None:
            return None
        index = await find_cell(document, cell_id, self._hints.get((path, cell_id)))
        if index is not None:
            self._remember_hint(path, cell_id, index)
        return index

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- bookkeeping ------------------------------------------------------------------------

    def _track(self, execution: Execution) -> _Tracked:
        key = (execution.kernel_id, execution.msg_id)
        tracked = self._tracked.get(key)
        if tracked is None or tracked.execution is not execution:
            tracked = self._tracked[key] = _Tracked(execution)
        self._tracked.move_to_end(key)
        while len(self._tracked) > MAX_TRACKED:
            self._tracked.popitem(last=False)
        return tracked

    def _schedule(self, tracked: _Tracked) -> None:
        """Write the execution's latest state; a write under way picks the change up."""
        tracked.dirty = True
        if tracked.task is not None and not tracked.task.done():
            return
        task = asyncio.get_running_loop().create_task(self._flush(tracked))
        tracked.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self, tracked: _Tracked) -> None:
        try:
            while tracked.dirty:
                tracked.dirty = False
                execution = tracked.execution
                if not tracked.path_resolved:
                    tracked.path_resolved = True
                    if execution.notebook_path is None:
                        execution.notebook_path = await self._session_path(execution.kernel_id)
                await self._write_record(tracked)
                if execution.done and execution.runs:
                    await self._refresh_runs(tracked)
                self._update_feed(tracked)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Recording who ran a cell failed")

    # -- the record in the notebook ---------------------------------------------------------

    async def _write_record(self, tracked: _Tracked) -> None:
        execution = tracked.execution
        path, cell_id = execution.notebook_path, execution.cell_id
        if not path or not cell_id:
            return
        document = await self.notebooks.get(path)
        if document is None:
            return
        if not self.guard.watching(document):
            await self.guard.watch(document)
        index = await find_cell(document, cell_id, self._hints.get((path, cell_id)))
        if index is None:
            return
        self._remember_hint(path, cell_id, index)
        tracked.cell_index = index
        record = self.signer.sign(cell_id, _record(execution))
        cell = document.ycells[index]
        metadata = cell.get("metadata")
        if cell.get("id") != cell_id or metadata is None or not hasattr(metadata, "get"):
            return
        with document.ydoc.transaction(origin=ORIGIN):
            section = metadata.get(CELL_METADATA_KEY)
            if hasattr(section, "to_py"):
                section = section.to_py()
            section = dict(section) if isinstance(section, dict) else {}
            section[EXECUTION_KEY] = record.model_dump(mode="json")
            metadata[CELL_METADATA_KEY] = section

    def _remember_hint(self, path: str, cell_id: str, index: int) -> None:
        key = (path, cell_id)
        self._hints[key] = index
        self._hints.move_to_end(key)
        while len(self._hints) > MAX_HINTS:
            self._hints.popitem(last=False)

    # -- the activity feed -------------------------------------------------------------------

    async def _refresh_runs(self, tracked: _Tracked) -> None:
        refreshed = []
        for known in tracked.runs:
            try:
                refreshed.append(_activity_run(await self._get_run(known.run_id)))
            except Exception:  # noqa: BLE001 - deleted meanwhile: keep what we knew
                refreshed.append(known)
        tracked.runs = refreshed

    def _update_feed(self, tracked: _Tracked) -> None:
        execution = tracked.execution
        if not execution.notebook_path and not tracked.runs:
            return  # a console or a script: not a cell of a notebook, and no runs
        fields: dict[str, Any] = {
            "notebook_path": execution.notebook_path,
            "cell_id": execution.cell_id,
            "cell_index": tracked.cell_index,
            "execution_count": execution.execution_count,
            "status": _status(execution),
            "runs": list(tracked.runs),
        }
        if tracked.item_id is None:
            item = self.feed.add(
                kind="execution",
                time=execution.started,
                user=CollabUser.from_identity(execution.user),
                **fields,
            )
            tracked.item_id = item.id
        else:
            self.feed.update(tracked.item_id, **fields)


def _status(execution: Execution) -> ExecutionStatus:
    if not execution.done:
        return ExecutionStatus.RUNNING
    if execution.status in _STATUSES:
        return ExecutionStatus(execution.status)
    return ExecutionStatus.ERROR


def _record(execution: Execution) -> ExecutionRecord:
    return ExecutionRecord(
        user=CollabUser.from_identity(execution.user),
        started=execution.started,
        ended=execution.ended,
        status=_status(execution),
        execution_count=execution.execution_count,
        kernel_id=execution.kernel_id,
        runs=list(execution.runs),
    )


def _activity_run(run: Run) -> ActivityRun:
    return ActivityRun(
        run_id=run.run_id,
        name=run.name,
        experiment_id=run.experiment_id,
        status=str(run.status),
        metrics={key: finite_or_text(point.value) for key, point in run.metrics.items()},
    )
