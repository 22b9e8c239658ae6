"""The handler of ``GET mlplatform/api/openapi.json``: the document :mod:`.document` builds."""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import __version__
from ..base import MLPlatformAPIHandler
from ..constants import API_ROOT
from .document import build_openapi


class OpenAPIHandler(MLPlatformAPIHandler):
    _document: str | None = None

    @web.authenticated
    @authorized
    def get(self) -> None:
        if OpenAPIHandler._document is None:
            OpenAPIHandler._document = json.dumps(build_openapi(__version__))
        self.finish(OpenAPIHandler._document)


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{API_ROOT}/openapi\.json", OpenAPIHandler),
]
