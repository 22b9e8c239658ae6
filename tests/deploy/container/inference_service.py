"""A KServe ``InferenceService`` (``serving.kserve.io/v1beta1``) checked without KServe's
CRD: no package on PyPI, npm or Debian ships it, and tests download nothing.

KServe's predictor is a Kubernetes ``PodSpec`` inlined with KServe's own component fields
(``ComponentExtensionSpec``: replicas, scaling, traffic, logger, batcher) and its model
framework fields.  So the check has two halves:

- everything that is the pod's (and the object's ``metadata``) is validated against the
  Kubernetes API's own strict schemas, those ``kubernetes-validate`` bundles, as a ``Pod``
  of the Kubernetes version KServe's API is built on;
- KServe's fields are checked against :data:`COMPONENT_FIELDS`, written from KServe's API
  reference (v1beta1 ``ComponentExtensionSpec``); any other field is an error, as strict
  field validation would make it.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import kubernetes_validate

API_VERSION = "serving.kserve.io/v1beta1"
KSERVE_VERSION = "0.20"
KUBERNETES_VERSION = "1.34"
"""The Kubernetes API KServe 0.20's types embed (k8s.io/api 0.34)."""

_COUNT = {"type": "integer", "minimum": 0}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_OPEN = {"type": "object"}
"""Fields whose content the manifests never set: only their type is checked."""

COMPONENT_FIELDS: dict[str, dict[str, Any]] = {
    "minReplicas": _COUNT,
    "maxReplicas": _COUNT,
    "scaleTarget": _COUNT,
    "scaleMetric": {"enum": ["cpu", "memory", "concurrency", "rps"]},
    "scaleMetricType": {"enum": ["Utilization", "AverageValue", "Value"]},
    "containerConcurrency": _COUNT,
    "timeout": _COUNT,
    "canaryTrafficPercent": {"type": "integer", "minimum": 0, "maximum": 100},
    "labels": _STRING_MAP,
    "annotations": _STRING_MAP,
    "logger": _OPEN,
    "batcher": _OPEN,
    "autoScaling": _OPEN,
    "deploymentStrategy": _OPEN,
    "storageUris": {"type": "array", "items": _OPEN},
    "workerSpec": _OPEN,
    # The model framework specs (one of them, or `containers`).
    **{
        name: _OPEN
        for name in (
            "model",
            "sklearn",
            "xgboost",
            "lightgbm",
            "pytorch",
            "tensorflow",
            "onnx",
            "triton",
            "pmml",
            "paddle",
            "huggingface",
        )
    },
}

_OUTER = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": API_VERSION},
        "kind": {"const": "InferenceService"},
        "metadata": _OPEN,
        "spec": {
            "type": "object",
            "required": ["predictor"],
            "additionalProperties": False,
            "properties": {
                "predictor": _OPEN,
                "transformer": _OPEN,
                "explainer": _OPEN,
            },
        },
    },
}


def inference_service_errors(doc: dict[str, Any]) -> list[str]:
    """What is wrong with ``doc`` as an InferenceService (empty if nothing)."""
    errors = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft202012Validator(_OUTER).iter_errors(doc)
    ]
    if errors:
        return errors
    predictor = doc["spec"]["predictor"]
    kserve = {k: v for k, v in predictor.items() if k in COMPONENT_FIELDS}
    component_schema = {"type": "object", "properties": COMPONENT_FIELDS}
    errors += [
        f"spec.predictor.{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft202012Validator(component_schema).iter_errors(kserve)
    ]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": doc["metadata"],
        "spec": {k: v for k, v in predictor.items() if k not in COMPONENT_FIELDS},
    }
    try:
        kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        errors.append(f"spec.predictor (as a pod): {e.message}")
    return errors
