"""The OpenAPI 3 description of the REST API, built from the wire models.

Each :class:`Operation` names a route of one of the platform's ``handlers`` modules and the
pydantic models of its body and response; the test suite checks that the operations and the
routes and methods registered in the running server are the same set, so the document cannot
drift from the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..autolog.server import models as autolog_models
from ..collab import models as collab_models
from ..constants import API_ROOT
from ..deploy.manager import models as deploy_models
from ..tracking import models


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    query: dict[str, str] = field(default_factory=dict)
    """Query parameters and their description."""
    raw_body: str | None = None
    """Media type of a non-JSON request body."""
    raw_response: str | None = None
    unavailable: str | None = None
    """When the route answers 503 (documented as such)."""


OPERATIONS: list[Operation] = [
    Operation(
        "get",
        "/experiments",
        "List experiments",
        response=models.ExperimentList,
        query={"view": "ACTIVE_ONLY (default), DELETED_ONLY or ALL"},
    ),
    Operation(
        "post",
        "/experiments",
        "Create an experiment",
        models.ExperimentCreate,
        models.Experiment,
        201,
    ),
    Operation(
        "get", "/experiments/{experiment_id}", "Get an experiment", response=models.Experiment
    ),
    Operation(
        "patch",
        "/experiments/{experiment_id}",
        "Rename, describe, tag or restore",
        models.ExperimentUpdate,
        models.Experiment,
    ),
    Operation(
        "delete",
        "/experiments/{experiment_id}",
        "Delete an experiment and its runs",
        response=models.Experiment,
        query={"permanent": "true to remove for good"},
    ),
    Operation("post", "/runs", "Create a run", models.RunCreate, models.Run, 201),
    Operation("post", "/runs/search", "Search runs", models.SearchRuns, models.RunsPage),
    Operation(
        "post",
        "/runs/keys",
        "The distinct param, metric and tag keys of runs",
        models.RunKeysQuery,
        models.RunKeys,
    ),
    Operation(
        "post",
        "/runs/metric-histories",
        "Several runs' histories of several metrics",
        models.MetricHistoriesQuery,
        models.MetricHistories,
    ),
    Operation("get", "/runs/{run_id}", "Get a run", response=models.Run),
    Operation(
        "patch",
        "/runs/{run_id}",
        "Set status, end time or name; restore",
        models.RunUpdate,
        models.Run,
    ),
    Operation(
        "delete",
        "/runs/{run_id}",
        "Delete a run",
        response=models.Run,
        query={"permanent": "true to remove for good"},
    ),
    Operation(
        "post",
        "/runs/{run_id}/log",
        "Log metrics, params and tags",
        models.LogBatch,
        models.LogBatchResult,
    ),
    Operation(
        "get",
        "/runs/{run_id}/notebook",
        "The run's captured code as a new notebook (404 without captured code)",
        response=models.RunNotebook,
    ),
    Operation(
        "get",
        "/runs/{run_id}/metrics/{key}",
        "A metric's history",
        response=models.MetricHistory,
        query={"max_points": "return at most N shape-preserving points"},
    ),
    Operation(
        "get",
        "/runs/{run_id}/artifacts",
        "List a run's artifact folder",
        response=models.ArtifactList,
        query={"path": "folder, relative to the run"},
    ),
    Operation(
        "get",
        "/runs/{run_id}/artifacts/{path}",
        "Download an artifact (its media type guessed from its name)",
        raw_response="*/*",
    ),
    Operation(
        "put",
        "/runs/{run_id}/artifacts/{path}",
        "Upload an artifact (streamed)",
        response=models.ArtifactInfo,
        status=201,
        raw_body="application/octet-stream",
    ),
    Operation(
        "get",
        "/autolog",
        "Whether automatic tracking is on for a notebook (a kernel's own, from its token)",
        response=autolog_models.AutologStatus,
        query={"path": "the notebook's path (default: the calling kernel's notebook)"},
    ),
    Operation("get", "/events", "WebSocket: live run, experiment and metric events", status=101),
    Operation("get", "/openapi.json", "This document", raw_response="application/json"),
    Operation(
        "get",
        "/collaboration",
        "Whether notebooks are co-edited on this server, and why not",
        response=collab_models.CollabStatus,
    ),
    Operation(
        "get",
        "/activity",
        "The activity feed (executions and deployment changes), newest first",
        response=collab_models.ActivityPage,
        query={"limit": "items per page (1-500, default 50)", "before": "an item id"},
    ),
    Operation("get", "/deployments", "List deployments", response=deploy_models.DeploymentList),
    Operation(
        "post",
        "/deployments",
        "Deploy a run's model (answers once it serves or failed)",
        deploy_models.DeploymentCreate,
        deploy_models.Deployment,
        201,
    ),
    Operation("get", "/deployments/{name}", "Get a deployment", response=deploy_models.Deployment),
    Operation(
        "patch",
        "/deployments/{name}",
        "Stop, start, restart or roll back a deployment",
        deploy_models.DeploymentUpdate,
        deploy_models.Deployment,
    ),
    Operation(
        "post",
        "/deployments/{name}/versions",
        "Redeploy a newer model under the same name (switches without refusing requests)",
        deploy_models.DeploymentVersionCreate,
        deploy_models.Deployment,
    ),
    Operation(
        "get",
        "/deployments/{name}/stats",
        "Requests, errors, latency and uptime of the process serving now",
        response=deploy_models.DeploymentStats,
    ),
    Operation(
        "get",
        "/deployments/{name}/metadata",
        "The scoring server's metadata: signature, input example, ids",
        raw_response="application/json",
    ),
    Operation(
        "get",
        "/deployments/{name}/keys",
        "A deployment's API keys (prefixes only)",
        response=deploy_models.ApiKeyList,
    ),
    Operation(
        "post",
        "/deployments/{name}/keys",
        "Create an API key (the whole key is in this answer only)",
        deploy_models.ApiKeyCreate,
        deploy_models.ApiKeyCreated,
        201,
    ),
    Operation(
        "delete",
        "/deployments/{name}/keys/{key_id}",
        "Revoke an API key",
        response=deploy_models.ApiKey,
    ),
    Operation(
        "delete",
        "/deployments/{name}",
        "Stop a deployment and remove it",
        response=deploy_models.Deployment,
    ),
    Operation(
        "get",
        "/deployments/{name}/logs",
        "The scoring server's last output lines",
        response=deploy_models.DeploymentLogs,
        query={"tail": "number of lines (default 200)"},
    ),
    Operation(
        "post",
        "/deployments/{name}/invocations",
        "Score through the deployment (the scoring server's request formats and answers)",
        raw_body="application/json",
        raw_response="application/json",
        unavailable="The deployment is stopped or failed, or it is coming back and its wait "
        "(DeploymentManager.queue_limit and queue_timeout) is over",
    ),
    Operation(
        "get",
        "/deployments/{name}/container.tar.gz",
        "The container build context of the served model version (Dockerfile, model, "
        "scoring server, k8s.yaml, kserve.yaml)",
        query={"image": "image reference for the manifests (default: a placeholder)"},
        raw_response="application/gzip",
    ),
    Operation(
        "get",
        "/deployments/{name}/k8s.yaml",
        "Kubernetes manifest: Deployment + Service, or a KServe InferenceService",
        query={
            "variant": "kubernetes (default) or kserve",
            "image": "image reference (default: a placeholder)",
        },
        raw_response="application/yaml",
    ),
    Operation(
        "get",
        "/runs/{run_id}/container.tar.gz",
        "The container build context of a run's model package",
        query={
            "artifact_path": "the model's folder in the run (default model)",
            "image": "image reference for the manifests (default: a placeholder)",
        },
        raw_response="application/gzip",
    ),
]

_ERROR = {"$ref": "#/components/schemas/Error"}


def build_openapi(version: str) -> dict[str, Any]:
    wire_models = {op.body for op in OPERATIONS} | {op.response for op in OPERATIONS}
    wire_models |= {models.RunEvent, models.ExperimentEvent, models.MetricsEvent}
    listed = sorted((m for m in wire_models if m is not None), key=lambda m: m.__name__)
    _, schemas = models_json_schema(
        [(m, "serialization") for m in listed], ref_template="#/components/schemas/{model}"
    )
    components: dict[str, Any] = dict(schemas.get("$defs", {}))
    components["Error"] = {
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "reason": {"type": ["string", "null"]},
            "details": {
                "type": "object",
                "description": "Where a search expression is wrong: field (filter or "
                "order_by[i]), 0-based position, reason, and index for order_by.",
                "additionalProperties": {"type": ["string", "integer"]},
            },
        },
        "required": ["message"],
    }
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {"summary": op.summary, "operationId": _operation_id(op)}
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", op.path)
        ]
        parameters += [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": text,
                "schema": {"type": "string"},
            }
            for name, text in op.query.items()
        ]
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = _content("application/json", _ref(op.body), required=True)
        elif op.raw_body is not None:
            entry["requestBody"] = _content(op.raw_body, {"type": "string", "format": "binary"})
        responses: dict[str, Any] = {}
        if op.response is not None:
            responses[str(op.status)] = {
                "description": "OK",
                **_content("application/json", _ref(op.response)),
            }
        elif op.raw_response is not None:
            responses[str(op.status)] = {
                "description": "OK",
                **_content(op.raw_response, {"type": "string", "format": "binary"}),
            }
        else:
            responses[str(op.status)] = {"description": "Switching protocols"}
        for code in ("400", "403", "404", "409", "413"):
            responses[code] = {"description": "Error", **_content("application/json", _ERROR)}
        if op.unavailable is not None:
            responses["503"] = {
                "description": op.unavailable,
                **_content("application/json", _ERROR),
            }
        entry["responses"] = responses
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyterlab-mlplatform tracking API", "version": version},
        "servers": [{"url": f"/{API_ROOT}", "description": "relative to the server's base URL"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
        "security": [{"token": []}],
    }


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _content(media_type: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"content": {media_type: {"schema": schema}}}
    if required:
        content["required"] = True
    return content


def _operation_id(op: Operation) -> str:
    words = re.sub(r"[{}]", "", op.path).strip("/")
    words = re.sub(r"[/.-]", "_", words)
    return f"{op.method}_{words}"
