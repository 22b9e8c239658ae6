"""Who ran it: with co-editing, a run belongs to the person whose execute request ran the cell.

The server notes the identity behind each execute request as it arrives on the kernel
websocket; kernel requests carry a token naming the kernel, so the run is attributed to that
person, never to a name the code claims.  The test users are told apart by a header, through
a jupyter-server identity provider (the real authentication machinery).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from ..identities import HeaderIdentityProvider
from .notebook_kernel import NotebookKernel, open_notebook_kernel, wait_for_runs, write_notebook


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    config = {key: dict(value) for key, value in jp_server_config.items()}
    config["ServerApp"]["identity_provider_class"] = HeaderIdentityProvider
    return config


async def test_runs_belong_to_whoever_executed_the_cell(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "shared.ipynb")
    alice = await open_notebook_kernel(
        jp_fetch, jp_ws_fetch, "shared.ipynb", headers={"X-Test-User": "alice"}
    )
    # Bob joins the same notebook: his own websocket to the same kernel
    ws = await jp_ws_fetch(
        "api", "kernels", alice.kernel_id, "channels", headers={"X-Test-User": "bob"}
    )
    bob = NotebookKernel(ws, alice.kernel_id, alice.session_id)
    await bob.ready()

    trained = await bob.run(
        "from sklearn.datasets import load_iris\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "X, y = load_iris(return_X_y=True)\n"
        "LogisticRegression(max_iter=300).fit(X, y)",
        cell_id="cell-bob",
    )
    assert trained.ok, trained.reply
    explicit = await alice.run(
        "import jupyterlab_mlplatform as mlp\n"
        "with mlp.start_run(name='alices'):\n"
        "    mlp.log_metric('m', 1.0)",
        cell_id="cell-alice",
    )
    assert explicit.ok, explicit.reply
    (by_bob,) = await wait_for_runs(mlp_app, 1, cell_id="cell-bob")
    (by_alice,) = await wait_for_runs(mlp_app, 1, cell_id="cell-alice")
    assert by_bob.user == "Bob"
    assert by_alice.user == "Alice"


async def test_a_forged_kernel_token_is_refused(jp_fetch: Any, mlp_app: Any) -> None:
    good = mlp_app.kernel_credentials.token_for("k1")
    response = await jp_fetch(
        "mlplatform", "api", "experiments", headers={"Authorization": f"token {good}"}
    )
    assert response.code == 200
    forged = "k2." + good.split(".", 1)[1]  # another kernel's id with k1's signature
    for authorization in (f"token {forged}", f"Bearer {forged}", "token k1.", "Bearer "):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch(
                "mlplatform", "api", "experiments", headers={"Authorization": authorization}
            )
        assert refused.value.code == 403
        assert "message" in json.loads(refused.value.response.body)


async def test_a_shut_down_kernel_leaves_no_author_records(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    # Given a kernel that ran a cell of Alice's
    write_notebook(jp_root_dir / "gone.ipynb")
    alice = await open_notebook_kernel(
        jp_fetch, jp_ws_fetch, "gone.ipynb", headers={"X-Test-User": "alice"}
    )
    assert (await alice.run("x = 1")).ok
    assert mlp_app.execution_authors.author(alice.kernel_id).username == "alice"
    alice.ws.close()

    # When the kernel is shut down through the server's API
    await jp_fetch("api", "kernels", alice.kernel_id, method="DELETE")

    # Then the server keeps nothing of it
    assert mlp_app.execution_authors.author(alice.kernel_id) is None
