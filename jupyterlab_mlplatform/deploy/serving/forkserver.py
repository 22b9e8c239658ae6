"""The warm fork server: ``python -m jupyterlab_mlplatform.deploy.serving.forkserver --control-fd FD``.

One per Jupyter server, started by the deployment manager
(:mod:`jupyterlab_mlplatform.deploy.manager.forkserver_client`).  It imports once what every
scikit-learn scoring server needs (numpy, pandas, tornado, scikit-learn, skops and this
package: about 2 s), then forks a child per scoring server, which runs :func:`server.main`
with the libraries already in memory (shared copy-on-write with the fork server).

The control socket is a ``SOCK_SEQPACKET`` Unix socket; every message is one JSON object,
file descriptors ride along as ``SCM_RIGHTS``:

* fork server -> manager, once imported: ``{"op": "ready", "pid", "seconds", "preloaded",
  "missing"}``;
* manager -> fork server: ``{"op": "spawn", "id", "argv", "listener": bool}`` with the
  write ends of the child's stdout and stderr pipes, then the listening socket when
  ``listener`` (``--socket-fd`` is appended to ``argv`` with its number here);
* fork server -> manager: ``{"op": "spawned", "id", "pid"}`` with a pidfd of the child when
  the kernel has them, or ``{"op": "spawn_failed", "id", "message"}``;
* fork server -> manager, when it has reaped a child: ``{"op": "exited", "pid", "status"}``
  (``status`` as :attr:`subprocess.Popen.returncode`: negative for a signal).  It is the
  children's parent, so it is the one that learns their exit status.

The fork server ignores SIGINT (the manager stops the deployments itself).  On SIGTERM or
SIGHUP, or when the control socket closes (the manager is gone), it sends SIGTERM to its
children, waits for them (SIGKILL after :data:`STOP_GRACE` seconds) and exits.  It runs no
thread and no event loop of its own: the only threads in it are OpenBLAS' idle workers,
which OpenBLAS stops before a fork and restarts lazily in the child; nothing in it calls
into BLAS or OpenMP, so no OpenMP pool (not fork-safe) exists when it forks.

A child closes everything of the fork server's, moves the pipes onto its stdout and
stderr (and ``/dev/null`` onto stdin), gets SIGTERM if the fork server dies, has the
signal handlers of a fresh interpreter, reseeds ``random`` and numpy's global generator,
and drops the import guard when its model needs the libraries it blocks.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import random
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from typing import Any

from .imports import ImportGuard, guard_applies, model_dir_argument
from .lifetime import die_with_parent

MAX_MESSAGE = 64 * 1024
MAX_FDS = 8
STOP_GRACE = 10.0
"""Seconds the children have to drain and exit when the fork server stops."""

PRELOAD = (
    "numpy",
    "pandas",
    "jupyterlab_mlplatform.deploy.serving.server",
    "jupyterlab_mlplatform.deploy.model.flavors.sklearn",
    "skops.io",  # imports every scikit-learn estimator (skops walks them for its trusted types)
    # What scikit-learn's input validation (narwhals) and tornado import on the first request:
    "narwhals._pandas_like.dataframe",
    "narwhals._pandas_like.namespace",
    "narwhals._interchange.dataframe",
    "narwhals.stable.v2._namespace",
    "tornado.platform.asyncio",
    "encodings.cp437",  # zipfile (skops' container) for names without the UTF-8 flag
)
"""Imported before the first fork.  Not XGBoost or LightGBM: each imports in about 50 ms
in a child that needs it, and imported here would be mapped into every child."""


def preload(modules: tuple[str, ...] = PRELOAD) -> tuple[list[str], list[str]]:
    """Import ``modules`` under the import guard; the names imported and those missing."""
    if not any(isinstance(finder, ImportGuard) for finder in sys.meta_path):
        sys.meta_path.insert(0, ImportGuard())
    loaded, missing = [], []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
        else:
            loaded.append(name)
    return loaded, missing


def send_message(
    control: socket.socket, message: dict[str, Any], fds: list[int] | None = None
) -> None:
    """One message of the protocol (both ends): a JSON object, ``fds`` as ``SCM_RIGHTS``."""
    socket.send_fds(control, [json.dumps(message).encode()], fds or [])


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _noop(signum: int, frame: Any) -> None:
    """A handler, so that the signal only wakes the loop up (through the wakeup fd)."""


class ForkServer:
    """The fork server's loop: spawn requests from the control socket, signals (SIGCHLD,
    SIGTERM, SIGHUP) through the wakeup fd."""

    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.children: set[int] = set()
        self.stopping = False
        self.connected = True
        self.deadline = 0.0
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _noop)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.control, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)

    def run(self) -> int:
        while not (self.stopping and not self.children):
            timeout = None
            if self.stopping:
                timeout = self.deadline - time.monotonic()
                if timeout <= 0:
                    for pid in self.children:
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
                    timeout = 1.0
            for key, _ in self.selector.select(timeout):
                if key.fileobj is self.control:
                    self._receive()
                else:
                    self._wakeup()
            self._reap()
        return 0

    def stop(self) -> None:
        """SIGTERM to every child; the loop ends once they are gone."""
        if self.stopping:
            return
        self.stopping = True
        self.deadline = time.monotonic() + STOP_GRACE
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(self.control)
        for pid in self.children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)

    def _wakeup(self) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            signums = os.read(self.wake_r, 512)
            if signal.SIGTERM in signums or signal.SIGHUP in signums:
                self.stop()

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.tell({"op": "exited", "pid": pid, "status": os.waitstatus_to_exitcode(status)})

    def tell(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        """Send ``message`` (and ``fds``) to the manager, unless it is gone."""
        if not self.connected:
            return
        try:
            send_message(self.control, message, fds)
        except OSError:  # the manager is gone
            self.connected = False
            self.stop()

    def _receive(self) -> None:
        try:
            data, fds, _flags, _address = socket.recv_fds(self.control, MAX_MESSAGE, MAX_FDS)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds = b"", []
        if not data:  # the manager is done (it still reads the exit statuses) or died
            _close_all(fds)
            self.stop()
            return
        try:
            message = json.loads(data)
            if message.get("op") != "spawn":
                raise ValueError(f"unknown operation {message.get('op')!r}")
            self._spawn(int(message["id"]), list(map(str, message["argv"])), message, fds)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            _close_all(fds)
            print(f"mlplatform fork server: a bad request ({e})", file=sys.stderr, flush=True)

    def _spawn(self, ident: int, argv: list[str], message: dict[str, Any], fds: list[int]) -> None:
        listener = bool(message.get("listener"))
        if len(fds) != 2 + listener:
            _close_all(fds)
            self.tell({"op": "spawn_failed", "id": ident, "message": "wrong descriptors"})
            return
        if listener:
            argv = [*argv, "--socket-fd", str(fds[2])]
        threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
        if threads:  # something started a Python thread: forking now could copy a held lock
            _close_all(fds)
            reason = f"a thread runs in the fork server: {', '.join(threads)}"
            self.tell({"op": "spawn_failed", "id": ident, "message": reason})
            return
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError as e:
            _close_all(fds)
            self.tell({"op": "spawn_failed", "id": ident, "message": str(e)})
            return
        if pid == 0:
            self._child(parent, argv, fds[0], fds[1])  # never returns
        self.children.add(pid)
        _close_all(fds)
        pidfds: list[int] = []
        with contextlib.suppress(OSError, AttributeError):
            pidfds.append(os.pidfd_open(pid))
        self.tell({"op": "spawned", "id": ident, "pid": pid}, pidfds)
        _close_all(pidfds)

    def _child(self, parent: int, argv: list[str], stdout: int, stderr: int) -> None:
        code = 1
        try:
            die_with_parent(parent)
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.selector.close()
            self.control.close()
            _close_all([self.wake_r, self.wake_w])
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(stdout, 1)
            os.dup2(stderr, 2)
            _close_all([null, stdout, stderr])
            code = run_child(argv)
        except SystemExit as e:
            if isinstance(e.code, int) or e.code is None:
                code = e.code or 0
            else:
                print(e.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001 - a child never returns into the fork server
            traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)


def reseed() -> None:
    """Fresh random state in a forked child (it would repeat its siblings' otherwise)."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def run_child(argv: list[str]) -> int:
    """In a forked child: what ``python -m jupyterlab_mlplatform.deploy.serving ARGV`` does."""
    reseed()
    model_dir = model_dir_argument(argv)
    if "--no-import-guard" in argv or model_dir is None or not guard_applies(model_dir):
        # A model that needs torch & co. (its libraries import in this process).
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, ImportGuard)]
    sys.argv = ["python -m jupyterlab_mlplatform.deploy.serving", *argv]
    from .server import main

    return main(argv)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jupyterlab_mlplatform.deploy.serving.forkserver"
    )
    parser.add_argument("--control-fd", type=int, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=args.control_fd)
    control.setblocking(True)
    started = time.perf_counter()
    loaded, missing = preload()
    gc.collect()
    gc.freeze()  # keep the collector off the shared pages: fewer copies in the children
    server = ForkServer(control)
    seconds = round(time.perf_counter() - started, 4)
    message = {"op": "ready", "pid": os.getpid(), "seconds": seconds}
    server.tell({**message, "preloaded": loaded, "missing": missing})
    return server.run()


if __name__ == "__main__":
    sys.exit(main())
