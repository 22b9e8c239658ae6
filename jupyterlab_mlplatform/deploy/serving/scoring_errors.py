"""The scoring server's errors: each carries its HTTP status and MLflow-style ``error_code``.

Every error answer is ``{"error_code": "...", "message": "..."}`` (MLflow's scoring-server
shape), plus ``"column"`` when one input column is at fault.
"""

from __future__ import annotations

from typing import Any


class ServingError(Exception):
    """An error with the status and ``error_code`` it is answered with."""

    status_code = 500
    error_code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error_code": self.error_code, "message": self.message}
        if self.column is not None:
            body["column"] = self.column
        return body


class MalformedRequest(ServingError):
    """A body that is not valid JSON or CSV, or not one of the accepted shapes."""

    status_code = 400
    error_code = "MALFORMED_REQUEST"


class InvalidInput(ServingError):
    """Well-formed data that does not match the model's signature."""

    status_code = 400
    error_code = "INVALID_PARAMETER_VALUE"


class PredictionFailed(ServingError):
    """The model rejected valid-looking input (a ValueError, TypeError... in predict)."""

    status_code = 400
    error_code = "BAD_REQUEST"


class Unauthenticated(ServingError):
    status_code = 401
    error_code = "UNAUTHENTICATED"


class NotFound(ServingError):
    status_code = 404
    error_code = "ENDPOINT_NOT_FOUND"


class MethodNotAllowed(ServingError):
    status_code = 405
    error_code = "METHOD_NOT_ALLOWED"


class RequestTooLarge(ServingError):
    status_code = 413
    error_code = "REQUEST_LIMIT_EXCEEDED"


class UnsupportedMediaType(ServingError):
    status_code = 415
    error_code = "UNSUPPORTED_MEDIA_TYPE"


class NotReady(ServingError):
    status_code = 503
    error_code = "TEMPORARILY_UNAVAILABLE"
