"""The container build context of a model package, written as one ``.tar.gz``.

Layout of the archive (every path under ``<name>/``)::

    Dockerfile          FROM python:<model's major.minor>-slim, a venv in /opt/venv
    .dockerignore
    README.md           how to build, run, push and apply
    requirements.txt    the serving runtime's own needs (the model's pins win)
    model/              the model package, as saved (its requirements.txt is the model's)
    runtime/            the scoring server's source: jupyterlab_mlplatform.deploy.{model,serving}
                        and two stub ``__init__`` files; no JupyterLab, no jupyter_server
    runtime/entrypoint.sh
    k8s.yaml            Deployment + Service
    kserve.yaml         KServe InferenceService

Standard library and pydantic only (``manifests`` uses PyYAML): no tornado, so the handlers
and the tests call the same functions.  Files are read and compressed in chunks; a model of
hundreds of MB never sits in memory.

Why one module of over 500 lines: the layout above is one contract.  The Dockerfile, the
entrypoint and the README written here name the paths that the archive writer below lays out
(``APP_DIR``, ``MODEL_DIR``, ``RUNTIME_DIR``), and a third of the lines are those files' text.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ...errors import ModelPackageError
from ..model.metadata import METADATA_FILE, ModelMetadata
from ..model.requirements import TORCH_CPU_INDEX
from . import manifests
from .manifests import PORT, USER_ID
from .names import NAME

DEFAULT_PYTHON = "3.11"
APP_DIR = "/opt/mlplatform"
MODEL_DIR = f"{APP_DIR}/model"
RUNTIME_DIR = f"{APP_DIR}/runtime"
KEYS_FILE = "/etc/mlplatform/keys"
SOURCE_URL = "https://github.com/jupyterlab-mlplatform/jupyterlab-mlplatform"

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The ``jupyterlab_mlplatform`` folder the runtime is copied from."""
RUNTIME_PACKAGES = ("deploy/model", "deploy/serving")
"""The sub-packages the scoring server imports (see ``deploy/serving/__init__.py``)."""
RUNTIME_MODULES = ("bounded_json.py", "constants.py", "errors.py", "lazy.py")
"""Modules of the package's root that those sub-packages import."""

RUNTIME_NEEDS: dict[str, str] = {
    # distribution -> the lower bound the serving code needs (pyproject's serving extra)
    "tornado": "6.4",
    "pydantic": "2.7",
    "numpy": "1.24",
    "pandas": "2.0",
}
"""What ``deploy.serving`` and ``deploy.model`` import at run time, besides the standard
library and the flavor's libraries (which the model's requirements pin)."""

_IMAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$")
_PYTHON = re.compile(r"^(3)\.(\d{1,2})(?:\.|$)")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_RELATIVE_FILE = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ContextSpec:
    """What the context is called and where its model came from."""

    name: str
    """A DNS-1123 label that starts with a letter (RFC 1035): the image, file and Kubernetes
    objects' name.  ``names.resource_name`` makes one of any deployment name."""
    version: int | None = None
    """The deployment's model version; None for a run's model (tag ``latest``)."""
    run_id: str | None = None
    artifact_path: str | None = None
    deployment: str | None = None
    image: str | None = None
    """The image reference in the manifests; a ``<registry>/name:tag`` placeholder if None."""
    workers: int = 1
    extra_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise ValueError(
                "The name must be a DNS-1123 label that starts with a letter "
                "(a-z, 0-9 and -, 1-63)."
            )
        if self.image is not None and not _IMAGE.fullmatch(self.image):
            raise ValueError(
                "The image must be a reference like registry.example.com/team/name:tag."
            )
        if not 1 <= self.workers <= 64:
            raise ValueError("workers must be between 1 and 64.")

    @property
    def tag(self) -> str:
        return f"v{self.version}" if self.version is not None else "latest"

    @property
    def image_ref(self) -> str:
        return self.image or f"<registry>/{self.name}:{self.tag}"

    @property
    def archive_name(self) -> str:
        version = f"-v{self.version}" if self.version is not None else ""
        return f"{self.name}{version}-container.tar.gz"


def run_context_name(run_id: str, artifact_path: str = "model") -> str:
    """``run-<first 12 of the id>`` (plus the artifact folder's name when not ``model``)."""
    base = "run-" + re.sub(r"[^a-z0-9]", "", run_id.lower())[:12]
    if artifact_path.strip("/") != "model":
        slug = re.sub(r"[^a-z0-9]+", "-", artifact_path.lower()).strip("-")[:40]
        base = f"{base}-{slug}" if slug else base
    return base.strip("-")[:63].rstrip("-") or "model"


def read_package_metadata(model_dir: Path) -> ModelMetadata:
    """The package's metadata; ModelPackageError when ``model_dir`` holds no package."""
    path = Path(model_dir) / METADATA_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ModelPackageError(f"The folder holds no model package ({METADATA_FILE}).") from e
    try:
        metadata = ModelMetadata.model_validate_json(text)
    except ValueError as e:
        raise ModelPackageError(f"{METADATA_FILE} is not a valid model description.") from e
    if (
        not _RELATIVE_FILE.fullmatch(metadata.requirements_file)
        or ".." in metadata.requirements_file
    ):
        raise ModelPackageError(f"{METADATA_FILE} names an invalid requirements file.")
    return metadata


def python_minor(metadata: ModelMetadata) -> str:
    """``3.X`` of the interpreter the model was saved with (:data:`DEFAULT_PYTHON` if unknown)."""
    found = _PYTHON.match(metadata.python_version or "")
    return f"{found.group(1)}.{found.group(2)}" if found else DEFAULT_PYTHON


def model_requirements(model_dir: Path, metadata: ModelMetadata) -> list[str]:
    """The model's requirement lines (comments kept)."""
    path = Path(model_dir) / (metadata.requirements_file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _requirement_names(lines: list[str]) -> set[str]:
    names = set()
    for line in lines:
        if line.lstrip().startswith(("#", "-")):
            continue
        found = _REQUIREMENT_NAME.match(line)
        if found:
            names.add(re.sub(r"[-_.]+", "-", found.group(1)).lower())
    return names


def runtime_requirements(model_lines: list[str]) -> list[str]:
    """The runtime's requirements file: each need the model does not pin already, pinned
    to the version this server runs (the one its scoring servers are tested with)."""
    lines = [
        "# The scoring server's own needs (jupyterlab_mlplatform.deploy.serving);",
        "# the model's pins in model/requirements.txt win where both name a package.",
    ]
    if any(TORCH_CPU_INDEX in line for line in model_lines):
        lines.append(f"--extra-index-url {TORCH_CPU_INDEX}")
    pinned = _requirement_names(model_lines)
    for name, lower in RUNTIME_NEEDS.items():
        if name in pinned:
            continue
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            lines.append(f"{name}>={lower}")
            continue
        lines.append(f"{name}=={version.partition('+')[0]}")
    return lines


def runtime_version() -> str:
    from ... import __version__

    return str(__version__)


def _label(value: str) -> str:
    """A double-quoted Dockerfile string: no control characters, no variable expansion."""
    text = _CONTROL.sub(" ", value)[:256]
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def labels(spec: ContextSpec, metadata: ModelMetadata) -> dict[str, str]:
    """OCI annotations plus ours (``io.mlplatform.*``)."""
    source = (
        f"deployment {spec.deployment} v{spec.version}"
        if spec.deployment
        else f"run {spec.run_id or metadata.run_id or 'unknown'}"
    )
    values = {
        "org.opencontainers.image.title": spec.name,
        "org.opencontainers.image.version": spec.tag,
        "org.opencontainers.image.description": (
            f"Scoring server for a {metadata.flavor} model ({metadata.model_class or 'model'})"
        ),
        "org.opencontainers.image.source": SOURCE_URL,
        "io.mlplatform.model.flavor": metadata.flavor,
        "io.mlplatform.model.run-id": spec.run_id or metadata.run_id or "",
        "io.mlplatform.model.artifact-path": spec.artifact_path or "",
        "io.mlplatform.model.source": source,
        "io.mlplatform.runtime.version": runtime_version(),
    }
    if spec.deployment:
        values["io.mlplatform.deployment"] = spec.deployment
    values.update(spec.extra_labels)
    return {key: value for key, value in values.items() if value}


HEALTHCHECK = (
    "import sys, urllib.request; "
    f"r = urllib.request.urlopen('http://127.0.0.1:{PORT}/health', timeout=4); "
    "sys.exit(0 if r.status == 200 else 1)"
)


def dockerfile(spec: ContextSpec, metadata: ModelMetadata) -> str:
    label_lines = " \\\n      ".join(f"{k}={_label(v)}" for k, v in labels(spec, metadata).items())
    return f"""\
# Scoring image of {spec.name} ({metadata.flavor} model), made by jupyterlab-mlplatform \
{runtime_version()}.
# Build:  docker build -t {spec.name}:{spec.tag} .     (or: podman build --format docker ...)
# Run:    docker run -p 8080:8080 -e MLPLATFORM_WORKERS=2 {spec.name}:{spec.tag}
# The model was saved with Python {python_minor(metadata)}; keep the same minor version.
ARG PYTHON_VERSION={python_minor(metadata)}
FROM python:${{PYTHON_VERSION}}-slim

LABEL {label_lines}

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    VIRTUAL_ENV=/opt/venv \\
    PATH=/opt/venv/bin:$PATH \\
    PYTHONPATH={RUNTIME_DIR} \\
    MLPLATFORM_WORKERS={spec.workers} \\
    MLPLATFORM_KEYS_FILE= \\
    MLPLATFORM_DEPLOYMENT_NAME={spec.deployment or spec.name} \\
    MLPLATFORM_MODEL_VERSION={spec.version or ""}

# Only the model's pinned requirements and the scoring server's own needs.
COPY model/{metadata.requirements_file} /tmp/model-requirements.txt
COPY requirements.txt /tmp/runtime-requirements.txt
RUN python -m venv /opt/venv \\
 && pip install -r /tmp/model-requirements.txt -r /tmp/runtime-requirements.txt \\
 && rm /tmp/model-requirements.txt /tmp/runtime-requirements.txt \\
 && groupadd --system --gid {USER_ID} mlplatform \\
 && useradd --uid {USER_ID} --gid {USER_ID} --no-create-home --home-dir /nonexistent \\
      --shell /usr/sbin/nologin mlplatform

COPY runtime/ {RUNTIME_DIR}/
COPY model/ {MODEL_DIR}/
RUN python -m compileall -q {RUNTIME_DIR} \\
 && chmod 0755 {RUNTIME_DIR}/entrypoint.sh

USER {USER_ID}:{USER_ID}
WORKDIR {APP_DIR}
EXPOSE {PORT}
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \\
    CMD ["python", "-c", {json.dumps(HEALTHCHECK)}]
ENTRYPOINT ["{RUNTIME_DIR}/entrypoint.sh"]
CMD []
"""


ENTRYPOINT = f"""\
#!/bin/sh
# Starts the scoring server on 0.0.0.0:{PORT}.  Settings (docker run -e ...):
#   MLPLATFORM_WORKERS    worker processes (default 1)
#   MLPLATFORM_KEYS_FILE  an API keys file: every route but /health then needs
#                         "Authorization: Bearer <key>"; {KEYS_FILE} is used when mounted
#   MLPLATFORM_DEPLOYMENT_NAME, MLPLATFORM_MODEL_VERSION
#                         what /metadata and /metrics name (set by the Dockerfile)
# Arguments after the image name are passed on (e.g. --batch-max-size 16).
set -e
keys="${{MLPLATFORM_KEYS_FILE:-}}"
if [ -z "$keys" ] && [ -e {KEYS_FILE} ]; then
  keys={KEYS_FILE}
fi
if [ -n "$keys" ]; then
  set -- --keys-file "$keys" "$@"
fi
if [ -n "${{MLPLATFORM_MODEL_VERSION:-}}" ]; then
  set -- --version "$MLPLATFORM_MODEL_VERSION" "$@"
fi
if [ -n "${{MLPLATFORM_DEPLOYMENT_NAME:-}}" ]; then
  set -- --deployment-name "$MLPLATFORM_DEPLOYMENT_NAME" "$@"
fi
exec python -m jupyterlab_mlplatform.deploy.serving \\
  --model-dir "${{MLPLATFORM_MODEL_DIR:-{MODEL_DIR}}}" --host 0.0.0.0 --port {PORT} \\
  --workers "${{MLPLATFORM_WORKERS:-1}}" "$@"
"""

DOCKERIGNORE = """\
**/__pycache__
**/*.pyc
.git
*.tar.gz
"""

RUNTIME_INIT = '''\
"""The scoring server's runtime, copied from jupyterlab_mlplatform {version} into a container
build context: ``deploy.model`` and ``deploy.serving`` only, without the Jupyter server
extension (this stub replaces the package's own ``__init__``)."""

__version__ = "{version}"
'''

DEPLOY_INIT = '''\
"""Deployment: the model package (``deploy.model``) and its scoring server (``deploy.serving``)."""
'''


def readme(spec: ContextSpec, metadata: ModelMetadata) -> str:
    image = f"{spec.name}:{spec.tag}"
    source = labels(spec, metadata)["io.mlplatform.model.source"]
    example = metadata.input_example_file or "<a JSON body>"
    return f"""\
# {spec.name}: a scoring image for a {metadata.flavor} model

Made by jupyterlab-mlplatform {runtime_version()} from {source}.  The image serves the model
in `model/` with the scoring server in `runtime/` (no JupyterLab): `POST /invocations`
(MLflow's request formats: `dataframe_split`, `dataframe_records`, `instances`, `inputs`,
`text/csv`), `GET /health`, `GET /metadata`, `GET /openapi.json`, `GET /metrics`
(Prometheus), on port {PORT}.

It installs only `model/requirements.txt` (the model's pinned requirements) and
`requirements.txt` (the server's own: tornado, pydantic, numpy, pandas) into `/opt/venv`
on `python:{python_minor(metadata)}-slim`, and runs as the non-root user {USER_ID}.

## Build and run

```sh
docker build -t {image} .
docker run --rm -p 8080:8080 -e MLPLATFORM_WORKERS=2 {image}
curl -s localhost:8080/health
curl -s localhost:8080/invocations -H 'Content-Type: application/json' \\
  -d @model/{example}
```

With Podman or Buildah, build with `--format docker`: the OCI format drops the `HEALTHCHECK`.

```sh
podman build --format docker -t {image} .
podman run --rm -p 8080:8080 {image}
```

Settings (`-e NAME=value`):

| variable | default | |
|---|---|---|
| `MLPLATFORM_WORKERS` | {spec.workers} | worker processes sharing the port |
| `MLPLATFORM_KEYS_FILE` | (none) | an API keys file; `{KEYS_FILE}` is used when mounted |

Arguments after the image name go to the server, e.g. `--batch-max-size 16
--batch-timeout-ms 2` (adaptive micro-batching) or `--max-body-bytes N`.

API keys: with a keys file every route but `/health` needs `Authorization: Bearer <key>`.
One line per key, `<key_id> <hash>` (see `runtime/jupyterlab_mlplatform/deploy/serving/keys.py`);
make one with the image itself:

```sh
docker run --rm --entrypoint python {image} -c \\
  "from jupyterlab_mlplatform.deploy.serving.keys import *; k = generate_key(); \\
print('key:', k); print(key_id_of(k), hash_key(k))"
chmod 0644 keys     # the file: that second line; user {USER_ID} must be able to read it
docker run --rm -p 8080:8080 -v $PWD/keys:{KEYS_FILE}:ro {image}
```

## Kubernetes

Push the image, put its reference in place of `{spec.image_ref}` and apply:

```sh
docker tag {image} registry.example.com/team/{image}
docker push registry.example.com/team/{image}
sed -i 's|{spec.image_ref}|registry.example.com/team/{image}|' k8s.yaml kserve.yaml
kubectl apply -f k8s.yaml          # a Deployment and a ClusterIP Service (port 80)
kubectl apply -f kserve.yaml       # or: a KServe InferenceService (custom predictor)
```

The manifests run it as user {USER_ID} with a read-only root file system (an `emptyDir` on
`/tmp`), startup, readiness and liveness probes on `/health` (the model may take five
minutes to load), and resource requests and limits to adjust to the model.  Their objects
carry the `app.kubernetes.io/*` labels; `kubectl get all -l app.kubernetes.io/name={spec.name}`
lists them.  `kserve.yaml` suits KServe 0.20 in either mode (with Knative 1.15 or later).
"""


@dataclass(frozen=True)
class _Member:
    arcname: str
    data: bytes | None = None
    path: Path | None = None
    mode: int = 0o644


def runtime_sources() -> Iterator[tuple[str, Path]]:
    """``(path under runtime/, source file)`` of the scoring server's modules."""
    for module in RUNTIME_MODULES:
        yield f"jupyterlab_mlplatform/{module}", PACKAGE_ROOT / module
    for package in RUNTIME_PACKAGES:
        folder = PACKAGE_ROOT / package
        for source in sorted(folder.rglob("*.py")):
            if "__pycache__" in source.parts:
                continue
            yield f"jupyterlab_mlplatform/{source.relative_to(PACKAGE_ROOT).as_posix()}", source


def _model_files(model_dir: Path) -> Iterator[tuple[str, Path]]:
    root = Path(model_dir)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            source = Path(dirpath) / filename
            if source.is_symlink() or not source.is_file():
                continue
            yield source.relative_to(root).as_posix(), source


def context_members(model_dir: Path, spec: ContextSpec) -> Iterator[_Member]:
    metadata = read_package_metadata(model_dir)
    version = runtime_version()
    reqs = model_requirements(model_dir, metadata)
    text = {
        "Dockerfile": dockerfile(spec, metadata),
        ".dockerignore": DOCKERIGNORE,
        "README.md": readme(spec, metadata),
        "requirements.txt": "\n".join(runtime_requirements(reqs)) + "\n",
        "k8s.yaml": manifests.kubernetes_yaml(spec, metadata),
        "kserve.yaml": manifests.kserve_yaml(spec, metadata),
    }
    for name, content in text.items():
        yield _Member(name, data=content.encode())
    yield _Member("runtime/entrypoint.sh", data=ENTRYPOINT.encode(), mode=0o755)
    yield _Member(
        "runtime/jupyterlab_mlplatform/__init__.py",
        data=RUNTIME_INIT.format(version=version).encode(),
    )
    yield _Member("runtime/jupyterlab_mlplatform/deploy/__init__.py", data=DEPLOY_INIT.encode())
    for arcname, source in runtime_sources():
        yield _Member(f"runtime/{arcname}", path=source)
    requirements = metadata.requirements_file
    listed = False
    for arcname, source in _model_files(model_dir):
        listed = listed or arcname == requirements
        yield _Member(f"model/{arcname}", path=source)
    if not listed:  # the Dockerfile copies it
        yield _Member(f"model/{requirements}", data=b"# The model package lists none.\n")


def write_context(
    model_dir: Path, out: IO[bytes], spec: ContextSpec, compresslevel: int = 6
) -> None:
    """Write the build context of the package in ``model_dir`` to ``out`` as a gzipped tar
    whose paths start with ``<spec.name>/``.  ModelPackageError when the folder holds no
    model package."""
    metadata = read_package_metadata(model_dir)  # fail before writing anything
    mtime = metadata.created_at // 1000
    with tarfile.open(
        fileobj=out, mode="w:gz", compresslevel=compresslevel, format=tarfile.PAX_FORMAT
    ) as archive:
        folders: set[str] = set()
        for member in context_members(model_dir, spec):
            arcname = f"{spec.name}/{member.arcname}"
            parts = arcname.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                folder = "/".join(parts[:depth])
                if folder not in folders:
                    folders.add(folder)
                    archive.addfile(_info(folder, 0, 0o755, mtime, tarfile.DIRTYPE))
            if member.data is not None:
                info = _info(arcname, len(member.data), member.mode, mtime)
                archive.addfile(info, io.BytesIO(member.data))
            else:
                assert member.path is not None
                with member.path.open("rb") as handle:
                    size = os.fstat(handle.fileno()).st_size
                    archive.addfile(_info(arcname, size, member.mode, mtime), handle)


def _info(
    name: str, size: int, mode: int, mtime: int, kind: bytes = tarfile.REGTYPE
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = mode
    info.mtime = mtime
    info.type = kind
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def write_context_file(model_dir: Path, target: Path, spec: ContextSpec) -> int:
    """:func:`write_context` into the file ``target``; its size in bytes."""
    with Path(target).open("wb") as out:
        write_context(model_dir, out, spec)
        return out.tell()


def extract_context(archive: Path, target: Path) -> Path:
    """Unpack a context archive into ``target``; the context's folder (``target/<name>``)."""
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(target, filter="data")
        names = {member.name.split("/", 1)[0] for member in tar.getmembers()}
    if len(names) != 1:
        raise ValueError("A context archive holds one top-level folder.")
    return Path(target) / names.pop()


__all__ = [
    "DEFAULT_PYTHON",
    "PORT",
    "USER_ID",
    "ContextSpec",
    "extract_context",
    "model_requirements",
    "python_minor",
    "read_package_metadata",
    "run_context_name",
    "runtime_requirements",
    "runtime_sources",
    "write_context",
    "write_context_file",
]
