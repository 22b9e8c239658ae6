"""One scoring server: start it (forked from the warm fork server, or as a new process),
wait for its event line, capture its logs, stop it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections import deque
from pathlib import Path
from typing import Any, Protocol

from ...private_files import open_private
from ..serving.lifetime import die_with_parent
from .forkserver_client import ForkServer, ForkServerUnavailable

SERVING_MODULE = "jupyterlab_mlplatform.deploy.serving"

logger = logging.getLogger(__name__)


class _Child(Protocol):
    """What is used of :class:`asyncio.subprocess.Process` (and of
    :class:`~.forkserver_client.ForkedChild`)."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    def send_signal(self, signum: int) -> None: ...

    def kill(self) -> None: ...

    async def wait(self) -> int: ...


class StartFailed(Exception):
    """The process did not report ``ready``; the message says why (e.g. the load error).
    ``parity``: the failed parity check's result, when that was why."""

    def __init__(self, message: str, parity: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.parity = parity


class ProcessLog:
    """The last lines of a deployment's output in memory, all of them in a file."""

    def __init__(self, path: Path, max_lines: int, max_file_bytes: int) -> None:
        self.path = path
        self.lines: deque[str] = deque(maxlen=max_lines)
        self.max_file_bytes = max_file_bytes

    def rotate(self) -> None:
        """Start a fresh file when the current one is over the limit (one old file kept)."""
        with contextlib.suppress(OSError):
            if self.path.stat().st_size > self.max_file_bytes:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))

    def append(self, line: str) -> None:
        self.lines.append(line)
        with contextlib.suppress(OSError), open_private(self.path, "a") as f:
            f.write(line + "\n")

    def tail(self, count: int) -> list[str]:
        lines = list(self.lines)
        if not lines:
            # Nothing this server session (e.g. after a restart of Jupyter): the file's end.
            with contextlib.suppress(OSError):
                lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        return lines[-count:] if count else []


class ScoringProcess:
    """A running scoring server: ``python -m jupyterlab_mlplatform.deploy.serving``, or the
    same ``server.main`` in a child of the fork server (``forked``)."""

    def __init__(
        self,
        proc: _Child,
        log: ProcessLog,
        streams: tuple[asyncio.StreamReader | None, asyncio.StreamReader | None] | None = None,
    ) -> None:
        """``streams``: its stdout and stderr (default: ``proc.stdout`` and ``proc.stderr``)."""
        self.proc = proc
        self.log = log
        self.port: int | None = None
        self.parity: dict[str, Any] | None = None
        """The parity check's result the process reported when ready."""
        self.forked = streams is not None
        if streams is None:
            streams = (getattr(proc, "stdout", None), getattr(proc, "stderr", None))
        self._event: asyncio.Future[dict[str, Any] | None] = (
            asyncio.get_running_loop().create_future()
        )
        self._readers = [
            asyncio.create_task(self._read(streams[0], events=True)),
            asyncio.create_task(self._read(streams[1], events=False)),
        ]

    @classmethod
    async def spawn(
        cls,
        model_dir: Path,
        workers: int,
        log: ProcessLog,
        name: str,
        version: int,
        *,
        listener: socket.socket | None = None,
        keys_file: Path | None = None,
        drain_seconds: float = 10.0,
        forkserver: ForkServer | None = None,
    ) -> ScoringProcess:
        """Start a scoring server for ``model_dir``: on ``listener`` (a bound, listening socket
        it inherits) when given, else on a free loopback port; with API keys checked against
        ``keys_file`` when given.  Forked from ``forkserver`` when given and running (a new
        process otherwise: the fork server only makes the start faster)."""
        log.rotate()
        options = ["--keys-file", str(keys_file)] if keys_file is not None else []
        argv = [
            "--model-dir", str(model_dir), *options,
            "--workers", str(workers), "--drain-seconds", str(drain_seconds),
            "--deployment-name", name, "--version", str(version),
        ]  # fmt: skip
        if listener is None:
            argv += ["--host", "127.0.0.1", "--port", "0"]
        if forkserver is not None:
            try:  # the fork server appends --socket-fd for the listener it passes on
                child, out, err = await forkserver.spawn(argv, listener)
            except ForkServerUnavailable as e:
                logger.info("Starting deployment %s as a new process: %s", name, e)
            else:
                return cls(child, log, (out, err))
        parent = os.getpid()
        pass_fds: tuple[int, ...] = ()
        if listener is not None:
            argv = [*argv, "--socket-fd", str(listener.fileno())]
            pass_fds = (listener.fileno(),)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            SERVING_MODULE,
            *argv,
            pass_fds=pass_fds,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=1024 * 1024,
            preexec_fn=lambda: die_with_parent(parent),
        )
        return cls(proc, log)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def exited(self) -> bool:
        return self.proc.returncode is not None

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    async def _read(self, stream: asyncio.StreamReader | None, events: bool) -> None:
        if stream is None:
            return
        while True:
            try:
                raw = await stream.readline()
            except ValueError:  # a line over the limit: keep going with the rest
                continue
            if not raw:
                break
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            self.log.append(line)
            if events and not self._event.done() and line.startswith("{"):
                with contextlib.suppress(ValueError):
                    event = json.loads(line)
                    if isinstance(event, dict) and event.get("event"):
                        self._event.set_result(event)
        if events and not self._event.done():
            self._event.set_result(None)

    async def wait_ready(self, timeout: float) -> None:
        """Return once serving; :class:`StartFailed` with the reason otherwise."""
        try:
            event = await asyncio.wait_for(asyncio.shield(self._event), timeout)
        except TimeoutError:
            await self.stop(grace=1.0)
            raise StartFailed(f"The scoring server was not ready within {timeout:g} s.") from None
        if event is not None and event.get("event") == "ready":
            self.port = int(event["port"])
            parity = event.get("parity")
            self.parity = parity if isinstance(parity, dict) else None
            return
        with contextlib.suppress(TimeoutError):  # it exits by itself after a failure event
            await asyncio.wait_for(asyncio.shield(self.proc.wait()), 2.0)
        await self.stop(grace=1.0)
        if event is not None and event.get("message"):
            parity = event.get("parity") if event.get("event") == "parity_failed" else None
            raise StartFailed(
                f"{event.get('error_code', 'START_FAILED')}: {event['message']}",
                parity if isinstance(parity, dict) else None,
            )
        code = self.proc.returncode
        raise StartFailed(f"The scoring server exited (status {code}) before it was ready.")

    async def wait_exit(self) -> int:
        return await self.proc.wait()

    async def stop(self, grace: float) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; returns once the process is gone."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        for reader in self._readers:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(reader, 1.0)

    async def healthy(self, timeout: float) -> bool:
        """``GET /health`` answers 200."""
        if self.port is None or self.exited:
            return False
        writer = None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.port), timeout
            )
            writer.write(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            status = await asyncio.wait_for(reader.readline(), timeout)
            return status.split(b" ")[1:2] == [b"200"]
        except (OSError, TimeoutError):
            return False
        finally:
            if writer is not None:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
