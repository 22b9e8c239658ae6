"""The model package's description, ``mlplatform_model.json``, and its signature types.

Type names follow MLflow's (``double``, ``long``, ... and tensor specs), so a signature
reads the same to MLflow users.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...constants import MODEL_PACKAGE_FILE

FORMAT_VERSION = 1
METADATA_FILE = MODEL_PACKAGE_FILE
"""The package's description (:data:`jupyterlab_mlplatform.constants.MODEL_PACKAGE_FILE`)."""
INPUT_EXAMPLE_FILE = "input_example.json"
REQUIREMENTS_FILE = "requirements.txt"

Flavor = Literal["sklearn", "xgboost", "lightgbm", "pytorch", "keras", "python"]
ColumnType = Literal[
    "double", "float", "long", "integer", "boolean", "string", "binary", "datetime"
]


class ColumnSpec(BaseModel):
    """One input or output column; ``name`` is None for positional (unnamed) columns."""

    model_config = ConfigDict(extra="forbid")

    name: str | None
    type: ColumnType
    required: bool = True


class TensorSpec(BaseModel):
    """A tensor's numpy dtype name and shape; -1 marks a variable dimension (the batch)."""

    model_config = ConfigDict(extra="forbid")

    dtype: str
    shape: list[int]


class Signature(BaseModel):
    """What the model takes and returns: named (or positional) columns, or a tensor."""

    inputs: list[ColumnSpec] | TensorSpec
    outputs: list[ColumnSpec] | TensorSpec | None = None

    @property
    def is_tensor(self) -> bool:
        return isinstance(self.inputs, TensorSpec)

    @property
    def column_names(self) -> list[str | None]:
        return [] if isinstance(self.inputs, TensorSpec) else [c.name for c in self.inputs]


class ModelMetadata(BaseModel):
    """``mlplatform_model.json``: everything needed to load and serve the model folder."""

    model_config = ConfigDict(extra="ignore")

    format_version: int = FORMAT_VERSION
    flavor: Flavor
    serialization: str
    """How ``model_file`` is written: skops, xgboost-ubj, lightgbm-text, torchscript,
    torch-state-dict (weights only, not servable), keras, cloudpickle."""
    model_file: str
    predict_method: str = "predict"
    model_class: str | None = None
    """The saved object's ``module.QualifiedName``."""
    signature: Signature | None = None
    input_example_file: str | None = None
    parity_file: str | None = None
    """The parity sample (:mod:`.parity`); None in packages older than it."""
    requirements_file: str = REQUIREMENTS_FILE
    python_version: str
    library_versions: dict[str, str] = Field(default_factory=dict)
    run_id: str | None = None
    created_at: int
    """Milliseconds since the epoch."""
    created_by: str | None = None
    """``log_model`` or ``autolog``."""
    trusted_types: list[str] = Field(default_factory=list)
    """skops only: the types the saver found in the file, trusted when loading it."""
    flavor_options: dict[str, Any] = Field(default_factory=dict)
    """Flavor details the loader needs, e.g. the Keras backend or a classifier's classes."""
