"""The team set-up, end to end: JupyterHub 5 with two users, one PostgreSQL tracking store
and one S3 artifact root (moto's S3 server), every request through the hub's proxy with the
user's own hub API token.

One hub for the module (its start and the two spawns take most of the time); each test
makes its own runs.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import requests
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from jupyterlab_mlplatform.constants import API_ROOT, MLFLOW_API_ROOT
from jupyterlab_mlplatform.deploy.model import load_model, save_model
from tests.autolog.notebook_kernel import Execution, NotebookKernel
from tests.collab.ydoc_client import CollabServer, NotebookClient
from tests.hub.team import BUCKET, ProxyUnavailable, S3Server, TeamHub, find_proxy, wait_until
from tests.mlflow_env import mlflow_env

MAX_ARTIFACT_SIZE = 2 * 1024**2
COLUMNS = ["a", "b"]
FRAME = pd.DataFrame({"a": [0.1 * i - 1 for i in range(20)], "b": [(-1) ** i for i in range(20)]})
TARGET = (FRAME.a + FRAME.b > 0).astype(int)


@dataclass
class Team:
    hub: TeamHub
    s3: S3Server
    tokens: dict[str, str]

    def call(
        self,
        as_user: str,
        server: str,
        method: str,
        route: str,
        body: Any = None,
        raw: bytes | None = None,
        token: str | None = None,
        **params: Any,
    ) -> requests.Response:
        """A request to ``server``'s API (``route`` below ``mlplatform/``), through the proxy,
        with ``as_user``'s hub token."""
        return requests.request(
            method,
            f"{self.hub.server_url(server)}mlplatform/{route}",
            json=body,
            data=raw,
            params=params or None,
            headers={"Authorization": f"token {token or self.tokens[as_user]}"},
            timeout=120,
        )

    def api(self, as_user: str, server: str, method: str, route: str, **kwargs: Any) -> Any:
        response = self.call(as_user, server, method, f"api/{route}", **kwargs)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json() if response.content else None


@pytest.fixture(scope="module")
def team(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Team]:
    try:
        find_proxy()
    except ProxyUnavailable as e:
        if os.environ.get("MLP_REQUIRE_HUB") == "1":
            raise
        pytest.skip(str(e))
    mlp_postgres_url = request.getfixturevalue("mlp_postgres_url")  # once the proxy is there
    s3 = S3Server()
    s3.start()
    hub = TeamHub(
        tmp_path_factory.mktemp("hub"), mlp_postgres_url, s3, max_artifact_size=MAX_ARTIFACT_SIZE
    )
    try:
        hub.start()
        hub.spawn("alice", "bob")
        yield Team(hub, s3, {user: hub.user_token(user) for user in ("alice", "bob")})
    finally:
        hub.stop()
        s3.stop()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.linear_model import LogisticRegression

    path = tmp_path_factory.mktemp("models") / "model"
    save_model(LogisticRegression().fit(FRAME, TARGET), path, input_example=FRAME.head(3))
    return path


def test_runs_carry_each_users_hub_identity_and_the_team_sees_them(
    team: Team, tmp_path: Path
) -> None:
    # Given a run Alice makes on her server through our REST API
    alice_run = team.api("alice", "alice", "POST", "runs", body={"name": "alice-rest"})

    # When Bob makes one on his with an unmodified mlflow script (the hub token as
    # MLFLOW_TRACKING_TOKEN, which mlflow sends as a bearer token)
    script = (
        "import mlflow\n"
        "with mlflow.start_run(run_name='bob-mlflow') as run:\n"
        "    mlflow.log_metric('acc', 0.8)\n"
        "print(run.info.run_id)\n"
    )
    tracking_uri = f"{team.hub.server_url('bob')}{MLFLOW_API_ROOT}"
    env = mlflow_env(tracking_uri, team.tokens["bob"], tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    bob_run_id = done.stdout.split()[-1]

    # Then each run carries its author's hub identity, in both APIs
    assert alice_run["user"] == "alice"
    assert alice_run["artifact_uri"].startswith(f"s3://{BUCKET}/team/")
    bob_run = team.api("bob", "bob", "GET", f"runs/{bob_run_id}")
    assert bob_run["user"] == "bob"
    fetched = team.call(
        "alice",
        "alice",
        "GET",
        f"{MLFLOW_API_ROOT.removeprefix('mlplatform/')}/api/2.0/mlflow/runs/get",
        run_id=bob_run_id,
    ).json()["run"]
    assert fetched["info"]["user_id"] == "bob"
    assert {"key": "mlflow.user", "value": "bob"} in fetched["data"]["tags"]

    # And the team view: Bob lists and fetches Alice's run from his own server
    found = team.api("bob", "bob", "POST", "runs/search", body={"experiment_ids": ["0"]})
    users = {run["run_id"]: run["user"] for run in found["runs"]}
    assert users[alice_run["run_id"]] == "alice" and users[bob_run_id] == "bob"
    assert team.api("bob", "bob", "GET", f"runs/{alice_run['run_id']}")["name"] == "alice-rest"


def test_artifacts_stream_to_s3_within_the_size_limit(team: Team) -> None:
    # Given Alice's run
    run = team.api("alice", "alice", "POST", "runs", body={})
    run_id = run["run_id"]
    data = os.urandom(MAX_ARTIFACT_SIZE)

    # When she uploads an artifact of exactly the limit
    team.api("alice", "alice", "PUT", f"runs/{run_id}/artifacts/data/blob.bin", raw=data)

    # Then it is an object in the bucket, and Bob reads it back through his server
    prefix = f"team/0/{run_id}/artifacts/"
    assert team.s3.keys(prefix) == [f"{prefix}data/blob.bin"]
    got = team.call("bob", "bob", "GET", f"api/runs/{run_id}/artifacts/data/blob.bin")
    assert got.status_code == 200 and got.content == data
    listing = team.api("bob", "bob", "GET", f"runs/{run_id}/artifacts", path="data")
    assert [(f["path"], f["size"]) for f in listing["files"]] == [
        ("data/blob.bin", MAX_ARTIFACT_SIZE)
    ]

    # When one byte more is sent: 413 JSON, and nothing new (not even a partial upload)
    too_big = team.call(
        "alice", "alice", "PUT", f"api/runs/{run_id}/artifacts/data/big.bin", raw=data + b"x"
    )
    assert too_big.status_code == 413 and too_big.json()["message"]
    assert team.s3.keys(prefix) == [f"{prefix}data/blob.bin"]


def _log_model(team: Team, user: str, folder: Path) -> str:
    run_id = str(team.api(user, user, "POST", "runs", body={"name": "team-model"})["run_id"])
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = file.relative_to(folder).as_posix()
        team.api(
            user, user, "PUT", f"runs/{run_id}/artifacts/model/{relative}", raw=file.read_bytes()
        )
    return run_id


def test_a_model_in_s3_deploys_from_bobs_server_and_exports_as_a_container(
    team: Team, model_dir: Path
) -> None:
    # Given a model package Alice logged (its files are in the bucket)
    run_id = _log_model(team, "alice", model_dir)
    assert f"team/0/{run_id}/artifacts/model/mlplatform_model.json" in team.s3.keys("team/0/")

    # When Bob deploys it from his server
    created = team.api(
        "bob", "bob", "POST", "deployments", body={"name": "team-model", "run_id": run_id}
    )
    try:
        # Then it is Bob's deployment and it answers with the model's predictions
        assert created["status"] == "healthy", created
        assert created["created_by"] == "bob"
        rows = FRAME.tail(5)
        answer = team.api(
            "bob",
            "bob",
            "POST",
            "deployments/team-model/invocations",
            body={"dataframe_split": {"columns": COLUMNS, "data": rows.to_numpy().tolist()}},
        )
        assert answer["predictions"] == load_model(model_dir).predict(rows).tolist()
    finally:
        team.api("bob", "bob", "DELETE", "deployments/team-model")

    # And the run's model exports as a container build context, package read from S3
    export = team.call(
        "bob", "bob", "GET", f"api/runs/{run_id}/container.tar.gz", artifact_path="model"
    )
    assert export.status_code == 200, export.text
    with tarfile.open(fileobj=io.BytesIO(export.content), mode="r:gz") as archive:
        packages = {
            m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.name.endswith("/model/mlplatform_model.json")
        }
    assert list(packages.values()) == [(model_dir / "mlplatform_model.json").read_bytes()]


async def _websocket_status(url: str, token: str) -> int:
    request = HTTPRequest(url.replace("http", "ws", 1), headers={"Authorization": f"token {token}"})
    try:
        connection = await websocket_connect(request)
    except HTTPClientError as e:
        return e.code
    connection.close()
    return 101


def test_without_access_alices_server_answers_403_websockets_included(team: Team) -> None:
    url = team.hub.server_url("alice")
    websockets = [
        f"{url}{API_ROOT}/events",  # ours
        f"{url}api/collaboration/room/JupyterLab:globalAwareness",  # co-editing
        f"{url}api/events/subscribe",  # jupyter-server's
    ]
    jupyter_routes = ["api/contents", "api/kernels", "api/sessions", "api/me"]

    def jupyter_status(user: str, route: str) -> int:
        headers = {"Authorization": f"token {team.tokens[user]}"}
        return requests.get(url + route, headers=headers, timeout=30).status_code

    # Alice reaches her own server: REST and websockets
    assert team.call("alice", "alice", "GET", "api/experiments").status_code == 200
    assert [jupyter_status("alice", route) for route in jupyter_routes] == [200] * 4
    for websocket in websockets:
        assert asyncio.run(_websocket_status(websocket, team.tokens["alice"])) == 101, websocket

    # Bob's token is refused there, everywhere
    refused = team.call("bob", "alice", "GET", "api/experiments")
    assert refused.status_code == 403 and refused.json()["message"]
    assert team.call("bob", "alice", "POST", "api/runs", body={}).status_code == 403
    assert [jupyter_status("bob", route) for route in jupyter_routes] == [403] * 4
    for websocket in websockets:
        assert asyncio.run(_websocket_status(websocket, team.tokens["bob"])) == 403, websocket


async def _run_in_kernel(
    team: Team, kernel_id: str, token: str, code: str, cell_id: str
) -> Execution:
    """``code`` run on Alice's kernel through a kernel websocket opened with ``token``, as
    JupyterLab sends a cell (its execute request carries the cell id)."""
    url = f"{team.hub.server_url('alice')}api/kernels/{kernel_id}/channels"
    request = HTTPRequest(url.replace("http", "ws", 1), headers={"Authorization": f"token {token}"})
    ws = await websocket_connect(request)
    try:
        kernel = NotebookKernel(ws, kernel_id, session_id="")
        await kernel.ready()
        return await kernel.run(code, cell_id=cell_id)
    finally:
        ws.close()


@pytest.fixture(scope="module")
def bob_shared(team: Team) -> str:
    """A token of Bob's once Alice has shared her server with him through the hub's shares
    API (a fresh token: the servers cache for a while what a token may do)."""
    before = team.hub.user_token("bob")
    assert team.call("bob", "alice", "GET", "api/experiments", token=before).status_code == 403
    shared = requests.post(
        f"{team.hub.url}hub/api/shares/alice/",
        json={"user": "bob"},
        headers={"Authorization": f"token {team.tokens['alice']}"},
        timeout=30,
    )
    assert shared.status_code == 200, shared.text
    return team.hub.user_token("bob")


def test_a_share_lets_bob_into_alices_server_and_his_cells_are_his(
    team: Team, bob_shared: str
) -> None:
    # Given Alice shared her server with Bob
    bob_after_share = bob_shared

    # Then Bob reaches Alice's server, and what he records there is his
    run = team.call("bob", "alice", "POST", "api/runs", body={}, token=bob_after_share)
    assert run.status_code == 201, run.text
    assert run.json()["user"] == "bob"
    events = f"{team.hub.server_url('alice')}{API_ROOT}/events"
    assert asyncio.run(_websocket_status(events, bob_after_share)) == 101

    # When Bob runs a cell on the kernel of Alice's notebook
    session = requests.post(
        f"{team.hub.server_url('alice')}api/sessions",
        json={"path": "team.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
        headers={"Authorization": f"token {team.tokens['alice']}"},
        timeout=120,
    )
    assert session.status_code == 201, session.text
    kernel_id = session.json()["kernel"]["id"]
    code = (
        "import jupyterlab_mlplatform as mlp\n"
        "with mlp.start_run(name='bobs-cell-run'):\n"
        "    mlp.log_metric('acc', 0.9)\n"
    )
    ran = asyncio.run(_run_in_kernel(team, kernel_id, bob_after_share, code, "bobs-cell"))
    assert ran.ok, (ran.reply, ran.stderr)
    # and Alice runs the same cell on her kernel after him
    ran = asyncio.run(_run_in_kernel(team, kernel_id, team.tokens["alice"], code, "her-cell"))
    assert ran.ok, (ran.reply, ran.stderr)

    # Then the run his cell made is Bob's, hers is Alice's, and so says her activity feed
    found = team.api(
        "alice",
        "alice",
        "POST",
        "runs/search",
        body={"filter": "attributes.run_name = 'bobs-cell-run'", "order_by": ["start_time ASC"]},
    )
    assert [r["user"] for r in found["runs"]] == ["bob", "alice"]
    feed = team.api("alice", "alice", "GET", "activity")["items"]
    cells = {i["cell_id"]: i["user"]["username"] for i in feed if i["kind"] == "execution"}
    assert cells == {"bobs-cell": "bob", "her-cell": "alice"}


async def _co_edit(team: Team, bob_token: str) -> None:
    url = team.hub.server_url("alice")
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("x = 1"))
    alice_server, bob_server = CollabServer(url, team.tokens["alice"]), CollabServer(url, bob_token)
    status, created = await alice_server.request(
        "PUT", "api/contents/coedit.ipynb", {"type": "notebook", "content": notebook}
    )
    assert status == 201, created
    alice = await NotebookClient.open(alice_server, "coedit.ipynb")
    bob = await NotebookClient.open(bob_server, "coedit.ipynb")
    try:
        # When Bob edits the cell in the shared notebook, Alice sees his edit
        bob.notebook.ycells[0]["source"].insert(0, "import jupyterlab_mlplatform as mlp\n")
        await alice.wait_for(lambda: "import jupyterlab_mlplatform" in alice.sources()[0], "edit")
        cell_id = alice.cell_ids()[0]

        # When he runs it on the notebook's kernel
        status, session = await bob_server.request(
            "POST",
            "api/sessions",
            {"path": "coedit.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
        )
        assert status == 201, session
        code = alice.sources()[0] + "\nwith mlp.start_run(name='co-edited'):\n    pass\n"
        ran = await _run_in_kernel(team, session["kernel"]["id"], bob_token, code, cell_id)
        assert ran.ok, (ran.reply, ran.stderr)

        # Then the cell says, in Alice's copy of the shared notebook, that Bob ran it
        def record() -> Any:
            section = alice.cell(0)["metadata"].get("mlplatform") or {}
            execution = section.get("execution") or {}
            return execution if execution.get("status") == "ok" else None

        await alice.wait_for(lambda: record() is not None, "the execution record")
        assert record()["user"]["username"] == "bob"
        assert len(record()["runs"]) == 1
    finally:
        await bob.close()
        await alice.close()


def test_bob_co_edits_alices_shared_notebook_and_the_cell_he_runs_is_his(
    team: Team, bob_shared: str
) -> None:
    asyncio.run(_co_edit(team, bob_shared))


def test_the_s3_secret_is_in_no_log_and_no_config(team: Team) -> None:
    # Given the requests above, served and logged at debug level (the hub, the proxy and
    # both servers write to this log)
    wait_until(
        lambda: (
            "POST /user/alice/mlplatform/api/runs" in team.hub.log()
            and "PUT /user/alice/mlplatform/api/runs/" in team.hub.log()
        ),
        "the servers' request lines in the log",
        30,
    )
    written = [team.hub.log(), *(p.read_text() for p in team.hub.workdir.glob("*_config.*"))]

    # Then the S3 secret appears in none of it (the servers had it: they wrote to S3)
    assert team.s3.keys("team/")
    assert all(team.s3.secret_key not in text for text in written)
