"""Deployments through the REST API of a real Jupyter server: real scoring-server processes
serving a model logged into a run, supervision, failures, stop/delete, no orphans, restore."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_mlplatform.deploy.model import load_model, save_model

RNG = np.random.default_rng(0)
COLUMNS = ["a", "b", "c"]
FRAME = pd.DataFrame(RNG.normal(size=(60, 3)), columns=COLUMNS)
TARGET = (FRAME.a + FRAME.b > 0).astype(int)
ROWS = FRAME.tail(5)


@pytest.fixture
def mlp_deployment_config() -> dict[str, Any]:
    return {
        "health_interval": 0.5,
        "stop_grace": 5.0,
        "backoff_max": 1.0,
        "max_restarts": 1,
    }


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.linear_model import LogisticRegression

    path = tmp_path_factory.mktemp("models") / "model"
    save_model(LogisticRegression().fit(FRAME, TARGET), path, input_example=FRAME.head(3))
    return path


async def _log_model(mlp_api: Any, folder: Path, corrupt: bool = False) -> str:
    """A run with the package uploaded under ``model/``; ``corrupt`` garbles its files."""
    _, run = await mlp_api("POST", "runs", {})
    run_id = str(run["run_id"])
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = file.relative_to(folder).as_posix()
        data = file.read_bytes()
        if corrupt and relative != "mlplatform_model.json":
            data = b"not a model"
        status, _ = await mlp_api("PUT", f"runs/{run_id}/artifacts/model/{relative}", raw=data)
        assert status == 201
    return run_id


async def _wait_for(mlp_api: Any, name: str, *statuses: str) -> dict[str, Any]:
    for _ in range(600):
        _, deployment = await mlp_api("GET", f"deployments/{name}")
        if deployment["status"] in statuses:
            return dict(deployment)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} never reached {statuses}: {deployment}")


async def _invoke(jp_fetch: Any, name: str, body: Any) -> tuple[int, Any]:
    try:
        response = await jp_fetch(
            "mlplatform",
            "api",
            "deployments",
            name,
            "invocations",
            method="POST",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
    except HTTPClientError as e:
        assert e.response is not None
        return e.code, json.loads(e.response.body)
    return response.code, json.loads(response.body)


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (an orphan's reaper may be slow)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


async def test_deploy_invoke_restart_stop_delete(
    mlp_api: Any, jp_fetch: Any, model_dir: Path, mlp_data_dir: Path
) -> None:
    # Given a run with a logged model
    run_id = await _log_model(mlp_api, model_dir)

    # When it is deployed
    status, created = await mlp_api("POST", "deployments", {"name": "iris-1", "run_id": run_id})

    # Then it serves the model's predictions through the proxied route
    assert status == 201, created
    assert created["status"] == "healthy" and created["version"] == 1
    assert created["url"].endswith("mlplatform/api/deployments/iris-1/invocations")
    model_copy = mlp_data_dir / "deployments" / "iris-1" / "v1" / "model"
    assert (model_copy / "mlplatform_model.json").is_file()
    expected = load_model(model_dir).predict(ROWS).tolist()
    body = {"dataframe_split": {"columns": COLUMNS, "data": ROWS.to_numpy().tolist()}}
    code, answer = await _invoke(jp_fetch, "iris-1", body)
    assert code == 200 and answer["predictions"] == expected
    code, error = await _invoke(jp_fetch, "iris-1", {"dataframe_split": {"columns": ["a"]}})
    assert code == 400 and error["error_code"]  # the scoring server's own error
    _, listing = await mlp_api("GET", "deployments")
    assert [d["name"] for d in listing["deployments"]] == ["iris-1"]
    _, logs = await mlp_api("GET", "deployments/iris-1/logs", tail=50)
    assert any('"event": "ready"' in line or '"event":"ready"' in line for line in logs["lines"])

    # When the process is killed, the supervisor starts a new one
    first_pid = created["pid"]
    os.kill(first_pid, signal.SIGKILL)
    for _ in range(600):
        _, now = await mlp_api("GET", "deployments/iris-1")
        if now["status"] == "healthy" and now["pid"] != first_pid:
            break
        await asyncio.sleep(0.1)
    assert now["restarts"] == 1 and now["pid"] != first_pid
    code, answer = await _invoke(jp_fetch, "iris-1", body)
    assert code == 200 and answer["predictions"] == expected

    # When it crashes again (over max_restarts in a row), the supervisor gives up
    os.kill(now["pid"], signal.SIGKILL)
    failed = await _wait_for(mlp_api, "iris-1", "failed")
    assert failed["pid"] is None and "gave up" in failed["error"]
    code, error = await _invoke(jp_fetch, "iris-1", body)
    assert code == 503 and "failed" in error["message"]

    # When started again with two workers, it serves
    status, started = await mlp_api(
        "PATCH", "deployments/iris-1", {"action": "start", "workers": 2}
    )
    assert status == 200 and started["status"] == "healthy" and started["workers"] == 2
    assert started["restarts"] == 0 and started["error"] is None
    code, answer = await _invoke(jp_fetch, "iris-1", body)
    assert code == 200 and answer["predictions"] == expected

    # When stopped, no process is left and invocations are refused
    status, stopped = await mlp_api("PATCH", "deployments/iris-1", {"action": "stop"})
    assert status == 200 and stopped["status"] == "stopped" and stopped["pid"] is None
    assert _gone(started["pid"])
    code, error = await _invoke(jp_fetch, "iris-1", body)
    assert code == 503 and "stopped" in error["message"]

    # When deleted, it is gone with its files and its process
    status, deleted = await mlp_api("DELETE", "deployments/iris-1")
    assert deleted["status"] == "stopped"
    assert status == 200 and _gone(started["pid"])
    assert not (mlp_data_dir / "deployments" / "iris-1").exists()
    status, error = await mlp_api("GET", "deployments/iris-1")
    assert status == 404 and error["message"]

    # The activity feed tells the team what was done, by whom (the token's owner here)
    _, feed = await mlp_api("GET", "activity")
    done = [
        (i["deployment"]["name"], i["deployment"]["action"], i["deployment"]["version"])
        for i in reversed(feed["items"])
        if i["kind"] == "deployment"
    ]
    assert done == [
        ("iris-1", "created", 1),
        ("iris-1", "started", 1),
        ("iris-1", "stopped", 1),
        ("iris-1", "deleted", 1),
    ]
    assert {i["user"]["username"] for i in feed["items"]} == {getpass.getuser()}


async def test_a_model_that_cannot_load_fails_with_the_error(mlp_api: Any, model_dir: Path) -> None:
    run_id = await _log_model(mlp_api, model_dir, corrupt=True)
    status, created = await mlp_api("POST", "deployments", {"name": "broken", "run_id": run_id})
    assert status == 201
    assert created["status"] == "failed" and created["pid"] is None
    assert "MODEL_LOAD_FAILED" in created["error"]
    _, logs = await mlp_api("GET", "deployments/broken/logs")
    assert any("load_failed" in line for line in logs["lines"])
    status, _ = await mlp_api("DELETE", "deployments/broken")
    assert status == 200
    # A deployment that never served is not news: the feed has only its removal
    _, feed = await mlp_api("GET", "activity")
    assert [i["deployment"]["action"] for i in feed["items"]] == ["deleted"]


async def test_bad_requests_are_4xx_json(mlp_api: Any, jp_fetch: Any, model_dir: Path) -> None:
    _, run = await mlp_api("POST", "runs", {})
    for body in (
        {"name": "Bad_Name", "run_id": run["run_id"]},
        {"name": "-dash", "run_id": run["run_id"]},
        {"name": "a" * 64, "run_id": run["run_id"]},
        {"name": "ok", "run_id": run["run_id"], "workers": 9},
        {"name": "ok", "run_id": run["run_id"], "artifact_path": "../other"},
        {"name": "ok"},
    ):
        status, error = await mlp_api("POST", "deployments", body)
        assert status == 400 and error["message"], body
    status, error = await mlp_api("POST", "deployments", {"name": "ok", "run_id": "nope"})
    assert status == 404 and error["message"]
    # A run without a model package at that path
    status, error = await mlp_api("POST", "deployments", {"name": "ok", "run_id": run["run_id"]})
    assert status == 404 and error["message"]
    await mlp_api("PUT", f"runs/{run['run_id']}/artifacts/model/notes.txt", raw=b"hi")
    status, error = await mlp_api("POST", "deployments", {"name": "ok", "run_id": run["run_id"]})
    assert status == 400 and "mlplatform_model.json" in error["message"]
    _, listing = await mlp_api("GET", "deployments")
    assert listing["deployments"] == []
    for method, route, body in (
        ("GET", "deployments/missing", None),
        ("PATCH", "deployments/missing", {"action": "stop"}),
        ("DELETE", "deployments/missing", None),
        ("GET", "deployments/missing/logs", None),
    ):
        status, error = await mlp_api(method, route, body)
        assert status == 404 and error["message"], route
    status, error = await mlp_api("PATCH", "deployments/missing", {"action": "explode"})
    assert status == 400
    code, error = await _invoke(jp_fetch, "missing", {})
    assert code == 404 and error["message"]


SPAWN_AND_WAIT = """
import asyncio, sys
from pathlib import Path
from jupyterlab_mlplatform.deploy.manager.process import ProcessLog, ScoringProcess

async def main():
    log = ProcessLog(Path(sys.argv[2]), 100, 10**6)
    process = await ScoringProcess.spawn(Path(sys.argv[1]), 1, log, "orphan", 1)
    await process.wait_ready(60)
    print(process.pid, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def test_scoring_servers_die_with_the_jupyter_server(model_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    # Given a process (standing in for the Jupyter server) that started a scoring server
    owner = subprocess.Popen(
        [sys.executable, "-c", SPAWN_AND_WAIT, str(model_dir), str(tmp_path / "log")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    child = int(owner.stdout.readline())
    assert not _gone(child)

    # When it is killed without a chance to clean up
    owner.kill()
    owner.wait()
    owner.stdout.close()

    # Then the scoring server goes too
    for _ in range(300):
        if _gone(child):
            break
        time.sleep(0.05)
    assert _gone(child)


def _call(server: Any, method: str, route: str, body: bytes | None = None) -> Any:
    import urllib.request

    request = urllib.request.Request(
        server.url + "mlplatform/api/" + route,
        data=body,
        method=method,
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _forkservers(server: Any) -> list[psutil.Process]:
    """The Jupyter server's fork server child (its forked children show the same command)."""
    assert server.process is not None
    return [
        p
        for p in psutil.Process(server.process.pid).children()
        if "deploy.serving.forkserver" in " ".join(p.cmdline())
    ]


def test_the_fork_server_starts_when_the_deployments_are_listed(tmp_path: Path) -> None:
    import time

    from tests.tracking.client.test_client import ServerProcess, _free_port

    # Given a real Jupyter server without deployments, answering the tracking API
    server = ServerProcess(tmp_path, _free_port(), "deploy-token")
    server.start()
    try:
        for _ in range(10):
            _call(server, "GET", "experiments")
            time.sleep(0.1)
        # Then it has started no fork server (130 MB that a user who never deploys saves)
        assert _forkservers(server) == []

        # When the Deploy panel lists the deployments
        assert _call(server, "GET", "deployments") == {"deployments": []}

        # Then the fork server starts in the background, and only one for repeated lists
        for _ in range(300):
            if _forkservers(server):
                break
            time.sleep(0.1)
        for _ in range(3):
            _call(server, "GET", "deployments")
        assert len(_forkservers(server)) == 1
    finally:
        server.stop()


def test_a_restarted_jupyter_server_restores_its_deployments(
    model_dir: Path, tmp_path: Path
) -> None:
    import time

    from tests.tracking.client.test_client import ServerProcess, _free_port

    server = ServerProcess(tmp_path, _free_port(), "deploy-token")
    server.start()
    try:
        # Given a deployment on a real Jupyter server
        run_id = _call(server, "POST", "runs", b"{}")["run_id"]
        for file in sorted(p for p in model_dir.rglob("*") if p.is_file()):
            relative = file.relative_to(model_dir).as_posix()
            _call(server, "PUT", f"runs/{run_id}/artifacts/model/{relative}", file.read_bytes())
        spec = json.dumps({"name": "kept", "run_id": run_id}).encode()
        created = _call(server, "POST", "deployments", spec)
        assert created["status"] == "healthy"
        spec = json.dumps({"name": "paused", "run_id": run_id}).encode()
        paused = _call(server, "POST", "deployments", spec)
        _call(server, "PATCH", "deployments/paused", json.dumps({"action": "stop"}).encode())

        # Served by a child of the warm fork server, which is the Jupyter server's child
        assert server.process is not None
        descendants = psutil.Process(server.process.pid).children(recursive=True)
        forkserver = _forkservers(server)
        assert len(forkserver) == 1
        assert created["pid"] in {p.pid for p in forkserver[0].children()}

        # When the server stops (stop_extension), its scoring servers and fork server are gone
        server.stop()
        assert _gone(created["pid"]) and _gone(paused["pid"])
        assert all(_gone(p.pid) for p in descendants)

        # Then the next server start serves the deployment again
        server.start()
        for _ in range(600):
            restored = _call(server, "GET", "deployments/kept")
            if restored["status"] != "starting":
                break
            time.sleep(0.1)
        assert restored["status"] == "healthy" and restored["pid"] != created["pid"]
        assert restored["run_id"] == run_id and restored["created_at"] == created["created_at"]
        listing = _call(server, "GET", "deployments")["deployments"]
        assert [(d["name"], d["status"]) for d in listing] == [
            ("kept", "healthy"),
            ("paused", "stopped"),
        ]
        body = {"dataframe_split": {"columns": COLUMNS, "data": ROWS.to_numpy().tolist()}}
        answer = _call(server, "POST", "deployments/kept/invocations", json.dumps(body).encode())
        assert answer["predictions"] == load_model(model_dir).predict(ROWS).tolist()
    finally:
        server.stop()
    assert _gone(restored["pid"])


async def test_shutdown_during_a_start_leaves_no_process(
    mlp_api: Any, mlp_app: Any, model_dir: Path
) -> None:
    from jupyterlab_mlplatform.deploy.manager import DeploymentCreate

    # Given a deployment whose scoring server is starting
    run_id = await _log_model(mlp_api, model_dir)
    manager = mlp_app.deployments
    creating = asyncio.create_task(manager.create(DeploymentCreate(name="late", run_id=run_id)))
    for _ in range(6000):
        runtime = manager._deployments.get("late")
        if runtime is not None and runtime.starting is not None:
            break
        await asyncio.sleep(0.01)
    pid = runtime.starting.pid

    # When the manager closes meanwhile, the start ends and no process is left
    await manager.close()
    created = await creating
    assert created.status in ("stopped", "failed") and created.pid is None
    assert _gone(pid)
