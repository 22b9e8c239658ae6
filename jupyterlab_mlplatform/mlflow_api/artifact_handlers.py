"""MLflow's artifact proxy, under ``{base_url}mlplatform/mlflow/api/2.0/mlflow-artifacts/``.

- ``GET artifacts?path=<folder>``: list (``{"files": [{"path", "is_dir", "file_size"}]}``)
- ``GET artifacts/<path>``: download, ``PUT artifacts/<path>``: upload (both streamed)
- ``POST mpu/{create,complete,abort}/<path>``: multipart uploads are not offered; the
  client then falls back to a plain upload

Paths are ``<experiment>/<run>/artifacts/...`` (the files of a run, the same ones the
Experiments panel shows) or ``<experiment>/models/<model>/artifacts/...`` (a logged model's).
A path can never leave its folder: ``..``, absolute paths, backslashes and control
characters are refused, after URL decoding.
"""

from __future__ import annotations

import posixpath
from typing import IO, Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.http1connection import HTTP1Connection

from ..errors import MLPlatformError, NotFound, PayloadTooLarge
from ..tracking.artifacts import ArtifactUpload
from . import models as wire
from . import translate
from .base import ARTIFACTS, MLflowHandler
from .error_codes import NotImplementedByServer

CHUNK_SIZE = 1 << 20
MULTIPART_UNSUPPORTED = "Multipart upload is not supported for the current artifact repository"
"""The message the mlflow client recognises to fall back to a plain upload."""


class ArtifactProxyHandler(MLflowHandler):
    async def artifact_uri(self, target: translate.ArtifactTarget) -> str:
        """Where the run's or the model's files live; ``NotFound`` unless the path's
        experiment is the owner's."""
        if target.kind == "run":
            run = await self.tracking.get_run(target.owner_id)
            owner_experiment, uri = run.experiment_id, run.artifact_uri
        else:
            model = await self.tracking.get_logged_model(target.owner_id)
            owner_experiment, uri = model.experiment_id, model.artifact_location
        if owner_experiment != target.experiment_id:
            raise NotFound("No run or logged model artifacts at that path.")
        return uri


class ArtifactListHandler(ArtifactProxyHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The entries of a folder by name; none for a file or a missing path (as MLflow)."""
        target = translate.artifact_target(self.get_argument("path", ""))
        listing = await self.tracking.list_artifacts_at(
            await self.artifact_uri(target), target.path
        )
        self.finish_mlflow(
            wire.ListArtifactsResponse(
                files=[
                    wire.FileInfo(
                        path=posixpath.basename(f.path), is_dir=f.is_dir, file_size=f.size
                    )
                    for f in listing.files
                ]
            )
        )


@web.stream_request_body
class ArtifactFileHandler(ArtifactProxyHandler):
    """Streams files in (PUT) and out (GET), never holding a whole file in memory."""

    _upload: ArtifactUpload | None = None
    _upload_error: MLPlatformError | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self.request.method != "PUT":
            return
        # With a streamed body, authentication and limits are checked before it arrives.
        if not self.current_user:
            raise web.HTTPError(403)
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "write", self.auth_resource)
        )
        if not allowed:
            raise web.HTTPError(403)
        limit = self.tracking.artifacts.max_size
        declared = self.request.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"Artifacts are limited to {limit} bytes.")
        if isinstance(self.request.connection, HTTP1Connection):
            self.request.connection.set_max_body_size(limit + 1)
        target = translate.artifact_target(self.path_kwargs["path"])
        if not target.path:
            raise NotFound("An upload needs a file path inside the artifacts folder.")
        uri = await self.artifact_uri(target)
        self._upload = await self.tracking.start_upload_at(uri, target.path)

    def data_received(self, chunk: bytes) -> None:
        if self._upload is None or self._upload_error is not None:
            return
        try:
            self._upload.write(chunk)
        except MLPlatformError as e:
            self._upload_error = e

    def on_connection_close(self) -> None:
        if self._upload is not None:
            self._upload.abort()
        super().on_connection_close()

    def on_finish(self) -> None:
        if self._upload is not None:  # the request failed after the body arrived
            self._upload.abort()
            self._upload = None
        super().on_finish()

    @web.authenticated
    @authorized
    async def put(self, path: str) -> None:
        upload = self._upload
        assert upload is not None
        if self._upload_error is not None:
            raise self._upload_error
        await self.tracking.commit_upload(upload)
        self._upload = None
        self.finish_mlflow(wire.Empty())

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        target = translate.artifact_target(path)
        file, size, media_type = await self._open(target)
        try:
            self.set_header("Content-Type", media_type)
            self.set_header("Content-Length", str(size))
            self.set_header("X-Content-Type-Options", "nosniff")
            while chunk := await self.tracking.read_chunk(file, CHUNK_SIZE):
                self.write(chunk)
                await self.flush()
        finally:
            file.close()
        self.finish()

    async def _open(self, target: translate.ArtifactTarget) -> tuple[IO[bytes], int, str]:
        if not target.path:
            raise NotFound("No artifact file at that path.")
        return await self.tracking.open_artifact_at(await self.artifact_uri(target), target.path)


class MultipartUploadHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self, action: str, path: str) -> None:
        raise NotImplementedByServer(MULTIPART_UNSUPPORTED)


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{ARTIFACTS}/artifacts", ArtifactListHandler),
    (rf"{ARTIFACTS}/artifacts/(?P<path>.*)", ArtifactFileHandler),
    (rf"{ARTIFACTS}/mpu/(?P<action>create|complete|abort)/(?P<path>.*)", MultipartUploadHandler),
]
