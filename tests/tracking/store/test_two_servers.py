"""Two real Jupyter servers on one tracking database, written to at the same moment.

A team's JupyterHub runs one server per user against one PostgreSQL (issue 14).  Inside a
server the store's writes go one at a time through the writer thread; between servers only
the database's own locks order them.  Each test sends its requests to both servers at once
(threads released together by a barrier) and checks what was stored.  SQLite runs the same
tests where two processes share one database file.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
import requests

from tests.collab.server_process import ServerProcess

ROUNDS = 8
"""How many times each race is run: one round may happen to pass without the lock."""


class Server:
    """One of the two: its ``/mlplatform/api/`` and MLflow facade over a requests session."""

    def __init__(self, process: ServerProcess, tracking_uri: str) -> None:
        self.url = process.server.url
        self.tracking_uri = tracking_uri
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {process.token}"

    def api(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any:
        response = self.session.request(
            method,
            self.url + "mlplatform/api/" + path,
            json=body if raw is None else None,
            data=raw,
            timeout=60,
        )
        return response.status_code, response.json() if response.content else None

    def mlflow(self, path: str, body: Any) -> Any:
        response = self.session.post(
            self.url + "mlplatform/mlflow/api/2.0/mlflow/" + path, json=body, timeout=60
        )
        return response.status_code, response.json() if response.content else None


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls on threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Two jupyter server processes with the platform on one fresh database and one
    artifact root (as a team's single-user servers share them)."""
    root = tmp_path_factory.mktemp(f"two-{request.param}")
    drop: Callable[[], None] | None = None
    if request.param == "sqlite":
        uri = f"sqlite:///{root / 'tracking.db'}"
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        server = make_url(request.getfixturevalue("mlp_postgres_url"))
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        uri = server.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()

    config = {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlplatform": True}, "log_level": "INFO"},
        "MLPlatformApp": {"tracking_uri": uri, "artifact_root": str(root / "artifacts")},
    }
    processes = [ServerProcess(root / name, config) for name in ("a", "b")]
    # ServerProcess is asyncio's: one loop of this fixture's own starts and stops both.
    loop = asyncio.new_event_loop()
    try:
        for process in processes:  # one after the other: the first one migrates
            loop.run_until_complete(process.start())
        yield Server(processes[0], uri), Server(processes[1], uri)
    finally:
        for process in processes:
            loop.run_until_complete(process.stop())
        loop.close()
        if drop is not None:
            drop()


def new_run(server: Server, **spec: Any) -> str:
    status, run = server.api("POST", "runs", {"experiment_name": "two-servers", **spec})
    assert status == 201, run
    return str(run["run_id"])


def test_model_packages_uploaded_through_both_servers_are_all_listed(
    servers: tuple[Server, Server],
) -> None:
    """The run's ``mlplatform.models`` tag is a JSON list that each upload of a model
    package reads, changes and writes back: both servers' entries must stay."""
    a, b = servers
    for _ in range(ROUNDS):
        run_id = new_run(a)
        package = json.dumps({"flavor": "sklearn"}).encode()

        path = f"runs/{run_id}/artifacts/model-%s/mlplatform_model.json"
        results = at_once(
            partial(a.api, "PUT", path % "a", raw=package),
            partial(b.api, "PUT", path % "b", raw=package),
        )
        assert [status for status, _ in results] == [201, 201], results
        _, run = a.api("GET", f"runs/{run_id}")
        assert json.loads(run["tags"]["mlplatform.models"]) == [
            {"artifact_path": "model-a", "flavor": "sklearn"},
            {"artifact_path": "model-b", "flavor": "sklearn"},
        ]


def test_mlflow_log_model_through_both_servers_keeps_both_entries(
    servers: tuple[Server, Server],
) -> None:
    """MLflow 2's ``runs/log-model`` appends to the run's ``mlflow.log-model.history``."""
    a, b = servers
    for _ in range(ROUNDS):
        run_id = new_run(b)

        entry = {path: json.dumps({"artifact_path": path}) for path in ("a", "b")}
        results = at_once(
            partial(a.mlflow, "runs/log-model", {"run_id": run_id, "model_json": entry["a"]}),
            partial(b.mlflow, "runs/log-model", {"run_id": run_id, "model_json": entry["b"]}),
        )
        assert [status for status, _ in results] == [200, 200], results
        _, run = b.api("GET", f"runs/{run_id}")
        history = json.loads(run["tags"]["mlflow.log-model.history"])
        assert sorted(entry["artifact_path"] for entry in history) == ["a", "b"]


def test_one_experiment_name_created_on_both_servers_is_created_once(
    servers: tuple[Server, Server],
) -> None:
    """Exactly one server creates it; the other answers MLflow's RESOURCE_ALREADY_EXISTS
    (facade) or 409 (our API), never a 500."""
    a, b = servers
    for i in range(ROUNDS):
        name = f"mlflow-{uuid.uuid4().hex[:8]}"
        results = at_once(
            partial(a.mlflow, "experiments/create", {"name": name}),
            partial(b.mlflow, "experiments/create", {"name": name}),
        )
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 400], results
        refused = next(body for status, body in results if status == 400)
        assert refused["error_code"] == "RESOURCE_ALREADY_EXISTS"

        name = f"ours-{i}-{uuid.uuid4().hex[:8]}"
        results = at_once(
            partial(a.api, "POST", "experiments", {"name": name}),
            partial(b.api, "POST", "experiments", {"name": name}),
        )
        assert sorted(status for status, _ in results) == [201, 409], results
        assert "message" in next(body for status, body in results if status == 409)
        _, listed = a.api("GET", "experiments")
        assert [e["name"] for e in listed["experiments"]].count(name) == 1


def test_runs_created_in_a_new_experiment_on_both_servers_share_it(
    servers: tuple[Server, Server],
) -> None:
    """A run naming an experiment that does not exist yet creates it: both servers' runs
    end up in one experiment."""
    a, b = servers
    for _ in range(ROUNDS):
        name = f"new-{uuid.uuid4().hex[:8]}"
        results = at_once(
            partial(a.api, "POST", "runs", {"experiment_name": name}),
            partial(b.api, "POST", "runs", {"experiment_name": name}),
        )
        assert [status for status, _ in results] == [201, 201], results
        assert len({run["experiment_id"] for _, run in results}) == 1


def test_a_batch_retried_against_the_other_server_is_stored_once(
    servers: tuple[Server, Server],
) -> None:
    """The same batch id sent to both servers at once (a client retrying on another
    server) is applied by one; the other reports it as already applied."""
    a, b = servers
    for _ in range(ROUNDS):
        run_id = new_run(a)
        batch = {
            "batch_id": uuid.uuid4().hex,
            "params": {"lr": "0.1"},
            "metrics": [{"key": "loss", "value": float(i), "step": i} for i in range(100)],
        }
        results = at_once(
            partial(a.api, "POST", f"runs/{run_id}/log", batch),
            partial(b.api, "POST", f"runs/{run_id}/log", batch),
        )
        assert [status for status, _ in results] == [200, 200], results
        assert sorted(body["applied"] for _, body in results) == [False, True]
        _, history = b.api("GET", f"runs/{run_id}/metrics/loss")
        assert history["total"] == 100


def test_the_same_new_param_from_both_servers(servers: tuple[Server, Server]) -> None:
    """Params are immutable: the same value set by both at once is fine for both, two
    different values leave one of them and a 409 (not a 500) for the other."""
    a, b = servers
    for _ in range(ROUNDS):
        run_id = new_run(a)
        log = f"runs/{run_id}/log"
        same = {"params": {"seed": "1", "depth": "3"}}
        results = at_once(partial(a.api, "POST", log, same), partial(b.api, "POST", log, same))
        assert [status for status, _ in results] == [200, 200], results

        results = at_once(
            partial(a.api, "POST", log, {"params": {"model": "rf"}}),
            partial(b.api, "POST", log, {"params": {"model": "svm"}}),
        )
        assert sorted(status for status, _ in results) == [200, 409], results
        _, run = a.api("GET", f"runs/{run_id}")
        assert run["params"]["model"] == ("rf" if results[0][0] == 200 else "svm")


def test_batches_with_the_same_new_keys_in_either_order(servers: tuple[Server, Server]) -> None:
    """Two batches that number the same new metric keys, listed in opposite orders, each
    wait for the other's keys at most once (no deadlock between the servers)."""
    a, b = servers
    keys = [f"k{i:02}" for i in range(20)]
    for _ in range(ROUNDS):
        run_id = new_run(b)

        forward = {"metrics": [{"key": k, "value": 1.0, "step": 0} for k in keys]}
        backward = {"metrics": forward["metrics"][::-1]}
        log = f"runs/{run_id}/log"
        results = at_once(
            partial(a.api, "POST", log, forward), partial(b.api, "POST", log, backward)
        )
        assert [status for status, _ in results] == [200, 200], results
        _, run = a.api("GET", f"runs/{run_id}")
        assert sorted(run["metrics"]) == keys


def test_restoring_a_run_while_the_other_deletes_its_experiment(
    servers: tuple[Server, Server],
) -> None:
    """A restore reads its experiment's stage, and the experiment's deletion deletes its
    runs: whichever order the two servers end up in, no active run is left in a deleted
    experiment."""
    a, b = servers
    for _ in range(ROUNDS):
        status, experiment = a.api("POST", "experiments", {"name": f"e-{uuid.uuid4().hex[:8]}"})
        assert status == 201, experiment
        eid = experiment["experiment_id"]
        run_id = new_run(a, experiment_name=None, experiment_id=eid)
        assert a.api("DELETE", f"runs/{run_id}")[0] == 200
        results = at_once(
            partial(a.api, "PATCH", f"runs/{run_id}", {"lifecycle_stage": "active"}),
            partial(b.api, "DELETE", f"experiments/{eid}"),
        )
        assert results[1][0] == 200, results
        assert results[0][0] in (200, 409), results
        _, run = b.api("GET", f"runs/{run_id}")
        _, experiment = b.api("GET", f"experiments/{eid}")
        assert experiment["lifecycle_stage"] == "deleted"
        assert run["lifecycle_stage"] == "deleted", results


def test_inputs_logged_while_the_other_deletes_the_run_for_good(
    servers: tuple[Server, Server],
) -> None:
    """MLflow's ``runs/log-inputs`` on one server while the other deletes the run for good:
    either the inputs come first (and go with the run) or they find no run (404)."""
    a, b = servers
    for _ in range(ROUNDS):
        run_id = new_run(a)
        dataset = {"name": "d", "digest": "x1", "source_type": "local", "source": "/d"}
        results = at_once(
            partial(
                a.mlflow,
                "runs/log-inputs",
                {"run_id": run_id, "datasets": [{"dataset": dataset}]},
            ),
            partial(b.api, "DELETE", f"runs/{run_id}?permanent=true"),
        )
        assert results[1][0] == 200, results
        assert results[0][0] in (200, 404), results
        assert rows_of_run(a, "run_dataset_inputs", run_id) == 0, results


def rows_of_run(server: Server, table: str, run_id: str) -> int:
    """Rows of ``table`` left for the run, read from the database itself."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server.tracking_uri)
    try:
        with engine.connect() as conn:
            query = text(f"SELECT count(*) FROM {table} WHERE run_id = :run_id")
            return int(conn.execute(query, {"run_id": run_id}).scalar_one())
    finally:
        engine.dispose()


def test_the_same_new_logged_model_param_from_both_servers(
    servers: tuple[Server, Server],
) -> None:
    """A logged model's params are immutable too: the same value from both servers at once
    is fine for both, never a 500."""
    a, b = servers
    for _ in range(ROUNDS):
        status, created = a.mlflow("logged-models", {"experiment_id": "0"})
        assert status == 200, created
        path = f"logged-models/{created['model']['info']['model_id']}/params"
        params = {"params": [{"key": "alpha", "value": "0.5"}, {"key": "depth", "value": "3"}]}
        results = at_once(partial(a.mlflow, path, params), partial(b.mlflow, path, params))
        assert [status for status, _ in results] == [200, 200], results
