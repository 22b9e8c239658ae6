"""Kubernetes manifests of a scoring image: a Deployment + Service, or a KServe
``InferenceService`` with a custom predictor container.  Built as data, written with PyYAML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from .names import label_value

if TYPE_CHECKING:
    from ..model.metadata import ModelMetadata
    from .context import ContextSpec

PORT = 8080
USER_ID = 10001
HEALTH = "/health"
"""The scoring server's health route: 200 once the model is loaded and the port bound (the
server loads the model before it binds, and answers 503 on it while it has no model)."""

PART_OF = "jupyterlab-mlplatform"
MANAGED_BY = "kubectl"
"""What applies the files (see the context's README); a team that uses Helm, Kustomize or
Argo CD sets its own."""
COMPONENT = "model-server"

RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "250m", "memory": "256Mi"},
    "limits": {"cpu": "1", "memory": "1Gi"},
}
"""A starting point for a small tabular model with one worker: adjust to the model."""

SCRATCH = "tmp"
"""The volume of a writable ``/tmp`` beside the read-only root file system."""
SCRATCH_SIZE = "256Mi"

STARTUP_SECONDS = 300
"""How long the model may take to load before the container is restarted."""


def _labels(spec: ContextSpec) -> dict[str, str]:
    """Kubernetes' recommended labels (``app.kubernetes.io/*``).  One export is one instance
    of one application, both named after the deployment (the object's name)."""
    return {
        "app.kubernetes.io/name": spec.name,
        "app.kubernetes.io/instance": spec.name,
        "app.kubernetes.io/version": label_value(spec.tag),
        "app.kubernetes.io/component": COMPONENT,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def _selector(spec: ContextSpec) -> dict[str, str]:
    """The labels that stay the same across versions: a Deployment's selector is immutable,
    so a new model version (``app.kubernetes.io/version``) rolls out in place."""
    return {
        "app.kubernetes.io/name": spec.name,
        "app.kubernetes.io/instance": spec.name,
    }


def _annotations(spec: ContextSpec, metadata: ModelMetadata) -> dict[str, str]:
    values = {
        "mlplatform.io/flavor": metadata.flavor,
        "mlplatform.io/run-id": spec.run_id or metadata.run_id or "",
        "mlplatform.io/artifact-path": spec.artifact_path or "",
        "mlplatform.io/deployment": spec.deployment or "",
    }
    return {key: value for key, value in values.items() if value}


def _probes(port: int | str) -> dict[str, Any]:
    """Startup, readiness and liveness on the health route.  The startup probe gives the
    model :data:`STARTUP_SECONDS` to load; the other two start after it succeeds."""

    def probe(period: int, failures: int) -> dict[str, Any]:
        return {
            "httpGet": {"path": HEALTH, "port": port},
            "timeoutSeconds": 3,
            "periodSeconds": period,
            "failureThreshold": failures,
        }

    return {
        "startupProbe": probe(2, STARTUP_SECONDS // 2),
        "readinessProbe": probe(5, 3),
        "livenessProbe": probe(10, 3),
    }


def _security_context() -> dict[str, Any]:
    """The restricted Pod Security Standard, on the container: KServe's serverless mode
    (Knative) rejects a pod-level ``securityContext`` unless a cluster flag allows it."""
    return {
        "runAsNonRoot": True,
        "runAsUser": USER_ID,
        "runAsGroup": USER_ID,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _container(
    spec: ContextSpec, name: str, port: dict[str, Any], probe_port: int | str
) -> dict[str, Any]:
    return {
        "name": name,
        "image": spec.image_ref,
        "imagePullPolicy": "IfNotPresent",
        "ports": [port],
        "env": [{"name": "MLPLATFORM_WORKERS", "value": str(spec.workers)}],
        **_probes(probe_port),
        "resources": {kind: dict(values) for kind, values in RESOURCES.items()},
        "securityContext": _security_context(),
        "volumeMounts": [{"name": SCRATCH, "mountPath": "/tmp"}],
    }


def _pod(containers: list[dict[str, Any]]) -> dict[str, Any]:
    """What the Deployment's pod and KServe's predictor share.  The server needs no API
    access and no other Service's variables."""
    return {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "containers": containers,
        "volumes": [{"name": SCRATCH, "emptyDir": {"sizeLimit": SCRATCH_SIZE}}],
    }


def kubernetes_objects(spec: ContextSpec, metadata: ModelMetadata) -> list[dict[str, Any]]:
    """A Deployment and a ClusterIP Service (port 80 to the container's 8080)."""
    labels = _labels(spec)
    selector = _selector(spec)
    port = {"name": "http", "containerPort": PORT, "protocol": "TCP"}
    pod = _pod([_container(spec, COMPONENT, port, "http")])
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": spec.name,
            "labels": labels,
            "annotations": _annotations(spec, metadata),
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    **pod,
                    # the same as the container's, for policies that read the pod's
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": USER_ID,
                        "runAsGroup": USER_ID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
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
    default for custom containers); requests go to ``/invocations`` on its URL.

    It passes Knative's checks too (KServe's default, serverless mode): the port is named
    ``http1`` (Knative allows no other name but ``h2c``), the probes name the port by
    number, the security settings are the container's (startup probes need Knative 1.15+).
    One replica at least: a model that loads for minutes should not scale to zero."""
    port = {"name": "http1", "containerPort": PORT, "protocol": "TCP"}
    container = _container(spec, "kserve-container", port, PORT)
    return [
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {
                "name": spec.name,
                "labels": _labels(spec),
                "annotations": _annotations(spec, metadata),
            },
            "spec": {"predictor": {"minReplicas": 1, **_pod([container])}},
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
