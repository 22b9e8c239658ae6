"""A script holding the Jupyter server's token is one identity, whatever cookies it keeps.

jupyter-server names every token request without its identity cookie a fresh random
"Anonymous X" and sends that name back in a cookie.  A script that keeps cookies (a
``requests.Session``, the mlflow client) used to be recorded as the server's owner on its
first request and as that Anonymous X on the next ones.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import requests

from tests.mlflow_env import mlflow_env


def _session_script(root: str, token: str) -> dict[str, Any]:
    """What a plain script does: one session, the token in a header, cookies kept."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"token {token}"
        api = f"{root}mlplatform/api/"
        first = session.post(api + "experiments", json={"name": "from-a-script"})
        first.raise_for_status()
        cookies = sorted(session.cookies.keys())
        experiment = first.json()
        runs = []
        for _ in range(3):
            response = session.post(
                api + "runs", json={"experiment_id": experiment["experiment_id"]}
            )
            response.raise_for_status()
            runs.append(response.json())
        return {"experiment": experiment, "runs": runs, "cookies": cookies}


async def test_a_script_keeping_cookies_stays_the_owner(
    jp_fetch: Any, jp_http_port: int, jp_base_url: str, jp_serverapp: Any, mlp_app: Any
) -> None:
    # Given the server's own token and a client that keeps the cookies it is sent
    root = f"http://127.0.0.1:{jp_http_port}{jp_base_url}"
    token = jp_serverapp.identity_provider.token
    # When it creates an experiment, then runs in it
    seen = await asyncio.to_thread(_session_script, root, token)
    # Then jupyter-server did send its identity cookie (so later requests carried it) ...
    assert any(name.startswith("username-") for name in seen["cookies"])
    # ... and every record names the same person: the server's owner
    owner = mlp_app.kernel_credentials.user.name
    assert seen["experiment"]["created_by"] == owner
    assert [run["user"] for run in seen["runs"]] == [owner] * 3


MLFLOW_CODE = textwrap.dedent("""
    import json
    import mlflow
    from mlflow import MlflowClient

    experiment = mlflow.set_experiment("mlflow-with-the-server-token")
    runs = []
    for _ in range(2):
        with mlflow.start_run() as run:
            mlflow.log_metric("m", 1.0)
        runs.append(run.info.run_id)
    client = MlflowClient()
    print(json.dumps({
        "experiment_id": experiment.experiment_id,
        "users": [client.get_run(r).info.user_id for r in runs],
        "user_tags": [client.get_run(r).data.tags.get("mlflow.user") for r in runs],
    }))
""")


async def test_the_mlflow_client_with_the_server_token_is_one_identity(
    jp_fetch: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_serverapp: Any,
    mlp_app: Any,
    tmp_path: Path,
) -> None:
    # Given unmodified mlflow code given the Jupyter server's token (mlflow keeps cookies)
    env = mlflow_env(
        f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlplatform/mlflow",
        jp_serverapp.identity_provider.token,
        tmp_path,
    )
    # When it creates an experiment and two runs
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        MLFLOW_CODE,
        cwd=str(tmp_path),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=240)
    assert process.returncode == 0, err.decode(errors="replace")[-4000:]
    facts = json.loads(out.decode().strip().splitlines()[-1])
    # Then the experiment's creator and both runs' user are the server's owner
    owner = mlp_app.kernel_credentials.user.name
    assert facts["users"] == [owner, owner]
    assert facts["user_tags"] == [owner, owner]
    experiment = await mlp_app.tracking.get_experiment(facts["experiment_id"])
    assert experiment.created_by == owner


async def test_a_browser_identity_cookie_is_kept(
    jp_fetch: Any, jp_http_port: int, jp_base_url: str, jp_serverapp: Any, mlp_app: Any
) -> None:
    """The lab sends the token and the identity cookie jupyter-server gave it when the page
    loaded; that identity (the one co-editors see) is the one recorded, not the owner."""
    root = f"http://127.0.0.1:{jp_http_port}{jp_base_url}"
    token = jp_serverapp.identity_provider.token

    def browse() -> tuple[dict[str, Any], dict[str, Any]]:
        with requests.Session() as session:
            session.headers["Authorization"] = f"token {token}"
            # The page load: jupyter-server's own handler names this browser
            me = session.get(root + "api/me")
            me.raise_for_status()
            response = session.post(root + "mlplatform/api/runs", json={})
            response.raise_for_status()
            return me.json()["identity"], response.json()

    identity, run = await asyncio.to_thread(browse)
    assert identity["name"].startswith("Anonymous ")
    assert run["user"] == identity["name"]


async def test_a_script_driving_a_kernel_with_the_server_token_is_the_owner(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Path, mlp_app: Any
) -> None:
    """A script running a notebook's cells over the kernel websocket (as nbclient through
    the server does), with the token and no cookies: its runs are the owner's, like the
    runs it makes over REST, not a new random "Anonymous" per connection."""
    from tests.autolog.notebook_kernel import open_notebook_kernel, wait_for_runs, write_notebook

    # Given a notebook's kernel reached with the Jupyter token alone
    write_notebook(jp_root_dir / "scripted.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "scripted.ipynb")
    # When a cell logs a run
    done = await kernel.run(
        "import jupyterlab_mlplatform as mlp\n"
        "with mlp.start_run(name='scripted'):\n"
        "    mlp.log_metric('m', 1.0)",
        cell_id="cell-1",
    )
    assert done.ok, done.reply
    # Then the run is the owner's, as a REST request with that token would be
    (run,) = await wait_for_runs(mlp_app, 1, filter="attributes.name = 'scripted'")
    _, over_rest = await asyncio.gather(asyncio.sleep(0), _rest_run(jp_fetch))
    assert run.user == over_rest["user"] == mlp_app.kernel_credentials.user.name


async def _rest_run(jp_fetch: Any) -> dict[str, Any]:
    response = await jp_fetch("mlplatform", "api", "runs", method="POST", body="{}")
    return json.loads(response.body)  # type: ignore[no-any-return]
