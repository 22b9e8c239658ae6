"""The base of the MLflow-compatible handlers: MLflow's requests in, its JSON and errors out.

Errors keep the platform's one path (domain code raises
:class:`~jupyterlab_mlplatform.errors.MLPlatformError` subclasses) and only change their
shape at the end: ``{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": ...}`` with
MLflow's status, which is what the mlflow client parses (plus the platform's ``details``
where a search expression is wrong).  Authentication and authorization are
jupyter-server's, as for every handler of the platform.
"""

from __future__ import annotations

import json
import typing
from http.client import responses
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError
from tornado import web

from ..base import MLPlatformAPIHandler
from ..constants import DEFAULT_EXPERIMENT_NAME, MLFLOW_API_ROOT
from ..errors import Conflict, InvalidArgument, MLPlatformError, NotFound
from ..tracking.models import ExperimentCreate
from . import translate
from .error_codes import code_of_http_status, mlflow_error_code, mlflow_status
from .models import Request

R = TypeVar("R", bound=Request)

API_ROOT = rf"{MLFLOW_API_ROOT}/(?:api|ajax-api)"
"""Where MLflow's REST API is served (``ajax-api`` is the prefix of MLflow's web UI)."""
TRACKING = rf"{API_ROOT}/2\.0/mlflow"
ARTIFACTS = rf"{API_ROOT}/2\.0/mlflow-artifacts"
AJAX_TRACKING = rf"{MLFLOW_API_ROOT}/ajax-api/2\.0/mlflow"
"""Routes MLflow serves to its web UI only."""


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return typing.get_origin(annotation) is list


class MLflowHandler(MLPlatformAPIHandler):
    conflict_code: ClassVar[str] = "INVALID_PARAMETER_VALUE"
    """What a ``Conflict`` means here: a taken name is ``RESOURCE_ALREADY_EXISTS``, anything
    else (a changed param, a write to a deleted run) ``INVALID_PARAMETER_VALUE``."""

    # -- requests ------------------------------------------------------------------------

    def get_request(self, model: type[R]) -> R:
        """The request: MLflow sends GET parameters in the query string, others as JSON."""
        if self.request.method not in ("GET", "DELETE"):
            return self.get_json_model(model)
        data: dict[str, Any] = {}
        for name, field in model.model_fields.items():
            values = self.get_query_arguments(name)
            if values:
                data[name] = values if _is_list(field.annotation) else values[-1]
        try:
            return model.model_validate(data)
        except ValidationError as e:
            raise translate.invalid_request(e) from None

    @staticmethod
    def require_run_id(run_id: str | None) -> str:
        if not run_id:
            raise InvalidArgument("Missing value for required parameter 'run_id'.")
        return run_id

    async def experiment_id(self, mlflow_id: str | None) -> str:
        """The experiment MLflow names; none is MLflow's default, ``"0"``.

        Experiment 0 is our ``Default`` (the store creates it); if it was deleted for good,
        asking for it makes it again (a ``Default`` takes id 0 back when it is free)."""
        if mlflow_id and mlflow_id != translate.DEFAULT_EXPERIMENT_ID:
            return mlflow_id
        try:
            await self.tracking.get_experiment(translate.DEFAULT_EXPERIMENT_ID)
        except NotFound:
            try:
                await self.tracking.create_experiment(
                    ExperimentCreate(name=DEFAULT_EXPERIMENT_NAME), self.user_name
                )
            except Conflict:
                pass  # made by a concurrent request, or the name is another experiment's
        return translate.DEFAULT_EXPERIMENT_ID

    # -- responses -----------------------------------------------------------------------

    def finish_mlflow(self, model: BaseModel) -> None:
        """MLflow's JSON: empty optional fields left out, as protobuf JSON does."""
        self.finish(model.model_dump_json(exclude_none=True))

    # -- the one error path, in MLflow's shape -------------------------------------------

    def status_for(self, error: MLPlatformError) -> int:
        return mlflow_status(error, self.conflict_code)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        details = None
        if isinstance(error, MLPlatformError):
            self.set_status(self.status_for(error))
            code, message = mlflow_error_code(error, self.conflict_code), error.message
            details = error.details
        else:
            code = code_of_http_status(status_code)
            message = "Unhandled error"
            if status_code < 500:
                message = responses.get(status_code, "Bad Request")
                if isinstance(error, web.HTTPError) and error.log_message:
                    message = error.log_message
        self.set_header("Content-Type", "application/json")
        reply: dict[str, object] = {"error_code": code, "message": message}
        if details:
            # As on the platform's own API: where a search expression is wrong
            reply["details"] = details
        self.finish(json.dumps(reply))
