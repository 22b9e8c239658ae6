"""A run's files from the notebook: ``mlp.log_artifact``, ``mlp.log_figure``, and model
packages logged to and loaded from a run (``mlp.log_model``, ``mlp.load_model``).

Uploads and downloads are synchronous: they go through the session's transport
(:mod:`.fluent`), not the background sender.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .fluent import _session, _upload
from .transport import MLPlatformClientError

if TYPE_CHECKING:
    from ...deploy.model import LoadedModel, ModelMetadata, Signature


def log_artifact(local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    """Upload a file, or a folder recursively, under ``artifact_path`` in the active run."""
    run = _session().active()
    source = Path(local_path)
    prefix = (artifact_path or "").strip("/")
    if source.is_dir():
        files: Iterable[Path] = sorted(p for p in source.rglob("*") if p.is_file())
        for file in files:
            relative = file.relative_to(source).as_posix()
            with file.open("rb") as handle:
                _upload(run.run_id, f"{prefix}/{relative}" if prefix else relative, handle)
        return
    if not source.is_file():
        raise FileNotFoundError(str(source))
    with source.open("rb") as handle:
        _upload(run.run_id, f"{prefix}/{source.name}" if prefix else source.name, handle)


def log_figure(figure: Any, name: str) -> None:
    """Save a matplotlib or plotly figure as an artifact; ``name``'s extension picks the format.

    matplotlib takes any format it can save (``.png``, ``.svg``, ``.pdf``); plotly figures
    are saved as ``.html`` (or an image format when kaleido is installed).
    """
    run = _session().active()
    suffix = Path(name).suffix.lower().lstrip(".") or "png"
    buffer = io.BytesIO()
    if hasattr(figure, "savefig"):
        figure.savefig(buffer, format=suffix, bbox_inches="tight")
    elif hasattr(figure, "to_html") and suffix in ("html", "htm"):
        buffer.write(figure.to_html(include_plotlyjs="cdn").encode())
    elif hasattr(figure, "to_image"):
        buffer.write(figure.to_image(format=suffix))
    else:
        raise TypeError("log_figure takes a matplotlib or plotly figure.")
    _upload(run.run_id, name if Path(name).suffix else f"{name}.png", buffer.getvalue())


# -- models --------------------------------------------------------------------------------

RUNS_SCHEME = "runs:/"


@dataclass(frozen=True)
class ModelInfo:
    """A logged model: ``model_uri`` (``runs:/<run_id>/<name>``) loads it back."""

    run_id: str
    artifact_path: str
    metadata: ModelMetadata

    @property
    def model_uri(self) -> str:
        return f"{RUNS_SCHEME}{self.run_id}/{self.artifact_path}"

    @property
    def flavor(self) -> str:
        return self.metadata.flavor

    @property
    def signature(self) -> Signature | None:
        return self.metadata.signature


def _artifact_folder(name: str) -> str:
    folder = name.strip("/")
    if not folder or any(part in ("", ".", "..") for part in folder.split("/")):
        raise ValueError(f"{name!r} is not a folder name for the model.")
    return folder


def log_model(
    model: Any,
    name: str = "model",
    input_example: Any = None,
    signature: Signature | None = None,
    extra_requirements: Iterable[str] | None = None,
) -> ModelInfo:
    """Save ``model`` as a model package under ``<name>/`` in the active run's artifacts.

    The package records its flavor (detected from the object), the signature (inferred from
    ``input_example`` and what the model returns for it, unless ``signature`` is given),
    the pinned requirements and the input example.  ``mlp.load_model(info.model_uri)``
    loads it back.
    """
    from ...deploy.model import save_model

    folder = _artifact_folder(name)
    run = _session().active()
    with tempfile.TemporaryDirectory(prefix="mlp-model-") as temp:
        metadata = save_model(
            model,
            Path(temp) / "model",
            input_example=input_example,
            signature=signature,
            run_id=run.run_id,
            created_by="log_model",
            extra_requirements=extra_requirements,
        )
        for file in sorted(p for p in (Path(temp) / "model").rglob("*") if p.is_file()):
            relative = file.relative_to(Path(temp) / "model").as_posix()
            with file.open("rb") as handle:
                _upload(run.run_id, f"{folder}/{relative}", handle)
    return ModelInfo(run.run_id, folder, metadata)


def load_model(model_uri: str | os.PathLike[str]) -> LoadedModel:
    """A model package from ``runs:/<run_id>/<name>`` (downloaded from the run's
    artifacts) or from a local folder.  Its ``predict(data)`` does what its flavor needs.

    A generic Python model is unpickled when loaded, which runs code: load only models
    from your own runs or folders.
    """
    from ...deploy.model import load_model as load_package

    uri = os.fspath(model_uri)
    if not uri.startswith(RUNS_SCHEME):
        return load_package(uri)
    run_id, _, name = uri.removeprefix(RUNS_SCHEME).strip("/").partition("/")
    folder = _artifact_folder(name or "model")
    target = Path(tempfile.mkdtemp(prefix="mlp-model-"))
    try:
        _download_folder(run_id, folder, target)
        return load_package(target)
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _download_folder(run_id: str, folder: str, target: Path) -> None:
    transport = _session().transport
    pending = [folder]
    found = False
    while pending:
        path = pending.pop()
        try:
            listing = transport.request(
                "GET", f"runs/{quote(run_id)}/artifacts", params={"path": path}
            )
        except MLPlatformClientError as e:
            if e.status != 404 or path != folder:
                raise
            listing = {"files": []}
        for entry in listing["files"]:
            if entry["is_dir"]:
                pending.append(entry["path"])
                continue
            relative = Path(entry["path"]).relative_to(folder)
            if ".." in relative.parts:
                raise MLPlatformClientError(f"Unexpected artifact path {entry['path']!r}.")
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            _download(run_id, entry["path"], destination)
            found = True
    if not found:
        raise MLPlatformClientError(f"Run {run_id} has no model at {folder!r}.", 404)


def _download(run_id: str, path: str, destination: Path) -> None:
    transport = _session().transport
    url = f"{transport.base}runs/{quote(run_id)}/artifacts/{quote(path, safe='/')}"
    try:
        with transport.session.get(url, stream=True, timeout=transport.timeout) as response:
            if response.status_code >= 400:
                raise MLPlatformClientError(
                    f"Cannot download {path}: {response.reason}", response.status_code
                )
            with destination.open("wb") as handle:
                for chunk in response.iter_content(1 << 20):
                    handle.write(chunk)
    except OSError as e:  # requests' errors are OSErrors
        raise MLPlatformClientError(f"Cannot download {path}: {e}") from e
