"""pytest fixtures (``mlp_*``): a server with the extension on a throwaway store, PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pg_server import PostgresUnavailable, start_postgres


@pytest.fixture(scope="session")
def mlp_postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway PostgreSQL server for the whole session.

    Skips when PostgreSQL is not installed, unless ``MLP_REQUIRE_POSTGRES=1`` (as `make test`
    sets it), where a missing server is an error: CI must run the store suite on both.
    """
    try:
        url, stop = start_postgres(tmp_path_factory.mktemp("pg"))
    except PostgresUnavailable as e:
        if os.environ.get("MLP_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(str(e))
    yield url
    stop()


@pytest.fixture
def mlp_data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "mlplatform"
    path.mkdir()
    return path


@pytest.fixture
def mlp_app_config(mlp_data_dir: Path) -> dict[str, Any]:
    """``MLPlatformApp`` traits for the test server; override to change them."""
    return {"data_dir": str(mlp_data_dir), "events_coalesce_interval": 0.05}


@pytest.fixture
def mlp_deployment_config() -> dict[str, Any]:
    """``DeploymentManager`` traits for the test server; override to change them."""
    # No fork server for deployments (its imports cost seconds of CPU per server start);
    # the deployment tests set their own config and use it.
    return {"forkserver": False}


@pytest.fixture
def jp_server_config(
    jp_server_config: Any,
    mlp_app_config: dict[str, Any],
    mlp_deployment_config: dict[str, Any],
) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyterlab_mlplatform": True},
            "allow_unauthenticated_access": False,
            "reraise_server_extension_failures": True,
        },
        "MLPlatformApp": mlp_app_config,
        "DeploymentManager": mlp_deployment_config,
    }


@pytest.fixture
def mlp_app(jp_serverapp: Any) -> Any:
    """The running extension app (store, service, config)."""
    return jp_serverapp.extension_manager.extension_points["jupyterlab_mlplatform"].app


@pytest.fixture
def mlp_api(jp_fetch: Any) -> Callable[..., Any]:
    """``await mlp_api("POST", "runs", {...})`` -> (status, JSON body); errors don't raise."""
    from tornado.httpclient import HTTPClientError

    async def call(
        method: str, route: str, body: Any = None, raw: bytes | None = None, **params: Any
    ) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"method": method, "params": params or None}
        if raw is not None:
            kwargs["body"] = raw
        elif body is not None:
            kwargs["body"] = json.dumps(body)
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = b""
        try:
            response = await jp_fetch("mlplatform", "api", *route.split("/"), **kwargs)
        except HTTPClientError as e:
            assert e.response is not None
            payload = json.loads(e.response.body)
            return e.code, payload
        text = response.body
        return response.code, json.loads(text) if text else None

    return call


@pytest.fixture(params=["sqlite", "postgresql"])
def mlp_store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracking.db'}"
        return
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(request.getfixturevalue("mlp_postgres_url"))
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def mlp_store(mlp_store_uri: str, tmp_path: Path) -> Iterator[Any]:
    from jupyterlab_mlplatform.tracking.store import SqlTrackingStore

    store = SqlTrackingStore(mlp_store_uri, str(tmp_path / "artifacts"))
    yield store
    store.close()
