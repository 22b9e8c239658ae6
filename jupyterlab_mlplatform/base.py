"""The base of every REST handler: authentication, JSON models in and out, one error path.

Domain code raises :class:`~jupyterlab_mlplatform.errors.MLPlatformError` subclasses; this
handler turns them into ``{"message": ..., "reason": ...}`` with their status, through
tornado's public ``log_exception`` and ``write_error`` hooks.  Anything else
is jupyter_server's ``500 Unhandled error`` with no traceback sent to the client.
"""

from __future__ import annotations

import json
import os
import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar, cast

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel, ValidationError

from .compat import preset_user
from .errors import InvalidArgument, MLPlatformError, PayloadTooLarge
from .identity import made_up_for_token
from .kernels.names import PARENT_MESSAGE_HEADER
from .kernels.sessions import kernel_notebook_path
from .tracking.models import RunSource

if TYPE_CHECKING:
    from types import TracebackType

    from .app import MLPlatformApp
    from .tracking.models import Run
    from .tracking.service import TrackingService

M = TypeVar("M", bound=BaseModel)

AUTH_RESOURCE = "mlplatform"

_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
"""A NUL character in a JSON string: ``\\u0000`` after an even number of backslashes."""
NUL_MESSAGE = "Text in requests cannot contain NUL characters (\\u0000)."
"""PostgreSQL cannot store them; they are refused on every backend alike."""


def describe_validation_error(error: ValidationError) -> str:
    """A short message naming each bad field, without echoing the submitted values."""
    problems = []
    for item in error.errors(include_input=False, include_url=False)[:5]:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        problems.append(f"{where}: {item['msg']}")
    more = error.error_count() - len(problems)
    suffix = f" (and {more} more)" if more > 0 else ""
    return "Invalid request: " + "; ".join(problems) + suffix


class MLPlatformAPIHandler(ExtensionHandlerMixin, APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def mlplatform(self) -> MLPlatformApp:
        return cast("MLPlatformApp", self.extensionapp)

    @property
    def tracking(self) -> TrackingService:
        return self.mlplatform.tracking

    calling_kernel_id: str | None = None
    """The kernel that made this request, known from its token (never from the request)."""
    calling_msg_id: str | None = None
    """The execute request the calling kernel code runs under (the kernel client's header;
    it only picks among the kernel's own requests, never who the caller is)."""

    async def prepare(self) -> None:  # type: ignore[override]
        """Authenticate, and settle who the request acts for.

        This is the one identity rule; every route that records a user (runs' ``user``,
        experiments' and models' ``created_by``, deployments and their keys) reads it
        through :attr:`user_name`:

        - a kernel token: whoever sent the execute request the kernel is running (as the
          server saw it on the kernel's websocket), else the server's owner;
        - the extension's server-wide token: the server's owner;
        - jupyter-server's own token with no identity cookie (a script): the server's
          owner (:mod:`.identity`, as on the kernel websockets), and the identity cookie
          sent back names the owner, so a client that keeps cookies (``requests.Session``,
          the mlflow client) stays the owner;
        - anything else: jupyter-server's identity (a browser's cookie, what an identity
          provider says), the one co-editors see.
        """
        app = self.mlplatform
        caller = app.kernel_credentials.caller_for(self.request.headers.get("Authorization", ""))
        if caller is not None:
            # A kernel of this server (or a script with the server-wide token).  A kernel
            # acts for whoever sent the execute request it is running, as the server saw
            # it on the kernel's websocket; a script acts for the server's owner.
            user = app.kernel_credentials.user
            if caller.kernel_id is not None:
                self.calling_kernel_id = caller.kernel_id
                parent = self.request.headers.get(PARENT_MESSAGE_HEADER)
                self.calling_msg_id = parent or None
                user = app.execution_authors.author(caller.kernel_id, parent) or user
            preset_user(self, user)
            self._token_authenticated = True
        await super().prepare()
        if self.current_user and any("\x00" in str(v) for v in self.path_kwargs.values()):
            raise InvalidArgument(NUL_MESSAGE)
        if caller is None and await made_up_for_token(self, self.current_user):
            # jupyter-server names every cookie-less request made with its token a fresh
            # random "Anonymous X"; a script holding the server's token is its owner.
            owner = self.mlplatform.kernel_credentials.user
            self._jupyter_current_user = owner
            self.current_user = owner
            # jupyter-server has just set a cookie naming that random user; the client's
            # next requests would carry it and be someone else.
            self.identity_provider.set_login_cookie(self, owner)

    async def kernel_notebook_path(self, kernel_id: str | None) -> str | None:
        """The notebook a kernel serves now, from the server's sessions."""
        return await kernel_notebook_path(self.settings.get("session_manager"), kernel_id)

    async def run_source(self, claimed: RunSource | None) -> RunSource | None:
        """Where a new run comes from.

        For a kernel: the kernel (from its token), its notebook (from the server's
        sessions), the cell the kernel code says it runs in, else the cell of the execute
        request it runs under as the server saw it; and the cell's position, from the live
        notebook when it is open for co-editing.  Anyone else: what the body says.
        """
        kernel_id = self.calling_kernel_id
        if kernel_id is None and claimed is None:
            return None
        source = claimed.model_copy() if claimed is not None else RunSource()
        if kernel_id is not None:
            source.kernel_id = kernel_id
            execution = self.mlplatform.execution_authors.execution(kernel_id, self.calling_msg_id)
            if not source.cell_id and execution is not None:
                source.cell_id = execution.cell_id
        session_path = await self.kernel_notebook_path(source.kernel_id)
        if session_path:
            source.notebook_path = session_path
        elif source.notebook_path:
            source.notebook_path = self._contents_path(source.notebook_path)
        attribution = self.mlplatform.attribution
        if attribution is not None:
            source.cell_index = await attribution.cell_index(source.notebook_path, source.cell_id)
        return source

    def note_run_created(self, run: Run) -> None:
        """Tell shared editing that the calling kernel's execution created ``run``."""
        attribution = self.mlplatform.attribution
        kernel_id = self.calling_kernel_id
        if attribution is None or kernel_id is None:
            return
        execution = self.mlplatform.execution_authors.execution(kernel_id, self.calling_msg_id)
        if execution is not None:
            attribution.run_created(execution, run)

    def _contents_path(self, path: str) -> str:
        """A kernel reports its notebook's absolute path; the lab opens root-relative ones."""
        if not os.path.isabs(path):
            return path
        root = os.path.realpath(self.settings.get("server_root_dir", ""))
        real = os.path.realpath(path)
        if real.startswith(root + os.sep):
            return os.path.relpath(real, root).replace(os.sep, "/")
        return path

    @property
    def user_name(self) -> str | None:
        """The name runs and experiments record for the authenticated user."""
        user = self.current_user
        if user is None:
            return None
        return str(getattr(user, "name", None) or getattr(user, "username", None) or "") or None

    # -- JSON in and out -----------------------------------------------------------------

    def get_json_model(self, model: type[M]) -> M:
        body = self.request.body or b"{}"
        limit = self.mlplatform.max_json_body
        if len(body) > limit:
            raise PayloadTooLarge(f"Request bodies are limited to {limit} bytes.")
        if b"\\u0000" in body and _JSON_NUL.search(body):
            raise InvalidArgument(NUL_MESSAGE)
        try:
            return model.model_validate_json(body)
        except ValidationError as e:
            if any(item["type"] == "json_invalid" for item in e.errors()):
                raise InvalidArgument("The request body is not valid JSON.") from None
            raise InvalidArgument(describe_validation_error(e)) from None

    def finish_model(self, model: BaseModel, status: int = HTTPStatus.OK) -> None:
        self.set_status(status)
        self.finish(model.model_dump_json())

    def get_bool_argument(self, name: str) -> bool:
        value = self.get_argument(name, "false").lower()
        if value not in ("true", "false", "1", "0"):
            raise InvalidArgument(f"Query argument {name} must be true or false.")
        return value in ("true", "1")

    def get_int_argument(self, name: str, low: int, high: int) -> int | None:
        value = self.get_argument(name, None)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise InvalidArgument(f"Query argument {name} must be an integer.") from None
        if not low <= number <= high:
            raise InvalidArgument(f"Query argument {name} must be between {low} and {high}.")
        return number

    # -- the one error path --------------------------------------------------------------

    def status_for(self, error: MLPlatformError) -> int:
        """The HTTP status an error is answered with."""
        return int(error.status_code)

    # tornado answers an exception that is no ``HTTPError`` with ``send_error(500,
    # exc_info=...)`` after ``log_exception``: both are public hooks, so a domain error is
    # logged (only a 5xx, and without a traceback) and answered with its own status there.

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, MLPlatformError):
            if self.status_for(value) >= 500:
                self.log.error("%s: %s", type(value).__name__, value.message)
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, MLPlatformError):
            status_code = self.status_for(error)
            self.set_status(status_code)
            self.set_header("Content-Type", "application/json")
            reply: dict[str, object] = {
                "message": error.message,
                "reason": HTTPStatus(status_code).phrase,
            }
            if error.details:
                reply["details"] = error.details
            self.finish(json.dumps(reply))
            return
        super().write_error(status_code, **kwargs)
