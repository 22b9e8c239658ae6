"""Fixtures of the MLflow API tests: the real ``mlflow`` client, in a subprocess, pointed at
the test server by the two variables kernels get."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from tests.mlflow_env import mlflow_env

CLIENTS = Path(__file__).with_name("clients")

Call = Callable[..., Awaitable[tuple[int, Any]]]


@pytest.fixture
def mlp_mlflow_uri(jp_fetch: Any, jp_http_port: int, jp_base_url: str) -> str:
    # jp_fetch: requesting it makes pytest-jupyter serve HTTP on jp_http_port
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlplatform/mlflow"


@pytest.fixture
def mlp_mlflow(
    mlp_mlflow_uri: str, mlp_app: Any, tmp_path: Path
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """``await mlp_mlflow("script.py", *args, token=...)`` runs ``clients/script.py`` with
    ``MLFLOW_TRACKING_URI``/``MLFLOW_TRACKING_TOKEN`` set (by default the server-wide token)
    and returns the JSON object its last output line holds."""

    async def run(script: str, *args: str, token: str | None = None) -> dict[str, Any]:
        env = mlflow_env(mlp_mlflow_uri, token or mlp_app.kernel_credentials.token, tmp_path)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CLIENTS / script),
            *args,
            cwd=str(tmp_path),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=240)
        assert process.returncode == 0, err.decode(errors="replace")[-6000:]
        return json.loads(out.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]

    return run


@pytest.fixture
def mlflow_api(jp_http_port: int, jp_base_url: str, mlp_app: Any, jp_fetch: Any) -> Call:
    """``await mlflow_api("POST", "runs/create", {...})`` -> (status, JSON); errors don't
    raise.  ``path`` is sent as written (no escaping); ``token`` picks the credential."""
    root = f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlplatform/mlflow/"

    async def call(
        method: str,
        path: str,
        body: Any = None,
        raw: bytes | None = None,
        token: str | None = "server",
        api: str = "api/2.0/mlflow",
    ) -> tuple[int, Any]:
        headers = {}
        if token == "server":
            token = mlp_app.kernel_credentials.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if raw is None and body is not None:
            raw = json.dumps(body).encode()
        if raw is None and method in ("POST", "PUT", "PATCH"):
            raw = b""
        try:
            response = await AsyncHTTPClient().fetch(
                f"{root}{api}/{path}" if api else f"{root}{path}",
                method=method,
                body=raw,
                headers=headers,
                follow_redirects=False,
            )
        except HTTPClientError as e:
            assert e.response is not None
            assert e.code < 500 or e.code == 501, e.response.body
            return e.code, json.loads(e.response.body)
        text = response.body
        if response.headers.get("Content-Type", "").startswith("application/json"):
            return response.code, json.loads(text)
        return response.code, text

    return call
