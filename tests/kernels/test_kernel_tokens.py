"""A kernel's token lives as long as its kernel process: a real kernel, the real server."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import signal
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_mlplatform.kernels.access import owner_user


async def _kernel_token(jp_serverapp: Any, kernel_id: str) -> str:
    """The token the kernel process holds, as its own code sees it."""
    client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        msg_id = client.execute("import os; print(os.environ['MLPLATFORM_TOKEN'])")
        while True:
            message = await client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
                return str(message["content"]["text"]).strip()
            if message["msg_type"] == "error":
                raise AssertionError("\n".join(message["content"]["traceback"]))
    finally:
        client.stop_channels()


async def _status_with(jp_fetch: Any, token: str) -> int:
    """What the platform answers a request made with ``token``."""
    try:
        response = await jp_fetch(
            "mlplatform", "api", "experiments", headers={"Authorization": f"token {token}"}
        )
    except HTTPClientError as e:
        return e.code
    return int(response.code)


async def test_a_kernel_token_stops_working_at_restart_and_shutdown(
    jp_fetch: Any, jp_serverapp: Any, mlp_app: Any
) -> None:
    # Given a kernel started through the server's REST API, and the token it was given
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({}))
    kernel_id = json.loads(response.body)["id"]
    first = await _kernel_token(jp_serverapp, kernel_id)
    assert first.startswith(f"{kernel_id}.")
    assert await _status_with(jp_fetch, first) == 200

    # When the kernel restarts
    await jp_fetch("api", "kernels", kernel_id, "restart", method="POST", body="{}")
    # Then the new process holds a new token, and the old one is refused
    second = await _kernel_token(jp_serverapp, kernel_id)
    assert second != first
    assert await _status_with(jp_fetch, second) == 200
    assert await _status_with(jp_fetch, first) == 403

    # When the kernel shuts down
    await jp_fetch("api", "kernels", kernel_id, method="DELETE")
    # Then its token is refused too
    assert await _status_with(jp_fetch, second) == 403


@pytest.mark.parametrize("scheme", ["token", "Bearer"])
async def test_a_made_up_kernel_token_is_refused(jp_fetch: Any, mlp_app: Any, scheme: str) -> None:
    # Given a kernel id the server never launched, and one it launched (a token issued)
    issued = mlp_app.kernel_credentials.token_for("k1")
    # Then a token naming another kernel with a valid-looking secret is refused
    secret = issued.split(".", 1)[1]
    for token in (f"k2.{secret}", "k1.", f"k1.{secret[:-1]}", f"k1.{secret}.x"):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch(
                "mlplatform", "api", "experiments", headers={"Authorization": f"{scheme} {token}"}
            )
        assert refused.value.code == 403


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    """Kernels that die are not restarted (and the restarter looks every 0.2 s)."""
    return {**jp_server_config, "KernelRestarter": {"restart_limit": 0, "time_to_dead": 0.2}}


async def test_a_kernel_token_stops_working_when_its_kernel_dies_for_good(
    jp_fetch: Any, jp_serverapp: Any, mlp_app: Any
) -> None:
    # Given a kernel (that will not be restarted) and its token
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({}))
    kernel_id = json.loads(response.body)["id"]
    token = await _kernel_token(jp_serverapp, kernel_id)
    assert await _status_with(jp_fetch, token) == 200
    # When its process is killed: the server drops it without shutting it down
    process = jp_serverapp.kernel_manager.get_kernel(kernel_id).provisioner.process
    os.kill(process.pid, signal.SIGKILL)
    async with asyncio.timeout(60):
        while kernel_id in jp_serverapp.kernel_manager:
            await asyncio.sleep(0.1)
    # Then its token is refused
    assert await _status_with(jp_fetch, token) == 403


def test_the_owner_is_the_hub_user_the_server_was_spawned_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # JupyterHub's spawner names the server's user in JUPYTERHUB_USER; the OS user (one
    # for everyone with SimpleLocalProcessSpawner) is the owner only outside a hub
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    assert owner_user().username == "alice"
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert owner_user().username == getpass.getuser()
