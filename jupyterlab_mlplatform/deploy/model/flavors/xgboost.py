"""XGBoost boosters and its scikit-learn wrappers, in XGBoost's own UBJSON format."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from ....errors import ModelPackageError
from ..metadata import ModelMetadata
from .base import Saved, loaded

NAME = "xgboost"
SERIALIZATIONS = ("xgboost-ubj",)
MODEL_FILE = "model.ubj"


def detect(obj: Any) -> bool:
    xgb = loaded("xgboost")
    return xgb is not None and isinstance(obj, xgb.Booster | xgb.XGBModel)


def save(obj: Any, folder: str, example: Any = None) -> Saved:
    import xgboost as xgb

    obj.save_model(os.path.join(folder, MODEL_FILE))
    wrapper = None if isinstance(obj, xgb.Booster) else type(obj).__name__
    return Saved("xgboost-ubj", MODEL_FILE, obj, flavor_options={"sklearn_class": wrapper})


def load(folder: str, metadata: ModelMetadata) -> Any:
    import xgboost as xgb

    path = os.path.join(folder, metadata.model_file)
    wrapper = metadata.flavor_options.get("sklearn_class")
    if wrapper is None:
        booster = xgb.Booster()
        booster.load_model(path)
        return booster
    cls = getattr(xgb, str(wrapper), None)
    if not (isinstance(cls, type) and issubclass(cls, xgb.XGBModel)):
        raise ModelPackageError(f"xgboost has no model class {wrapper!r}.")
    model = cls()
    model.load_model(path)
    return model


def predict(raw: Any, data: Any, metadata: ModelMetadata) -> Any:
    import xgboost as xgb

    if not isinstance(raw, xgb.Booster):
        return getattr(raw, metadata.predict_method)(data)
    names = raw.feature_names
    if isinstance(data, pd.DataFrame) and all(isinstance(c, str) for c in data.columns):
        matrix = xgb.DMatrix(data)
    else:
        array = data.to_numpy() if isinstance(data, pd.DataFrame) else data
        matrix = xgb.DMatrix(array, feature_names=names)
    return raw.predict(matrix)
