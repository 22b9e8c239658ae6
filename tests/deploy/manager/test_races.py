"""Deployments under concurrent requests, through a real Jupyter server with real scoring
servers: API keys created and revoked at once, two creates of one name, and the lab proxy
while a killed scoring server is replaced."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
from pathlib import Path
from typing import Any

import psutil
import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from tests.deploy.manager.test_manager import COLUMNS, ROWS, _gone, _invoke, _log_model, model_dir

__all__ = ["model_dir"]  # the module-scoped fixture, shared with test_manager

BODY = {"dataframe_split": {"columns": COLUMNS, "data": ROWS.to_numpy().tolist()}}


@pytest.fixture
def mlp_deployment_config() -> dict[str, Any]:
    return {
        "health_interval": 0.5,
        "stop_grace": 5.0,
        "backoff_max": 1.0,
        "max_restarts": 3,
        # New processes, not forks: each scoring server is then a child of this process
        # whose command line names its deployment (the orphan check below needs that).
        "forkserver": False,
    }


def _scoring_servers(name: str) -> list[psutil.Process]:
    """This process's scoring-server children serving deployment ``name``."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            argv = child.cmdline()
        except psutil.Error:
            continue
        if "jupyterlab_mlplatform.deploy.serving" in argv and name in argv:
            found.append(child)
    return [p for p in found if not _gone(p.pid)]


async def _own_port(port: int, key: str) -> int:
    """Score on the deployment's own port with ``key``; the status code."""
    response = await AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{port}/invocations",
        method="POST",
        body=json.dumps(BODY),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        raise_error=False,
        request_timeout=60,
    )
    return response.code


async def test_keys_created_and_revoked_at_once_are_all_kept_or_gone(
    mlp_api: Any, model_dir: Path, mlp_data_dir: Path
) -> None:
    # Given a serving deployment with three keys
    run_id = await _log_model(mlp_api, model_dir)
    status, created = await mlp_api("POST", "deployments", {"name": "keyed", "run_id": run_id})
    assert status == 201 and created["status"] == "healthy", created
    old = []
    for i in range(3):
        status, key = await mlp_api("POST", "deployments/keyed/keys", {"name": f"old-{i}"})
        assert status == 201
        old.append(key)

    # When eight keys are created while the three are revoked, all at once
    answers = await asyncio.gather(
        *(mlp_api("POST", "deployments/keyed/keys", {"name": f"new-{i}"}) for i in range(8)),
        *(mlp_api("DELETE", f"deployments/keyed/keys/{key['id']}") for key in old),
    )

    # Then every create is stored and every revoked key stays revoked
    assert [status for status, _ in answers] == [201] * 8 + [200] * 3
    new = [key for _, key in answers[:8]]
    _, listing = await mlp_api("GET", "deployments/keyed/keys")
    assert sorted(k["id"] for k in listing["keys"]) == sorted(k["id"] for k in new)
    keys_file = (mlp_data_dir / "deployments" / "keyed" / "keys").read_text()
    lines = [line.split() for line in keys_file.splitlines() if not line.startswith("#")]
    assert {key_id for key_id, _ in lines} == {k["id"] for k in new} | {"mlplatform-proxy"}
    assert all(encoded.startswith("hmac_sha256$") for _, encoded in lines)  # fast to refuse
    # ... as the scoring server sees it on its own port
    port = created["port"]
    assert [await _own_port(port, k["key"]) for k in new] == [200] * 8
    assert [await _own_port(port, k["key"]) for k in old] == [401] * 3
    # ... and random secrets for the proxy's public key id are refused, the keys still work
    guesses = [f"mlplatform-proxy.{secrets.token_urlsafe(32)}" for _ in range(50)]
    assert await asyncio.gather(*(_own_port(port, g) for g in guesses)) == [401] * 50
    assert [await _own_port(port, k["key"]) for k in new[:2]] == [200] * 2

    # And a restart (which rewrites the keys file with a new proxy key) keeps them all
    status, _ = await mlp_api("PATCH", "deployments/keyed", {"action": "restart"})
    assert status == 200
    assert [await _own_port(port, k["key"]) for k in new] == [200] * 8
    assert [await _own_port(port, k["key"]) for k in old] == [401] * 3
    await mlp_api("DELETE", "deployments/keyed")


async def test_two_creates_of_one_name_give_one_deployment_and_no_orphan(
    mlp_api: Any, model_dir: Path
) -> None:
    # Given a run with a model
    run_id = await _log_model(mlp_api, model_dir)

    # When three creates of the same name arrive at once
    answers = await asyncio.gather(
        *(mlp_api("POST", "deployments", {"name": "twin", "run_id": run_id}) for _ in range(3))
    )

    # Then exactly one is created, the others are 409 and start nothing
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201, 409, 409], answers
    created = next(body for status, body in answers if status == 201)
    assert all(body["message"] for status, body in answers if status == 409)
    assert created["status"] == "healthy"
    servers = _scoring_servers("twin")
    assert [p.pid for p in servers] == [created["pid"]]
    _, listing = await mlp_api("GET", "deployments")
    assert [(d["name"], d["pid"]) for d in listing["deployments"]] == [("twin", created["pid"])]

    # And after its DELETE no scoring server of that name is left
    status, _ = await mlp_api("DELETE", "deployments/twin")
    assert status == 200
    for _ in range(100):
        if not _scoring_servers("twin"):
            break
        await asyncio.sleep(0.1)
    assert _scoring_servers("twin") == []


async def test_changes_queued_behind_a_delete_start_nothing(
    mlp_api: Any, model_dir: Path, mlp_data_dir: Path
) -> None:
    # Given a serving deployment
    run_id = await _log_model(mlp_api, model_dir)
    status, created = await mlp_api("POST", "deployments", {"name": "gone", "run_id": run_id})
    assert status == 201 and created["status"] == "healthy"

    # When it is deleted twice, restarted and given a key, all at once
    answers = await asyncio.gather(
        mlp_api("DELETE", "deployments/gone"),
        mlp_api("DELETE", "deployments/gone"),
        mlp_api("PATCH", "deployments/gone", {"action": "restart"}),
        mlp_api("POST", "deployments/gone/keys", {"name": "late"}),
    )

    # Then one delete wins; whatever came after it is 404 JSON and started no process
    deletes = sorted(status for status, _ in answers[:2])
    assert deletes == [200, 404], answers
    assert all(status in (200, 201, 404) for status, _ in answers), answers
    assert all(body["message"] for status, body in answers if status == 404)
    for _ in range(100):
        if not _scoring_servers("gone"):
            break
        await asyncio.sleep(0.1)
    assert _scoring_servers("gone") == []
    assert not (mlp_data_dir / "deployments" / "gone").exists()
    _, listing = await mlp_api("GET", "deployments")
    assert listing["deployments"] == []

    # And a new deployment of that name starts with no key of the old one
    status, again = await mlp_api("POST", "deployments", {"name": "gone", "run_id": run_id})
    assert status == 201 and again["status"] == "healthy"
    _, keys = await mlp_api("GET", "deployments/gone/keys")
    assert keys["keys"] == []
    await mlp_api("DELETE", "deployments/gone")


async def _restarting(mlp_app: Any, name: str) -> None:
    """Wait until the supervisor has seen the process die (it then waits ~1 s to restart)."""
    for _ in range(2000):
        if mlp_app.deployments.get(name).status == "restarting":
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{name} never restarted")


async def test_the_lab_proxy_waits_while_a_killed_process_is_replaced(
    mlp_api: Any, mlp_app: Any, jp_fetch: Any, model_dir: Path
) -> None:
    # Given a serving deployment
    run_id = await _log_model(mlp_api, model_dir)
    status, created = await mlp_api("POST", "deployments", {"name": "phoenix", "run_id": run_id})
    assert status == 201 and created["status"] == "healthy"
    code, answer = await _invoke(jp_fetch, "phoenix", BODY)
    assert code == 200
    expected = answer["predictions"]

    # When its scoring server is killed and the supervisor is about to replace it
    os.kill(created["pid"], signal.SIGKILL)
    await _restarting(mlp_app, "phoenix")

    # Then requests through the lab proxy meanwhile wait for the new process and are answered
    answers = await asyncio.gather(*(_invoke(jp_fetch, "phoenix", BODY) for _ in range(6)))
    assert answers == [(200, {"predictions": expected})] * 6
    _, now = await mlp_api("GET", "deployments/phoenix")
    assert now["status"] == "healthy" and now["restarts"] == 1 and now["pid"] != created["pid"]
    await mlp_api("DELETE", "deployments/phoenix")


async def test_the_lab_proxy_queue_is_bounded_in_size_and_time(
    mlp_api: Any, mlp_app: Any, jp_fetch: Any, model_dir: Path
) -> None:
    # Given a serving deployment whose proxy queues at most 2 requests for at most 1.5 s
    manager = mlp_app.deployments
    run_id = await _log_model(mlp_api, model_dir)
    status, created = await mlp_api("POST", "deployments", {"name": "bounded", "run_id": run_id})
    assert status == 201 and created["status"] == "healthy"
    manager.queue_limit, manager.queue_timeout = 2, 1.5
    manager.backoff_initial, manager.backoff_max = 5.0, 5.0

    # When its process is killed and four requests come while it is replaced (over 5 s)
    os.kill(created["pid"], signal.SIGKILL)
    await _restarting(mlp_app, "bounded")
    answers = await asyncio.gather(*(_invoke(jp_fetch, "bounded", BODY) for _ in range(4)))

    # Then two are refused at once (queue full) and two after waiting 1.5 s, all 503 JSON
    assert [code for code, _ in answers] == [503] * 4
    messages = sorted(body["message"] for _, body in answers)
    assert sum("queue" in m for m in messages) == 2, messages
    assert sum("within 1.5 s" in m for m in messages) == 2, messages

    # And once replaced, the deployment serves through the proxy again
    for _ in range(300):
        if manager.get("bounded").status == "healthy":
            break
        await asyncio.sleep(0.05)
    code, _ = await _invoke(jp_fetch, "bounded", BODY)
    assert code == 200
    await mlp_api("DELETE", "deployments/bounded")


async def test_a_stopped_deployment_is_refused_at_once(
    mlp_api: Any, jp_fetch: Any, model_dir: Path
) -> None:
    # Given a stopped deployment
    run_id = await _log_model(mlp_api, model_dir)
    await mlp_api("POST", "deployments", {"name": "idle", "run_id": run_id})
    await mlp_api("PATCH", "deployments/idle", {"action": "stop"})

    # Then the proxy does not queue for it: 503 naming the state
    code, error = await _invoke(jp_fetch, "idle", BODY)
    assert code == 503 and "stopped" in error["message"]
    with pytest.raises(HTTPClientError):
        await jp_fetch("mlplatform", "api", "deployments", "idle", "stats")
    await mlp_api("DELETE", "deployments/idle")
