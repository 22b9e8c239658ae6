"""MLflow's run endpoints, under ``{base_url}mlplatform/mlflow/api/2.0/mlflow/``.

- ``POST runs/create``, ``GET runs/get``, ``POST runs/update``, ``runs/delete``,
  ``runs/restore``, ``POST runs/search``
- ``POST runs/log-batch``, ``runs/log-metric``, ``runs/log-parameter``, ``runs/set-tag``,
  ``runs/delete-tag``, ``runs/log-inputs``, ``runs/outputs``, ``runs/log-model``
- ``GET metrics/get-history``, and the web UI's ``ajax-api/2.0/mlflow/metrics/get-history-bulk``

Metrics logged with a ``model_id`` are the logged model's too; ``runs/log-inputs`` stores
datasets and model inputs, which ``runs/get`` and ``runs/search`` return.

Runs are ours: a run created here belongs to the person the server authenticated (for a
kernel, whoever runs the cell) and records the calling kernel and its notebook.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import bounded_json
from ..errors import Conflict, InvalidArgument, NotFound
from ..tracking.models import (
    LifecycleStage,
    ModelMetric,
    ModelOutput,
    Run,
    RunsPage,
    RunUpdate,
    SearchRuns,
    ViewType,
)
from ..tracking.search import fingerprint, page
from . import models as wire
from . import run_search, translate
from .base import AJAX_TRACKING, TRACKING, MLflowHandler

MAX_TAG_VALUE = 8000


class CreateRunHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.CreateRun)
        experiment_id = await self.experiment_id(request.experiment_id)
        spec = translate.run_create(request, experiment_id, await self.run_source(None))
        run = await self.tracking.create_run(spec, self.user_name)
        self.note_run_created(run)
        self.finish_mlflow(wire.RunResponse(run=translate.run_to_mlflow(run)))


class GetRunHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        request = self.get_request(wire.RunRef)
        run = await self.tracking.get_run(self.require_run_id(request.the_run_id))
        outputs = await self.tracking.get_model_outputs([run.run_id])
        inputs = await self.tracking.get_run_inputs([run.run_id])
        self.finish_mlflow(
            wire.RunResponse(
                run=translate.run_to_mlflow(run, outputs[run.run_id], inputs[run.run_id])
            )
        )


class UpdateRunHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.UpdateRun)
        run_id = self.require_run_id(request.the_run_id)
        run = await self.tracking.update_run(run_id, translate.run_update(request))
        self.finish_mlflow(wire.UpdateRunResponse(run_info=translate.run_info_to_mlflow(run)))


class DeleteRunHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """A restorable deletion, as in MLflow."""
        request = self.get_request(wire.RunRef)
        await self.tracking.delete_run(self.require_run_id(request.the_run_id), permanent=False)
        self.finish_mlflow(wire.Empty())


class RestoreRunHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.RunRef)
        change = RunUpdate(lifecycle_stage=LifecycleStage.ACTIVE)
        await self.tracking.update_run(self.require_run_id(request.the_run_id), change)
        self.finish_mlflow(wire.Empty())


class SearchRunsHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """MLflow's search on our store: the filter grammar is ours (MLflow's plus OR and
        parentheses), page tokens are ours.  No experiment ids finds nothing, as in MLflow."""
        request = self.get_request(wire.SearchRuns)
        found = RunsPage(runs=[])
        parsed = run_search.run_query(request.filter, request.order_by)
        if request.experiment_ids:
            query = SearchRuns(
                experiment_ids=[await self.experiment_id(e) for e in request.experiment_ids],
                filter=request.filter or "",
                order_by=request.order_by,
                max_results=request.max_results,
                page_token=request.page_token or None,
                run_view_type=ViewType(request.run_view_type),
            )
            found = await self.tracking.search_runs(query, parsed)
        run_ids = [r.run_id for r in found.runs]
        outputs = await self.tracking.get_model_outputs(run_ids)
        inputs = await self.tracking.get_run_inputs(run_ids)
        self.finish_mlflow(
            wire.SearchRunsResponse(
                runs=[
                    translate.run_to_mlflow(r, outputs[r.run_id], inputs[r.run_id])
                    for r in found.runs
                ],
                next_page_token=found.next_page_token,
            )
        )


class RunWriteHandler(MLflowHandler):
    """Writes to a run through our log batches (all or nothing, events for live views)."""

    async def active_run(self, run_id: str) -> Run:
        """The run; as in MLflow, writing to a deleted one is an invalid parameter."""
        run = await self.tracking.get_run(run_id)
        if run.lifecycle_stage != LifecycleStage.ACTIVE:
            raise Conflict("The run is deleted; restore it to log to it.")
        return run

    async def write_batch(
        self,
        run_id: str,
        batch: translate.Batch,
        model_metrics: list[ModelMetric] | None = None,
    ) -> None:
        """The batch, then the points logged with a ``model_id`` for their models (every
        model is checked first: a missing one writes nothing)."""
        if model_metrics:
            await self.tracking.check_logged_models([m.model_id for m in model_metrics])
        if batch.batch.metrics or batch.batch.params or batch.batch.tags:
            await self.tracking.log_batch(run_id, batch.batch)
        else:
            await self.active_run(run_id)
        if model_metrics:
            await self.tracking.log_model_metrics(model_metrics)
        if batch.rename:
            await self.tracking.update_run(run_id, RunUpdate(name=batch.rename))


class LogBatchHandler(RunWriteHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.LogBatch)
        run_id = self.require_run_id(request.the_run_id)
        await self.write_batch(
            run_id,
            translate.log_batch(request.metrics, request.params, request.tags),
            translate.model_metrics(run_id, request.metrics),
        )
        self.finish_mlflow(wire.Empty())


class LogMetricHandler(RunWriteHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.LogMetric)
        run_id = self.require_run_id(request.the_run_id)
        await self.write_batch(
            run_id,
            translate.log_batch([request], [], []),
            translate.model_metrics(run_id, [request]),
        )
        self.finish_mlflow(wire.Empty())


class LogParamHandler(RunWriteHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.LogParam)
        run_id = self.require_run_id(request.the_run_id)
        param = wire.KeyValueIn(key=request.key, value=request.value)
        await self.write_batch(run_id, translate.log_batch([], [param], []))
        self.finish_mlflow(wire.Empty())


class SetTagHandler(RunWriteHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """``mlflow.runName`` renames the run; ``mlflow.user`` cannot change who it is."""
        request = self.get_request(wire.SetTag)
        run_id = self.require_run_id(request.the_run_id)
        tag = wire.KeyValueIn(key=request.key, value=request.value)
        await self.write_batch(run_id, translate.log_batch([], [], [tag]))
        self.finish_mlflow(wire.Empty())


class DeleteTagHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.DeleteTag)
        run_id = self.require_run_id(request.the_run_id)
        if request.key in translate.DERIVED_RUN_TAGS:
            raise InvalidArgument("That tag shows the run's name or user; it cannot be deleted.")
        await self.tracking.delete_run_tag(run_id, request.key)
        self.finish_mlflow(wire.Empty())


class LogInputsHandler(RunWriteHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Datasets and logged models the run used; ``runs/get`` returns them."""
        request = self.get_request(wire.LogInputs)
        run_id = self.require_run_id(request.the_run_id)
        await self.tracking.log_run_inputs(run_id, translate.run_inputs(request))
        self.finish_mlflow(wire.Empty())


class LogOutputsHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.LogOutputs)
        outputs = [ModelOutput(model_id=m.model_id, step=m.step) for m in request.models]
        await self.tracking.log_model_outputs(self.require_run_id(request.the_run_id), outputs)
        self.finish_mlflow(wire.Empty())


class LogModelHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """MLflow 2's record of a model in a run's artifacts: appended to the run's
        ``mlflow.log-model.history`` tag (the oldest entries go when it gets too long)."""
        request = self.get_request(wire.LogModel)
        run_id = self.require_run_id(request.the_run_id)
        try:
            entry = bounded_json.loads(request.model_json)
        except ValueError:
            raise InvalidArgument("model_json is not valid JSON.") from None

        def append(history: list[Any]) -> list[Any]:
            history = [*history, entry]
            while len(json.dumps(history)) > MAX_TAG_VALUE:
                if len(history) == 1:
                    raise InvalidArgument(f"model_json is over {MAX_TAG_VALUE} characters.")
                history = history[1:]
            return history

        await self.tracking.update_list_tag(run_id, translate.LOG_MODEL_HISTORY_TAG, append)
        self.finish_mlflow(wire.Empty())


class MetricHistoryHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Every point of a metric (an empty list for a key the run does not have), in pages
        of ``max_results`` when asked."""
        request = self.get_request(wire.GetMetricHistory)
        run = await self.tracking.get_run(self.require_run_id(request.the_run_id))
        metrics: list[wire.Metric] = []
        if request.metric_key in run.metrics:
            history = await self.tracking.get_metric_history(
                run.run_id, request.metric_key, max_points=None
            )
            metrics = translate.metric_history_to_mlflow(history)
        token = None
        if request.max_results is not None or request.page_token:
            query = fingerprint("metric-history", run.run_id, request.metric_key)
            size = request.max_results or len(metrics)
            metrics, token = page(metrics, request.page_token, size, query)
        self.finish_mlflow(wire.GetMetricHistoryResponse(metrics=metrics, next_page_token=token))


MAX_BULK_RUNS = 100
MAX_BULK_POINTS = 25_000
"""MLflow's limits of ``metrics/get-history-bulk``."""


class MetricHistoryBulkHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The web UI's ``ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=..&metric_key=``:
        one metric's points of up to 100 runs, each point with its ``run_id``, runs in id
        order, at most ``max_results`` points in all."""
        request = self.get_request(wire.GetMetricHistoryBulk)
        if not request.run_id:
            raise InvalidArgument("GetMetricHistoryBulk request must specify at least one run_id.")
        if len(request.run_id) > MAX_BULK_RUNS:
            raise InvalidArgument(
                f"GetMetricHistoryBulk request cannot specify more than {MAX_BULK_RUNS} run_ids."
            )
        limit = min(request.max_results or MAX_BULK_POINTS, MAX_BULK_POINTS)
        points: list[wire.Metric] = []
        for run_id in sorted(set(request.run_id)):
            try:
                run = await self.tracking.get_run(run_id)
            except NotFound:
                continue  # as in MLflow: a run it does not know has no points
            if request.metric_key not in run.metrics:
                continue
            history = await self.tracking.get_metric_history(
                run_id, request.metric_key, max_points=None
            )
            ordered = sorted(
                translate.metric_history_to_mlflow(history),
                key=lambda m: (m.timestamp, m.step, m.value),
            )
            points.extend(m.model_copy(update={"run_id": run_id}) for m in ordered)
            if len(points) >= limit:
                break
        self.finish_mlflow(wire.GetMetricHistoryBulkResponse(metrics=points[:limit]))


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{TRACKING}/runs/create", CreateRunHandler),
    (rf"{TRACKING}/runs/get", GetRunHandler),
    (rf"{TRACKING}/runs/update", UpdateRunHandler),
    (rf"{TRACKING}/runs/delete", DeleteRunHandler),
    (rf"{TRACKING}/runs/restore", RestoreRunHandler),
    (rf"{TRACKING}/runs/search", SearchRunsHandler),
    (rf"{TRACKING}/runs/log-batch", LogBatchHandler),
    (rf"{TRACKING}/runs/log-metric", LogMetricHandler),
    (rf"{TRACKING}/runs/log-parameter", LogParamHandler),
    (rf"{TRACKING}/runs/set-tag", SetTagHandler),
    (rf"{TRACKING}/runs/delete-tag", DeleteTagHandler),
    (rf"{TRACKING}/runs/log-inputs", LogInputsHandler),
    (rf"{TRACKING}/runs/outputs", LogOutputsHandler),
    (rf"{TRACKING}/runs/log-model", LogModelHandler),
    (rf"{TRACKING}/metrics/get-history", MetricHistoryHandler),
    (rf"{AJAX_TRACKING}/metrics/get-history-bulk", MetricHistoryBulkHandler),
]
