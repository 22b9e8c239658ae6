"""Who asked each kernel to execute code, as the server saw it on the kernel websockets.

With co-editing, several people share one kernel.  The only trustworthy record of who ran
a cell is the authenticated websocket that carried its ``execute_request``: the server
notes the request's id, the connection's jupyter-server identity and the cell it names
here, and runs created while that request executes are attributed to that person.

Listeners (shared editing writes who ran each cell into the live notebook) are told when
an execution starts, creates a run and ends.  They are called on the server's event loop
and must not raise or block.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_REQUESTS_PER_KERNEL = 512

log = logging.getLogger(__name__)


@dataclass
class Execution:
    """One execute request and what came of it."""

    kernel_id: str
    msg_id: str
    user: Any
    """The jupyter-server identity (``jupyter_server.auth.User``) that sent the request."""
    cell_id: str | None = None
    """The cell the request says it comes from (JupyterLab's ``metadata.cellId``)."""
    started: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    """When the server received the request (ms since the epoch)."""
    done: bool = False
    ended: int | None = None
    status: str | None = None
    """The reply's status: ``ok``, ``error`` or ``aborted``."""
    execution_count: int | None = None
    runs: list[str] = field(default_factory=list)
    """Ids of the runs created while it executed."""
    notebook_path: str | None = None
    """Filled in by listeners that look it up (the kernel's session)."""


class ExecutionListener(Protocol):
    def execution_started(self, execution: Execution) -> None: ...

    def execution_ended(self, execution: Execution) -> None: ...


@dataclass
class _KernelRequests:
    requests: OrderedDict[str, Execution] = field(default_factory=OrderedDict)


class ExecutionAuthors:
    def __init__(self, limit: int = MAX_REQUESTS_PER_KERNEL) -> None:
        self._kernels: dict[str, _KernelRequests] = {}
        self._limit = limit
        self._listeners: list[ExecutionListener] = []

    def add_listener(self, listener: ExecutionListener) -> None:
        self._listeners.append(listener)

    def requested(
        self, kernel_id: str, msg_id: str, user: Any, cell_id: str | None = None
    ) -> Execution:
        """``user`` sent execute request ``msg_id`` to ``kernel_id``."""
        kernel = self._kernels.setdefault(kernel_id, _KernelRequests())
        execution = Execution(kernel_id, msg_id, user, cell_id)
        kernel.requests[msg_id] = execution
        kernel.requests.move_to_end(msg_id)
        while len(kernel.requests) > self._limit:
            kernel.requests.popitem(last=False)
        self._notify("execution_started", execution)
        return execution

    def forget(self, kernel_id: str) -> None:
        """The kernel was shut down: its requests are no one's any more."""
        self._kernels.pop(kernel_id, None)

    def replied(
        self,
        kernel_id: str,
        msg_id: str,
        status: str | None = None,
        execution_count: int | None = None,
    ) -> None:
        """The kernel finished executing ``msg_id``."""
        kernel = self._kernels.get(kernel_id)
        execution = kernel.requests.get(msg_id) if kernel else None
        if execution is None or execution.done:
            return
        execution.done = True
        execution.ended = time.time_ns() // 1_000_000
        execution.status = status
        execution.execution_count = execution_count
        self._notify("execution_ended", execution)

    def execution(self, kernel_id: str, msg_id: str | None = None) -> Execution | None:
        """Request ``msg_id``; without it (or when it is unknown), the request the kernel
        is executing now.

        A kernel executes requests in the order they arrive, so that is the oldest one not
        yet replied to; when none is pending, the last one.
        """
        kernel = self._kernels.get(kernel_id)
        if kernel is None or not kernel.requests:
            return None
        if msg_id:
            execution = kernel.requests.get(msg_id)
            if execution is not None:
                return execution
        for execution in kernel.requests.values():
            if not execution.done:
                return execution
        return next(reversed(kernel.requests.values()))

    def author(self, kernel_id: str, msg_id: str | None = None) -> Any | None:
        """Who sent ``msg_id``; without it, whoever's request the kernel is executing now."""
        execution = self.execution(kernel_id, msg_id)
        return execution.user if execution is not None else None

    def _notify(self, event: str, execution: Execution) -> None:
        for listener in self._listeners:
            try:
                getattr(listener, event)(execution)
            except Exception:  # a listener must not break the kernel's websocket
                log.exception("An execution listener failed on %s", event)
