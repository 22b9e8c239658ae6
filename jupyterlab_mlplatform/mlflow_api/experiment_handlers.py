"""MLflow's experiment endpoints, under ``{base_url}mlplatform/mlflow/api/2.0/mlflow/``.

- ``POST experiments/create``, ``GET experiments/get``, ``GET experiments/get-by-name``
- ``GET|POST experiments/search``
- ``POST experiments/update``, ``experiments/delete``, ``experiments/restore``
- ``POST experiments/set-experiment-tag``, ``experiments/delete-experiment-tag``
- the web UI's ``POST ajax-api/2.0/mlflow/experiments/search-datasets``
"""

from __future__ import annotations

from typing import Any, ClassVar

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import NotFound
from ..tracking.models import ExperimentUpdate, LifecycleStage, ViewType
from ..tracking.search import OrderKey, fingerprint, parse_filter, parse_order_by
from ..tracking.search.evaluator import search
from . import models as wire
from . import translate
from .base import AJAX_TRACKING, TRACKING, MLflowHandler

DEFAULT_ORDER = [
    OrderKey("attribute", "creation_time", ascending=False),
    OrderKey("attribute", "experiment_id", ascending=True),
]
"""MLflow's order of experiment searches."""


class CreateExperimentHandler(MLflowHandler):
    conflict_code: ClassVar[str] = "RESOURCE_ALREADY_EXISTS"

    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.CreateExperiment)
        experiment = await self.tracking.create_experiment(
            translate.experiment_create(request), self.user_name
        )
        self.finish_mlflow(wire.CreateExperimentResponse(experiment_id=experiment.experiment_id))


class GetExperimentHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        request = self.get_request(wire.ExperimentRef)
        experiment = await self.tracking.get_experiment(
            await self.experiment_id(request.experiment_id)
        )
        self.finish_mlflow(
            wire.ExperimentResponse(experiment=translate.experiment_to_mlflow(experiment))
        )


class GetExperimentByNameHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        request = self.get_request(wire.GetExperimentByName)
        experiment = await self.tracking.get_experiment_by_name(request.experiment_name)
        if experiment is None:
            raise NotFound("No experiment with that name.")
        self.finish_mlflow(
            wire.ExperimentResponse(experiment=translate.experiment_to_mlflow(experiment))
        )


class SearchExperimentsHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self._search()

    @web.authenticated
    @authorized
    async def post(self) -> None:
        await self._search()

    async def _search(self) -> None:
        request = self.get_request(wire.SearchExperiments)
        expression = parse_filter(request.filter, translate.EXPERIMENT_FILTER)
        order = parse_order_by(request.order_by, translate.EXPERIMENT_ORDER)
        experiments = await self.tracking.list_experiments(ViewType(request.view_type))
        shown, token = search(
            experiments.experiments,
            translate.experiment_record,
            expression,
            order + DEFAULT_ORDER,
            request.page_token,
            request.max_results,
            fingerprint("experiments", request.filter, request.order_by, request.view_type),
        )
        self.finish_mlflow(
            wire.SearchExperimentsResponse(
                experiments=[translate.experiment_to_mlflow(e) for e in shown],
                next_page_token=token,
            )
        )


class UpdateExperimentHandler(MLflowHandler):
    conflict_code: ClassVar[str] = "RESOURCE_ALREADY_EXISTS"

    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.UpdateExperiment)
        experiment_id = await self.experiment_id(request.experiment_id)
        await self.tracking.update_experiment(
            experiment_id, ExperimentUpdate(name=request.new_name)
        )
        self.finish_mlflow(wire.Empty())


class DeleteExperimentHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """A restorable deletion, as in MLflow (with its runs)."""
        request = self.get_request(wire.ExperimentRef)
        experiment_id = await self.experiment_id(request.experiment_id)
        await self.tracking.delete_experiment(experiment_id, permanent=False)
        self.finish_mlflow(wire.Empty())


class RestoreExperimentHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.ExperimentRef)
        experiment_id = await self.experiment_id(request.experiment_id)
        await self.tracking.update_experiment(
            experiment_id, ExperimentUpdate(lifecycle_stage=LifecycleStage.ACTIVE)
        )
        self.finish_mlflow(wire.Empty())


class SetExperimentTagHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.SetExperimentTag)
        experiment_id = await self.experiment_id(request.experiment_id)
        change = translate.experiment_tags({request.key: request.value})
        await self.tracking.update_experiment(experiment_id, change)
        self.finish_mlflow(wire.Empty())


class DeleteExperimentTagHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.DeleteExperimentTag)
        experiment_id = await self.experiment_id(request.experiment_id)
        await self.tracking.delete_experiment_tag(experiment_id, request.key)
        self.finish_mlflow(wire.Empty())


class SearchDatasetsHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """The web UI's ``ajax-api/2.0/mlflow/experiments/search-datasets``: the datasets
        the experiments' runs logged as inputs, once per context (at most 1000)."""
        request = self.get_request(wire.SearchDatasets)
        ids = [await self.experiment_id(e) for e in request.experiment_ids]
        found = await self.tracking.search_dataset_summaries(ids)
        self.finish_mlflow(
            wire.SearchDatasetsResponse(
                dataset_summaries=[wire.DatasetSummary(**s.model_dump()) for s in found]
            )
        )


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{TRACKING}/experiments/create", CreateExperimentHandler),
    (rf"{TRACKING}/experiments/get", GetExperimentHandler),
    (rf"{TRACKING}/experiments/get-by-name", GetExperimentByNameHandler),
    (rf"{TRACKING}/experiments/search", SearchExperimentsHandler),
    (rf"{TRACKING}/experiments/update", UpdateExperimentHandler),
    (rf"{TRACKING}/experiments/delete", DeleteExperimentHandler),
    (rf"{TRACKING}/experiments/restore", RestoreExperimentHandler),
    (rf"{TRACKING}/experiments/set-experiment-tag", SetExperimentTagHandler),
    (rf"{TRACKING}/experiments/delete-experiment-tag", DeleteExperimentTagHandler),
    (rf"{AJAX_TRACKING}/experiments/search-datasets", SearchDatasetsHandler),
]
