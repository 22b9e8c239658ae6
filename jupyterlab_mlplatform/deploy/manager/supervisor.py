"""The deployments' processes: sockets, starts, version switches, supervision and stops.

The supervisor binds each deployment's listening socket itself and hands it to the scoring
server, so the port stays the same across restarts, crashes and version switches (and is
reused after the Jupyter server restarts when it is free).  A switch (redeploy, rollback or
restart of a serving deployment) starts the new process on the same socket, and only once it
is ready stops the old one, which finishes the requests it has begun: no request is refused
during the switch.  A version that cannot start is not adopted and the old one keeps serving;
nor is one whose answers to its package's parity sample differ from the in-kernel model's
(the scoring server checks them before it accepts a connection and reports the result).

A serving process is watched: when it exits or fails health checks it is restarted with
exponential backoff, and after too many failures in a row the deployment is ``failed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from ...errors import DeploymentUnavailable, VersionFailed
from .forkserver_client import ForkServer
from .models import DeploymentStatus
from .process import ScoringProcess, StartFailed
from .state import DeploymentFiles, DeploymentState, VersionRecord

log = logging.getLogger(__name__)


class SupervisionSettings(Protocol):
    """The timings the supervisor follows (the :class:`~.manager.DeploymentManager`'s traits,
    read at each use)."""

    health_interval: float
    health_timeout: float
    unhealthy_after: int
    start_timeout: float
    stop_grace: float
    backoff_initial: float
    backoff_max: float
    max_restarts: int
    stable_after: float


class Supervisor:
    """Starts, switches, watches and stops the deployments' scoring servers."""

    def __init__(
        self,
        settings: SupervisionSettings,
        files: DeploymentFiles,
        host: str,
        save: Callable[[], Awaitable[None]],
        forkserver: ForkServer | None,
    ) -> None:
        """``host``: the address the deployments listen on; ``save`` stores the deployments
        (a port that changed); ``forkserver``: the warm fork server, if scoring servers are
        forked from one."""
        self.settings = settings
        self.files = files
        self.host = host
        self.save = save
        self.forkserver = forkserver
        self._closed = False

    @property
    def closed(self) -> bool:
        """:meth:`shut_down` was called (a property: mypy would take a plain attribute read
        after an ``await`` for the value it had before)."""
        return self._closed

    def shut_down(self) -> None:
        """The Jupyter server is stopping: no process is started from now on."""
        self._closed = True

    # -- sockets -------------------------------------------------------------------------

    def listen(self, state: DeploymentState) -> socket.socket:
        """The deployment's listening socket: bound on first use, on its previous port when
        that is free (else on a new one, which is then remembered)."""
        if state.listener is not None:
            return state.listener
        record = state.record
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            listener = socket.create_server(
                (self.host, record.port or 0), family=family, backlog=1024
            )
        except OSError as e:
            if not record.port:
                raise
            state.log.append(
                f"[mlplatform] port {record.port} is not free ({e.strerror}): using another"
            )
            listener = socket.create_server((self.host, 0), family=family, backlog=1024)
        state.listener = listener
        record.port = listener.getsockname()[1]  # the caller stores it when it changed
        return listener

    def unlisten(self, state: DeploymentState) -> None:
        """Close the socket: callers are refused at once rather than left waiting."""
        listener, state.listener = state.listener, None
        if listener is not None:
            listener.close()

    # -- starts and switches -------------------------------------------------------------

    async def _spawn(self, state: DeploymentState, version: VersionRecord) -> ScoringProcess:
        """Start a process for ``version`` on the deployment's socket and wait until it is
        ready; :class:`StartFailed` (or OSError) otherwise."""
        record = state.record
        port = record.port
        listener = self.listen(state)
        if record.port != port:
            await self.save()
        try:
            process = await ScoringProcess.spawn(
                self.files.model_dir(record.name, version.version),
                record.workers,
                state.log,
                record.name,
                version.version,
                listener=listener,
                keys_file=state.keys.keys_file,
                drain_seconds=max(self.settings.stop_grace - 1.0, 0.5),
                forkserver=self.forkserver,
            )
        except (OSError, ValueError) as e:
            if self._closed:  # close() shut the socket (ValueError: a closed fd) meanwhile
                raise StartFailed("The Jupyter server shut down during the start.") from e
            raise
        state.starting = process
        try:
            await process.wait_ready(self.settings.start_timeout)
        except StartFailed as e:
            state.log.append(f"[mlplatform] version {version.version} did not start: {e}")
            if e.parity is not None:
                version.parity = e.parity
            await process.stop(grace=1.0)
            raise
        except BaseException:
            await process.stop(grace=1.0)
            raise
        finally:
            state.starting = None
        version.parity = process.parity
        return process

    async def start(self, state: DeploymentState, locked: bool = False) -> None:
        """Start the deployment's current version; the status tells how it went."""
        if not locked:
            async with state.lock:
                await self.start(state, locked=True)
            return
        if self._closed:
            return
        state.status = DeploymentStatus.STARTING
        state.error = None
        try:
            await asyncio.to_thread(state.keys.write_keys_file)  # this server's own key
            state.process = await self._spawn(state, state.record.current)
        except StartFailed as e:
            if self.closed:
                state.status = DeploymentStatus.STOPPED
                return
            state.status = DeploymentStatus.FAILED
            state.error = str(e)
            return
        except OSError as e:
            state.status = DeploymentStatus.FAILED
            state.error = f"The scoring server could not be started: {e.strerror or e}"
            return
        if self.closed:  # the server shut down while this one was starting
            await self.terminate(state)
            state.status = DeploymentStatus.STOPPED
            return
        state.started_at = datetime.now(UTC)
        state.status = DeploymentStatus.HEALTHY
        self._supervise_in_background(state)

    async def switch(self, state: DeploymentState, version: VersionRecord) -> None:
        """Serve ``version``: its process starts on the same socket while the current one
        still serves; once it is ready it takes over and the old one finishes its requests
        and exits.  Nothing changes when it cannot start (:class:`VersionFailed`)."""
        record = state.record
        if self._closed:
            raise DeploymentUnavailable("The Jupyter server is shutting down.")
        was_listening = state.listener is not None
        try:
            await asyncio.to_thread(state.keys.write_keys_file)
            process = await self._spawn(state, version)
        except (StartFailed, OSError) as e:
            if not was_listening and record.desired == "stopped":
                self.unlisten(state)
            serving = (
                f"version {record.version} still serves"
                if state.status == DeploymentStatus.HEALTHY
                else f"the deployment is still {state.status.value}"
            )
            reason = e if isinstance(e, StartFailed) else e.strerror or e
            message = f"Version {version.version} could not start; {serving}. {reason}"
            raise VersionFailed(message) from e
        supervisor, state.supervisor = state.supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        old, state.process = state.process, process
        record.version = version.version
        record.desired = "running"
        state.status = DeploymentStatus.HEALTHY
        state.error = None
        state.restarts = 0
        state.started_at = datetime.now(UTC)
        state.log.append(f"[mlplatform] version {version.version} serves (pid {process.pid})")
        self._supervise_in_background(state)
        if old is not None:
            await old.stop(self.settings.stop_grace)

    async def terminate(self, state: DeploymentState) -> None:
        """Stop supervising the deployment and stop its processes (the socket stays)."""
        supervisor, state.supervisor = state.supervisor, None
        if supervisor is not None and supervisor is not asyncio.current_task():
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        for process in (state.starting, state.process):
            if process is not None:
                await process.stop(self.settings.stop_grace)

    # -- supervision ---------------------------------------------------------------------

    def _supervise_in_background(self, state: DeploymentState) -> None:
        state.supervisor = asyncio.create_task(self._supervise(state))
        state.supervisor.add_done_callback(lambda task: self._supervisor_done(state, task))

    def _supervisor_done(self, state: DeploymentState, task: asyncio.Task[None]) -> None:
        """A supervisor that broke on an unexpected error leaves the deployment failed."""
        if task.cancelled() or task.exception() is None:
            return
        log.error("Supervising deployment %s failed", state.name, exc_info=task.exception())
        state.status = DeploymentStatus.FAILED
        state.error = "Supervising the scoring server failed; see the Jupyter server's log."

    async def _supervise(self, state: DeploymentState) -> None:
        """Watch the process: restart it when it exits or stops answering health checks."""
        settings = self.settings
        failures = 0
        while True:
            process = state.process
            assert process is not None
            if await self._watch(process):
                reason = f"exited with status {process.returncode}"
            else:
                reason = "stopped answering health checks"
                await process.stop(settings.stop_grace)
            started = state.started_at
            uptime = (datetime.now(UTC) - started).total_seconds() if started else 0.0
            failures = 1 if uptime >= settings.stable_after else failures + 1
            state.log.append(f"[mlplatform] the scoring server {reason}")
            if failures > settings.max_restarts:
                state.status = DeploymentStatus.FAILED
                state.error = f"The scoring server {reason}; gave up after {failures - 1} restarts."
                return
            state.status = DeploymentStatus.RESTARTING
            state.error = f"The scoring server {reason}."
            delay = min(settings.backoff_initial * 2 ** (failures - 1), settings.backoff_max)
            await asyncio.sleep(delay)
            state.restarts += 1
            try:
                state.process = await self._spawn(state, state.record.current)
            except (StartFailed, OSError) as e:
                state.status = DeploymentStatus.FAILED
                state.error = str(e)
                return
            state.started_at = datetime.now(UTC)
            state.status = DeploymentStatus.HEALTHY
            state.error = None

    async def _watch(self, process: ScoringProcess) -> bool:
        """Return True when the process exits, False after repeated failed health checks."""
        settings = self.settings
        misses = 0
        while True:
            try:
                await asyncio.wait_for(
                    asyncio.shield(process.wait_exit()), settings.health_interval
                )
                return True
            except TimeoutError:
                pass
            if await process.healthy(settings.health_timeout):
                misses = 0
            else:
                misses += 1
                if misses >= settings.unhealthy_after:
                    return False
