"""Unmodified mlflow code in a notebook's kernel: no configuration, the run is the notebook's."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from jupyterlab_mlplatform.tracking.models import SearchRuns

CODE = textwrap.dedent("""
    import json, os
    import mlflow
    mlflow.set_experiment("in-a-notebook")
    with mlflow.start_run(run_name="from-the-kernel") as run:
        mlflow.log_param("p", 1)
        mlflow.log_metric("m", 2.0, step=3)
    seen = mlflow.get_run(run.info.run_id)
    print(json.dumps({
        "uri": os.environ["MLFLOW_TRACKING_URI"],
        "source": seen.data.tags.get("mlflow.source.name"),
        "type": seen.data.tags.get("mlflow.source.type"),
    }))
""")


async def test_a_notebook_kernel_logs_with_mlflow_and_no_configuration(
    jp_serverapp: Any, jp_fetch: Any, mlp_app: Any
) -> None:
    # jp_fetch: requesting it makes pytest-jupyter serve HTTP on the port kernels are given
    # Given a notebook's kernel started by the server
    sessions = jp_serverapp.session_manager
    session = await sessions.create_session(
        path="work/train.ipynb", name="train.ipynb", type="notebook", kernel_name="python3"
    )
    kernel_id = session["kernel"]["id"]
    client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        # When the notebook runs unmodified mlflow code
        output = await _execute(client, CODE)
    finally:
        client.stop_channels()
        await sessions.delete_session(session["id"])
    # Then the run is in our store, the notebook's and its kernel's, with our user
    runs = mlp_app.tracking.store.search_runs(
        SearchRuns(filter="attributes.name = 'from-the-kernel'")
    ).runs
    assert len(runs) == 1
    run = runs[0]
    assert run.source.kernel_id == kernel_id
    assert run.source.notebook_path == "work/train.ipynb"
    assert run.user == mlp_app.kernel_credentials.user.name
    assert run.params == {"p": "1"} and run.metrics["m"].step == 3
    assert run.status.value == "FINISHED"
    assert "mlflow.source.name" not in run.tags  # the client's guess: ipykernel_launcher.py
    # ... and mlflow sees the notebook as the run's source
    facts = json.loads(output)
    assert facts["uri"].endswith("/mlplatform/mlflow")
    assert (facts["source"], facts["type"]) == ("work/train.ipynb", "NOTEBOOK")


async def _execute(kernel_client: Any, code: str) -> str:
    """Run code, without blocking the server's event loop; its standard output."""
    msg_id = kernel_client.execute(code)
    while True:
        reply = await kernel_client.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    content = reply["content"]
    assert content["status"] == "ok", "\n".join(content.get("traceback", []))
    out = []
    while True:
        message = await kernel_client.get_iopub_msg(timeout=10)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
            out.append(message["content"]["text"])
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    lines = "".join(out).strip().splitlines()
    return lines[-1]
