"""The Python client for real: in a kernel started by the server, and in scripts.

The last test kills the Jupyter server while a script logs, restarts it, and checks that every
metric is stored exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlplatform.tracking.models import SearchRuns

REPO = Path(__file__).resolve().parents[3]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


async def _execute(kernel_client: Any, code: str) -> dict[str, Any]:
    """Run code and wait for its reply without blocking the server's event loop."""
    msg_id = kernel_client.execute(code)
    while True:
        reply = await kernel_client.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    content = reply["content"]
    assert content["status"] == "ok", "\n".join(content.get("traceback", []))
    return reply  # type: ignore[no-any-return]


async def test_a_kernel_logs_with_no_configuration(
    jp_serverapp: Any, jp_fetch: Any, mlp_app: Any
) -> None:
    # jp_fetch: requesting it makes pytest-jupyter serve HTTP on the port the kernel is given
    # Given a kernel started by the server (it inherits MLPLATFORM_URL and MLPLATFORM_TOKEN)
    os.environ["PYTHONPATH"] = _env()["PYTHONPATH"]
    km = jp_serverapp.kernel_manager
    kernel_id = await km.start_kernel(kernel_name="python3")
    client = km.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        # When it trains with the client
        await _execute(
            client,
            textwrap.dedent("""
            import jupyterlab_mlplatform as mlp
            with mlp.start_run(experiment="kernel-exp", name="k1", params={"lr": 0.01}) as run:
                for step in range(300):
                    mlp.log_metric("loss", 1.0 / (step + 1))
                mlp.log_metrics({"acc": 0.9, "f1": 0.8})
                mlp.set_tag("stage", "test")
            print(run.run_id)
            failed = mlp.start_run(experiment="kernel-exp", name="k2")
            mlp.log_param("depth", 3)
            mlp.log_metric("loss", 5.0, step=7)
            mlp.flush()
            assert mlp.get_run(failed.run_id).metrics["loss"].step == 7
            mlp.end_run("FAILED")
            assert mlp.active_run() is None
        """),
        )
    finally:
        client.stop_channels()
        await km.shutdown_kernel(kernel_id, now=True)
    # Then the run is stored, finished, owned by the server's user, with its kernel id
    runs = mlp_app.tracking.store.search_runs(SearchRuns(filter="attributes.name = 'k1'")).runs
    assert len(runs) == 1
    run = runs[0]
    assert run.status.value == "FINISHED"
    assert run.user == mlp_app.kernel_credentials.user.name
    assert run.source.kernel_id == kernel_id
    assert run.params == {"lr": "0.01"} and run.tags == {"stage": "test"}
    history = mlp_app.tracking.store.get_metric_history(run.run_id, "loss")
    assert history.steps == list(range(300))
    assert run.metrics["acc"].value == 0.9
    failed = mlp_app.tracking.store.search_runs(SearchRuns(filter="attributes.name = 'k2'")).runs
    assert [(r.status.value, r.params) for r in failed] == [("FAILED", {"depth": "3"})]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A real ``jupyter server`` process with the extension, that tests can kill."""

    def __init__(self, root: Path, port: int, token: str) -> None:
        self.root, self.port, self.token = root, port, token
        self.url = f"http://127.0.0.1:{port}/"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        (self.root / "nb").mkdir(parents=True, exist_ok=True)
        log = (self.root / "server.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                f"--port={self.port}",
                "--port-retries=0",
                "--ip=127.0.0.1",
                "--no-browser",
                "--allow-root",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root / 'nb'}",
                "--ServerApp.jpserver_extensions=jupyterlab_mlplatform=True",
                f"--MLPlatformApp.data_dir={self.root / 'data'}",
            ],
            env=_env(
                JUPYTER_CONFIG_DIR=str(self.root / "cfg"), JUPYTER_RUNTIME_DIR=str(self.root / "rt")
            ),
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    self.url + "mlplatform/api/experiments",
                    headers={"Authorization": f"token {self.token}"},
                )
                with urllib.request.urlopen(request, timeout=2):
                    return
            except OSError:
                assert self.process.poll() is None, (self.root / "server.log").read_text()
                time.sleep(0.2)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def read(self, path: str) -> bytes:
        request = urllib.request.Request(
            self.url + "mlplatform/api/" + path, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()  # type: ignore[no-any-return]

    def get(self, path: str) -> Any:
        return json.loads(self.read(path))

    def client_env(self) -> dict[str, str]:
        """The environment of a script pointed at this server by the two variables."""
        return _env(MLPLATFORM_URL=self.url, MLPLATFORM_TOKEN=self.token)

    def run_script(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-c", script, *args],
            env=self.client_env(),
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result


@pytest.fixture
def mlp_server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path, _free_port(), "test-token-123")
    server.start()
    yield server
    server.stop()


SCRIPT = """
import sys, time
import jupyterlab_mlplatform as mlp
n = int(sys.argv[1])
with mlp.start_run(experiment="script", name="resilient") as run:
    print(run.run_id, flush=True)
    for step in range(n):
        mlp.log_metric("x", float(step))
        if step % 100 == 0:
            print("logged", step, flush=True)
            time.sleep(0.05)
print("done", flush=True)
"""


def test_a_script_outside_jupyter_uses_the_two_variables(
    mlp_server_process: ServerProcess,
) -> None:
    result = mlp_server_process.run_script(SCRIPT, "1000")
    run_id = result.stdout.split()[0]
    history = mlp_server_process.get(f"runs/{run_id}/metrics/x")
    assert history["steps"] == list(range(1000))
    assert mlp_server_process.get(f"runs/{run_id}")["status"] == "FINISHED"


ARTIFACT_SCRIPT = """
import sys
from pathlib import Path
import jupyterlab_mlplatform as mlp

work = Path(sys.argv[1])
(work / "folder" / "sub").mkdir(parents=True)
(work / "folder" / "a.txt").write_text("A")
(work / "folder" / "sub" / "b.txt").write_text("B")
(work / "model.bin").write_bytes(bytes(range(256)) * 1000)


class Figure:  # the part of matplotlib's Figure that log_figure uses
    def savefig(self, buffer, format, bbox_inches):
        buffer.write(b"<svg>" + format.encode() + b"</svg>")


with mlp.start_run(experiment="files", name="with-files", params={"C": 1}) as run:
    mlp.log_artifact(work / "model.bin")
    mlp.log_artifact(work / "folder", artifact_path="data")
    mlp.log_figure(Figure(), "plots/curve.svg")
    mlp.log_metric("acc", 0.75)
frame = mlp.search_runs(experiment_names=["files"], filter="params.C = '1'")
print(run.run_id, len(frame), frame.loc[0, "metrics.acc"], frame.loc[0, "name"])
"""


def test_a_script_logs_artifacts_figures_and_searches(
    mlp_server_process: ServerProcess, tmp_path: Path
) -> None:
    result = mlp_server_process.run_script(ARTIFACT_SCRIPT, str(tmp_path / "work"))
    run_id, rows, acc, name = result.stdout.split()
    assert (rows, acc, name) == ("1", "0.75", "with-files")
    root = mlp_server_process.get(f"runs/{run_id}/artifacts")
    assert [f["path"] for f in root["files"]] == ["data", "model.bin", "plots"]
    data = mlp_server_process.get(f"runs/{run_id}/artifacts?path=data")
    assert [f["path"] for f in data["files"]] == ["data/a.txt", "data/sub"]
    sub = mlp_server_process.get(f"runs/{run_id}/artifacts?path=data/sub")
    assert [f["path"] for f in sub["files"]] == ["data/sub/b.txt"]
    model = next(f for f in root["files"] if f["path"] == "model.bin")
    assert model["size"] == 256_000
    svg = mlp_server_process.read(f"runs/{run_id}/artifacts/plots/curve.svg")
    assert svg == b"<svg>svg</svg>"


def test_killing_the_server_loses_nothing_and_duplicates_nothing(
    mlp_server_process: ServerProcess,
) -> None:
    client = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "3000"],
        env=mlp_server_process.client_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    run_id = client.stdout.readline().strip()
    # When the server dies mid-run (no clean shutdown) and comes back a moment later
    while "logged 1000" not in client.stdout.readline():
        pass
    mlp_server_process.kill()
    time.sleep(1.0)
    mlp_server_process.start()
    out, err = client.communicate(timeout=180)
    assert client.returncode == 0, err
    assert "done" in out
    # Then every point is stored exactly once
    history = mlp_server_process.get(f"runs/{run_id}/metrics/x")
    assert history["total"] == 3000
    assert history["steps"] == list(range(3000))
    assert history["values"] == [float(s) for s in range(3000)]
