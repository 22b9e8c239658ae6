"""Who asked each kernel to execute code, as the server saw it on the kernel websockets.

With co-editing, several people share one kernel.  The only trustworthy record of who ran
a cell is the authenticated websocket that carried its ``execute_request``: the server
notes the request's id and the connection's jupyter-server identity here, and runs
created while that request executes are attributed to that person.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

MAX_REQUESTS_PER_KERNEL = 512


@dataclass
class _Request:
    user: Any
    done: bool = False


@dataclass
class _KernelRequests:
    requests: OrderedDict[str, _Request] = field(default_factory=OrderedDict)


class ExecutionAuthors:
    def __init__(self, limit: int = MAX_REQUESTS_PER_KERNEL) -> None:
        self._kernels: dict[str, _KernelRequests] = {}
        self._limit = limit

    def requested(self, kernel_id: str, msg_id: str, user: Any) -> None:
        """``user`` sent execute request ``msg_id`` to ``kernel_id``."""
        kernel = self._kernels.setdefault(kernel_id, _KernelRequests())
        kernel.requests[msg_id] = _Request(user)
        kernel.requests.move_to_end(msg_id)
        while len(kernel.requests) > self._limit:
            kernel.requests.popitem(last=False)

    def forget(self, kernel_id: str) -> None:
        """The kernel was shut down: its requests are no one's any more."""
        self._kernels.pop(kernel_id, None)

    def replied(self, kernel_id: str, msg_id: str) -> None:
        """The kernel finished executing ``msg_id``."""
        kernel = self._kernels.get(kernel_id)
        request = kernel.requests.get(msg_id) if kernel else None
        if request is not None:
            request.done = True

    def author(self, kernel_id: str, msg_id: str | None = None) -> Any | None:
        """Who sent ``msg_id``; without it, whoever's request the kernel is executing now.

        A kernel executes requests in the order they arrive, so that is the oldest one not
        yet replied to; when none is pending, the author of the last one.
        """
        kernel = self._kernels.get(kernel_id)
        if kernel is None or not kernel.requests:
            return None
        if msg_id:
            request = kernel.requests.get(msg_id)
            if request is not None:
                return request.user
        for request in kernel.requests.values():
            if not request.done:
                return request.user
        return next(reversed(kernel.requests.values())).user
