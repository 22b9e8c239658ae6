"""Artifact files streamed in (PUT) and out (GET), never whole in memory: a handler base.

Used by our artifacts API and by the MLflow artifact proxy.  With a streamed body, tornado
calls ``prepare`` before the body arrives, so authentication, authorization and the size
limit are checked there; an upload that does not complete (the client goes away, the request
fails after the body) is aborted, leaving nothing behind.  Subclasses are decorated with
``@web.stream_request_body`` and implement :meth:`open_upload`; the MLflow proxy combines it
with its own handler base (both derive from :class:`MLPlatformAPIHandler`).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from jupyter_core.utils import ensure_async
from tornado import web
from tornado.http1connection import HTTP1Connection

from .base import MLPlatformAPIHandler
from .errors import MLPlatformError, PayloadTooLarge
from .tracking.artifacts import ArtifactUpload

if TYPE_CHECKING:
    from .tracking.models import ArtifactInfo

CHUNK_SIZE = 1 << 20
DRAINED_BODY_LIMIT = 64 * 1024**2
"""The largest body still read (and dropped) after an upload is refused as too large.

A refusal sent while the client still sends its body reaches it only if the body is read:
the server closing a connection with unread data resets it, and a proxy in front, such as
JupyterHub's configurable-http-proxy, then answers 503 instead of our 413 (envoy #2929,
configurable-http-proxy #311 describe the same).  Larger bodies are refused at once."""


class StreamedFilesHandler(MLPlatformAPIHandler):
    _upload: ArtifactUpload | None = None
    _upload_error: MLPlatformError | None = None

    async def open_upload(self) -> ArtifactUpload:
        """Where the PUT's body goes (called once the request may upload)."""
        raise NotImplementedError

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self.request.method != "PUT":
            return
        if not self.current_user:
            raise web.HTTPError(403)
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "write", self.auth_resource)
        )
        if not allowed:
            raise web.HTTPError(403)
        limit = self.tracking.artifacts.max_size
        declared = self.request.headers.get("Content-Length")
        if isinstance(self.request.connection, HTTP1Connection):
            self.request.connection.set_max_body_size(max(limit + 1, DRAINED_BODY_LIMIT))
        too_large = PayloadTooLarge(f"Artifacts are limited to {limit} bytes.")
        if declared is not None and declared.isascii() and declared.isdigit():
            if int(declared) > max(limit, DRAINED_BODY_LIMIT):
                raise too_large
            if int(declared) > limit:
                self._upload_error = too_large  # answered once the body is read
                return
        self._upload = await self.open_upload()

    def data_received(self, chunk: bytes) -> None:
        if self._upload is None or self._upload_error is not None:
            return
        try:
            self._upload.write(chunk)
        except MLPlatformError as e:
            self._upload_error = e

    def on_connection_close(self) -> None:
        self._abort_upload()
        super().on_connection_close()

    def on_finish(self) -> None:
        self._abort_upload()  # the request failed after the body arrived
        super().on_finish()

    def _abort_upload(self) -> None:
        if self._upload is not None:
            self._upload.abort()
            self._upload = None

    async def commit_upload(self) -> ArtifactInfo:
        """Store the uploaded body (or raise what went wrong while it arrived)."""
        upload = self._upload
        if self._upload_error is not None:
            raise self._upload_error
        assert upload is not None
        info = await self.tracking.commit_upload(upload)
        self._upload = None
        return info

    async def stream_file(self, file: IO[bytes], size: int, media_type: str) -> None:
        """Send an open file in chunks, then close it."""
        try:
            self.set_header("Content-Type", media_type)
            self.set_header("Content-Length", str(size))
            self.set_header("X-Content-Type-Options", "nosniff")
            while chunk := await self.tracking.read_chunk(file, CHUNK_SIZE):
                self.write(chunk)
                await self.flush()
        finally:
            file.close()
