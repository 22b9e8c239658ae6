"""Kubernetes manifests of a scoring image: a Deployment + Service, or a KServe
``InferenceService`` with a custom predictor container.  Built as data, written with PyYAML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from ..model.metadata import ModelMetadata
    from .context import ContextSpec

PORT = 8080
USER_ID = 10001
HEALTH = "/health"

RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "250m", "memory": "256Mi"},
    "limits": {"cpu": "1", "memory": "1Gi"},
}
"""A starting point for a small tabular model with one worker: adjust to the model."""


def _labels(spec: ContextSpec) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": spec.name,
        "app.kubernetes.io/version": spec.tag,
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/managed-by": "jupyterlab-mlplatform",
    }


def _annotations(spec: ContextSpec, metadata: ModelMetadata) -> dict[str, str]:
    values = {
        "mlplatform.io/flavor": metadata.flavor,
        "mlplatform.io/run-id": spec.run_id or metadata.run_id or "",
        "mlplatform.io/artifact-path": spec.artifact_path or "",
        "mlplatform.io/deployment": spec.deployment or "",
    }
    return {key: value for key, value in values.items() if value}


def _container(spec: ContextSpec, name: str, port: Any) -> dict[str, Any]:
    probe = {"httpGet": {"path": HEALTH, "port": port}, "timeoutSeconds": 3}
    return {
        "name": name,
        "image": spec.image_ref,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "env": [{"name": "MLPLATFORM_WORKERS", "value": str(spec.workers)}],
        # The model is loaded before the port is bound: a slow load is not a failure.
        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 90},
        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
        "resources": RESOURCES,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def _pod_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": USER_ID,
        "runAsGroup": USER_ID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def kubernetes_objects(spec: ContextSpec, metadata: ModelMetadata) -> list[dict[str, Any]]:
    """A Deployment and a ClusterIP Service (port 80 to the container's 8080)."""
    labels = _labels(spec)
    selector = {"app.kubernetes.io/name": spec.name}
    meta = {"name": spec.name, "labels": labels, "annotations": _annotations(spec, metadata)}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "securityContext": _pod_security(),
                    "containers": [_container(spec, "model-server", "http")],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": spec.name, "labels": labels},
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }
    return [deployment, service]


def kserve_objects(spec: ContextSpec, metadata: ModelMetadata) -> list[dict[str, Any]]:
    """A KServe ``InferenceService`` whose predictor is the image (port 8080, KServe's
    default for custom containers); requests go to ``/invocations`` on its URL."""
    container = _container(spec, "kserve-container", PORT)
    del container["startupProbe"]  # Knative allows readiness and liveness probes only
    return [
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {
                "name": spec.name,
                "labels": _labels(spec),
                "annotations": _annotations(spec, metadata),
            },
            "spec": {
                "predictor": {
                    "minReplicas": 1,
                    "securityContext": _pod_security(),
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                }
            },
        }
    ]


class _Dumper(yaml.SafeDumper):
    """Writes shared values out in full (no ``&id001`` anchors): plain manifests."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(objects: list[dict[str, Any]], header: str) -> str:
    body = yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
    return header + body


def kubernetes_yaml(spec: ContextSpec, metadata: ModelMetadata) -> str:
    return _dump(
        kubernetes_objects(spec, metadata),
        f"# {spec.name}: Deployment + Service.  Replace {spec.image_ref} with the pushed image,\n"
        "# then: kubectl apply -f k8s.yaml\n",
    )


def kserve_yaml(spec: ContextSpec, metadata: ModelMetadata) -> str:
    return _dump(
        kserve_objects(spec, metadata),
        f"# {spec.name}: KServe InferenceService.  Replace {spec.image_ref} with the pushed\n"
        "# image, then: kubectl apply -f kserve.yaml\n",
    )


VARIANTS = {"kubernetes": kubernetes_yaml, "kserve": kserve_yaml}
