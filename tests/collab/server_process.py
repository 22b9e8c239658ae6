"""A real ``jupyter server`` process with the platform and jupyter-collaboration, which a test
can stop and start again on the same port, root dir and data dir (a restart)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from tests.collab.ydoc_client import CollabServer, wait_until

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``start()`` / ``stop()`` as often as needed; each start logs to ``server-N.log``.

    Layout under ``workdir``: ``root/`` (the notebooks), ``mlplatform/`` (the platform's
    data_dir), ``jupyter/`` (Jupyter's data and runtime dirs, the file ids).  The process runs
    from ``workdir`` and reads no Jupyter config but ``config.json`` (JUPYTER_NO_CONFIG).
    """

    def __init__(
        self, workdir: Path, config: dict[str, Any] | None = None, launcher: str | None = None
    ) -> None:
        self.workdir = workdir
        self.root_dir = workdir / "root"
        self.data_dir = workdir / "mlplatform"
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.token = "restart-test-token"
        self.server = CollabServer(f"http://127.0.0.1:{self.port}/", self.token)
        self.config: dict[str, Any] = {
            "ServerApp": {
                "jpserver_extensions": {
                    "jupyterlab_mlplatform": True,
                    "jupyter_server_ydoc": True,
                    "jupyter_server_fileid": True,
                },
                "ip": "127.0.0.1",
                "port": self.port,
                "port_retries": 0,
                "open_browser": False,
                "allow_root": True,
                "root_dir": str(self.root_dir),
                "allow_unauthenticated_access": False,
                "log_level": "DEBUG",
            },
            "IdentityProvider": {"token": self.token},
            "MLPlatformApp": {"data_dir": str(self.data_dir)},
            "DeploymentManager": {"forkserver": False},
            "BaseFileIdManager": {"db_path": str(workdir / "jupyter" / "file_id_manager.db")},
        }
        for section, values in (config or {}).items():
            self.config.setdefault(section, {}).update(values)
        self.launcher = launcher
        """Python code to run instead of ``python -m jupyter_server`` (it gets the same
        arguments)."""
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"server-{self.starts}.log"

    async def start(self, timeout: float = 90) -> CollabServer:
        """Start the server and return once it answers its API."""
        assert self.process is None, "already running"
        self.starts += 1
        config_file = self.workdir / "config.json"
        config_file.write_text(json.dumps(self.config))
        env = dict(os.environ, JUPYTER_NO_CONFIG="1", PYTHONUNBUFFERED="1")
        env["JUPYTER_DATA_DIR"] = str(self.workdir / "jupyter" / "data")
        env["JUPYTER_RUNTIME_DIR"] = str(self.workdir / "jupyter" / "runtime")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        with self.log_path.open("wb") as log:
            command = ["-c", self.launcher] if self.launcher else ["-m", "jupyter_server"]
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *command,
                f"--config={config_file}",
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        await wait_until(self._answers, f"the server to start; log: {self.log_path}", timeout)
        return self.server

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(f"the server exited: {self.log()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
        except OSError:
            return False
        return "is running at" in self.log()

    async def stop(self, timeout: float = 60) -> None:
        """Stop it the way a service manager does (SIGTERM), and wait until it is gone.

        It must exit by itself: a server whose rooms were opened used to stay alive after
        its clean-up, waiting for anyio's worker threads (the YStore's SQLite calls;
        jupyter-collaboration #161, #503) until the platform released them
        (``compat.release_anyio_workers_at_exit``).  One that is still there after
        ``timeout`` is killed and the test fails.
        """
        if self.process is None:
            return
        process = self.process
        self.process = None
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await asyncio.wait_for(process.wait(), 30)
            raise AssertionError(
                f"the server did not exit on SIGTERM; log: {self.log_path}"
            ) from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
