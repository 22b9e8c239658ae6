"""The OpenAPI document matches the registered handlers of our own REST API.

The MLflow-compatible routes (``jupyterlab_mlplatform.mlflow_api``, under
``mlplatform/mlflow/``) are left out on purpose: they follow MLflow's REST API, whose
specification is MLflow's, and ``tests/mlflow_api`` checks them with the real mlflow client.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jupyterlab_mlplatform import handlers as common_handlers
from jupyterlab_mlplatform.collab import handlers as collab_handlers
from jupyterlab_mlplatform.deploy import handlers as deploy_handlers
from jupyterlab_mlplatform.deploy.container import handlers as container_handlers
from jupyterlab_mlplatform.tracking import handlers as tracking_handlers

METHODS = ("get", "post", "put", "patch", "delete")


def _registered_operations() -> set[tuple[str, str]]:
    operations = set()
    registered = (
        tracking_handlers.default_handlers
        + common_handlers.default_handlers
        + deploy_handlers.default_handlers
        + container_handlers.default_handlers
        + collab_handlers.default_handlers
    )
    for pattern, handler in registered:
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern).removeprefix("mlplatform/api")
        for method in METHODS:
            if method in vars(handler):
                operations.add((method, path))
    return operations


async def test_openapi_document_matches_the_handlers(jp_fetch: Any) -> None:
    response = await jp_fetch("mlplatform", "api", "openapi.json")
    document = json.loads(response.body)
    assert document["openapi"].startswith("3.")
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == _registered_operations()
    for path, item in document["paths"].items():
        for operation in item.values():
            for response_spec in operation["responses"].values():
                for media in response_spec.get("content", {}).values():
                    ref = media["schema"].get("$ref", "")
                    if ref:
                        assert ref.split("/")[-1] in document["components"]["schemas"], path
