"""The deployment manager: the one object the REST layer and the app talk to.

It keeps the deployments (:mod:`.state`), has their processes started, switched and watched
by the :mod:`.supervisor`, copies model packages out of runs (:mod:`.package_copy`), keeps
API keys (:mod:`.api_keys`; checked by the scoring server on its port, while the invocations
proxy, the stats and the metadata routes use the manager's own key) and shows deployments as
the REST API does (:mod:`.wire`).

Statuses: ``starting`` (until the process reports ready), ``healthy``, ``restarting`` (the
process died or failed health checks; restarted with exponential backoff), ``stopped``, and
``failed`` (with the load error, or after too many restarts in a row).

Configure it like any Jupyter configurable, e.g. ``c.DeploymentManager.health_interval = 2``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from traitlets import Bool, Float, Int, Unicode
from traitlets.config import LoggingConfigurable

from ...errors import Conflict, DeploymentUnavailable, NotFound
from ...tracking.service import TrackingService
from .forkserver_client import ForkServer
from .models import (
    ApiKey,
    ApiKeyCreated,
    Deployment,
    DeploymentCreate,
    DeploymentStatus,
    DeploymentVersionCreate,
)
from .package_copy import clean_artifact_path, copy_package, copy_package_flavor
from .state import DeploymentFiles, DeploymentRecord, DeploymentState, VersionRecord
from .supervisor import Supervisor
from .wire import deployment_to_wire

_COMING_BACK = (DeploymentStatus.STARTING, DeploymentStatus.RESTARTING)
"""States after which a deployment serves without anyone acting."""


class DeploymentManager(LoggingConfigurable):
    """Creates, supervises and stops deployments.  Call :meth:`restore` once on start and
    :meth:`close` on shutdown (it stops every process and waits for it)."""

    health_interval = Float(
        5.0, config=True, help="Seconds between health checks of each deployment (default 5)."
    )
    health_timeout = Float(
        3.0,
        config=True,
        help="Seconds a health check may take; unhealthy_after failures in a row restart "
        "the process (default 3).",
    )
    unhealthy_after = Int(
        3,
        config=True,
        help="Failed health checks in a row after which the scoring server is restarted "
        "(default 3).",
    )
    start_timeout = Float(
        120.0,
        config=True,
        help="Seconds a scoring server has to load its model and listen (default 120).",
    )
    stop_grace = Float(
        10.0, config=True, help="Seconds between SIGTERM and SIGKILL when stopping (default 10)."
    )
    max_restarts = Int(
        5,
        config=True,
        help="Crashes in a row (restarted with exponential backoff) after which a deployment "
        "is marked failed (default 5).",
    )
    backoff_initial = Float(
        1.0,
        config=True,
        help="Seconds before the first restart of a crashed deployment; doubled at each "
        "further crash in a row (default 1).",
    )
    backoff_max = Float(
        60.0,
        config=True,
        help="Longest wait before restarting a crashed deployment, seconds (default 60).",
    )
    stable_after = Float(
        60.0,
        config=True,
        help="Seconds of uptime after which a deployment's crash count starts again from "
        "zero (default 60).",
    )
    queue_limit = Int(
        256,
        config=True,
        help="Requests the invocations route keeps waiting per deployment while it starts or "
        "a crashed scoring server is replaced; more get 503 at once (default 256).",
    )
    queue_timeout = Float(
        30.0,
        config=True,
        help="Seconds such a request waits for the deployment to serve again before a 503 "
        "(default 30).",
    )
    log_lines = Int(
        1000,
        config=True,
        help="Lines of each deployment's output kept in memory for the logs route (default 1000).",
    )
    log_file_bytes = Int(
        10 * 1024**2,
        config=True,
        help="Size in bytes over which a deployment's server.log is rotated (one old file "
        "kept; default 10 MiB).",
    )
    forkserver = Bool(
        True,
        config=True,
        help="Fork deployments' scoring servers from a warm process that has imported "
        "scikit-learn once (started in the background when the Deploy panel lists the "
        "deployments, or by the first deployment to start): a deployment answers in a "
        "fraction of a second.  False starts each as a new Python process.",
    )
    host = Unicode(
        "127.0.0.1",
        config=True,
        help="Address the deployments' own ports listen on.  The default serves only this "
        "machine (and the lab, through its proxy); '0.0.0.0' lets callers elsewhere use a "
        "deployment's endpoint with an API key.",
    )
    public_host = Unicode(
        "",
        config=True,
        help="Host name shown in deployment endpoints (default: host, or this machine's "
        "name when host is a wildcard).",
    )

    def __init__(
        self, data_dir: Path, tracking: TrackingService, base_url: str = "/", **kwargs: Any
    ) -> None:
        """Deployments live in ``<data_dir>/deployments``; ``base_url`` is the Jupyter
        server's.  ``kwargs`` go to the configurable (``parent``, ``config``, traits).

        With :attr:`forkserver`, scoring servers are forked from a warm fork server
        (:mod:`.forkserver_client`).  It is started when first needed (:meth:`warm_up`, or
        the first deployment to start), not with the Jupyter server: it holds about 130 MB,
        which a server whose user never deploys should not pay."""
        super().__init__(**kwargs)
        self.root = Path(data_dir) / "deployments"
        self.tracking = tracking
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        wildcard = self.host in ("", "0.0.0.0", "::")
        self.shown_host = self.public_host or (socket.gethostname() if wildcard else self.host)
        """The host name in deployments' endpoints."""
        self.local_host = ("::1" if ":" in self.host else "127.0.0.1") if wildcard else self.host
        """The address the lab's proxy reaches the deployments at."""
        self.files = DeploymentFiles(self.root, self.log_lines, self.log_file_bytes)
        self.supervisor = Supervisor(
            self, self.files, self.host, self._save, ForkServer() if self.forkserver else None
        )
        self._deployments: dict[str, DeploymentState] = {}
        self._background: set[asyncio.Task[None]] = set()

    @property
    def closed(self) -> bool:
        """:meth:`close` was called."""
        return self.supervisor.closed

    # -- lifecycle -----------------------------------------------------------------------

    def restore(self) -> None:
        """Load the stored deployments and start again those meant to be running (which
        starts the fork server)."""
        for record in self.files.load():
            state = self.files.state(record)
            self._deployments[record.name] = state
            if record.desired == "running":
                state.status = DeploymentStatus.STARTING
                self._in_background(self.supervisor.start(state))

    def warm_up(self) -> None:
        """A deployment may come soon (the Deploy panel is open): start the fork server in
        the background, unless it runs or is starting.  It imports for about 3 s; a
        deployment started before it is ready waits for it."""
        forkserver = self.supervisor.forkserver
        if forkserver is not None and not self.closed and not forkserver.running:
            self._in_background(forkserver.start())

    async def close(self) -> None:
        """Stop every process and wait for it; the stored desired states are kept."""
        self.supervisor.shut_down()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await asyncio.gather(
            *(self.supervisor.terminate(st) for st in self._deployments.values()),
            return_exceptions=True,
        )
        for state in self._deployments.values():
            self.supervisor.unlisten(state)
        if self.supervisor.forkserver is not None:
            await self.supervisor.forkserver.aclose()

    def _in_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _save(self) -> None:
        await self.files.save(lambda: [state.record for state in self._deployments.values()])

    # -- queries -------------------------------------------------------------------------

    def _to_wire(self, state: DeploymentState) -> Deployment:
        return deployment_to_wire(state, self.base_url, self.shown_host)

    def _get(self, name: str) -> DeploymentState:
        state = self._deployments.get(name)
        if state is None:
            raise NotFound("No deployment with that name.")
        return state

    @contextlib.asynccontextmanager
    async def _locked(self, name: str) -> AsyncIterator[DeploymentState]:
        """The deployment, under its lock; NotFound when it was deleted while waiting for
        the lock (a change queued behind a DELETE must not start a process for it)."""
        state = self._get(name)
        async with state.lock:
            if self._deployments.get(name) is not state:
                raise NotFound("No deployment with that name.")
            yield state

    def list_deployments(self) -> list[Deployment]:
        """Every deployment, by name."""
        return [self._to_wire(self._deployments[n]) for n in sorted(self._deployments)]

    def get(self, name: str) -> Deployment:
        """One deployment; NotFound when there is none of that name."""
        return self._to_wire(self._get(name))

    def logs(self, name: str, tail: int = 200) -> list[str]:
        """The last ``tail`` lines of the deployment's output."""
        return self._get(name).log.tail(tail)

    def model_dir(self, name: str) -> Path:
        """The model package folder of the version a deployment serves."""
        record = self._get(name).record
        return self.files.model_dir(record.name, record.version)

    async def export_run_model(self, run_id: str, artifact_path: str, target: Path) -> None:
        """Copy a run's model package into ``target`` (a new or empty folder); NotFound for an
        unknown run, InvalidArgument when the folder holds no model package."""
        await self.tracking.get_run(run_id)
        await copy_package(self.tracking, run_id, clean_artifact_path(artifact_path), target)

    def endpoint(self, name: str) -> tuple[str, int, str]:
        """Host, port and the manager's own API key of a serving deployment (for the
        invocations proxy, the stats and the metadata); 503 when it is not serving."""
        state = self._get(name)
        listener = state.listener
        if state.status != DeploymentStatus.HEALTHY or listener is None:
            raise DeploymentUnavailable(f"The deployment is {state.status.value}, not serving.")
        return self.local_host, listener.getsockname()[1], state.keys.proxy_key

    async def serving_endpoint(self, name: str) -> tuple[str, int, str]:
        """:meth:`endpoint`, waiting while the deployment is starting or a crashed process
        is being replaced (as callers on its own port wait in the socket's backlog): at most
        :attr:`queue_limit` callers per deployment, each :attr:`queue_timeout` seconds;
        503 beyond either, or at once when it is stopped or failed."""
        state = self._get(name)
        if state.status in _COMING_BACK:
            limit, timeout = self.queue_limit, self.queue_timeout
            if state.waiting >= limit:
                raise DeploymentUnavailable(
                    f"The deployment is {state.status.value} and too many requests wait "
                    f"for it (queue of {limit}); try again later."
                )
            state.waiting += 1
            try:
                async with asyncio.timeout(timeout):
                    while state.status in _COMING_BACK:
                        await state.changed.wait()
            except TimeoutError:
                raise DeploymentUnavailable(
                    f"The deployment did not serve again within {timeout:g} s "
                    f"(it is {state.status.value})."
                ) from None
            finally:
                state.waiting -= 1
        return self.endpoint(name)

    def uptime(self, name: str) -> float | None:
        """Seconds the process serving now has been up; None when none is."""
        state = self._get(name)
        if state.status != DeploymentStatus.HEALTHY or state.started_at is None:
            return None
        return (datetime.now(UTC) - state.started_at).total_seconds()

    # -- API keys ------------------------------------------------------------------------

    def list_keys(self, name: str) -> list[ApiKey]:
        """The deployment's API keys (their prefixes only)."""
        return self._get(name).keys.entries()

    async def create_key(self, name: str, key_name: str | None, user: str | None) -> ApiKeyCreated:
        """A new key (returned whole, once); the scoring server accepts it at once."""
        state = self._get(name)
        return await asyncio.to_thread(state.keys.create, key_name, user)

    async def revoke_key(self, name: str, key_id: str) -> ApiKey:
        """Remove a key; the scoring server refuses it from its next request on."""
        state = self._get(name)
        return await asyncio.to_thread(state.keys.revoke, key_id)

    # -- changes -------------------------------------------------------------------------

    async def _copy_version(self, version: VersionRecord, target: Path) -> None:
        """Copy the version's model package into ``target``, noting its flavor."""
        version.flavor = await copy_package_flavor(
            self.tracking, version.run_id, version.artifact_path, target
        )

    async def create(self, spec: DeploymentCreate, user: str | None = None) -> Deployment:
        """Copy the model out of the run and start serving it; returns once it serves or
        failed (status ``failed`` with the reason)."""
        if spec.name in self._deployments:
            raise Conflict("A deployment with that name already exists.")
        artifact_path = clean_artifact_path(spec.artifact_path)
        await self.tracking.get_run(spec.run_id)  # NotFound for an unknown run
        if spec.name in self._deployments:  # checked again: a create of it ran meanwhile
            raise Conflict("A deployment with that name already exists.")
        # From here to taking the name below nothing awaits: one create of a name wins.
        now = datetime.now(UTC).isoformat()
        first = VersionRecord(1, spec.run_id, artifact_path, None, user, now)
        record = DeploymentRecord(
            name=spec.name,
            version=1,
            workers=spec.workers,
            desired="running",
            created_by=user,
            created_at=now,
            versions=[first],
        )
        state = self.files.state(record)
        state.status = DeploymentStatus.STARTING
        self._deployments[spec.name] = state
        try:
            async with state.lock:
                version_dir = self.files.version_dir(record.name, 1)
                if version_dir.exists():
                    await asyncio.to_thread(shutil.rmtree, version_dir)
                await self._copy_version(first, version_dir / "model")
                await self._save()
                await self.supervisor.start(state, locked=True)
        except BaseException:
            if self._deployments.get(spec.name) is state and not await asyncio.to_thread(
                self.files.stored, spec.name
            ):
                del self._deployments[spec.name]
                await asyncio.to_thread(shutil.rmtree, self.files.folder(spec.name), True)
            raise
        return self._to_wire(state)

    async def add_version(
        self, name: str, spec: DeploymentVersionCreate, user: str | None = None
    ) -> Deployment:
        """Redeploy: serve a newer model under the same name.  A serving deployment switches
        without refusing a request; :class:`~jupyterlab_mlplatform.errors.VersionFailed` (and nothing
        changed) when the new version cannot start."""
        self._get(name)  # 404 before looking at the run
        artifact_path = clean_artifact_path(spec.artifact_path)
        await self.tracking.get_run(spec.run_id)
        async with self._locked(name) as state:
            record = state.record
            number = max(v.version for v in record.versions) + 1
            version_dir = self.files.version_dir(name, number)
            if version_dir.exists():
                await asyncio.to_thread(shutil.rmtree, version_dir)
            version = VersionRecord(
                number, spec.run_id, artifact_path, None, user, datetime.now(UTC).isoformat()
            )
            try:
                await self._copy_version(version, version_dir / "model")
                await self.supervisor.switch(state, version)
            except BaseException:
                await asyncio.to_thread(shutil.rmtree, version_dir, True)
                raise
            record.versions.append(version)
            await self._save()
        return self._to_wire(state)

    async def rollback(self, name: str, version: int | None = None) -> Deployment:
        """Serve an earlier version again (default: the one before the version served)."""
        async with self._locked(name) as state:
            record = state.record
            if version is None:
                earlier = [v.version for v in record.versions if v.version < record.version]
                if not earlier:
                    raise Conflict("There is no earlier version to roll back to.")
                version = max(earlier)
            target = record.find(version)
            await self.supervisor.switch(state, target)
            await self._save()
        return self._to_wire(state)

    async def stop(self, name: str) -> Deployment:
        """Stop serving and close the port; the deployment stays stopped across restarts of
        the Jupyter server."""
        async with self._locked(name) as state:
            state.record.desired = "stopped"
            await self._save()
            await self.supervisor.terminate(state)
            self.supervisor.unlisten(state)
            state.status = DeploymentStatus.STOPPED
        return self._to_wire(state)

    async def start(self, name: str, workers: int | None = None) -> Deployment:
        """Start a deployment, or restart it: a serving one is replaced by a new process
        without refusing a request (:class:`~jupyterlab_mlplatform.errors.VersionFailed` if that one cannot
        start)."""
        async with self._locked(name) as state:
            record = state.record
            if state.status == DeploymentStatus.HEALTHY:
                previous = record.workers
                if workers is not None:
                    record.workers = workers
                try:
                    await self.supervisor.switch(state, record.current)
                except BaseException:
                    record.workers = previous
                    raise
                await self._save()
                return self._to_wire(state)
            if workers is not None:
                record.workers = workers
            record.desired = "running"
            await self._save()
            await self.supervisor.terminate(state)
            state.restarts = 0
            await self.supervisor.start(state, locked=True)
        return self._to_wire(state)

    async def delete(self, name: str) -> Deployment:
        """Stop the deployment and remove it with its files and keys."""
        async with self._locked(name) as state:
            await asyncio.to_thread(state.keys.close)
            await self.supervisor.terminate(state)
            self.supervisor.unlisten(state)
            state.status = DeploymentStatus.STOPPED
            deployment = self._to_wire(state)
            # The files go before the name is free: a new deployment of it starts clean.
            await asyncio.to_thread(shutil.rmtree, self.files.folder(name), True)
            del self._deployments[name]
            await self._save()
        return deployment
