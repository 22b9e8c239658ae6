"""Deployments over time, through the REST API of a real Jupyter server and real scoring
servers: redeploy and rollback without refusing a request, the stable port, API keys on the
deployment's own port, stats and metadata, the run's model tag, and supervision (a process
that stops answering health checks, a model that never gets ready)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from jupyterlab_mlplatform.deploy.model import load_model, save_model

from .test_manager import _gone, _invoke, _log_model, _wait_for

RNG = np.random.default_rng(1)
COLUMNS = ["a", "b", "c"]
FRAME = pd.DataFrame(RNG.normal(size=(80, 3)), columns=COLUMNS)
ROWS = FRAME.tail(8)
BODY = {"dataframe_split": {"columns": COLUMNS, "data": ROWS.to_numpy().tolist()}}


@pytest.fixture
def mlp_deployment_config() -> dict[str, Any]:
    return {
        "health_interval": 0.3,
        "health_timeout": 0.5,
        "stop_grace": 5.0,
        "backoff_max": 0.5,
    }


def _save(path: Path, target: pd.Series) -> Path:
    from sklearn.linear_model import LogisticRegression

    save_model(LogisticRegression().fit(FRAME, target), path, input_example=FRAME.head(2))
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two models that disagree on ``ROWS``."""
    root = tmp_path_factory.mktemp("versions")
    first = _save(root / "first", (FRAME.a > 0).astype(int))
    second = _save(root / "second", (FRAME.a <= 0).astype(int))
    assert load_model(first).predict(ROWS).tolist() != load_model(second).predict(ROWS).tolist()
    return first, second


def _predictions(folder: Path) -> list[Any]:
    return list(load_model(folder).predict(ROWS).tolist())


async def _direct(
    deployment: dict[str, Any], body: Any, key: str | None = None
) -> tuple[int, dict[str, Any]]:
    """POST to the deployment's own port, as a caller outside Jupyter would."""
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = HTTPRequest(
        f"http://127.0.0.1:{deployment['port']}/invocations",
        method="POST",
        body=json.dumps(body),
        headers=headers,
        request_timeout=30,
    )
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    return response.code, json.loads(response.body)


async def test_redeploy_and_rollback_switch_without_refusing_a_request(
    mlp_api: Any, jp_fetch: Any, models: tuple[Path, Path], mlp_data_dir: Path
) -> None:
    first, second = models
    first_run = await _log_model(mlp_api, first)
    second_run = await _log_model(mlp_api, second)

    # Given a deployment of the first model, called without a pause through the proxy and
    # with a key on its own port
    status, created = await mlp_api("POST", "deployments", {"name": "churn", "run_id": first_run})
    assert status == 201 and created["status"] == "healthy", created
    assert created["flavor"] == "sklearn" and len(created["versions"]) == 1
    assert created["endpoint"] == f"http://127.0.0.1:{created['port']}/invocations"
    _, key = await mlp_api("POST", "deployments/churn/keys", {"name": "load"})
    answers: list[tuple[str, int, Any]] = []
    calling = True

    async def call_forever() -> None:
        while calling:
            code, answer = await _invoke(jp_fetch, "churn", BODY)
            answers.append(("proxy", code, answer.get("predictions")))
            code, answer = await _direct(created, BODY, key["key"])
            answers.append(("direct", code, answer.get("predictions")))

    caller = asyncio.create_task(call_forever())
    try:
        await asyncio.sleep(0.3)

        # When a newer model is deployed under the same name
        status, redeployed = await mlp_api(
            "POST", "deployments/churn/versions", {"run_id": second_run}
        )
        assert status == 200, redeployed
        switched_at = len(answers)
        await asyncio.sleep(0.3)

        # Then version 2 serves on the same port, and the old process is gone
        assert redeployed["version"] == 2 and redeployed["run_id"] == second_run
        assert redeployed["port"] == created["port"] and redeployed["status"] == "healthy"
        assert [v["version"] for v in redeployed["versions"]] == [1, 2]
        assert redeployed["versions"][1]["created_by"] == redeployed["versions"][0]["created_by"]
        assert _gone(created["pid"])

        # When rolled back, version 1 serves again
        status, rolled = await mlp_api("PATCH", "deployments/churn", {"action": "rollback"})
        assert status == 200 and rolled["version"] == 1 and rolled["run_id"] == first_run
        rolled_at = len(answers)
        await asyncio.sleep(0.3)
    finally:
        calling = False
        await caller

    # Then every call was answered with the predictions of a version that was serving
    assert len(answers) > 10
    assert all(code == 200 for _, code, _ in answers), [a for a in answers if a[1] != 200][:3]
    v1, v2 = _predictions(first), _predictions(second)
    assert {tuple(p) for _, _, p in answers} <= {tuple(v1), tuple(v2)}
    assert answers[switched_at - 1][2] in (v1, v2) and answers[-1][2] == v1
    assert any(p == v2 for _, _, p in answers[switched_at:rolled_at])
    code, answer = await _invoke(jp_fetch, "churn", BODY)
    assert code == 200 and answer["predictions"] == v1

    # And both versions' files are kept for later rollbacks until the deployment goes
    folder = mlp_data_dir / "deployments" / "churn"
    assert (folder / "v1" / "model").is_dir() and (folder / "v2" / "model").is_dir()
    status, rolled = await mlp_api(
        "PATCH", "deployments/churn", {"action": "rollback", "version": 2}
    )
    assert status == 200 and rolled["version"] == 2
    status, error = await mlp_api(
        "PATCH", "deployments/churn", {"action": "rollback", "version": 9}
    )
    assert status == 404 and "version 9" in error["message"]
    await mlp_api("DELETE", "deployments/churn")
    assert not folder.exists()


async def test_a_version_that_cannot_start_leaves_the_old_one_serving(
    mlp_api: Any, jp_fetch: Any, models: tuple[Path, Path], mlp_data_dir: Path
) -> None:
    first, _second = models
    good = await _log_model(mlp_api, first)
    broken = await _log_model(mlp_api, first, corrupt=True)
    _, created = await mlp_api("POST", "deployments", {"name": "steady", "run_id": good})

    # When the new version's model cannot load
    status, error = await mlp_api("POST", "deployments/steady/versions", {"run_id": broken})

    # Then the answer says why, and version 1 still serves from the same process
    assert status == 422 and "MODEL_LOAD_FAILED" in error["message"], error
    assert "version 1 still serves" in error["message"]
    _, now = await mlp_api("GET", "deployments/steady")
    assert now["version"] == 1 and now["pid"] == created["pid"] and len(now["versions"]) == 1
    assert not (mlp_data_dir / "deployments" / "steady" / "v2").exists()
    code, answer = await _invoke(jp_fetch, "steady", BODY)
    assert code == 200 and answer["predictions"] == _predictions(first)

    # And rolling back from the first version is refused
    status, error = await mlp_api("PATCH", "deployments/steady", {"action": "rollback"})
    assert status == 409 and "earlier version" in error["message"]
    for body in ({"run_id": ""}, {"run_id": good, "artifact_path": "../x"}, {"extra": 1}):
        status, error = await mlp_api("POST", "deployments/steady/versions", body)
        assert status == 400 and error["message"], body
    status, error = await mlp_api("POST", "deployments/steady/versions", {"run_id": "nope"})
    assert status == 404
    status, error = await mlp_api("POST", "deployments/missing/versions", {"run_id": good})
    assert status == 404


async def test_restart_keeps_the_port_and_a_stopped_deployment_refuses_connections(
    mlp_api: Any, models: tuple[Path, Path]
) -> None:
    run_id = await _log_model(mlp_api, models[0])
    _, created = await mlp_api("POST", "deployments", {"name": "ported", "run_id": run_id})
    _, key = await mlp_api("POST", "deployments/ported/keys", {})

    # A restart of a serving deployment is a switch: a new process, the same port
    status, restarted = await mlp_api(
        "PATCH", "deployments/ported", {"action": "restart", "workers": 2}
    )
    assert status == 200 and restarted["pid"] != created["pid"] and restarted["workers"] == 2
    assert restarted["port"] == created["port"] and _gone(created["pid"])

    # Stopped: no port, connections refused
    _, stopped = await mlp_api("PATCH", "deployments/ported", {"action": "stop"})
    assert stopped["port"] is None and stopped["endpoint"] is None
    with pytest.raises(ConnectionRefusedError):
        await _direct(created, BODY, key["key"])

    # Started again: the same port, and the key still works
    _, started = await mlp_api("PATCH", "deployments/ported", {"action": "start"})
    assert started["status"] == "healthy" and started["port"] == created["port"]
    code, answer = await _direct(started, BODY, key["key"])
    assert code == 200 and answer["predictions"] == _predictions(models[0])


async def test_api_keys_guard_the_deployments_own_port(
    mlp_api: Any, jp_fetch: Any, models: tuple[Path, Path], mlp_data_dir: Path
) -> None:
    run_id = await _log_model(mlp_api, models[0])
    _, deployment = await mlp_api("POST", "deployments", {"name": "keyed", "run_id": run_id})

    # Without a key the port refuses, while the lab's proxy works
    code, error = await _direct(deployment, BODY)
    assert code == 401 and "API key" in error["message"]
    code, _ = await _direct(deployment, BODY, "made.up")
    assert code == 401
    code, _ = await _invoke(jp_fetch, "keyed", BODY)
    assert code == 200

    # A created key works at once; it is shown whole once, listed by prefix, stored hashed
    status, created = await mlp_api("POST", "deployments/keyed/keys", {"name": "batch job"})
    assert status == 201 and created["key"].startswith(created["prefix"])
    assert created["name"] == "batch job" and created["created_by"]
    code, answer = await _direct(deployment, BODY, created["key"])
    assert code == 200 and answer["predictions"] == _predictions(models[0])
    _, second = await mlp_api("POST", "deployments/keyed/keys", {})
    _, listing = await mlp_api("GET", "deployments/keyed/keys")
    assert [k["id"] for k in listing["keys"]] == [created["id"], second["id"]]
    assert all("key" not in k and len(k["prefix"]) < len(created["key"]) for k in listing["keys"])
    stored = (mlp_data_dir / "deployments" / "keyed" / "api_keys.json").read_text()
    served = (mlp_data_dir / "deployments" / "keyed" / "keys").read_text()
    assert created["key"] not in stored and created["key"] not in served
    assert created["key"].split(".", 1)[1] not in stored

    # A revoked key is refused from the next request on; the other still works
    status, revoked = await mlp_api("DELETE", f"deployments/keyed/keys/{created['id']}")
    assert status == 200 and revoked["id"] == created["id"]
    code, error = await _direct(deployment, BODY, created["key"])
    assert code == 401 and "revoked" in error["message"]
    code, _ = await _direct(deployment, BODY, second["key"])
    assert code == 200
    status, error = await mlp_api("DELETE", f"deployments/keyed/keys/{created['id']}")
    assert status == 404 and error["message"]

    # Bad input
    status, error = await mlp_api("POST", "deployments/keyed/keys", {"name": "x" * 101})
    assert status == 400 and error["message"]
    status, error = await mlp_api("POST", "deployments/keyed/keys", {"secret": "mine"})
    assert status == 400
    for method, route in (("GET", "keys"), ("POST", "keys"), ("DELETE", "keys/abc")):
        status, error = await mlp_api(
            method, f"deployments/missing/{route}", {} if method == "POST" else None
        )
        assert status == 404 and error["message"], route


async def test_stats_metadata_and_the_runs_model_tag(
    mlp_api: Any, jp_fetch: Any, models: tuple[Path, Path]
) -> None:
    run_id = await _log_model(mlp_api, models[0])

    # The run says it holds a model package, and where
    _, run = await mlp_api("GET", f"runs/{run_id}")
    assert json.loads(run["tags"]["mlplatform.models"]) == [
        {"artifact_path": "model", "flavor": "sklearn"}
    ]
    _, page = await mlp_api(
        "POST", "runs/search", {"filter": "tags.`mlplatform.models` IS NOT NULL"}
    )
    assert [r["run_id"] for r in page["runs"]] == [run_id]

    status, _ = await mlp_api("POST", "deployments", {"name": "counted", "run_id": run_id})
    assert status == 201
    for _ in range(3):
        code, _ = await _invoke(jp_fetch, "counted", BODY)
        assert code == 200
    code, _ = await _invoke(jp_fetch, "counted", {"dataframe_split": {"columns": ["zzz"]}})
    assert code == 400

    status, stats = await mlp_api("GET", "deployments/counted/stats")
    assert status == 200 and stats["requests"] == 4 and stats["errors"] == 1
    assert 0 < stats["latency_mean_ms"] <= stats["latency_p99_ms"]
    assert stats["latency_p50_ms"] <= stats["latency_p99_ms"] and stats["uptime_seconds"] > 0

    status, metadata = await mlp_api("GET", "deployments/counted/metadata")
    assert status == 200 and metadata["deployment"] == "counted" and metadata["version"] == 1
    assert metadata["flavor"] == "sklearn"
    assert metadata["input_example"]["dataframe_split"]["columns"] == COLUMNS

    await mlp_api("PATCH", "deployments/counted", {"action": "stop"})
    for route in ("stats", "metadata"):
        status, error = await mlp_api("GET", f"deployments/counted/{route}")
        assert status == 503 and "stopped" in error["message"]
    status, error = await mlp_api("GET", "deployments/missing/stats")
    assert status == 404


async def test_a_process_that_stops_answering_health_checks_is_replaced(
    mlp_api: Any, jp_fetch: Any, models: tuple[Path, Path]
) -> None:
    run_id = await _log_model(mlp_api, models[0])
    _, created = await mlp_api("POST", "deployments", {"name": "frozen", "run_id": run_id})

    # When the scoring server hangs (stopped, so it neither exits nor answers)
    os.kill(created["pid"], signal.SIGSTOP)
    try:
        for _ in range(600):
            _, now = await mlp_api("GET", "deployments/frozen")
            if now["status"] == "healthy" and now["pid"] != created["pid"]:
                break
            await asyncio.sleep(0.1)
    finally:
        if not _gone(created["pid"]):
            os.kill(created["pid"], signal.SIGCONT)

    # Then the supervisor killed it and serves from a new process, and the log says why
    assert now["pid"] != created["pid"] and now["restarts"] == 1
    assert _gone(created["pid"])
    _, logs = await mlp_api("GET", "deployments/frozen/logs")
    assert any("stopped answering health checks" in line for line in logs["lines"])
    code, answer = await _invoke(jp_fetch, "frozen", BODY)
    assert code == 200 and answer["predictions"] == _predictions(models[0])


class _Hangs:
    def predict(self, frame: Any) -> Any:
        return [0] * len(frame)


def _hanging_model(path: Path) -> Path:
    """A generic-flavor model whose loading never ends (its state sleeps when restored)."""

    class SlowToLoad(_Hangs):
        def __init__(self) -> None:
            self.state = "restored by __setstate__, which pickle calls only when there is some"

        def __setstate__(self, state: dict[str, Any]) -> None:
            import time

            time.sleep(3600)

    save_model(SlowToLoad(), path, input_example=FRAME.head(1))
    return path


async def test_a_model_that_never_gets_ready_fails_with_a_timeout(
    mlp_api: Any, mlp_app: Any, tmp_path: Path
) -> None:
    manager = mlp_app.deployments
    manager.start_timeout = 3.0
    run_id = await _log_model(mlp_api, _hanging_model(tmp_path / "slow"))

    status, created = await mlp_api("POST", "deployments", {"name": "slow", "run_id": run_id})

    assert status == 201 and created["status"] == "failed", created
    assert "not ready within 3 s" in created["error"] and created["pid"] is None
    runtime = manager._deployments["slow"]
    assert runtime.process is None and runtime.starting is None
    _, logs = await mlp_api("GET", "deployments/slow/logs")
    assert any("did not start: The scoring server was not ready" in x for x in logs["lines"])
    await _wait_for(mlp_api, "slow", "failed")
