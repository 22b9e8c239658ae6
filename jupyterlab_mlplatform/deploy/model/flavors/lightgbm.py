"""LightGBM boosters and its scikit-learn wrappers, as LightGBM's text model (the
booster's; a classifier's classes are kept in the metadata to map predictions back)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..metadata import ModelMetadata
from .base import Saved, loaded

NAME = "lightgbm"
SERIALIZATIONS = ("lightgbm-text",)
MODEL_FILE = "model.txt"


def detect(obj: Any) -> bool:
    lgb = loaded("lightgbm")
    return lgb is not None and isinstance(obj, lgb.Booster | lgb.LGBMModel)


def save(obj: Any, folder: str, example: Any = None) -> Saved:
    import lightgbm as lgb

    booster = obj if isinstance(obj, lgb.Booster) else obj.booster_
    booster.save_model(os.path.join(folder, MODEL_FILE))
    options: dict[str, Any] = {}
    if isinstance(obj, lgb.LGBMClassifier):
        options["classes"] = np.asarray(obj.classes_).tolist()
    return Saved("lightgbm-text", MODEL_FILE, booster, flavor_options=options)


def load(folder: str, metadata: ModelMetadata) -> Any:
    import lightgbm as lgb

    return lgb.Booster(model_file=os.path.join(folder, metadata.model_file))


def predict(raw: Any, data: Any, metadata: ModelMetadata) -> Any:
    output = raw.predict(data)
    classes = metadata.flavor_options.get("classes")
    if classes is None or metadata.predict_method != "predict":
        return output
    probabilities = np.asarray(output)
    if probabilities.ndim == 1:
        index = (probabilities > 0.5).astype(int)
    else:
        index = probabilities.argmax(axis=1)
    return np.asarray(classes)[index]
