"""Saving a model as a self-describing folder, and loading it back.

A package folder holds ``mlplatform_model.json`` (:class:`ModelMetadata`), the model file
in its flavor's format, ``requirements.txt`` and, when given one, ``input_example.json``
and ``parity_sample.json``.
"""

from __future__ import annotations

import logging
import os
import platform
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ModelPackageError
from .flavors import detect_flavor, flavor_module
from .metadata import (
    FORMAT_VERSION,
    METADATA_FILE,
    ColumnSpec,
    ModelMetadata,
    Signature,
)
from .parity import write_parity_sample
from .requirements import library_versions, pinned_requirements, write_requirements
from .signature import as_data, infer_signature, read_input_example, write_input_example

log = logging.getLogger(__name__)


class LoadedModel:
    """A loaded package: its metadata, the library's object and a flavor-aware predict."""

    def __init__(self, metadata: ModelMetadata, raw: Any, path: str) -> None:
        self.metadata = metadata
        self.raw = raw
        self.path = path

    def predict(self, data: Any) -> Any:
        """Predictions for ``data`` (a DataFrame, an ndarray, or what :func:`as_data`
        takes): an ndarray, a DataFrame or a list, as the model returns them."""
        return flavor_module(self.metadata.flavor).predict(self.raw, as_data(data), self.metadata)

    def input_example(self) -> pd.DataFrame | np.ndarray | None:
        name = self.metadata.input_example_file
        if name is None:
            return None
        return read_input_example(os.path.join(self.path, name), self.metadata.signature)

    def __repr__(self) -> str:
        return f"<LoadedModel {self.metadata.flavor} {self.metadata.model_class} from {self.path}>"


def save_model(
    model: Any,
    path: str | os.PathLike[str],
    *,
    input_example: Any = None,
    signature: Signature | None = None,
    flavor: str | None = None,
    run_id: str | None = None,
    created_by: str | None = None,
    extra_requirements: Iterable[str] | None = None,
    training_data: Any = None,
    parity: bool = True,
) -> ModelMetadata:
    """Write ``model`` as a package folder at ``path`` (created; must be empty if it exists).

    The flavor is detected from the object unless given.  With ``input_example`` (and no
    ``signature``) the signature is inferred from it and from what the model returns for
    it.  ``extra_requirements`` are added to the pinned ones (e.g. what a generic Python
    model imports).  With an example, the package keeps a parity sample
    (:mod:`.parity`): the example and up to 1,000 rows of ``training_data`` (a table or an
    array like the example), with the model's predictions for them; ``parity=False``
    leaves it out (a model whose answers are random cannot pass the check).
    """
    folder = os.fspath(path)
    os.makedirs(folder, exist_ok=True)
    if os.listdir(folder):
        raise ModelPackageError(f"{folder} is not empty.")
    name = flavor or detect_flavor(model)
    module = flavor_module(name)
    example = None if input_example is None else as_data(input_example)
    saved = module.save(model, folder, example)
    metadata = ModelMetadata(
        flavor=name,  # type: ignore[arg-type]  # checked by flavor_module
        serialization=saved.serialization,
        model_file=saved.model_file,
        predict_method=saved.predict_method,
        model_class=f"{type(model).__module__}.{type(model).__qualname__}",
        signature=signature,
        python_version=platform.python_version(),
        library_versions=library_versions(name, model),
        run_id=run_id,
        created_at=int(time.time() * 1000),
        created_by=created_by,
        trusted_types=saved.trusted_types,
        flavor_options=saved.flavor_options,
    )
    if example is not None:
        metadata.input_example_file = write_input_example(folder, example)
        if signature is None:
            metadata.signature = _infer(module, saved.raw, example, metadata)
        if parity and metadata.serialization != "torch-state-dict":  # weights: no predict
            training = None if training_data is None else as_data(training_data)
            metadata.parity_file = write_parity_sample(
                folder, lambda data: module.predict(saved.raw, data, metadata), example, training
            )
    requirements = pinned_requirements(name, model)
    requirements += [r for r in (extra_requirements or ()) if r not in requirements]
    metadata.requirements_file = write_requirements(folder, requirements)
    write_metadata(folder, metadata)
    return metadata


def _infer(module: Any, raw: Any, example: Any, metadata: ModelMetadata) -> Signature:
    """The example's signature, with the output type of the model's answer to it."""
    signature = infer_signature(example)
    if metadata.serialization == "torch-state-dict":
        return signature  # weights only: nothing to predict with
    try:
        output = module.predict(raw, example, metadata)
        outputs = infer_signature(output).inputs
    except Exception as e:  # noqa: BLE001 - an example the model cannot take: no outputs
        log.warning("The model could not predict its input example: %s", e)
        return signature
    if isinstance(outputs, list) and len(outputs) == 1 and outputs[0].name is not None:
        outputs = [ColumnSpec(name=None, type=outputs[0].type, required=outputs[0].required)]
    signature.outputs = outputs
    return signature


def write_metadata(folder: str, metadata: ModelMetadata) -> None:
    with open(os.path.join(folder, METADATA_FILE), "w", encoding="utf-8") as handle:
        handle.write(metadata.model_dump_json(indent=2))


def read_metadata(path: str | os.PathLike[str]) -> ModelMetadata:
    file = os.path.join(os.fspath(path), METADATA_FILE)
    if not os.path.isfile(file):
        raise ModelPackageError(f"{os.fspath(path)} is no model package (no {METADATA_FILE}).")
    with open(file, encoding="utf-8") as handle:
        metadata = ModelMetadata.model_validate_json(handle.read())
    if metadata.format_version > FORMAT_VERSION:
        raise ModelPackageError(
            f"The package's format version {metadata.format_version} is newer than this "
            f"loader's ({FORMAT_VERSION}): update jupyterlab_mlplatform."
        )
    return metadata


def load_model(path: str | os.PathLike[str]) -> LoadedModel:
    """Load a package folder with its flavor's loader, in the format its metadata names
    (a skops or native file is never unpickled)."""
    folder = os.fspath(path)
    metadata = read_metadata(folder)
    module = flavor_module(metadata.flavor)
    if metadata.serialization not in module.SERIALIZATIONS:
        raise ModelPackageError(
            f"The {metadata.flavor} flavor does not load {metadata.serialization!r} files."
        )
    model_file = os.path.join(folder, metadata.model_file)
    if os.path.dirname(os.path.normpath(metadata.model_file)) or not os.path.isfile(model_file):
        raise ModelPackageError(f"The package has no model file {metadata.model_file!r}.")
    return LoadedModel(metadata, module.load(folder, metadata), folder)
