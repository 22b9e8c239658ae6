"""The deployment manager: deployments of run models, their processes and supervision.

Deployments are kept in ``<data_dir>/deployments/deployments.json`` (written atomically):
name, versions (run, artifact path, flavor, author, time of each), the version served,
workers, desired state, port, author and creation time.  Each version's model package is
copied from the run's artifacts into ``<data_dir>/deployments/<name>/v<N>/model`` and served
from there by a scoring-server subprocess; its output goes to ``<name>/server.log`` and a
ring buffer.

The manager binds each deployment's listening socket itself and hands it to the scoring
server, so the port stays the same across restarts, crashes and version switches (and is
reused after the Jupyter server restarts when it is free).  A redeploy, rollback or restart
of a serving deployment starts the new process on the same socket, and only once it is
ready stops the old one, which finishes the requests it has begun: no request is refused
during the switch.  A version that cannot start is not adopted and the old one keeps
serving.

API keys (:mod:`.api_keys`) are checked by the scoring server on its port; the invocations
proxy, the stats and the metadata routes use the manager's own key.

Statuses: ``starting`` (until the process reports ready), ``healthy``, ``restarting`` (the
process died or failed health checks; restarted with exponential backoff), ``stopped``, and
``failed`` (with the load error, or after too many restarts in a row).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import json
import logging
import posixpath
import shutil
import socket
from collections.abc import AsyncIterator, Coroutine
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ... import bounded_json
from ...errors import Conflict, InvalidArgument, MLPlatformError, NotFound
from ...private_files import make_private_dir, open_private
from ...tracking.service import TrackingService
from ..model.metadata import METADATA_FILE
from ..serving.atomic import write_atomically
from .api_keys import ApiKeys
from .forkserver_client import ForkServer
from .models import (
    ApiKey,
    ApiKeyCreated,
    Deployment,
    DeploymentCreate,
    DeploymentStatus,
    DeploymentVersion,
    DeploymentVersionCreate,
)
from .process import ProcessLog, ScoringProcess, StartFailed

CHUNK = 1024 * 1024

log = logging.getLogger(__name__)


class DeploymentUnavailable(MLPlatformError):
    """The deployment exists but is not serving now (503)."""

    status_code = 503


class VersionFailed(MLPlatformError):
    """A new version (or a restart) could not start; what served before still serves (422)."""

    status_code = 422


@dataclass
class VersionRecord:
    """What is stored of one version of a deployment."""

    version: int
    run_id: str
    artifact_path: str
    flavor: str | None
    created_by: str | None
    created_at: str


@dataclass
class DeploymentRecord:
    """What is stored of a deployment."""

    name: str
    version: int
    """The version served (or to serve when started)."""
    workers: int
    desired: Literal["running", "stopped"]
    created_by: str | None
    created_at: str
    versions: list[VersionRecord]
    port: int | None = None
    """The port last bound, bound again when free."""

    @property
    def current(self) -> VersionRecord:
        return self.find(self.version)

    def find(self, version: int) -> VersionRecord:
        for item in self.versions:
            if item.version == version:
                return item
        raise NotFound(f"The deployment has no version {version}.")

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> DeploymentRecord:
        """Also reads the first format (one version, its run at the top level)."""
        item = dict(item)
        run_id = item.pop("run_id", None)
        artifact_path = item.pop("artifact_path", None)
        versions = item.pop("versions", None)
        if versions is None:
            versions = [
                {
                    "version": item["version"],
                    "run_id": run_id,
                    "artifact_path": artifact_path,
                    "flavor": None,
                    "created_by": item.get("created_by"),
                    "created_at": item["created_at"],
                }
            ]
        return cls(**item, versions=[VersionRecord(**v) for v in versions])


@dataclass
class _Runtime:
    record: DeploymentRecord
    log: ProcessLog
    keys: ApiKeys
    _status: DeploymentStatus = DeploymentStatus.STOPPED
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set (and replaced) at every change of status."""
    waiting: int = 0
    """Proxied requests waiting for the deployment to serve again."""
    listener: socket.socket | None = None
    process: ScoringProcess | None = None
    starting: ScoringProcess | None = None
    """A process not ready yet (a start, restart or switch)."""
    supervisor: asyncio.Task[None] | None = None
    restarts: int = 0
    error: str | None = None
    started_at: datetime | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def status(self) -> DeploymentStatus:
        return self._status

    @status.setter
    def status(self, value: DeploymentStatus) -> None:
        self._status = value
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass(frozen=True)
class SupervisionPolicy:
    health_interval: float = 5.0
    """Seconds between health checks."""
    health_timeout: float = 3.0
    unhealthy_after: int = 3
    """Failed health checks in a row after which the process is restarted."""
    start_timeout: float = 120.0
    """Seconds a process has to report ready."""
    stop_grace: float = 10.0
    """Seconds between SIGTERM and SIGKILL."""
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_restarts: int = 5
    """Failures in a row after which a deployment is marked failed."""
    stable_after: float = 60.0
    """Seconds of uptime after which the failure count starts again from zero."""
    queue_limit: int = 256
    """Requests the invocations proxy keeps waiting, per deployment, while it is starting or
    being restarted (more are refused at once)."""
    queue_timeout: float = 30.0
    """Seconds such a request waits at most."""
    log_lines: int = 1000
    log_file_bytes: int = 10 * 1024**2


class DeploymentManager:
    """Creates, supervises and stops deployments.  Call :meth:`restore` once on start and
    :meth:`close` on shutdown (it stops every process and waits for it)."""

    def __init__(
        self,
        data_dir: Path,
        tracking: TrackingService,
        base_url: str = "/",
        policy: SupervisionPolicy | None = None,
        host: str = "127.0.0.1",
        public_host: str | None = None,
        forkserver: bool = True,
    ) -> None:
        """``host`` is the address deployments listen on (``0.0.0.0`` for callers on other
        machines); ``public_host`` the name those callers use (default: ``host``, or this
        machine's name when ``host`` is a wildcard).  With ``forkserver``, scoring servers
        are forked from a warm fork server (:mod:`.forkserver_client`): a deployment answers in a
        fraction of a second instead of importing its libraries.  It is started when first
        needed (:meth:`warm_up`, or the first deployment to start), not with the Jupyter
        server: it holds about 130 MB, which a server whose user never deploys should not
        pay."""
        self.root = Path(data_dir) / "deployments"
        self.tracking = tracking
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.policy = policy or SupervisionPolicy()
        self.host = host
        wildcard = host in ("", "0.0.0.0", "::")
        self.public_host = public_host or (socket.gethostname() if wildcard else host)
        self.local_host = ("::1" if ":" in host else "127.0.0.1") if wildcard else host
        self.forkserver = ForkServer() if forkserver else None
        self._deployments: dict[str, _Runtime] = {}
        self._state_file = self.root / "deployments.json"
        self._background: set[asyncio.Task[None]] = set()
        self._save_lock = asyncio.Lock()
        self._closed = False

    # -- persistence ---------------------------------------------------------------------

    def _load(self) -> list[DeploymentRecord]:
        try:
            data = json.loads(self._state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [DeploymentRecord.from_json(item) for item in data.get("deployments", [])]

    async def _save(self) -> None:
        """Store the deployments.  The state is taken on the event loop, the file written
        (with fsync) on a thread; one save at a time, so the newest state is written last."""
        async with self._save_lock:
            data = {"deployments": [asdict(rt.record) for rt in self._deployments.values()]}
            await asyncio.to_thread(self._write_state, json.dumps(data, indent=1))

    def _write_state(self, text: str) -> None:
        make_private_dir(self.root)
        write_atomically(self._state_file, text, fsync=True)

    def _runtime(self, record: DeploymentRecord) -> _Runtime:
        folder = self.root / record.name
        make_private_dir(folder)
        log_file = ProcessLog(
            folder / "server.log", self.policy.log_lines, self.policy.log_file_bytes
        )
        return _Runtime(record=record, log=log_file, keys=ApiKeys(folder))

    def restore(self) -> None:
        """Load the stored deployments and start again those meant to be running (which
        starts the fork server)."""
        for record in self._load():
            runtime = self._runtime(record)
            self._deployments[record.name] = runtime
            if record.desired == "running":
                runtime.status = DeploymentStatus.STARTING
                self._in_background(self._start(runtime))

    def warm_up(self) -> None:
        """A deployment may come soon (the Deploy panel is open): start the fork server in
        the background, unless it runs or is starting.  It imports for about 3 s; a
        deployment started before it is ready waits for it."""
        if self.forkserver is not None and not self._closed and not self.forkserver.running:
            self._in_background(self.forkserver.start())

    def _in_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- queries -------------------------------------------------------------------------

    def _model(self, rt: _Runtime) -> Deployment:
        record = rt.record
        current = record.current
        process = rt.process if rt.status != DeploymentStatus.STOPPED else None
        alive = process is not None and not process.exited
        port = rt.listener.getsockname()[1] if rt.listener is not None else None
        host = f"[{self.public_host}]" if ":" in self.public_host else self.public_host
        return Deployment(
            name=record.name,
            status=rt.status,
            version=record.version,
            run_id=current.run_id,
            artifact_path=current.artifact_path,
            flavor=current.flavor,
            url=f"{self.base_url}mlplatform/api/deployments/{record.name}/invocations",
            endpoint=f"http://{host}:{port}/invocations" if port is not None else None,
            port=port,
            pid=process.pid if alive and process is not None else None,
            workers=record.workers,
            restarts=rt.restarts,
            error=rt.error,
            created_by=record.created_by,
            created_at=datetime.fromisoformat(record.created_at),
            started_at=rt.started_at,
            versions=[_version_model(v) for v in record.versions],
        )

    def _get(self, name: str) -> _Runtime:
        runtime = self._deployments.get(name)
        if runtime is None:
            raise NotFound("No deployment with that name.")
        return runtime

    @contextlib.asynccontextmanager
    async def _locked(self, name: str) -> AsyncIterator[_Runtime]:
        """The deployment, under its lock; NotFound when it was deleted while waiting for
        the lock (a change queued behind a DELETE must not start a process for it)."""
        runtime = self._get(name)
        async with runtime.lock:
            if self._deployments.get(name) is not runtime:
                raise NotFound("No deployment with that name.")
            yield runtime

    def list(self) -> list[Deployment]:
        return [self._model(rt) for rt in sorted(self._deployments.values(), key=_by_name)]

    def get(self, name: str) -> Deployment:
        return self._model(self._get(name))

    def logs(self, name: str, tail: int = 200) -> builtins.list[str]:
        return self._get(name).log.tail(tail)

    def model_dir(self, name: str) -> Path:
        """The model package folder of the version a deployment serves."""
        record = self._get(name).record
        return self._model_dir(record.name, record.version)

    def _model_dir(self, name: str, version: int) -> Path:
        return self.root / name / f"v{version}" / "model"

    async def export_run_model(self, run_id: str, artifact_path: str, target: Path) -> None:
        """Copy a run's model package into ``target`` (a new or empty folder); NotFound for an
        unknown run, InvalidArgument when the folder holds no model package."""
        await self.tracking.get_run(run_id)
        await self._copy_model(run_id, _clean_artifact_path(artifact_path), target)

    def endpoint(self, name: str) -> tuple[str, int, str]:
        """Host, port and the manager's own API key of a serving deployment (for the
        invocations proxy, the stats and the metadata); 503 when it is not serving."""
        runtime = self._get(name)
        listener = runtime.listener
        if runtime.status != DeploymentStatus.HEALTHY or listener is None:
            raise DeploymentUnavailable(f"The deployment is {runtime.status.value}, not serving.")
        return self.local_host, listener.getsockname()[1], runtime.keys.proxy_key

    async def serving_endpoint(self, name: str) -> tuple[str, int, str]:
        """:meth:`endpoint`, waiting while the deployment is starting or a crashed process
        is being replaced (as callers on its own port wait in the socket's backlog): at most
        ``policy.queue_limit`` callers per deployment, each ``policy.queue_timeout`` seconds;
        503 beyond either, or at once when it is stopped or failed."""
        runtime = self._get(name)
        if runtime.status in _COMING_BACK:
            policy = self.policy
            if runtime.waiting >= policy.queue_limit:
                raise DeploymentUnavailable(
                    f"The deployment is {runtime.status.value} and too many requests wait "
                    f"for it (queue of {policy.queue_limit}); try again later."
                )
            runtime.waiting += 1
            try:
                async with asyncio.timeout(policy.queue_timeout):
                    while runtime.status in _COMING_BACK:
                        await runtime.changed.wait()
            except TimeoutError:
                raise DeploymentUnavailable(
                    f"The deployment did not serve again within {policy.queue_timeout:g} s "
                    f"(it is {runtime.status.value})."
                ) from None
            finally:
                runtime.waiting -= 1
        return self.endpoint(name)

    def uptime(self, name: str) -> float | None:
        """Seconds the process serving now has been up; None when none is."""
        runtime = self._get(name)
        if runtime.status != DeploymentStatus.HEALTHY or runtime.started_at is None:
            return None
        return (datetime.now(UTC) - runtime.started_at).total_seconds()

    # -- API keys ------------------------------------------------------------------------

    def list_keys(self, name: str) -> builtins.list[ApiKey]:
        return self._get(name).keys.entries()

    async def create_key(self, name: str, key_name: str | None, user: str | None) -> ApiKeyCreated:
        """A new key (returned whole, once); the scoring server accepts it at once."""
        runtime = self._get(name)
        return await asyncio.to_thread(runtime.keys.create, key_name, user)

    async def revoke_key(self, name: str, key_id: str) -> ApiKey:
        """Remove a key; the scoring server refuses it from its next request on."""
        runtime = self._get(name)
        return await asyncio.to_thread(runtime.keys.revoke, key_id)

    # -- changes -------------------------------------------------------------------------

    async def create(self, spec: DeploymentCreate, user: str | None = None) -> Deployment:
        """Copy the model out of the run and start serving it; returns once it serves or
        failed (status ``failed`` with the reason)."""
        if spec.name in self._deployments:
            raise Conflict("A deployment with that name already exists.")
        artifact_path = _clean_artifact_path(spec.artifact_path)
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
        runtime = self._runtime(record)
        runtime.status = DeploymentStatus.STARTING
        self._deployments[spec.name] = runtime
        try:
            async with runtime.lock:
                version_dir = self.root / record.name / "v1"
                if version_dir.exists():
                    await asyncio.to_thread(shutil.rmtree, version_dir)
                first.flavor = await self._materialize(first, version_dir / "model")
                await self._save()
                await self._start(runtime, locked=True)
        except BaseException:
            if self._deployments.get(spec.name) is runtime and not await asyncio.to_thread(
                self._state_has, spec.name
            ):
                del self._deployments[spec.name]
                await asyncio.to_thread(shutil.rmtree, self.root / spec.name, True)
            raise
        return self._model(runtime)

    def _state_has(self, name: str) -> bool:
        return any(record.name == name for record in self._load())

    async def add_version(
        self, name: str, spec: DeploymentVersionCreate, user: str | None = None
    ) -> Deployment:
        """Redeploy: serve a newer model under the same name.  A serving deployment switches
        without refusing a request; :class:`VersionFailed` (and nothing changed) when the new
        version cannot start."""
        self._get(name)  # 404 before looking at the run
        artifact_path = _clean_artifact_path(spec.artifact_path)
        await self.tracking.get_run(spec.run_id)
        async with self._locked(name) as runtime:
            record = runtime.record
            number = max(v.version for v in record.versions) + 1
            version_dir = self.root / name / f"v{number}"
            if version_dir.exists():
                await asyncio.to_thread(shutil.rmtree, version_dir)
            version = VersionRecord(
                number, spec.run_id, artifact_path, None, user, datetime.now(UTC).isoformat()
            )
            try:
                version.flavor = await self._materialize(version, version_dir / "model")
                await self._switch(runtime, version)
            except BaseException:
                await asyncio.to_thread(shutil.rmtree, version_dir, True)
                raise
            record.versions.append(version)
            await self._save()
        return self._model(runtime)

    async def rollback(self, name: str, version: int | None = None) -> Deployment:
        """Serve an earlier version again (default: the one before the version served)."""
        async with self._locked(name) as runtime:
            record = runtime.record
            if version is None:
                earlier = [v.version for v in record.versions if v.version < record.version]
                if not earlier:
                    raise Conflict("There is no earlier version to roll back to.")
                version = max(earlier)
            target = record.find(version)
            await self._switch(runtime, target)
            await self._save()
        return self._model(runtime)

    async def stop(self, name: str) -> Deployment:
        async with self._locked(name) as runtime:
            runtime.record.desired = "stopped"
            await self._save()
            await self._terminate(runtime)
            self._unlisten(runtime)
            runtime.status = DeploymentStatus.STOPPED
        return self._model(runtime)

    async def start(self, name: str, workers: int | None = None) -> Deployment:
        """Start a deployment, or restart it: a serving one is replaced by a new process
        without refusing a request (:class:`VersionFailed` if that one cannot start)."""
        async with self._locked(name) as runtime:
            record = runtime.record
            if runtime.status == DeploymentStatus.HEALTHY:
                previous = record.workers
                if workers is not None:
                    record.workers = workers
                try:
                    await self._switch(runtime, record.current)
                except BaseException:
                    record.workers = previous
                    raise
                await self._save()
                return self._model(runtime)
            if workers is not None:
                record.workers = workers
            record.desired = "running"
            await self._save()
            await self._terminate(runtime)
            runtime.restarts = 0
            await self._start(runtime, locked=True)
        return self._model(runtime)

    async def delete(self, name: str) -> Deployment:
        async with self._locked(name) as runtime:
            await asyncio.to_thread(runtime.keys.close)
            await self._terminate(runtime)
            self._unlisten(runtime)
            runtime.status = DeploymentStatus.STOPPED
            model = self._model(runtime)
            # The files go before the name is free: a new deployment of it starts clean.
            await asyncio.to_thread(shutil.rmtree, self.root / name, True)
            del self._deployments[name]
            await self._save()
        return model

    async def close(self) -> None:
        """Stop every process and wait for it; the stored desired states are kept."""
        self._closed = True
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await asyncio.gather(
            *(self._terminate(rt) for rt in self._deployments.values()), return_exceptions=True
        )
        for runtime in self._deployments.values():
            self._unlisten(runtime)
        if self.forkserver is not None:
            await self.forkserver.aclose()

    # -- processes -----------------------------------------------------------------------

    async def _materialize(self, version: VersionRecord, target: Path) -> str | None:
        """Copy the version's model package into ``target``; returns its flavor."""
        await self._copy_model(version.run_id, version.artifact_path, target)
        try:
            description = bounded_json.loads((target / METADATA_FILE).read_bytes())
            flavor = description.get("flavor")
        except (OSError, ValueError, AttributeError):
            return None
        return flavor if isinstance(flavor, str) else None

    async def _copy_model(self, run_id: str, artifact_path: str, target: Path) -> None:
        """Copy the run's artifact folder into ``target`` (no path may leave it)."""
        files: list[tuple[str, Path]] = []
        pending = [artifact_path]
        root = target.resolve()
        while pending:
            folder = pending.pop()
            listing = await self.tracking.list_artifacts(run_id, folder)
            for entry in listing.files:
                if entry.is_dir:
                    pending.append(entry.path)
                    continue
                relative = posixpath.relpath(entry.path, artifact_path)
                destination = (root / relative).resolve()
                if relative.startswith("..") or not destination.is_relative_to(root):
                    raise InvalidArgument("The model folder holds a path outside of it.")
                files.append((entry.path, destination))
        if not any(dest == root / METADATA_FILE for _, dest in files):
            raise InvalidArgument(
                f"The artifact folder holds no model package ({METADATA_FILE} is missing)."
            )
        for source, destination in files:
            handle, _size, _type = await self.tracking.open_artifact(run_id, source)
            try:
                await asyncio.to_thread(make_private_dir, destination.parent)
                with open_private(destination, "wb") as out:
                    while chunk := await self.tracking.read_chunk(handle, CHUNK):
                        await asyncio.to_thread(out.write, chunk)
            finally:
                handle.close()

    def _listen(self, runtime: _Runtime) -> socket.socket:
        """The deployment's listening socket: bound on first use, on its previous port when
        that is free (else on a new one, which is then remembered)."""
        if runtime.listener is not None:
            return runtime.listener
        record = runtime.record
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            listener = socket.create_server(
                (self.host, record.port or 0), family=family, backlog=1024
            )
        except OSError as e:
            if not record.port:
                raise
            runtime.log.append(
                f"[mlplatform] port {record.port} is not free ({e.strerror}): using another"
            )
            listener = socket.create_server((self.host, 0), family=family, backlog=1024)
        runtime.listener = listener
        record.port = listener.getsockname()[1]  # the caller stores it when it changed
        return listener

    def _unlisten(self, runtime: _Runtime) -> None:
        """Close the socket: callers are refused at once rather than left waiting."""
        listener, runtime.listener = runtime.listener, None
        if listener is not None:
            listener.close()

    async def _spawn(self, runtime: _Runtime, version: VersionRecord) -> ScoringProcess:
        """Start a process for ``version`` on the deployment's socket and wait until it is
        ready; :class:`StartFailed` (or OSError) otherwise."""
        record = runtime.record
        port = record.port
        listener = self._listen(runtime)
        if record.port != port:
            await self._save()
        try:
            process = await ScoringProcess.spawn(
                self._model_dir(record.name, version.version),
                record.workers,
                runtime.log,
                record.name,
                version.version,
                listener=listener,
                keys_file=runtime.keys.keys_file,
                drain_seconds=max(self.policy.stop_grace - 1.0, 0.5),
                forkserver=self.forkserver,
            )
        except (OSError, ValueError) as e:
            if self._closed:  # close() shut the socket (ValueError: a closed fd) meanwhile
                raise StartFailed("The Jupyter server shut down during the start.") from e
            raise
        runtime.starting = process
        try:
            await process.wait_ready(self.policy.start_timeout)
        except StartFailed as e:
            runtime.log.append(f"[mlplatform] version {version.version} did not start: {e}")
            await process.stop(grace=1.0)
            raise
        except BaseException:
            await process.stop(grace=1.0)
            raise
        finally:
            runtime.starting = None
        return process

    async def _start(self, runtime: _Runtime, locked: bool = False) -> None:
        if not locked:
            async with runtime.lock:
                await self._start(runtime, locked=True)
            return
        if self._closed:
            return
        runtime.status = DeploymentStatus.STARTING
        runtime.error = None
        try:
            await asyncio.to_thread(runtime.keys.write_keys_file)  # this server's own key
            runtime.process = await self._spawn(runtime, runtime.record.current)
        except StartFailed as e:
            if self.closed:  # (the property: mypy takes _closed for still False here)
                runtime.status = DeploymentStatus.STOPPED
                return
            runtime.status = DeploymentStatus.FAILED
            runtime.error = str(e)
            return
        except OSError as e:
            runtime.status = DeploymentStatus.FAILED
            runtime.error = f"The scoring server could not be started: {e.strerror or e}"
            return
        if self.closed:  # the server shut down while this one was starting
            await self._terminate(runtime)
            runtime.status = DeploymentStatus.STOPPED
            return
        runtime.started_at = datetime.now(UTC)
        runtime.status = DeploymentStatus.HEALTHY
        self._supervise_in_background(runtime)

    def _supervise_in_background(self, runtime: _Runtime) -> None:
        runtime.supervisor = asyncio.create_task(self._supervise(runtime))
        runtime.supervisor.add_done_callback(lambda task: self._supervisor_done(runtime, task))

    async def _switch(self, runtime: _Runtime, version: VersionRecord) -> None:
        """Serve ``version``: its process starts on the same socket while the current one
        still serves; once it is ready it takes over and the old one finishes its requests
        and exits.  Nothing changes when it cannot start (:class:`VersionFailed`)."""
        record = runtime.record
        if self._closed:
            raise DeploymentUnavailable("The Jupyter server is shutting down.")
        was_listening = runtime.listener is not None
        try:
            await asyncio.to_thread(runtime.keys.write_keys_file)
            process = await self._spawn(runtime, version)
        except (StartFailed, OSError) as e:
            if not was_listening and record.desired == "stopped":
                self._unlisten(runtime)
            serving = (
                f"version {record.version} still serves"
                if runtime.status == DeploymentStatus.HEALTHY
                else f"the deployment is still {runtime.status.value}"
            )
            reason = e if isinstance(e, StartFailed) else e.strerror or e
            message = f"Version {version.version} could not start; {serving}. {reason}"
            raise VersionFailed(message) from e
        supervisor, runtime.supervisor = runtime.supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        old, runtime.process = runtime.process, process
        record.version = version.version
        record.desired = "running"
        runtime.status = DeploymentStatus.HEALTHY
        runtime.error = None
        runtime.restarts = 0
        runtime.started_at = datetime.now(UTC)
        runtime.log.append(f"[mlplatform] version {version.version} serves (pid {process.pid})")
        self._supervise_in_background(runtime)
        if old is not None:
            await old.stop(self.policy.stop_grace)

    @property
    def closed(self) -> bool:
        """:meth:`close` was called."""
        return self._closed

    def _supervisor_done(self, runtime: _Runtime, task: asyncio.Task[None]) -> None:
        """A supervisor that broke on an unexpected error leaves the deployment failed."""
        if task.cancelled() or task.exception() is None:
            return
        log.error(
            "Supervising deployment %s failed", runtime.record.name, exc_info=task.exception()
        )
        runtime.status = DeploymentStatus.FAILED
        runtime.error = "Supervising the scoring server failed; see the Jupyter server's log."

    async def _terminate(self, runtime: _Runtime) -> None:
        supervisor, runtime.supervisor = runtime.supervisor, None
        if supervisor is not None and supervisor is not asyncio.current_task():
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        for process in (runtime.starting, runtime.process):
            if process is not None:
                await process.stop(self.policy.stop_grace)

    async def _supervise(self, runtime: _Runtime) -> None:
        """Watch the process: restart it when it exits or stops answering health checks."""
        policy = self.policy
        failures = 0
        while True:
            process = runtime.process
            assert process is not None
            if await self._watch(process):
                reason = f"exited with status {process.returncode}"
            else:
                reason = "stopped answering health checks"
                await process.stop(policy.stop_grace)
            started = runtime.started_at
            uptime = (datetime.now(UTC) - started).total_seconds() if started else 0.0
            failures = 1 if uptime >= policy.stable_after else failures + 1
            runtime.log.append(f"[mlplatform] the scoring server {reason}")
            if failures > policy.max_restarts:
                runtime.status = DeploymentStatus.FAILED
                runtime.error = (
                    f"The scoring server {reason}; gave up after {failures - 1} restarts."
                )
                return
            runtime.status = DeploymentStatus.RESTARTING
            runtime.error = f"The scoring server {reason}."
            delay = min(policy.backoff_initial * 2 ** (failures - 1), policy.backoff_max)
            await asyncio.sleep(delay)
            runtime.restarts += 1
            try:
                runtime.process = await self._spawn(runtime, runtime.record.current)
            except (StartFailed, OSError) as e:
                runtime.status = DeploymentStatus.FAILED
                runtime.error = str(e)
                return
            runtime.started_at = datetime.now(UTC)
            runtime.status = DeploymentStatus.HEALTHY
            runtime.error = None

    async def _watch(self, process: ScoringProcess) -> bool:
        """Return True when the process exits, False after repeated failed health checks."""
        policy = self.policy
        misses = 0
        while True:
            try:
                await asyncio.wait_for(asyncio.shield(process.wait_exit()), policy.health_interval)
                return True
            except TimeoutError:
                pass
            if await process.healthy(policy.health_timeout):
                misses = 0
            else:
                misses += 1
                if misses >= policy.unhealthy_after:
                    return False


_COMING_BACK = (DeploymentStatus.STARTING, DeploymentStatus.RESTARTING)
"""States after which a deployment serves without anyone acting."""


def _by_name(runtime: _Runtime) -> str:
    return runtime.record.name


def _clean_artifact_path(path: str) -> str:
    """A relative artifact folder without ``..``, ``.`` or empty parts."""
    parts = path.replace("\\", "/").strip("/").split("/")
    if not path.strip("/") or any(part in ("", ".", "..") for part in parts):
        raise InvalidArgument("artifact_path must be a relative folder inside the run.")
    return "/".join(parts)


def _version_model(version: VersionRecord) -> DeploymentVersion:
    return DeploymentVersion(
        version=version.version,
        run_id=version.run_id,
        artifact_path=version.artifact_path,
        flavor=version.flavor,
        created_by=version.created_by,
        created_at=datetime.fromisoformat(version.created_at),
    )
