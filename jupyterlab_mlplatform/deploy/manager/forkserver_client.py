"""The deployment manager's side of the warm fork server (the process and its protocol:
:mod:`jupyterlab_mlplatform.deploy.serving.forkserver`).

A scoring server started as a new process spends about 2 s importing scikit-learn and
skops.  The fork server has imported them once; a scoring server forked from it loads its
model and answers in a fraction of that, and shares the libraries' pages with it.

:class:`ForkServer` starts it (:meth:`ForkServer.start`, in the background, or on the
first :meth:`ForkServer.spawn`), asks it for children and learns their exit status from it
(it is their parent).  When it cannot start or has died, :meth:`ForkServer.spawn` raises
:class:`ForkServerUnavailable` at once (the caller starts a plain process instead) and a
new fork server starts in the background, at most once per ``retry_after`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from typing import Any

from ..serving import forkserver as protocol
from ..serving.forkserver import MAX_MESSAGE, send_message
from ..serving.lifetime import die_with_parent

FORKSERVER_MODULE = protocol.__name__
STREAM_LIMIT = 1024 * 1024

log = logging.getLogger(__name__)


class ForkServerUnavailable(Exception):
    """The fork server is not running (it could not start, or died): start a process."""


class ForkedChild:
    """A scoring server the fork server forked: the part of :class:`asyncio.subprocess.Process`
    that :class:`~.process.ScoringProcess` uses (``pid``, ``returncode``, ``send_signal``,
    ``kill``, ``wait``).  Signals go through a pidfd when the kernel has them, so they can
    never reach another process that got the pid after this one was reaped."""

    def __init__(self, pid: int, pidfd: int | None) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = pidfd
        self._exit: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._orphan_watch: asyncio.Task[None] | None = None

    def send_signal(self, signum: int) -> None:
        if self.returncode is not None:
            raise ProcessLookupError(self.pid)
        if self._pidfd is not None:
            signal.pidfd_send_signal(self._pidfd, signum)
        else:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        return await asyncio.shield(self._exit)

    def _exited(self, status: int) -> None:
        if self.returncode is not None:
            return
        self.returncode = status
        if self._pidfd is not None:
            with contextlib.suppress(OSError, ValueError):
                asyncio.get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        if not self._exit.done():
            self._exit.set_result(status)

    def _orphaned(self) -> None:
        """The fork server died: the child got SIGTERM (PR_SET_PDEATHSIG) and its exit status
        goes to init.  It is reported as ``-SIGTERM`` once the child is gone."""
        if self.returncode is not None:
            return
        loop = asyncio.get_running_loop()
        if self._pidfd is not None:
            loop.add_reader(self._pidfd, self._exited, -signal.SIGTERM)
        else:
            self._orphan_watch = loop.create_task(self._poll_gone())

    async def _poll_gone(self) -> None:
        while True:
            try:
                os.kill(self.pid, 0)
            except (ProcessLookupError, PermissionError):  # gone (or the pid is reused)
                self._exited(-signal.SIGTERM)
                return
            await asyncio.sleep(0.1)


class ForkServer:
    """One warm fork server per deployment manager.  :meth:`start` it in the background
    when the manager starts (or let the first :meth:`spawn` start it); :meth:`aclose` stops
    it (and, through it, any child still running)."""

    def __init__(self, start_timeout: float = 60.0, retry_after: float = 30.0) -> None:
        self.start_timeout = start_timeout
        self.retry_after = retry_after
        self.info: dict[str, Any] = {}
        """The fork server's ``ready`` message: ``pid``, ``seconds``, ``preloaded``, ``missing``."""
        self._proc: asyncio.subprocess.Process | None = None
        self._sock: socket.socket | None = None
        self._starting: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._pending: dict[int, asyncio.Future[ForkedChild]] = {}
        self._children: dict[int, ForkedChild] = {}
        self._next_id = 0
        self._lost_at: float | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The fork server's pid while it runs."""
        return self._proc.pid if self._proc is not None and self.running else None

    @property
    def running(self) -> bool:
        """It has imported and takes requests."""
        return self._sock is not None and bool(self.info)

    async def start(self) -> None:
        """Start it unless it runs or is starting, and wait until it has imported; a failure
        is logged, never raised (the next :meth:`spawn` falls back to a process)."""
        with contextlib.suppress(ForkServerUnavailable):
            await self._ensure()

    async def _ensure(self) -> None:
        if self._closed:
            raise ForkServerUnavailable("the deployment manager is closed")
        if self._starting is None:
            self._starting = asyncio.create_task(self._launch())
        try:
            await asyncio.shield(self._starting)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise ForkServerUnavailable("its start was cancelled (closed)") from None

    async def _launch(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            ours.setblocking(False)
            loop = asyncio.get_running_loop()
            parent = os.getpid()
            self._ready = loop.create_future()
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                FORKSERVER_MODULE,
                "--control-fd",
                str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                preexec_fn=lambda: die_with_parent(parent),
            )
        except BaseException as e:
            ours.close()
            if not isinstance(e, OSError):
                raise
            self._lost(f"it could not be started: {e}")
            raise ForkServerUnavailable(str(e)) from e
        finally:
            theirs.close()
        self._sock = ours
        loop.add_reader(ours, self._on_readable)
        try:
            self.info = await asyncio.wait_for(asyncio.shield(self._ready), self.start_timeout)
        except (TimeoutError, ForkServerUnavailable) as e:
            reason = str(e) or f"it did not start within {self.start_timeout:g} s"
            if self._sock is not None:  # (else it has exited: already handled)
                self._lost(reason)
            raise ForkServerUnavailable(reason) from None
        log.info(
            "Fork server %d ready for scoring servers (imports took %.2f s)",
            self.info.get("pid"), self.info.get("seconds", 0.0),
        )  # fmt: skip

    async def spawn(
        self, argv: list[str], listener: socket.socket | None = None
    ) -> tuple[ForkedChild, asyncio.StreamReader, asyncio.StreamReader]:
        """Fork a scoring server running ``server.main(argv)`` (``--socket-fd`` is added
        for ``listener``); the child and readers of its stdout and stderr.
        :class:`ForkServerUnavailable` when the fork server cannot do it."""
        if self._lost_at is not None:
            self._restart_later()
            raise ForkServerUnavailable("the fork server is not running")
        await self._ensure()
        sock = self._sock
        if sock is None:
            raise ForkServerUnavailable("the fork server is not running")
        loop = asyncio.get_running_loop()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        fds = [out_w, err_w] + ([listener.fileno()] if listener is not None else [])
        self._next_id += 1
        ident = self._next_id
        future: asyncio.Future[ForkedChild] = loop.create_future()
        self._pending[ident] = future
        message = {"op": "spawn", "id": ident, "argv": argv, "listener": listener is not None}
        try:
            send_message(sock, message, fds)
        except OSError as e:
            self._pending.pop(ident, None)
            for fd in (out_r, err_r):
                os.close(fd)
            raise ForkServerUnavailable(f"the fork server cannot be reached: {e}") from e
        finally:
            os.close(out_w)
            os.close(err_w)
        try:
            child = await future
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        return child, await _reader(out_r), await _reader(err_r)

    def _on_readable(self) -> None:
        sock = self._sock
        while sock is not None:
            try:
                data, fds, _flags, _address = socket.recv_fds(sock, MAX_MESSAGE, 4)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self._lost(f"its control socket failed: {e}")
                return
            if not data:
                self._lost("it exited")
                return
            try:
                self._dispatch(json.loads(data), fds)
            except (ValueError, KeyError, TypeError, AttributeError):
                log.warning("A bad message from the fork server: %r", data[:200])
                for fd in fds:
                    os.close(fd)

    def _dispatch(self, message: dict[str, Any], fds: list[int]) -> None:
        op = message["op"]
        if op == "ready":
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(message)
        elif op == "spawned":
            child = ForkedChild(int(message["pid"]), fds[0] if fds else None)
            for fd in fds[1:]:
                os.close(fd)
            self._children[child.pid] = child
            future = self._pending.pop(int(message["id"]), None)
            if future is not None and not future.done():
                future.set_result(child)
            else:  # its caller gave up: nobody will stop it
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
        elif op == "spawn_failed":
            future = self._pending.pop(int(message["id"]), None)
            if future is not None and not future.done():
                future.set_exception(ForkServerUnavailable(str(message.get("message"))))
        elif op == "exited":
            gone = self._children.pop(int(message["pid"]), None)
            if gone is not None:
                gone._exited(int(message["status"]))
        else:
            raise ValueError(op)

    def _lost(self, reason: str) -> None:
        """It is gone (or never came up): fail what waits, orphan the children."""
        loop = asyncio.get_running_loop()
        if self._sock is not None:
            with contextlib.suppress(OSError, ValueError):
                loop.remove_reader(self._sock)
            self._sock.close()
            self._sock = None
        if not self._closed:
            log.warning("The fork server for scoring servers is not available: %s", reason)
        self._lost_at = loop.time()
        error = ForkServerUnavailable(f"the fork server stopped: {reason}")
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)
            self._ready.exception()  # retrieved: nobody else may wait for it
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        for child in self._children.values():
            child._orphaned()
        self._children.clear()
        self.info = {}
        proc = self._proc
        if proc is not None and proc.returncode is None and not self._closed:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()  # stuck: a new one starts later

    def _restart_later(self) -> None:
        """After a failure, start a new fork server in the background (not too often)."""
        loop = asyncio.get_running_loop()
        if self._closed or self._lost_at is None or loop.time() - self._lost_at < self.retry_after:
            return
        if self._starting is not None and not self._starting.done():
            return
        self._lost_at = None
        self._reap_old()
        self._starting = asyncio.create_task(self._launch())
        self._starting.add_done_callback(_consume)

    def _reap_old(self) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            task = asyncio.create_task(proc.wait())
            task.add_done_callback(_consume)

    async def aclose(self, grace: float = 15.0) -> None:
        """Stop it: it sends SIGTERM to the children still running, waits for them, exits."""
        self._closed = True
        starting = self._starting
        if starting is not None and not starting.done():
            starting.cancel()
            with contextlib.suppress(BaseException):
                await starting
        proc = self._proc
        if proc is not None and proc.returncode is None and not self.info:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()  # still importing: no child yet, nothing to wait for
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_WR)  # EOF: the fork server stops
        if proc is not None and proc.returncode is None:
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        self._on_readable()  # the exit statuses it sent before it exited
        if self._sock is not None:
            self._lost("closed")


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


async def _reader(fd: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=STREAM_LIMIT, loop=loop)
    protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    await loop.connect_read_pipe(lambda: protocol, os.fdopen(fd, "rb", buffering=0))
    return reader
