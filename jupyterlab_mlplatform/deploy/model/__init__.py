"""The self-describing model package: save a model with its flavor, signature, pinned
requirements and input example; load it back and predict.

Safe formats where they exist (skops, XGBoost's and LightGBM's own, TorchScript, Keras'
``.keras``); cloudpickle only for the generic Python flavor, whose loading runs code: load
packages only from our own artifact store, never from what arrives over HTTP.

Imports only the standard library, pydantic, numpy and pandas (a flavor's library when
that flavor is saved or loaded): it is copied as-is into serving images.
"""

from __future__ import annotations

from .metadata import (
    FORMAT_VERSION,
    INPUT_EXAMPLE_FILE,
    METADATA_FILE,
    REQUIREMENTS_FILE,
    ColumnSpec,
    ColumnType,
    Flavor,
    ModelMetadata,
    ModelPackageError,
    Signature,
    TensorSpec,
)
from .package import LoadedModel, load_model, read_metadata, save_model
from .requirements import pinned_requirements
from .signature import (
    SignatureError,
    as_data,
    example_payload,
    infer_signature,
    read_input_example,
    validate_input,
)

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
