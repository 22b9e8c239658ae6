"""Our errors in MLflow's terms: ``{"error_code": ..., "message": ...}`` and its HTTP status.

The mlflow client raises ``MlflowException`` with the ``error_code`` it reads from the body,
and retries 429 and 5xx answers: bad input must never come back as a 5xx.  The statuses are
those of MLflow's own server (``RESOURCE_ALREADY_EXISTS`` is a 400 there, for one).
"""

from __future__ import annotations

from http import HTTPStatus

from ..errors import (
    Conflict,
    EndpointNotFound,
    InvalidArgument,
    MLPlatformError,
    NotFound,
    NotImplementedByServer,
    StoreUnavailable,
)

__all__ = [
    "STATUS_OF_CODE",
    "EndpointNotFound",
    "NotImplementedByServer",
    "code_of_http_status",
    "mlflow_error_code",
    "mlflow_status",
]

STATUS_OF_CODE: dict[str, int] = {
    "BAD_REQUEST": 400,
    "INVALID_PARAMETER_VALUE": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "INTERNAL_ERROR": 500,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
}
"""MLflow's HTTP status of each error code we send."""


def mlflow_error_code(error: MLPlatformError, conflict_code: str) -> str:
    """The MLflow error code of one of our errors.

    ``conflict_code`` is what a :class:`~jupyterlab_mlplatform.errors.Conflict` means for the
    endpoint: ``RESOURCE_ALREADY_EXISTS`` where a name is taken, ``INVALID_PARAMETER_VALUE``
    elsewhere (a param changed, a deleted run or experiment written to).
    """
    if error.mlflow_code is not None:
        return error.mlflow_code
    if isinstance(error, NotFound):
        return "RESOURCE_DOES_NOT_EXIST"
    if isinstance(error, Conflict):
        return conflict_code
    if isinstance(error, StoreUnavailable):
        return "TEMPORARILY_UNAVAILABLE"
    if isinstance(error, InvalidArgument) or error.status_code < 500:
        return "INVALID_PARAMETER_VALUE"
    return "INTERNAL_ERROR"


def mlflow_status(error: MLPlatformError, conflict_code: str) -> int:
    """The HTTP status to answer one of our errors with.

    The status of the MLflow code, except where ours is more precise and the client would
    not retry it anyway (413 for an upload over the size limit)."""
    code = mlflow_error_code(error, conflict_code)
    status = int(error.status_code)
    if code == "INVALID_PARAMETER_VALUE" and 400 <= status < 500 and status != HTTPStatus.CONFLICT:
        return status
    return STATUS_OF_CODE[code]


def code_of_http_status(status: int) -> str:
    """The MLflow error code of an HTTP error that is not one of ours (auth, routing)."""
    if status == 401:
        return "UNAUTHENTICATED"
    if status == 403:
        return "PERMISSION_DENIED"
    if status in (404, 405):
        return "ENDPOINT_NOT_FOUND"
    if status >= 500:
        return "INTERNAL_ERROR"
    return "BAD_REQUEST"
