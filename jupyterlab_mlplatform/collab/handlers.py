"""REST handlers of shared editing, under ``{base_url}mlplatform/api/``.

- ``GET collaboration``: whether notebooks are co-edited on this server, and why not
- ``GET activity?limit=N&before=ID``: the activity feed, newest first

Live changes of the feed arrive on the ``events`` websocket as ``activity_added`` and
``activity_updated``.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base import MLPlatformAPIHandler
from ..constants import API_ROOT
from .activity import MAX_PAGE

API = API_ROOT


class CollaborationHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        from .status import collab_status

        self.finish_model(collab_status(self.serverapp))


class ActivityHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self.get_int_argument("limit", 1, MAX_PAGE) or 50
        before = self.get_int_argument("before", 1, 2**62)
        self.finish_model(self.mlplatform.activity.page(limit, before))


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{API}/collaboration", CollaborationHandler),
    (rf"{API}/activity", ActivityHandler),
]
