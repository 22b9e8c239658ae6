"""The OpenAPI document matches the routes the running server really registers for our REST API.

The MLflow-compatible routes (``jupyterlab_mlplatform.mlflow_api``, under
``mlplatform/mlflow/``) are left out on purpose: they follow MLflow's REST API, whose
specification is MLflow's, and ``tests/mlflow_api`` checks them with the real mlflow client.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.routes import registered_routes

DOCUMENTED_METHODS = ("get", "post", "put", "patch", "delete")
"""OPTIONS (CORS preflight) and HEAD are jupyter-server's, the same on every route."""


def _registered_operations(serverapp: Any) -> set[tuple[str, str]]:
    """(method, path) of each route of the platform's REST API in the server's application."""
    prefix = re.escape(serverapp.base_url) + "mlplatform/api"
    operations = set()
    for route in registered_routes(serverapp.web_app):
        if not route.module.startswith("jupyterlab_mlplatform."):
            continue
        if not route.pattern.startswith(prefix + "/"):
            assert "mlplatform/mlflow" in route.pattern, route.pattern
            continue
        path = route.pattern.removeprefix(prefix).removesuffix("$")
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path).replace("\\", "")
        for method in route.methods:
            if method in DOCUMENTED_METHODS:
                operations.add((method, path))
    return operations


async def test_openapi_document_matches_the_handlers(jp_fetch: Any, jp_serverapp: Any) -> None:
    response = await jp_fetch("mlplatform", "api", "openapi.json")
    document = json.loads(response.body)
    assert document["openapi"].startswith("3.")
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    registered = _registered_operations(jp_serverapp)
    assert ("get", "/autolog") in registered
    assert documented == registered
    for path, item in document["paths"].items():
        for operation in item.values():
            for response_spec in operation["responses"].values():
                for media in response_spec.get("content", {}).values():
                    ref = media["schema"].get("$ref", "")
                    if ref:
                        assert ref.split("/")[-1] in document["components"]["schemas"], path
