"""MLflow 3's logged-model endpoints, under ``{base_url}mlplatform/mlflow/api/2.0/mlflow/``.

- ``POST logged-models``, ``POST logged-models/search``
- ``GET|PATCH|DELETE logged-models/{model_id}`` (PATCH finalizes: sets the status)
- ``PATCH logged-models/{model_id}/tags``, ``DELETE logged-models/{model_id}/tags/{key}``
- ``POST logged-models/{model_id}/params``

``mlflow.<flavor>.log_model`` creates a model here, uploads its files through the artifact
proxy to the model's own folder, links it to the run (``runs/outputs``) and finalizes it;
``models:/<model_id>`` and ``runs:/<run_id>/<name>`` URIs find it again.  A model's metrics
are the run metrics logged with its id; a search's ``datasets`` restricts its metric
conditions (or, without any, the models) to metrics measured on those datasets.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import NotFound
from ..tracking.models import LifecycleStage, LoggedModel, LoggedModelUpdate, ViewType
from ..tracking.search import Comparison, Expr, OrderKey, fingerprint, parse_filter, parse_order_by
from ..tracking.search.evaluator import search
from . import models as wire
from . import translate
from .base import TRACKING, MLflowHandler

MODEL = r"(?P<model_id>[^/]+)"
DEFAULT_ORDER = [
    OrderKey("attribute", "creation_timestamp", ascending=False),
    OrderKey("attribute", "model_id", ascending=True),
]
"""MLflow's order of logged-model searches: newest first."""


class LoggedModelHandlerBase(MLflowHandler):
    async def active_model(self, model_id: str) -> LoggedModel:
        model = await self.tracking.get_logged_model(model_id)
        if model.lifecycle_stage != LifecycleStage.ACTIVE:
            raise NotFound("No logged model with that id (it is deleted).")
        return model

    async def finish_model_response(self, model: LoggedModel) -> None:
        metrics = await self.tracking.get_model_metrics([model.model_id])
        self.finish_mlflow(
            wire.LoggedModelResponse(
                model=translate.logged_model_to_mlflow(model, metrics[model.model_id])
            )
        )


class LoggedModelsHandler(LoggedModelHandlerBase):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.CreateLoggedModel)
        experiment_id = await self.experiment_id(request.experiment_id)
        spec = translate.logged_model_create(request, experiment_id)
        await self.finish_model_response(
            await self.tracking.create_logged_model(spec, self.user_name)
        )


class SearchLoggedModelsHandler(LoggedModelHandlerBase):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.get_request(wire.SearchLoggedModels)
        expression = parse_filter(request.filter, translate.LOGGED_MODEL_FILTER)
        columns = parse_order_by(
            [item.field_name for item in request.order_by],
            translate.LOGGED_MODEL_ORDER,
            directions=False,
        )
        order: list[OrderKey] = []
        metric_orders: dict[str, tuple[str, wire.LoggedModelOrder]] = {}
        for index, (column, item) in enumerate(zip(columns, request.order_by, strict=True)):
            if column.entity == "metric":
                # By the model's latest value of the metric (on the item's dataset, if any)
                metric_orders[f"order {index}"] = (column.key, item)
                order.append(OrderKey("attribute", f"order {index}", item.ascending))
            else:
                order.append(OrderKey("attribute", column.key, item.ascending))
        experiment_ids = [await self.experiment_id(e) for e in request.experiment_ids]
        models = await self.tracking.list_logged_models(experiment_ids, ViewType.ACTIVE_ONLY)
        metrics = await self.tracking.get_model_metrics([m.model_id for m in models])
        measured = {
            model_id: translate.on_datasets(points, request.datasets)
            for model_id, points in metrics.items()
        }
        if request.datasets and not _names_metrics(expression):
            models = [m for m in models if measured[m.model_id]]
        shown, token = search(
            models,
            lambda model: translate.logged_model_record(
                model,
                measured[model.model_id],
                {
                    key: translate.latest_metric(metrics[model.model_id], metric, item)
                    for key, (metric, item) in metric_orders.items()
                },
            ),
            expression,
            order + DEFAULT_ORDER,
            request.page_token,
            request.max_results,
            fingerprint(
                "logged-models",
                request.model_dump(mode="json", exclude={"max_results", "page_token"}),
            ),
        )
        self.finish_mlflow(
            wire.SearchLoggedModelsResponse(
                models=[translate.logged_model_to_mlflow(m, metrics[m.model_id]) for m in shown],
                next_page_token=token,
            )
        )


def _names_metrics(expression: Expr | None) -> bool:
    """Whether a filter has a metric comparison."""
    if expression is None:
        return False
    if isinstance(expression, Comparison):
        return expression.entity == "metric"
    return any(_names_metrics(item) for item in expression.items)


class LoggedModelHandler(LoggedModelHandlerBase):
    @web.authenticated
    @authorized
    async def get(self, model_id: str) -> None:
        """The model; a deleted one only with ``?allow_deleted=true``."""
        if self.get_bool_argument("allow_deleted"):
            await self.finish_model_response(await self.tracking.get_logged_model(model_id))
        else:
            await self.finish_model_response(await self.active_model(model_id))

    @web.authenticated
    @authorized
    async def patch(self, model_id: str) -> None:
        """Finalize: the model's files are uploaded (READY) or could not be (FAILED)."""
        request = self.get_request(wire.FinalizeLoggedModel)
        await self.active_model(model_id)
        change = LoggedModelUpdate(status=translate.logged_model_status(request.status))
        await self.finish_model_response(await self.tracking.update_logged_model(model_id, change))

    @web.authenticated
    @authorized
    async def delete(self, model_id: str) -> None:
        """A restorable deletion: the model's files stay."""
        await self.active_model(model_id)
        change = LoggedModelUpdate(lifecycle_stage=LifecycleStage.DELETED)
        await self.tracking.update_logged_model(model_id, change)
        self.finish_mlflow(wire.Empty())


class LoggedModelTagsHandler(LoggedModelHandlerBase):
    @web.authenticated
    @authorized
    async def patch(self, model_id: str) -> None:
        request = self.get_request(wire.SetLoggedModelTags)
        await self.active_model(model_id)
        change = translate.logged_model_update(tags=request.tags)
        await self.finish_model_response(await self.tracking.update_logged_model(model_id, change))


class LoggedModelTagHandler(LoggedModelHandlerBase):
    @web.authenticated
    @authorized
    async def delete(self, model_id: str, key: str) -> None:
        await self.active_model(model_id)
        await self.tracking.delete_logged_model_tag(model_id, key)
        self.finish_mlflow(wire.Empty())


class LoggedModelParamsHandler(LoggedModelHandlerBase):
    @web.authenticated
    @authorized
    async def post(self, model_id: str) -> None:
        request = self.get_request(wire.LogLoggedModelParams)
        await self.active_model(model_id)
        change = translate.logged_model_update(params=request.params)
        await self.tracking.update_logged_model(model_id, change)
        self.finish_mlflow(wire.Empty())


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{TRACKING}/logged-models", LoggedModelsHandler),
    # Fixed names before logged-models/{model_id}: the first pattern that matches wins.
    (rf"{TRACKING}/logged-models/search", SearchLoggedModelsHandler),
    (rf"{TRACKING}/logged-models/{MODEL}", LoggedModelHandler),
    (rf"{TRACKING}/logged-models/{MODEL}/tags", LoggedModelTagsHandler),
    (rf"{TRACKING}/logged-models/{MODEL}/tags/(?P<key>.+)", LoggedModelTagHandler),
    (rf"{TRACKING}/logged-models/{MODEL}/params", LoggedModelParamsHandler),
]
