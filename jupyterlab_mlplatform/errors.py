"""Domain errors that carry their HTTP status (and, where the status does not say it, their
MLflow error code).

Core code (store, search, deployment manager, model packages) raises these and never imports
tornado; the one base handler (:mod:`jupyterlab_mlplatform.base`) turns them into JSON
``{"message": ...}`` responses, and the MLflow handlers into MLflow's
``{"error_code": ..., "message": ...}``, generically, from the attributes below.  Messages are
shown to API users: keep them free of secrets and of raw user input that a browser could
render.

Standard library only: the scoring server's container image ships this module with
``deploy/model`` (``deploy/container/context.py``'s ``RUNTIME_MODULES``).
"""

from __future__ import annotations

from http import HTTPStatus


class MLPlatformError(Exception):
    """Base of all errors the platform reports to API users."""

    status_code: int = HTTPStatus.INTERNAL_SERVER_ERROR
    mlflow_code: str | None = None
    """The MLflow error code, for the errors whose class and status do not say it
    (``mlflow_api/error_codes.py`` derives the others)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def details(self) -> dict[str, str | int] | None:
        """Machine-readable facts about the error (sent as ``"details"``), if any."""
        return None


class InvalidArgument(MLPlatformError):
    """The request is malformed or a value is out of range (400)."""

    status_code = HTTPStatus.BAD_REQUEST


class NotFound(MLPlatformError):
    """The named experiment, run or artifact does not exist (404)."""

    status_code = HTTPStatus.NOT_FOUND


class Conflict(MLPlatformError):
    """The request contradicts stored state, e.g. changing an immutable param (409)."""

    status_code = HTTPStatus.CONFLICT


class PayloadTooLarge(MLPlatformError):
    """A body or an upload is over the configured limit (413)."""

    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class StoreUnavailable(MLPlatformError):
    """The backing database cannot be reached (503)."""

    status_code = HTTPStatus.SERVICE_UNAVAILABLE


class EndpointNotFound(NotFound):
    """No MLflow endpoint at that path (or not with that method)."""

    mlflow_code = "ENDPOINT_NOT_FOUND"


class NotImplementedByServer(MLPlatformError):
    """An MLflow feature this server does not offer (the client falls back where it can)."""

    status_code = HTTPStatus.NOT_IMPLEMENTED
    mlflow_code = "NOT_IMPLEMENTED"


class ModelPackageError(InvalidArgument):
    """A model that cannot be saved, or a folder that is not a loadable model package (400)."""


class SignatureError(InvalidArgument, ValueError):
    """Input that does not match the model's signature (400); ``column`` names the culprit
    (a positional column by its index), None when it is about the input as a whole."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column

    @property
    def details(self) -> dict[str, str | int] | None:
        return None if self.column is None else {"column": self.column}


class MalformedInput(SignatureError):
    """Input that is in none of the accepted shapes: rows of unequal width, columns of
    unequal length, records that are not objects (400)."""


class DeploymentUnavailable(MLPlatformError):
    """The deployment exists but is not serving now (503)."""

    status_code = HTTPStatus.SERVICE_UNAVAILABLE


class VersionFailed(MLPlatformError):
    """A new version (or a restart) could not start; what served before still serves (422)."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY


# -- search expressions --------------------------------------------------------------------

_EXCERPT_BEFORE = 40
_EXCERPT_AFTER = 20


def printable(text: str) -> str:
    """One column per character, so that a caret stays under the right one."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _excerpt(text: str, position: int) -> str:
    """``text`` around ``position`` (a short window), and a caret line under ``position``."""
    start = max(0, position - _EXCERPT_BEFORE)
    end = min(len(text), position + _EXCERPT_AFTER)
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(text) else ""
    line = prefix + printable(text[start:end]) + suffix
    caret = " " * (len(prefix) + position - start) + "^"
    return f"  {line}\n  {caret}"


class SearchSyntaxError(InvalidArgument):
    """A filter or an order_by item is malformed (400); ``position`` is 0-based in that
    string.  The message shows a short excerpt with a caret under the position."""

    label = "search expression"

    def __init__(self, text: str, position: int, reason: str, label: str | None = None) -> None:
        self.position = position
        self.reason = reason
        self.field = label or self.label
        super().__init__(
            f"Invalid {label or self.label} at position {position}: {reason}\n"
            + _excerpt(text, position)
        )

    @property
    def details(self) -> dict[str, str | int]:
        """Which input is wrong (``filter`` or ``order_by[i]``) and where (0-based)."""
        return {"field": self.field, "position": self.position, "reason": self.reason}


class FilterSyntaxError(SearchSyntaxError):
    """The ``filter`` string is malformed."""

    label = "filter"


class OrderBySyntaxError(SearchSyntaxError):
    """One ``order_by`` item is malformed; ``index`` says which."""

    label = "order_by"

    def __init__(self, text: str, position: int, reason: str, index: int) -> None:
        self.index = index
        super().__init__(text, position, reason, label=f"order_by[{index}]")

    @property
    def details(self) -> dict[str, str | int]:
        return {**super().details, "index": self.index}
