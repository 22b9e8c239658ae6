"""REST and websocket handlers of the tracking API, under ``{base_url}mlplatform/api/``.

Routes (see ``openapi.json`` for the bodies):

- ``GET|POST experiments``, ``GET|PATCH|DELETE experiments/{experiment_id}``
- ``POST runs``, ``POST runs/search``, ``POST runs/keys``, ``POST runs/metric-histories``
- ``GET|PATCH|DELETE runs/{run_id}``
- ``GET runs/{run_id}/notebook`` (the run's captured code as a notebook)
- ``POST runs/{run_id}/log``, ``GET runs/{run_id}/metrics/{key}?max_points=N``
- ``GET runs/{run_id}/artifacts?path=``, ``GET|PUT runs/{run_id}/artifacts/{path}``
- ``WS events``
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web, websocket

from ..base import AUTH_RESOURCE, MLPlatformAPIHandler
from ..compat import NO_LOGIN_REDIRECT
from ..constants import API_ROOT
from ..errors import InvalidArgument, PayloadTooLarge
from ..streamed_files import StreamedFilesHandler
from .artifacts import ArtifactUpload
from .models import (
    ExperimentCreate,
    ExperimentUpdate,
    LogBatch,
    MetricHistoriesQuery,
    RunCreate,
    RunKeysQuery,
    RunUpdate,
    SearchRuns,
    ViewType,
)

if TYPE_CHECKING:
    from ..app import MLPlatformApp

API = API_ROOT
EXPERIMENT = r"(?P<experiment_id>[^/]+)"
RUN = r"(?P<run_id>[^/]+)"


class ExperimentsHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List experiments; ``?view=ACTIVE_ONLY|DELETED_ONLY|ALL``."""
        view = self.get_argument("view", ViewType.ACTIVE_ONLY.value)
        if view not in ViewType.__members__:
            raise InvalidArgument("view must be ACTIVE_ONLY, DELETED_ONLY or ALL.")
        self.finish_model(await self.tracking.list_experiments(ViewType(view)))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        spec = self.get_json_model(ExperimentCreate)
        experiment = await self.tracking.create_experiment(spec, self.user_name)
        self.finish_model(experiment, HTTPStatus.CREATED)


class ExperimentHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, experiment_id: str) -> None:
        self.finish_model(await self.tracking.get_experiment(experiment_id))

    @web.authenticated
    @authorized
    async def patch(self, experiment_id: str) -> None:
        change = self.get_json_model(ExperimentUpdate)
        self.finish_model(await self.tracking.update_experiment(experiment_id, change))

    @web.authenticated
    @authorized
    async def delete(self, experiment_id: str) -> None:
        """Delete (restorable), or ``?permanent=true`` to remove runs and artifacts too."""
        permanent = self.get_bool_argument("permanent")
        self.finish_model(await self.tracking.delete_experiment(experiment_id, permanent))


class RunsHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        spec = self.get_json_model(RunCreate)
        spec.source = await self.run_source(spec.source)
        run = await self.tracking.create_run(spec, self.user_name)
        self.note_run_created(run)
        self.finish_model(run, HTTPStatus.CREATED)


class RunSearchHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        query = self.get_json_model(SearchRuns)
        self.finish_model(await self.tracking.search_runs(query))


class RunKeysHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """The distinct param, metric and tag keys of the runs of some experiments."""
        query = self.get_json_model(RunKeysQuery)
        self.finish_model(await self.tracking.list_run_keys(query))


class MetricHistoriesHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Several runs' histories of several metrics in one request (the compare view)."""
        query = self.get_json_model(MetricHistoriesQuery)
        self.finish_model(await self.tracking.get_metric_histories(query))


class RunHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.finish_model(await self.tracking.get_run(run_id))

    @web.authenticated
    @authorized
    async def patch(self, run_id: str) -> None:
        change = self.get_json_model(RunUpdate)
        self.finish_model(await self.tracking.update_run(run_id, change))

    @web.authenticated
    @authorized
    async def delete(self, run_id: str) -> None:
        """Delete (restorable), or ``?permanent=true`` to remove its data and artifacts."""
        permanent = self.get_bool_argument("permanent")
        self.finish_model(await self.tracking.delete_run(run_id, permanent))


class RunNotebookHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        """The run's captured code as a notebook (404 for a run without captured code)."""
        self.finish_model(await self.tracking.run_notebook(run_id))


class RunLogHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        batch = self.get_json_model(LogBatch)
        limit = self.mlplatform.max_batch_metrics
        if len(batch.metrics) > limit:
            raise PayloadTooLarge(f"A batch holds at most {limit} metrics.")
        self.finish_model(await self.tracking.log_batch(run_id, batch))


class MetricHistoryHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str, key: str) -> None:
        """The metric's full history, or ``?max_points=N`` shape-preserving points."""
        max_points = self.get_int_argument("max_points", 1, 1_000_000)
        self.finish_model(await self.tracking.get_metric_history(run_id, key, max_points))


class ArtifactListHandler(MLPlatformAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        path = self.get_argument("path", "")
        self.finish_model(await self.tracking.list_artifacts(run_id, path))


@web.stream_request_body
class ArtifactHandler(StreamedFilesHandler):
    """Streams artifact files in (PUT) and out (GET), never holding a whole file in memory."""

    async def open_upload(self) -> ArtifactUpload:
        return await self.tracking.start_upload(
            self.path_kwargs["run_id"], self.path_kwargs["path"]
        )

    @web.authenticated
    @authorized
    async def put(self, run_id: str, path: str) -> None:
        info = await self.commit_upload()
        await self.tracking.note_model_package(run_id, path)
        self.finish_model(info.model_copy(update={"path": path}), HTTPStatus.CREATED)

    @web.authenticated
    @authorized
    async def get(self, run_id: str, path: str) -> None:
        file, size, media_type = await self.tracking.open_artifact(run_id, path)
        await self.stream_file(file, size, media_type)
        self.finish(set_content_type=media_type)


class EventsHandler(ExtensionHandlerMixin, JupyterHandler, websocket.WebSocketHandler):
    """A live stream of run, experiment and (coalesced) metric events as JSON messages."""

    auth_resource = AUTH_RESOURCE
    _unsubscribe: Any = None

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        # An API socket answers 403 to strangers; it never redirects them to a login page.
        await super().prepare(*args, **NO_LOGIN_REDIRECT, **kwargs)

    # Refusals are JSON {"message": ...} like every route of the API (openapi.json), not
    # jupyter-server's HTML error page.
    write_error = APIHandler.write_error

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        upgrade = self.request.headers.get("Upgrade", "").lower()
        connection = self.request.headers.get("Connection", "").lower()
        if upgrade != "websocket" or "upgrade" not in connection:
            # tornado answers this in plain text; the same refusal, in the API's shape
            raise web.HTTPError(400, 'Can "Upgrade" only to "WebSocket".')
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "read", AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403)
        result = super().get(*args, **kwargs)
        if result is not None:
            await result

    def open(self, *args: Any, **kwargs: Any) -> None:
        app = cast("MLPlatformApp", self.extensionapp)
        self._unsubscribe = app.tracking.events.subscribe(self._send)

    def _send(self, message: str) -> None:
        try:
            self.write_message(message)
        except websocket.WebSocketClosedError:
            self.on_close()

    def on_message(self, message: str | bytes) -> None:
        """Clients only listen; anything they send is ignored."""

    def on_close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{API}/experiments", ExperimentsHandler),
    (rf"{API}/experiments/{EXPERIMENT}", ExperimentHandler),
    (rf"{API}/runs", RunsHandler),
    # Fixed names before runs/{run_id}: the first pattern that matches wins.
    (rf"{API}/runs/search", RunSearchHandler),
    (rf"{API}/runs/keys", RunKeysHandler),
    (rf"{API}/runs/metric-histories", MetricHistoriesHandler),
    (rf"{API}/runs/{RUN}", RunHandler),
    (rf"{API}/runs/{RUN}/log", RunLogHandler),
    (rf"{API}/runs/{RUN}/notebook", RunNotebookHandler),
    (rf"{API}/runs/{RUN}/metrics/(?P<key>.+)", MetricHistoryHandler),
    (rf"{API}/runs/{RUN}/artifacts", ArtifactListHandler),
    (rf"{API}/runs/{RUN}/artifacts/(?P<path>.+)", ArtifactHandler),
    (rf"{API}/events", EventsHandler),
]
