"""``GET mlplatform/api/autolog``: is automatic tracking on for this notebook?

Kernels ask at their first training call of a cell (their token names them, and the
server knows their notebook from the session); the notebook toolbar asks with ``?path=``.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...base import MLPlatformAPIHandler
from ...constants import API_ROOT


class AutologStatusHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_argument("path", None)
        if path is None and self.calling_kernel_id is not None:
            path = await self.kernel_notebook_path(self.calling_kernel_id)
        self.finish_model(await self.mlplatform.autolog_switches.status(path or None))


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{API_ROOT}/autolog", AutologStatusHandler),
]
