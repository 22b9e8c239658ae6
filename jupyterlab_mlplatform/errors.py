"""Domain errors that carry their HTTP status.

Core code (store, search, client-side models) raises these and never imports tornado; the one
base handler (:mod:`jupyterlab_mlplatform.base`) turns them into JSON ``{"message": ...}``
responses.  Messages are shown to API users: keep them free of secrets and of raw user input
that a browser could render.
"""

from __future__ import annotations

from http import HTTPStatus


class MLPlatformError(Exception):
    """Base of all errors the platform reports to API users."""

    status_code: int = HTTPStatus.INTERNAL_SERVER_ERROR

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
