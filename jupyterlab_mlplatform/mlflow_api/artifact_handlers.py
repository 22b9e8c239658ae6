"""MLflow's artifact proxy, under ``{base_url}mlplatform/mlflow/api/2.0/mlflow-artifacts/``.

- ``GET artifacts?path=<folder>``: list (``{"files": [{"path", "is_dir", "file_size"}]}``)
- ``GET artifacts/<path>``: download, ``PUT artifacts/<path>``: upload (both streamed)
- ``POST mpu/{create,complete,abort}/<path>``: multipart uploads are not offered; the
  client then falls back to a plain upload

and two of MLflow's run-addressed routes:

- ``GET api/2.0/mlflow/artifacts/list?run_id=&path=``: a run's entries, by relative path
- ``GET get-artifact?run_id=&path=``: a run's file (the route of MLflow's web UI)

Downloads are attachments (``Content-Disposition``), typed as MLflow types them: text for
the extensions it shows as text (``MLmodel``, ``.yaml``, ``.log``...), whatever the size.

Paths are ``<experiment>/<run>/artifacts/...`` (the files of a run, the same ones the
Experiments panel shows) or ``<experiment>/models/<model>/artifacts/...`` (a logged model's).
A path can never leave its folder: ``..``, absolute paths, backslashes and control
characters are refused, after URL decoding.
"""

from __future__ import annotations

import posixpath
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..constants import MLFLOW_API_ROOT
from ..errors import NotFound, NotImplementedByServer
from ..streamed_files import StreamedFilesHandler
from ..tracking.artifacts import ArtifactUpload
from . import models as wire
from . import translate
from .base import ARTIFACTS, TRACKING, MLflowHandler
from .downloads import content_disposition, media_type_of

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
class ArtifactFileHandler(StreamedFilesHandler, ArtifactProxyHandler):
    """Streams files in (PUT) and out (GET), never holding a whole file in memory."""

    async def open_upload(self) -> ArtifactUpload:
        target = translate.artifact_target(self.path_kwargs["path"])
        if not target.path:
            raise NotFound("An upload needs a file path inside the artifacts folder.")
        uri = await self.artifact_uri(target)
        return await self.tracking.start_upload_at(uri, target.path)

    @web.authenticated
    @authorized
    async def put(self, path: str) -> None:
        await self.commit_upload()
        self.finish_mlflow(wire.Empty())

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        target = translate.artifact_target(path)
        if not target.path:
            raise NotFound("No artifact file at that path.")
        await self.send_artifact(await self.artifact_uri(target), target.path)

    async def send_artifact(self, uri: str, path: str) -> None:
        file, size, _guess = await self.tracking.open_artifact_at(uri, path)
        self.set_header("Content-Disposition", content_disposition(posixpath.basename(path)))
        await self.stream_file(file, size, media_type_of(path))
        await self.flush()  # an empty file sends no chunk: its headers go here, not JSON's
        self.finish()


class RunArtifactHandler(ArtifactFileHandler):
    """MLflow's ``get-artifact?run_id=&path=``: one of a run's files."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        request = self.get_request(wire.RunArtifactRef)
        run = await self.tracking.get_run(self.require_run_id(request.the_run_id))
        if not request.path:
            raise NotFound("No artifact file at that path.")
        await self.send_artifact(run.artifact_uri, translate.checked_artifact_path(request.path))


class RunArtifactListHandler(MLflowHandler):
    """MLflow's ``artifacts/list``: a run's entries under ``path``, by path from the run's
    artifact root (the proxy's listing gives base names instead)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        request = self.get_request(wire.RunArtifactRef)
        run = await self.tracking.get_run(self.require_run_id(request.the_run_id))
        path = translate.checked_artifact_path(request.path or "")
        listing = await self.tracking.list_artifacts_at(run.artifact_uri, path)
        self.finish_mlflow(
            wire.ListRunArtifactsResponse(
                root_uri=translate.run_artifact_uri(run.experiment_id, run.run_id),
                files=[
                    wire.FileInfo(path=f.path, is_dir=f.is_dir, file_size=f.size)
                    for f in listing.files
                ],
            )
        )


class MultipartUploadHandler(MLflowHandler):
    @web.authenticated
    @authorized
    async def post(self, action: str, path: str) -> None:
        raise NotImplementedByServer(MULTIPART_UNSUPPORTED)


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{ARTIFACTS}/artifacts", ArtifactListHandler),
    (rf"{ARTIFACTS}/artifacts/(?P<path>.*)", ArtifactFileHandler),
    (rf"{ARTIFACTS}/mpu/(?P<action>create|complete|abort)/(?P<path>.*)", MultipartUploadHandler),
    (rf"{TRACKING}/artifacts/list", RunArtifactListHandler),
    (rf"{MLFLOW_API_ROOT}/get-artifact", RunArtifactHandler),
]
