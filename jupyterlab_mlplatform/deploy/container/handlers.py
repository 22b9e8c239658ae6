"""REST handlers of the container export, under ``{base_url}mlplatform/api/``.

- ``GET deployments/{name}/container.tar.gz``: the build context of the version served;
- ``GET deployments/{name}/k8s.yaml[?variant=kserve]``: Deployment + Service, or KServe;
- ``GET runs/{run_id}/container.tar.gz?artifact_path=model``: the same for a run's model.

``?image=REF`` puts an image reference into the manifests instead of the placeholder.  The
archive is written to a temporary file off the event loop, then streamed out in chunks;
the file (and a run's model copy) is removed afterwards, whatever happens.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from ...errors import Conflict, InvalidArgument
from ..handlers import API, NAME, DeploymentBaseHandler
from .context import ContextSpec, read_package_metadata, run_context_name, write_context_file
from .manifests import VARIANTS
from .names import resource_name

RUN = r"(?P<run_id>[^/]+)"
CHUNK_SIZE = 1 << 20


class ContainerExportHandler(DeploymentBaseHandler):
    def context_spec(self, **fields: Any) -> ContextSpec:
        image = self.get_argument("image", None) or None
        try:
            return ContextSpec(image=image, **fields)
        except ValueError as e:
            raise InvalidArgument(str(e)) from None

    def deployment_context(self, name: str) -> tuple[Path, ContextSpec]:
        """The model folder of the version the deployment serves, and its context spec (named
        after the deployment, made a DNS label if it is not one)."""
        deployment = self.deployments.get(name)
        spec = self.context_spec(
            name=resource_name(name),
            version=deployment.version,
            run_id=deployment.run_id,
            artifact_path=deployment.artifact_path,
            deployment=name,
            workers=deployment.workers,
        )
        return self.deployments.model_dir(name), spec

    async def send_context(self, model_dir: Path, spec: ContextSpec, scratch: Path) -> None:
        """Write the context of ``model_dir`` into ``scratch`` and stream it out."""
        archive = scratch / spec.archive_name
        try:
            size = await asyncio.to_thread(write_context_file, model_dir, archive, spec)
        except FileNotFoundError:
            raise Conflict("The model's files changed during the export; try again.") from None
        self.set_header("Content-Type", "application/gzip")
        self.set_header("Content-Length", str(size))
        self.set_header("Content-Disposition", f'attachment; filename="{spec.archive_name}"')
        self.set_header("X-Content-Type-Options", "nosniff")
        with archive.open("rb") as file:
            while chunk := await asyncio.to_thread(file.read, CHUNK_SIZE):
                self.write(chunk)
                try:
                    await self.flush()
                except StreamClosedError:
                    return  # the client went away; the caller removes the file
        self.finish(set_content_type="application/gzip")


def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="mlplatform-container-"))


async def _remove(folder: Path) -> None:
    await asyncio.to_thread(shutil.rmtree, folder, True)


class DeploymentContainerHandler(ContainerExportHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """The container build context of the model version the deployment serves."""
        model_dir, spec = self.deployment_context(name)
        scratch = _scratch()
        try:
            await self.send_context(model_dir, spec, scratch)
        finally:
            await _remove(scratch)


class DeploymentManifestHandler(ContainerExportHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """``k8s.yaml``: a Deployment + Service, or with ``?variant=kserve`` an
        InferenceService."""
        variant = self.get_argument("variant", "kubernetes")
        render = VARIANTS.get(variant)
        if render is None:
            raise InvalidArgument("variant must be kubernetes (the default) or kserve.")
        model_dir, spec = self.deployment_context(name)
        metadata = await asyncio.to_thread(read_package_metadata, model_dir)
        filename = f"{spec.name}-{spec.tag}-{'kserve' if variant == 'kserve' else 'k8s'}.yaml"
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.finish(render(spec, metadata), set_content_type="application/yaml")


class RunContainerHandler(ContainerExportHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        """The container build context of a run's model package (``?artifact_path=model``)."""
        artifact_path = self.get_argument("artifact_path", "model")
        spec = self.context_spec(
            name=run_context_name(run_id, artifact_path),
            run_id=run_id,
            artifact_path=artifact_path,
        )
        scratch = _scratch()
        try:
            model_dir = scratch / "model"
            await self.deployments.export_run_model(run_id, artifact_path, model_dir)
            await self.send_context(model_dir, spec, scratch)
        finally:
            await _remove(scratch)


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{API}/deployments/{NAME}/container.tar.gz", DeploymentContainerHandler),
    (rf"{API}/deployments/{NAME}/k8s.yaml", DeploymentManifestHandler),
    (rf"{API}/runs/{RUN}/container.tar.gz", RunContainerHandler),
]
