"""scikit-learn estimators and pipelines, saved with skops (no pickle); loading trusts
exactly the types the saver found in the file, recorded in the metadata."""

from __future__ import annotations

import os
from typing import Any

from ..metadata import ModelMetadata
from .base import Saved, loaded

NAME = "sklearn"
SERIALIZATIONS = ("skops",)
MODEL_FILE = "model.skops"


def detect(obj: Any) -> bool:
    base = loaded("sklearn.base")
    return base is not None and isinstance(obj, base.BaseEstimator)


def save(obj: Any, folder: str, example: Any = None) -> Saved:
    import skops.io

    path = os.path.join(folder, MODEL_FILE)
    skops.io.dump(obj, path)
    trusted = sorted(skops.io.get_untrusted_types(file=path))
    return Saved("skops", MODEL_FILE, obj, trusted_types=trusted)


def load(folder: str, metadata: ModelMetadata) -> Any:
    import skops.io

    path = os.path.join(folder, metadata.model_file)
    return skops.io.load(path, trusted=list(metadata.trusted_types))


def predict(raw: Any, data: Any, metadata: ModelMetadata) -> Any:
    return getattr(raw, metadata.predict_method)(data)
