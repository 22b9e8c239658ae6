"""``k8s.yaml`` and ``kserve.yaml`` as the container export writes them, for several models
and names, checked against the Kubernetes API's schemas, KServe's ``InferenceService``
schema and the naming and labelling conventions.

- Kubernetes: the JSON schemas that ``kubernetes-validate`` bundles (offline), strict (an
  unknown field is an error, as with ``kubectl apply --validate=strict``), of each version in
  :data:`KUBERNETES_VERSIONS`.
- KServe: the ``InferenceService`` (``serving.kserve.io/v1beta1``) checked by
  :mod:`.inference_service`: the predictor's pod fields against Kubernetes' strict schemas,
  KServe's own fields against their documented types.  Beyond that, what KServe's default
  (serverless) mode's Knative webhook checks of a container.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from jupyterlab_mlplatform.deploy.container import (
    ContextSpec,
    extract_context,
    run_context_name,
    write_context_file,
)
from jupyterlab_mlplatform.deploy.container.names import (
    LABEL_VALUE,
    NAME,
    label_value,
    resource_name,
)
from jupyterlab_mlplatform.deploy.model import save_model

from .inference_service import inference_service_errors

KUBERNETES_VERSIONS = ("1.30", "1.34", "1.37")
"""1.34: the Kubernetes API that KServe 0.20's CRD embeds (k8s.io/api 0.34); 1.30 and
1.37: the oldest and newest releases the manifests are stated to work with."""
RECOMMENDED_LABELS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
}
STABLE_LABELS = {"app.kubernetes.io/name", "app.kubernetes.io/instance"}
QUALIFIED_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
RUN_ID = "0123456789abcdef0123456789abcdef"
LONG_NAME = "Customer.Churn_Gradient-Boosting " * 5


def _deployment(name: str, **fields: Any) -> dict[str, Any]:
    """What the export route makes of a deployment called ``name``."""
    return {"name": resource_name(name), "version": 3, "deployment": name, **fields}


EXPORTS: dict[str, dict[str, Any]] = {
    "deployment": _deployment("iris", run_id=RUN_ID, artifact_path="model"),
    "capitals-dots-underscores": _deployment("Iris.Classifier_V2"),
    "very-long": _deployment(LONG_NAME, workers=4),
    "leading-digit": _deployment("2024_forecast"),
    "trailing-hyphen": _deployment("iris-"),
    "run": {
        "name": run_context_name(RUN_ID, "models/Best Model"),
        "run_id": RUN_ID,
        "artifact_path": "models/Best Model",
    },
    "pushed-image": _deployment("iris", image="registry.example.com/team/iris:v3"),
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    path = tmp_path_factory.mktemp("models") / "model"
    model = LogisticRegression().fit(frame, [0, 0, 1, 1])
    save_model(model, path, input_example=frame.head(2), run_id=RUN_ID)
    return path


def _export(model_dir: Path, folder: Path, spec: ContextSpec) -> dict[str, str]:
    """The two manifests of the context archive written for ``spec``."""
    archive = folder / "context.tar.gz"
    write_context_file(model_dir, archive, spec)
    context = extract_context(archive, folder / "out")
    return {name: (context / name).read_text() for name in ("k8s.yaml", "kserve.yaml")}


@pytest.fixture(scope="module")
def exports(
    model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[ContextSpec, dict[str, str]]]:
    written = {}
    for key, fields in EXPORTS.items():
        spec = ContextSpec(**fields)
        written[key] = (spec, _export(model_dir, tmp_path_factory.mktemp(key), spec))
    return written


def _documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


# -- the schemas ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("key", EXPORTS)
def test_kubernetes_manifest_validates(
    exports: dict[str, tuple[ContextSpec, dict[str, str]]], key: str, version: str
) -> None:
    _, files = exports[key]
    documents = _documents(files["k8s.yaml"])

    assert [doc["kind"] for doc in documents] == ["Deployment", "Service"]
    for doc in documents:
        assert kubernetes_validate.validate(doc, version, strict=True) == version


@pytest.mark.parametrize("key", EXPORTS)
def test_kserve_manifest_validates(
    exports: dict[str, tuple[ContextSpec, dict[str, str]]],
    key: str,
) -> None:
    _, files = exports[key]
    (service,) = _documents(files["kserve.yaml"])

    assert (service["apiVersion"], service["kind"]) == (
        "serving.kserve.io/v1beta1",
        "InferenceService",
    )
    assert inference_service_errors(service) == []


def test_the_validators_reject_a_broken_manifest(
    exports: dict[str, tuple[ContextSpec, dict[str, str]]],
) -> None:
    _, files = exports["deployment"]
    deployment, _ = _documents(files["k8s.yaml"])
    (service,) = _documents(files["kserve.yaml"])

    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "one"
    unknown_field = copy.deepcopy(deployment)
    unknown_field["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    for broken in (wrong_type, unknown_field):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)

    assert inference_service_errors(service) == []
    breaks = [
        lambda predictor: predictor.update(minReplicas="1"),  # KServe's field, wrong type
        lambda predictor: predictor.update(replicas=2),  # neither KServe's nor the pod's
        lambda predictor: predictor["containers"][0]["ports"][0].update(containerPort="8080"),
        lambda predictor: predictor["containers"][0].update(readinessprobe={}),
    ]
    for breaking in breaks:
        broken = copy.deepcopy(service)
        breaking(broken["spec"]["predictor"])
        assert inference_service_errors(broken) != []
    broken = copy.deepcopy(service)
    broken["spec"]["predictr"] = broken["spec"].pop("predictor")
    assert inference_service_errors(broken) != []


# -- names, labels, selectors ---------------------------------------------------------------


def _objects(files: dict[str, str]) -> list[dict[str, Any]]:
    return _documents(files["k8s.yaml"]) + _documents(files["kserve.yaml"])


@pytest.mark.parametrize("key", EXPORTS)
def test_names_and_labels_follow_the_conventions(
    exports: dict[str, tuple[ContextSpec, dict[str, str]]], key: str
) -> None:
    spec, files = exports[key]
    objects = _objects(files)

    # One name for every object: a DNS-1035 label (what a Service and an InferenceService
    # need), the deployment's own name when it is one already
    assert {obj["metadata"]["name"] for obj in objects} == {spec.name}
    assert NAME.fullmatch(spec.name) and len(spec.name) <= 63
    if NAME.fullmatch(spec.deployment or ""):
        assert spec.name == spec.deployment
    for obj in objects:
        labels = obj["metadata"]["labels"]
        assert set(labels) == RECOMMENDED_LABELS
        assert labels["app.kubernetes.io/name"] == labels["app.kubernetes.io/instance"]
        assert labels["app.kubernetes.io/name"] == spec.name
        assert labels["app.kubernetes.io/version"] == spec.tag
        for key_, value in labels.items():
            assert QUALIFIED_KEY.fullmatch(key_)
            assert LABEL_VALUE.fullmatch(value) and len(value) <= 63
        for key_ in obj["metadata"].get("annotations", {}):
            assert QUALIFIED_KEY.fullmatch(key_)
    # the deployment's own name survives as an annotation
    if spec.deployment:
        assert objects[0]["metadata"]["annotations"]["mlplatform.io/deployment"] == (
            spec.deployment
        )

    # Selectors: only labels that stay the same from one model version to the next
    deployment, service, _ = objects
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert set(selector) == STABLE_LABELS
    assert service["spec"]["selector"] == selector
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def test_output_is_deterministic(
    model_dir: Path,
    tmp_path: Path,
    exports: dict[str, tuple[ContextSpec, dict[str, str]]],
) -> None:
    for key in ("very-long", "run"):
        spec, files = exports[key]
        (tmp_path / key).mkdir()
        assert _export(model_dir, tmp_path / key, spec) == files


# -- probes, resources, security ------------------------------------------------------------


def _containers(files: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    deployment, _, service = _objects(files)
    pod = deployment["spec"]["template"]["spec"]
    predictor = service["spec"]["predictor"]
    return [("k8s", pod["containers"][0]), ("kserve", predictor["containers"][0])]


def test_probes_resources_and_security(
    exports: dict[str, tuple[ContextSpec, dict[str, str]]],
) -> None:
    _, files = exports["deployment"]
    for variant, container in _containers(files):
        (port,) = container["ports"]
        assert port["containerPort"] == 8080
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            check = container[probe]["httpGet"]
            # the server's health route: 200 once the model is loaded (503 before)
            assert check["path"] == "/health", variant
            assert check["port"] in (port["containerPort"], port["name"]), variant
        startup = container["startupProbe"]
        # a model that loads for minutes is not restarted: five minutes before the first
        # liveness check
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 300
        assert container["livenessProbe"]["failureThreshold"] >= 3

        resources = container["resources"]
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}

        security = container["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] == 10001
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_kserve_predictor_passes_knatives_checks(
    exports: dict[str, tuple[ContextSpec, dict[str, str]]],
) -> None:
    """What Knative Serving's webhook (KServe's serverless mode, default features) rejects
    and no schema says: a port name other than h2c or http1, more than one port, a probe on
    another port or on a port by name, a pod-level securityContext."""
    _, files = exports["deployment"]
    (service,) = _documents(files["kserve.yaml"])
    predictor = service["spec"]["predictor"]
    (container,) = predictor["containers"]

    (port,) = container["ports"]
    assert port.get("name", "") in {"", "http1", "h2c"}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] == port["containerPort"]
    assert "securityContext" not in predictor
    assert predictor.get("automountServiceAccountToken") is False
    assert predictor["minReplicas"] >= 1
    assert container["name"] == "kserve-container"


# -- through REST ---------------------------------------------------------------------------


async def test_rest_names_a_deployment_that_is_no_dns_label(
    mlp_api: Any,
    jp_fetch: Any,
    model_dir: Path,
) -> None:
    # Given a deployment whose name ends in "-" (a valid deployment name, no DNS label)
    _, run = await mlp_api("POST", "runs", {})
    run_id = str(run["run_id"])
    for file in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        relative = file.relative_to(model_dir).as_posix()
        status, _ = await mlp_api(
            "PUT", f"runs/{run_id}/artifacts/model/{relative}", raw=file.read_bytes()
        )
        assert status == 201
    status, created = await mlp_api("POST", "deployments", {"name": "iris-", "run_id": run_id})
    assert status == 201, created
    try:
        # When its manifests are fetched
        responses = [
            await jp_fetch("mlplatform", "api", "deployments", "iris-", "k8s.yaml", params=params)
            for params in (None, {"variant": "kserve"})
        ]
    finally:
        await mlp_api("DELETE", "deployments/iris-")

    # Then the objects are named "iris", valid, and remember the deployment's name
    assert 'filename="iris-v1-k8s.yaml"' in responses[0].headers["Content-Disposition"]
    deployment, service = _documents(responses[0].body.decode())
    (inference,) = _documents(responses[1].body.decode())
    for doc in (deployment, service, inference):
        assert doc["metadata"]["name"] == "iris"
    assert deployment["metadata"]["annotations"]["mlplatform.io/deployment"] == "iris-"
    for doc in (deployment, service):
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)
    assert inference_service_errors(inference) == []


# -- the names themselves -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iris", "iris"),
        ("iris-v2", "iris-v2"),
        ("Iris.Classifier_V2", "iris-classifier-v2"),
        ("iris-", "iris"),
        ("2024_forecast", "model-2024-forecast"),
        ("  spaces and ümlauts ", "spaces-and-mlauts"),
    ],
)
def test_resource_name(text: str, expected: str) -> None:
    assert resource_name(text) == expected


def test_long_and_empty_names_stay_valid_and_distinct() -> None:
    first, second = resource_name(LONG_NAME + "a"), resource_name(LONG_NAME + "b")
    assert len(first) == len(second) == 63 and first != second
    assert first.startswith("customer-churn-gradient-boosting-customer-churn")
    assert resource_name("x" * 63) == "x" * 63
    for text in ("", "___", "...", "-", "ümlaut"):
        assert NAME.fullmatch(resource_name(text)), text
    assert resource_name("___") != resource_name("...")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v3", "v3"),
        ("latest", "latest"),
        ("1.2.0_rc1", "1.2.0_rc1"),
        ("-v3.", "v3"),
        ("v 3/4", "v-3-4"),
        ("", ""),
    ],
)
def test_label_value(text: str, expected: str) -> None:
    assert label_value(text) == expected
    long = label_value("v" * 100)
    assert len(long) == 63 and LABEL_VALUE.fullmatch(long)
