"""The routes of the MLflow-compatible API, and MLflow's answer for every other path under it.

Registered by :class:`~jupyterlab_mlplatform.app.MLPlatformApp` under
``{base_url}mlplatform/mlflow/``, which is what kernels get as ``MLFLOW_TRACKING_URI``.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from ..constants import MLFLOW_API_ROOT
from ..errors import EndpointNotFound
from . import artifact_handlers, experiment_handlers, logged_model_handlers, run_handlers
from . import models as wire
from .base import API_ROOT, MLflowHandler

MLFLOW_VERSION = "3.17.2"
"""The MLflow release whose server this one is checked against (its client in the tests)."""


class UnknownEndpointHandler(MLflowHandler):
    """MLflow's ``ENDPOINT_NOT_FOUND`` (a JSON 404 the client understands) for endpoints this
    server does not offer: the ones listed in :mod:`.unserved`, and any other path."""

    def _not_found(self, *args: Any) -> None:
        raise EndpointNotFound("This MLflow endpoint is not offered by this server.")

    get = post = put = patch = delete = web.authenticated(authorized(_not_found))


class ServerInfoHandler(MLflowHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish_mlflow(wire.ServerInfo())


class VersionHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The MLflow version whose REST API this server follows, as plain text (what
        ``mlflow server`` answers on ``/version``)."""
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.write(MLFLOW_VERSION)
        await self.flush()  # the headers go now: an API handler's finish() would send JSON's
        self.finish()


class MLflowUILinkHandler(MLflowHandler):
    """The mlflow client prints "View run at: <tracking URI>/#/experiments/..." links: they
    open JupyterLab, whose Experiments panel shows the run."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.redirect(url_path_join(self.base_url, self.default_url or "/"))


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{MLFLOW_API_ROOT}/?", MLflowUILinkHandler),
    *experiment_handlers.default_handlers,
    *run_handlers.default_handlers,
    *logged_model_handlers.default_handlers,
    *artifact_handlers.default_handlers,
    (rf"{API_ROOT}/3\.0/mlflow/server-info", ServerInfoHandler),
    (rf"{MLFLOW_API_ROOT}/version", VersionHandler),
    (rf"{MLFLOW_API_ROOT}/.*", UnknownEndpointHandler),
]
