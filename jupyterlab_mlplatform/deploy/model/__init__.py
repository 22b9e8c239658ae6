"""The self-describing model package: save a model with its flavor, signature, pinned
requirements and input example; load it back and predict.

Safe formats where they exist (skops, XGBoost's and LightGBM's own, TorchScript, Keras'
``.keras``); cloudpickle only for the generic Python flavor, whose loading runs code: load
packages only from our own artifact store, never from what arrives over HTTP.

Imports only the standard library, pydantic, numpy and pandas (a flavor's library when
that flavor is saved or loaded), and the package's ``errors.py``: it is copied as-is into
serving images.  numpy and pandas
come with the first use of what needs them (saving, loading, signatures), so that the
Jupyter server, which reads only the metadata, does not import them at start (0.35 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import ModelPackageError, SignatureError
from ...lazy import lazy_exports
from .metadata import (
    FORMAT_VERSION,
    INPUT_EXAMPLE_FILE,
    METADATA_FILE,
    REQUIREMENTS_FILE,
    ColumnSpec,
    ColumnType,
    Flavor,
    ModelMetadata,
    Signature,
    TensorSpec,
)

if TYPE_CHECKING:
    from .package import LoadedModel, load_model, read_metadata, save_model
    from .requirements import pinned_requirements
    from .signature import (
        as_data,
        example_payload,
        infer_signature,
        read_input_example,
        validate_input,
    )

_LAZY = {
    "LoadedModel": ".package",
    "load_model": ".package",
    "read_metadata": ".package",
    "save_model": ".package",
    "pinned_requirements": ".requirements",
    "as_data": ".signature",
    "example_payload": ".signature",
    "infer_signature": ".signature",
    "read_input_example": ".signature",
    "validate_input": ".signature",
}
"""The names whose modules import numpy and pandas, and those modules."""

__all__ = [
    "FORMAT_VERSION",
    "INPUT_EXAMPLE_FILE",
    "METADATA_FILE",
    "REQUIREMENTS_FILE",
    "ColumnSpec",
    "ColumnType",
    "Flavor",
    "LoadedModel",
    "ModelMetadata",
    "ModelPackageError",
    "Signature",
    "SignatureError",
    "TensorSpec",
    "as_data",
    "example_payload",
    "infer_signature",
    "load_model",
    "pinned_requirements",
    "read_input_example",
    "read_metadata",
    "save_model",
    "validate_input",
]


__getattr__ = lazy_exports(__name__, _LAZY)
