"""Anything else with a ``predict(df)`` method, or a plain callable, saved with
cloudpickle.  Loading it runs code: only ever from our own artifact store."""

from __future__ import annotations

import os
from typing import Any

from ..metadata import ModelMetadata
from .base import Saved

NAME = "python"
SERIALIZATIONS = ("cloudpickle",)
MODEL_FILE = "model.pkl"


def detect(obj: Any) -> bool:
    return callable(getattr(obj, "predict", None)) or callable(obj)


def save(obj: Any, folder: str, example: Any = None) -> Saved:
    import cloudpickle

    with open(os.path.join(folder, MODEL_FILE), "wb") as handle:
        cloudpickle.dump(obj, handle)
    method = "predict" if callable(getattr(obj, "predict", None)) else "__call__"
    return Saved("cloudpickle", MODEL_FILE, obj, predict_method=method)


def load(folder: str, metadata: ModelMetadata) -> Any:
    import cloudpickle

    with open(os.path.join(folder, metadata.model_file), "rb") as handle:
        return cloudpickle.load(handle)


def predict(raw: Any, data: Any, metadata: ModelMetadata) -> Any:
    if metadata.predict_method == "__call__":
        return raw(data)
    return getattr(raw, metadata.predict_method)(data)
