"""The deployment manager: deployments of run models, their processes and supervision.

Deployments are kept in ``<data_dir>/deployments/deployments.json`` (written atomically):
name, run, artifact path, version, workers, desired state, author and creation time.  The
model package is copied from the run's artifacts into
``<data_dir>/deployments/<name>/v<N>/model`` and served from there by a scoring-server
subprocess on a free loopback port; its output goes to ``<name>/server.log`` and a ring buffer.

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
import os
import posixpath
import shutil
import tempfile
from collections.abc import Coroutine
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ...errors import Conflict, InvalidArgument, MLPlatformError, NotFound
from ...tracking.service import TrackingService
from .models import Deployment, DeploymentCreate, DeploymentStatus
from .process import ProcessLog, ScoringProcess, StartFailed

PACKAGE_FILE = "mlplatform_model.json"
CHUNK = 1024 * 1024

log = logging.getLogger(__name__)


class DeploymentUnavailable(MLPlatformError):
    """The deployment exists but is not serving now (503)."""

    status_code = 503


@dataclass
class DeploymentRecord:
    """What is stored of a deployment."""

    name: str
    run_id: str
    artifact_path: str
    version: int
    workers: int
    desired: Literal["running", "stopped"]
    created_by: str | None
    created_at: str


@dataclass
class _Runtime:
    record: DeploymentRecord
    log: ProcessLog
    status: DeploymentStatus = DeploymentStatus.STOPPED
    process: ScoringProcess | None = None
    supervisor: asyncio.Task[None] | None = None
    restarts: int = 0
    error: str | None = None
    started_at: datetime | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


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
    ) -> None:
        self.root = Path(data_dir) / "deployments"
        self.tracking = tracking
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.policy = policy or SupervisionPolicy()
        self._deployments: dict[str, _Runtime] = {}
        self._state_file = self.root / "deployments.json"
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False

    # -- persistence ---------------------------------------------------------------------

    def _load(self) -> list[DeploymentRecord]:
        try:
            data = json.loads(self._state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [DeploymentRecord(**item) for item in data.get("deployments", [])]

    def _save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {"deployments": [asdict(rt.record) for rt in self._deployments.values()]}
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".deployments-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._state_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _runtime(self, record: DeploymentRecord) -> _Runtime:
        folder = self.root / record.name
        folder.mkdir(parents=True, exist_ok=True)
        log_file = ProcessLog(
            folder / "server.log", self.policy.log_lines, self.policy.log_file_bytes
        )
        return _Runtime(record=record, log=log_file)

    def restore(self) -> None:
        """Load the stored deployments; start again those meant to be running."""
        for record in self._load():
            runtime = self._runtime(record)
            self._deployments[record.name] = runtime
            if record.desired == "running":
                runtime.status = DeploymentStatus.STARTING
                self._in_background(self._start(runtime))

    def _in_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- queries -------------------------------------------------------------------------

    def _model(self, rt: _Runtime) -> Deployment:
        record = rt.record
        process = rt.process if rt.status != DeploymentStatus.STOPPED else None
        return Deployment(
            name=record.name,
            status=rt.status,
            version=record.version,
            run_id=record.run_id,
            artifact_path=record.artifact_path,
            url=f"{self.base_url}mlplatform/api/deployments/{record.name}/invocations",
            port=process.port if process is not None and not process.exited else None,
            pid=process.pid if process is not None and not process.exited else None,
            workers=record.workers,
            restarts=rt.restarts,
            error=rt.error,
            created_by=record.created_by,
            created_at=datetime.fromisoformat(record.created_at),
            started_at=rt.started_at,
        )

    def _get(self, name: str) -> _Runtime:
        runtime = self._deployments.get(name)
        if runtime is None:
            raise NotFound("No deployment with that name.")
        return runtime

    def list(self) -> list[Deployment]:
        return [self._model(rt) for rt in sorted(self._deployments.values(), key=_by_name)]

    def get(self, name: str) -> Deployment:
        return self._model(self._get(name))

    def logs(self, name: str, tail: int = 200) -> builtins.list[str]:
        return self._get(name).log.tail(tail)

    def model_dir(self, name: str) -> Path:
        """The model package folder of the version a deployment serves."""
        record = self._get(name).record
        return self.root / record.name / f"v{record.version}" / "model"

    async def export_run_model(self, run_id: str, artifact_path: str, target: Path) -> None:
        """Copy a run's model package into ``target`` (a new or empty folder); NotFound for an
        unknown run, InvalidArgument when the folder holds no model package."""
        await self.tracking.get_run(run_id)
        await self._copy_model(run_id, _clean_artifact_path(artifact_path), target)

    def endpoint(self, name: str) -> tuple[str, int]:
        """Host and port of a serving deployment, for the invocations proxy."""
        runtime = self._get(name)
        process = runtime.process
        if runtime.status != DeploymentStatus.HEALTHY or process is None or process.port is None:
            raise DeploymentUnavailable(f"The deployment is {runtime.status.value}, not serving.")
        return "127.0.0.1", process.port

    # -- changes -------------------------------------------------------------------------

    async def create(self, spec: DeploymentCreate, user: str | None = None) -> Deployment:
        """Copy the model out of the run and start serving it; returns once it serves or
        failed (status ``failed`` with the reason)."""
        if spec.name in self._deployments:
            raise Conflict("A deployment with that name already exists.")
        artifact_path = _clean_artifact_path(spec.artifact_path)
        await self.tracking.get_run(spec.run_id)  # NotFound for an unknown run
        record = DeploymentRecord(
            name=spec.name,
            run_id=spec.run_id,
            artifact_path=artifact_path,
            version=1,
            workers=spec.workers,
            desired="running",
            created_by=user,
            created_at=datetime.now(UTC).isoformat(),
        )
        version_dir = self.root / record.name / f"v{record.version}"
        runtime = self._runtime(record)
        runtime.status = DeploymentStatus.STARTING
        self._deployments[spec.name] = runtime
        try:
            async with runtime.lock:
                if version_dir.exists():
                    await asyncio.to_thread(shutil.rmtree, version_dir)
                await self._materialize(record, version_dir / "model")
                self._save()
                await self._start(runtime, locked=True)
        except BaseException:
            if self._deployments.get(spec.name) is runtime and not self._state_has(spec.name):
                del self._deployments[spec.name]
                await asyncio.to_thread(shutil.rmtree, self.root / spec.name, True)
            raise
        return self._model(runtime)

    def _state_has(self, name: str) -> bool:
        return any(record.name == name for record in self._load())

    async def stop(self, name: str) -> Deployment:
        runtime = self._get(name)
        async with runtime.lock:
            runtime.record.desired = "stopped"
            self._save()
            await self._terminate(runtime)
            runtime.status = DeploymentStatus.STOPPED
        return self._model(runtime)

    async def start(self, name: str, workers: int | None = None) -> Deployment:
        runtime = self._get(name)
        async with runtime.lock:
            if workers is not None:
                runtime.record.workers = workers
            runtime.record.desired = "running"
            self._save()
            await self._terminate(runtime)
            runtime.restarts = 0
            await self._start(runtime, locked=True)
        return self._model(runtime)

    async def delete(self, name: str) -> Deployment:
        runtime = self._get(name)
        async with runtime.lock:
            await self._terminate(runtime)
            runtime.status = DeploymentStatus.STOPPED
            model = self._model(runtime)
            del self._deployments[name]
            self._save()
            await asyncio.to_thread(shutil.rmtree, self.root / name, True)
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

    # -- processes -----------------------------------------------------------------------

    async def _materialize(self, record: DeploymentRecord, target: Path) -> None:
        await self._copy_model(record.run_id, record.artifact_path, target)

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
        if not any(dest == root / PACKAGE_FILE for _, dest in files):
            raise InvalidArgument(
                f"The artifact folder holds no model package ({PACKAGE_FILE} is missing)."
            )
        for source, destination in files:
            handle, _size, _type = await self.tracking.open_artifact(run_id, source)
            try:
                await asyncio.to_thread(destination.parent.mkdir, parents=True, exist_ok=True)
                with destination.open("wb") as out:
                    while chunk := await self.tracking.read_chunk(handle, CHUNK):
                        await asyncio.to_thread(out.write, chunk)
            finally:
                handle.close()

    async def _spawn(self, runtime: _Runtime) -> None:
        """Start the process and wait for ready; :class:`StartFailed` otherwise."""
        record = runtime.record
        model_dir = self.root / record.name / f"v{record.version}" / "model"
        runtime.process = await ScoringProcess.spawn(
            model_dir, record.workers, runtime.log, record.name, record.version
        )
        await runtime.process.wait_ready(self.policy.start_timeout)
        runtime.started_at = datetime.now(UTC)

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
            await self._spawn(runtime)
        except StartFailed as e:
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
        runtime.status = DeploymentStatus.HEALTHY
        runtime.supervisor = asyncio.create_task(self._supervise(runtime))
        runtime.supervisor.add_done_callback(lambda task: self._supervisor_done(runtime, task))

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
        if runtime.process is not None:
            await runtime.process.stop(self.policy.stop_grace)

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
                await self._spawn(runtime)
            except (StartFailed, OSError) as e:
                runtime.status = DeploymentStatus.FAILED
                runtime.error = str(e)
                return
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


def _by_name(runtime: _Runtime) -> str:
    return runtime.record.name


def _clean_artifact_path(path: str) -> str:
    """A relative artifact folder without ``..``, ``.`` or empty parts."""
    parts = path.replace("\\", "/").strip("/").split("/")
    if not path.strip("/") or any(part in ("", ".", "..") for part in parts):
        raise InvalidArgument("artifact_path must be a relative folder inside the run.")
    return "/".join(parts)
