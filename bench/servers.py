"""Start and stop the servers under benchmark: jupyter_server (with or without the extension)
and ``mlflow server``, each in its own process group on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import psutil
import requests

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("MLFLOW_TRACKING_URI", None)
    env.update(extra)
    return env


def tree_rss(pid: int) -> tuple[int, int]:
    """(RSS in bytes of the process and all its descendants, number of processes)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total, len(procs)


class Server:
    """A server subprocess; ``start()`` returns once ``ready_url`` answers 200."""

    def __init__(
        self,
        name: str,
        cmd: list[str],
        env: dict[str, str],
        url: str,
        ready_path: str,
        log: Path,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.name, self.cmd, self.env, self.url = name, cmd, env, url
        self.ready_path, self.log, self.headers = ready_path, log, headers or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.start_seconds = float("nan")

    def start(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            t0 = time.perf_counter()
            self.process = subprocess.Popen(
                self.cmd,
                env=self.env,
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group: stop() kills workers too
            )
        deadline = t0 + START_TIMEOUT
        with requests.Session() as s:
            while time.perf_counter() < deadline:
                try:
                    r = s.get(self.url + self.ready_path, headers=self.headers, timeout=2)
                    if r.status_code == 200:
                        self.start_seconds = time.perf_counter() - t0
                        return self
                except requests.RequestException:
                    pass
                if self.process.poll() is not None:
                    break
                time.sleep(0.01)
        tail = self.log.read_text(errors="replace")[-3000:]
        self.stop()
        raise RuntimeError(f"{self.name} did not start:\n{tail}")

    def rss(self) -> tuple[int, int]:
        return tree_rss(self.process.pid) if self.process else (0, 0)

    def stop(self) -> None:
        p = self.process
        if p is None or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(10)
        # Workers that outlived their parent in the group.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def jupyter_server(root: Path, token: str, extension: bool = True) -> Server:
    """jupyter_server on a free port, with the mlplatform extension enabled or disabled."""
    port = free_port()
    for sub in ("nb", "cfg", "rt", "data"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    flag = "True" if extension else "False"
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--port={port}",
        "--port-retries=0",
        f"--ip={HOST}",
        "--no-browser",
        "--allow-root",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root / 'nb'}",
        f"--ServerApp.jpserver_extensions=jupyterlab_mlplatform={flag}",
        f"--MLPlatformApp.data_dir={root / 'data'}",
    ]
    env = env_with(JUPYTER_CONFIG_DIR=str(root / "cfg"), JUPYTER_RUNTIME_DIR=str(root / "rt"))
    ready = "mlplatform/api/experiments" if extension else "api/status"
    url = f"http://{HOST}:{port}/"
    name = "jupyter_server+mlplatform" if extension else "jupyter_server (no extension)"
    return Server(
        name,
        cmd,
        env,
        url,
        ready,
        root / "server.log",
        headers={"Authorization": f"token {token}"},
    )


def mlflow_server(root: Path, workers: int | None = 1) -> Server:
    """``mlflow server`` on SQLite; ``workers=None`` keeps its default worker count."""
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("mlflow")
    cmd = [
        str(exe) if exe.exists() else "mlflow",
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlflow.db'}",
        "--default-artifact-root",
        str(root / "art"),
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    env = env_with(MLFLOW_HOME=str(root))
    name = f"mlflow server ({workers or 'default'} workers)"
    # The experiments search is a real tracking API call (it touches the store).
    ready = "api/2.0/mlflow/experiments/search?max_results=1"
    return Server(name, cmd, env, f"http://{HOST}:{port}/", ready, root / "server.log")
