"""The container build context of a model package: its files, its manifests, the REST routes
that export it, and the copied scoring runtime serving the model with no Jupyter importable.

The real image build and run are in ``test_container_build.py``.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from tornado.httpclient import HTTPClientError

from jupyterlab_mlplatform.deploy.container import (
    ContextSpec,
    extract_context,
    run_context_name,
    write_context_file,
)
from jupyterlab_mlplatform.deploy.model import load_model, save_model

RNG = np.random.default_rng(0)
COLUMNS = ["a", "b", "c"]
FRAME = pd.DataFrame(RNG.normal(size=(60, 3)), columns=COLUMNS)
TARGET = (FRAME.a + FRAME.b > 0).astype(int)
RUN_ID = "0123456789abcdef0123456789abcdef"
RUNTIME_NEEDS = {"tornado", "pydantic", "numpy", "pandas"}
JUPYTER_MODULES = (
    "jupyter_server",
    "jupyter_core",
    "jupyter_client",
    "jupyterlab",
    "jupyterlab_server",
    "traitlets",
    "sqlalchemy",
    "alembic",
    "fsspec",
    "requests",
    "psutil",
)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.linear_model import LogisticRegression

    path = tmp_path_factory.mktemp("models") / "model"
    model = LogisticRegression().fit(FRAME, TARGET)
    save_model(model, path, input_example=FRAME.head(3), run_id=RUN_ID)
    return path


def _spec(**fields: Any) -> ContextSpec:
    values: dict[str, Any] = {
        "name": "iris",
        "version": 2,
        "run_id": RUN_ID,
        "artifact_path": "model",
        "deployment": "iris",
    }
    return ContextSpec(**{**values, **fields})


def _context(model_dir: Path, tmp_path: Path, **fields: Any) -> Path:
    archive = tmp_path / "context.tar.gz"
    write_context_file(model_dir, archive, _spec(**fields))
    return extract_context(archive, tmp_path / "out")


def _names(lines: list[str]) -> set[str]:
    names = set()
    for line in lines:
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            names.add(re.split(r"[=<>!~\[; ]", line, maxsplit=1)[0].lower())
    return names


def test_context_holds_dockerfile_model_runtime_and_manifests(
    model_dir: Path, tmp_path: Path
) -> None:
    # When the context of a scikit-learn package is written
    context = _context(model_dir, tmp_path)

    # Then it has the documented layout, the package unchanged
    assert context.name == "iris"
    for name in ("Dockerfile", ".dockerignore", "README.md", "requirements.txt", "k8s.yaml"):
        assert (context / name).is_file(), name
    assert (context / "kserve.yaml").is_file()
    for file in model_dir.iterdir():
        assert (context / "model" / file.name).read_bytes() == file.read_bytes()

    # The Dockerfile: slim base of the model's Python, venv, non-root, health check, port,
    # workers setting, entrypoint, labels
    dockerfile = (context / "Dockerfile").read_text()
    assert "ARG PYTHON_VERSION=3.11\nFROM python:${PYTHON_VERSION}-slim\n" in dockerfile
    assert "python -m venv /opt/venv" in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users == ["10001:10001"]
    assert "EXPOSE 8080" in dockerfile
    assert re.search(
        r"^HEALTHCHECK .*\n\s+CMD \[\"python\", \"-c\", .*/health", dockerfile, re.MULTILINE
    )
    assert "MLPLATFORM_WORKERS=1" in dockerfile
    # what /metadata names: the deployment and its version (the build test asks the image)
    assert "MLPLATFORM_DEPLOYMENT_NAME=iris" in dockerfile
    assert "MLPLATFORM_MODEL_VERSION=2\n" in dockerfile
    assert 'ENTRYPOINT ["/opt/mlplatform/runtime/entrypoint.sh"]' in dockerfile
    assert 'io.mlplatform.model.flavor="sklearn"' in dockerfile
    assert f'io.mlplatform.model.run-id="{RUN_ID}"' in dockerfile
    assert "org.opencontainers.image.source=" in dockerfile

    # pip installs exactly two files: the model's pins and the runtime's needs
    installs = [found.strip() for found in re.findall(r"pip install ([^\\\n&]*)", dockerfile)]
    assert installs == ["-r /tmp/model-requirements.txt -r /tmp/runtime-requirements.txt"]
    assert "COPY model/requirements.txt /tmp/model-requirements.txt" in dockerfile
    assert "COPY requirements.txt /tmp/runtime-requirements.txt" in dockerfile
    model_lines = (model_dir / "requirements.txt").read_text().splitlines()
    runtime_lines = (context / "requirements.txt").read_text().splitlines()
    assert _names(runtime_lines) <= RUNTIME_NEEDS
    assert not _names(runtime_lines) & _names(model_lines)  # the model's pins win
    assert _names(runtime_lines) | _names(model_lines) >= RUNTIME_NEEDS
    assert all("==" in line for line in runtime_lines if not line.startswith("#"))
    assert not any("jupyter" in name for name in _names(runtime_lines + model_lines))

    # The runtime is deploy.model and deploy.serving, the bounded JSON parser and the domain
    # errors they use, and two stub __init__ files
    runtime = context / "runtime"
    copied = {p.relative_to(runtime).as_posix() for p in runtime.rglob("*") if p.is_file()}
    assert "entrypoint.sh" in copied
    assert "jupyterlab_mlplatform/deploy/serving/__main__.py" in copied
    assert "jupyterlab_mlplatform/deploy/model/flavors/sklearn.py" in copied
    others = {
        name
        for name in copied
        if not name.startswith(
            ("jupyterlab_mlplatform/deploy/model/", "jupyterlab_mlplatform/deploy/serving/")
        )
    }
    assert others == {
        "entrypoint.sh",
        "jupyterlab_mlplatform/__init__.py",
        "jupyterlab_mlplatform/bounded_json.py",
        "jupyterlab_mlplatform/constants.py",
        "jupyterlab_mlplatform/deploy/__init__.py",
        "jupyterlab_mlplatform/errors.py",
        "jupyterlab_mlplatform/lazy.py",
    }
    stub = (runtime / "jupyterlab_mlplatform" / "__init__.py").read_text()
    assert "import" not in stub and "__version__" in stub
    entrypoint = (runtime / "entrypoint.sh").read_text()
    assert "--host 0.0.0.0 --port 8080" in entrypoint
    assert '--workers "${MLPLATFORM_WORKERS:-1}"' in entrypoint
    assert "--keys-file" in entrypoint

    readme = (context / "README.md").read_text()
    for command in ("docker build", "docker run", "podman build", "kubectl apply"):
        assert command in readme


def test_archive_members_are_plain_files_under_one_folder(model_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "c.tar.gz"
    size = write_context_file(model_dir, archive, _spec())
    assert size == archive.stat().st_size
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
    assert {m.name.split("/")[0] for m in members} == {"iris"}
    assert all(m.isfile() or m.isdir() for m in members)
    assert all(m.uid == 0 and ".." not in m.name.split("/") for m in members)
    modes = {m.name: m.mode for m in members}
    assert modes["iris/runtime/entrypoint.sh"] == 0o755
    assert not any("__pycache__" in m.name for m in members)


def _documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def test_kubernetes_manifest_is_a_deployment_and_a_service(model_dir: Path, tmp_path: Path) -> None:
    context = _context(model_dir, tmp_path, workers=3)
    deployment, service = _documents((context / "k8s.yaml").read_text())

    assert (deployment["apiVersion"], deployment["kind"]) == ("apps/v1", "Deployment")
    assert (service["apiVersion"], service["kind"]) == ("v1", "Service")
    assert deployment["metadata"]["name"] == service["metadata"]["name"] == "iris"
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    (container,) = pod["containers"]
    assert container["image"] == "<registry>/iris:v2"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert {"name": "MLPLATFORM_WORKERS", "value": "3"} in container["env"]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert deployment["metadata"]["annotations"]["mlplatform.io/run-id"] == RUN_ID
    assert "&id" not in (context / "k8s.yaml").read_text()  # no YAML anchors


def test_kserve_manifest_is_an_inference_service(model_dir: Path, tmp_path: Path) -> None:
    context = _context(model_dir, tmp_path, image="registry.example.com/team/iris:v2")
    (service,) = _documents((context / "kserve.yaml").read_text())

    assert service["apiVersion"] == "serving.kserve.io/v1beta1"
    assert service["kind"] == "InferenceService"
    predictor = service["spec"]["predictor"]
    (container,) = predictor["containers"]
    assert container["name"] == "kserve-container"
    assert container["image"] == "registry.example.com/team/iris:v2"
    assert container["ports"][0]["containerPort"] == 8080
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize(
    ("python_version", "expected"), [("3.12.4", "3.12"), ("3.10.1", "3.10"), ("unknown", "3.11")]
)
def test_base_image_follows_the_models_python(
    model_dir: Path, tmp_path: Path, python_version: str, expected: str
) -> None:
    copy = tmp_path / "model"
    copy.mkdir()
    for file in model_dir.iterdir():
        (copy / file.name).write_bytes(file.read_bytes())
    metadata = json.loads((copy / "mlplatform_model.json").read_text())
    metadata["python_version"] = python_version
    (copy / "mlplatform_model.json").write_text(json.dumps(metadata))

    context = _context(copy, tmp_path)

    assert f"ARG PYTHON_VERSION={expected}\n" in (context / "Dockerfile").read_text()


def test_names_and_bad_input(model_dir: Path, tmp_path: Path) -> None:
    assert run_context_name(RUN_ID) == "run-0123456789ab"
    assert run_context_name(RUN_ID, "models/Best Model") == "run-0123456789ab-models-best-model"
    assert _spec().archive_name == "iris-v2-container.tar.gz"
    assert _spec(version=None).archive_name == "iris-container.tar.gz"
    with pytest.raises(ValueError, match="DNS-1123"):
        ContextSpec(name="Not_A_Name")
    with pytest.raises(ValueError, match="image"):
        ContextSpec(name="iris", image="bad image\nref")
    from jupyterlab_mlplatform.deploy.model import ModelPackageError

    with pytest.raises(ModelPackageError):
        write_context_file(tmp_path, tmp_path / "x.tar.gz", _spec())


# -- the copied runtime, without Jupyter ----------------------------------------------------

ISOLATED_SERVER = textwrap.dedent(
    """
    import atexit, json, runpy, sys
    runtime, report = sys.argv[1], sys.argv[2]
    sys.path.insert(0, runtime)
    BLOCKED = {blocked!r}

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError("blocked in the container runtime: " + name)
            return None

    sys.meta_path.insert(0, Block())

    def dump():
        files = {{n: getattr(m, "__file__", None) for n, m in list(sys.modules.items())}}
        with open(report, "w") as out:
            json.dump(files, out)

    atexit.register(dump)
    sys.argv = ["serving", *sys.argv[3:]]
    runpy.run_module("jupyterlab_mlplatform.deploy.serving", run_name="__main__")
    """
).format(blocked=JUPYTER_MODULES)


def test_copied_runtime_serves_the_model_without_jupyter(model_dir: Path, tmp_path: Path) -> None:
    # Given the context's runtime and model, unpacked
    context = _context(model_dir, tmp_path)
    runtime = context / "runtime"
    report = tmp_path / "modules.json"

    # When the scoring server runs from it in an isolated interpreter (-I: no PYTHONPATH,
    # no user site, no cwd) in which Jupyter's packages cannot be imported
    server = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-c",
            ISOLATED_SERVER,
            str(runtime),
            str(report),
            "--model-dir",
            str(context / "model"),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--workers",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline() or "{}")
        assert ready.get("event") == "ready", server.stderr.read() if server.stderr else ""
        base = f"http://127.0.0.1:{ready['port']}"
        example = (context / "model" / "input_example.json").read_bytes()
        request = urllib.request.Request(
            f"{base}/invocations", example, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        with urllib.request.urlopen(f"{base}/health", timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)

    # Then it predicts what the model predicts in-process
    model = load_model(model_dir)
    assert answer["predictions"] == model.predict(model.input_example()).tolist()
    # and nothing of Jupyter or of the rest of jupyterlab_mlplatform was imported
    assert server.returncode == 0, stderr
    modules = json.loads(report.read_text())
    assert not [name for name in modules if name.split(".")[0] in JUPYTER_MODULES]
    ours = {
        name: file
        for name, file in modules.items()
        if name.split(".")[0] == "jupyterlab_mlplatform"
    }
    assert "jupyterlab_mlplatform.deploy.serving.server" in ours
    outside = [name for name, file in ours.items() if not str(file).startswith(str(runtime))]
    assert not outside, outside


# -- REST ----------------------------------------------------------------------------------


async def _log_model(mlp_api: Any, folder: Path, prefix: str = "model") -> str:
    _, run = await mlp_api("POST", "runs", {})
    run_id = str(run["run_id"])
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = file.relative_to(folder).as_posix()
        status, _ = await mlp_api(
            "PUT", f"runs/{run_id}/artifacts/{prefix}/{relative}", raw=file.read_bytes()
        )
        assert status == 201
    return run_id


async def _get(jp_fetch: Any, *path: str, **params: str) -> tuple[int, dict[str, str], bytes]:
    try:
        response = await jp_fetch("mlplatform", "api", *path, params=params or None)
    except HTTPClientError as e:
        assert e.response is not None
        return e.code, dict(e.response.headers), e.response.body
    return response.code, dict(response.headers), response.body


def _members(body: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


@pytest.fixture
def scratch_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The server's temporary folders go here (it runs in this process): left empty?"""
    folder = tmp_path / "server-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


async def test_rest_exports_a_deployments_context_and_manifests(
    mlp_api: Any, jp_fetch: Any, model_dir: Path, scratch_tmp: Path
) -> None:
    # Given a deployment of a run's model
    run_id = await _log_model(mlp_api, model_dir)
    status, created = await mlp_api("POST", "deployments", {"name": "iris", "run_id": run_id})
    assert status == 201, created
    try:
        # When its container context is downloaded
        code, headers, body = await _get(jp_fetch, "deployments", "iris", "container.tar.gz")

        # Then it is the served version's package with a Dockerfile, as an attachment
        assert code == 200
        assert headers["Content-Type"] == "application/gzip"
        assert headers["Content-Disposition"] == ('attachment; filename="iris-v1-container.tar.gz"')
        assert int(headers["Content-Length"]) == len(body)
        files = _members(body)
        for file in model_dir.iterdir():
            assert files[f"iris/model/{file.name}"] == file.read_bytes()
        dockerfile = files["iris/Dockerfile"].decode()
        assert 'io.mlplatform.deployment="iris"' in dockerfile
        assert f'io.mlplatform.model.run-id="{run_id}"' in dockerfile
        assert "iris/runtime/jupyterlab_mlplatform/deploy/serving/server.py" in files

        # The manifests, on their own
        code, headers, body = await _get(jp_fetch, "deployments", "iris", "k8s.yaml")
        assert code == 200 and headers["Content-Type"] == "application/yaml"
        assert 'filename="iris-v1-k8s.yaml"' in headers["Content-Disposition"]
        kinds = [doc["kind"] for doc in _documents(body.decode())]
        assert kinds == ["Deployment", "Service"]
        code, _, body = await _get(
            jp_fetch, "deployments", "iris", "k8s.yaml", variant="kserve", image="reg.io/t/iris:v1"
        )
        assert code == 200
        (service,) = _documents(body.decode())
        assert service["kind"] == "InferenceService"
        assert service["spec"]["predictor"]["containers"][0]["image"] == "reg.io/t/iris:v1"

        # Bad input: clear 4xx JSON
        code, _, body = await _get(jp_fetch, "deployments", "iris", "k8s.yaml", variant="helm")
        assert code == 400 and "variant" in json.loads(body)["message"]
        code, _, body = await _get(
            jp_fetch, "deployments", "iris", "container.tar.gz", image="bad ref;rm"
        )
        assert code == 400 and "image" in json.loads(body)["message"]
        for route in ("container.tar.gz", "k8s.yaml"):
            code, _, body = await _get(jp_fetch, "deployments", "nope", route)
            assert code == 404 and json.loads(body)["message"]
    finally:
        await mlp_api("DELETE", "deployments/iris")
    await asyncio.sleep(0)
    assert list(scratch_tmp.iterdir()) == []


async def test_rest_exports_a_runs_model(
    mlp_api: Any, jp_fetch: Any, model_dir: Path, scratch_tmp: Path
) -> None:
    # Given a run with a model package under model/ and a folder without one
    run_id = await _log_model(mlp_api, model_dir)
    status, _ = await mlp_api("PUT", f"runs/{run_id}/artifacts/notes/readme.txt", raw=b"hi")
    assert status == 201

    # When the run's model is exported
    code, headers, body = await _get(
        jp_fetch, "runs", run_id, "container.tar.gz", artifact_path="model"
    )

    # Then the context is named after the run and holds its package
    name = run_context_name(run_id)
    assert code == 200
    assert headers["Content-Disposition"] == f'attachment; filename="{name}-container.tar.gz"'
    files = _members(body)
    assert (
        files[f"{name}/model/mlplatform_model.json"]
        == (model_dir / "mlplatform_model.json").read_bytes()
    )
    deployment, _ = _documents(files[f"{name}/k8s.yaml"].decode())
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == (
        f"<registry>/{name}:latest"
    )

    # Bad input: clear 4xx JSON, and no temporary folder left behind
    code, _, body = await _get(jp_fetch, "runs", run_id, "container.tar.gz", artifact_path="notes")
    assert code == 400 and "no model package" in json.loads(body)["message"]
    code, _, body = await _get(jp_fetch, "runs", run_id, "container.tar.gz", artifact_path="../x")
    assert code == 400 and json.loads(body)["message"]
    code, _, body = await _get(jp_fetch, "runs", "f" * 32, "container.tar.gz")
    assert code == 404 and json.loads(body)["message"]
    assert list(scratch_tmp.iterdir()) == []
