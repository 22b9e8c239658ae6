"""Keras 3 models as Keras' ``.keras`` archive (zip + JSON + HDF5, loaded in safe mode);
the backend they were saved with is recorded and used when Keras is not yet imported."""

from __future__ import annotations

import os
import sys
from typing import Any

from ..metadata import ModelMetadata
from .base import Saved, as_array, loaded, quietly

NAME = "keras"
SERIALIZATIONS = ("keras",)
MODEL_FILE = "model.keras"


def detect(obj: Any) -> bool:
    keras = loaded("keras")
    return keras is not None and isinstance(obj, keras.Model)


def save(obj: Any, folder: str, example: Any = None) -> Saved:
    import keras

    with quietly():
        obj.save(os.path.join(folder, MODEL_FILE))
    options = {"keras_backend": keras.backend.backend()}
    return Saved("keras", MODEL_FILE, obj, flavor_options=options)


def load(folder: str, metadata: ModelMetadata) -> Any:
    backend = metadata.flavor_options.get("keras_backend")
    if "keras" not in sys.modules and backend:
        os.environ.setdefault("KERAS_BACKEND", str(backend))
    import keras

    with quietly():
        return keras.saving.load_model(os.path.join(folder, metadata.model_file))


def predict(raw: Any, data: Any, metadata: ModelMetadata) -> Any:
    import numpy as np

    array = as_array(data)
    if array.dtype.kind in "iuf" and array.dtype != np.float32:
        array = array.astype(np.float32)
    with quietly():  # e.g. numpy's copy-keyword deprecation inside Keras' torch backend
        return np.asarray(raw.predict(array, verbose=0))
