"""The MLflow endpoints this server deliberately does not serve, and the answer they get.

One list, read by the catch-all handler, the README's "Not served" section and a test that
asks each one.  Every path under ``{base_url}mlplatform/mlflow/`` that no served route
matches gets MLflow's own answer for an endpoint a server does not have: a JSON 404
``{"error_code": "ENDPOINT_NOT_FOUND", "message": ...}``, which the mlflow client raises as an
``MlflowException`` (it does not retry a 404).  Multipart uploads are the one exception: they
answer 501 ``NOT_IMPLEMENTED`` with the message the client recognises to fall back to a plain
upload (see :mod:`.artifact_handlers`).
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_SERVED_CODE = "ENDPOINT_NOT_FOUND"
NOT_SERVED_STATUS = 404


@dataclass(frozen=True)
class UnservedFeature:
    name: str
    why: str
    paths: tuple[str, ...]
    """Example requests (``METHOD path`` under the MLflow root), each answered with
    :data:`NOT_SERVED_STATUS` and :data:`NOT_SERVED_CODE`."""


UNSERVED: tuple[UnservedFeature, ...] = (
    UnservedFeature(
        "model registry",
        "deployments serve a run's model directly; there are no registered models or versions",
        (
            "POST api/2.0/mlflow/registered-models/create",
            "GET api/2.0/mlflow/registered-models/search",
            "POST api/2.0/mlflow/model-versions/create",
            "GET api/2.0/mlflow/model-versions/get-download-uri",
            "GET model-versions/get-artifact",
        ),
    ),
    UnservedFeature(
        "traces",
        "the platform tracks training runs, not LLM call traces",
        (
            "POST api/3.0/mlflow/traces",
            "GET api/2.0/mlflow/traces",
            "POST api/3.0/mlflow/traces/search",
        ),
    ),
    UnservedFeature(
        "GenAI: prompts, scorers, evaluation datasets, assessments",
        "GenAI evaluation is outside the platform",
        (
            "POST api/3.0/mlflow/scorers/register",
            "POST api/3.0/mlflow/datasets/create",
        ),
    ),
    UnservedFeature(
        "AI gateway",
        "no gateway: server-info reports the feature off",
        (
            "GET api/2.0/mlflow/gateway/routes",
            "POST api/3.0/mlflow/gateway/secrets/create",
        ),
    ),
    UnservedFeature(
        "presigned artifact transfers",
        "files always go through the artifact proxy (server-info says so)",
        ("GET api/2.0/mlflow-artifacts/presigned/0/run/artifacts/x",),
    ),
    UnservedFeature(
        "metric-history bulk interval (web UI)",
        "the Experiments panel downsamples through the platform's own API",
        ("GET ajax-api/2.0/mlflow/metrics/get-history-bulk-interval",),
    ),
)
