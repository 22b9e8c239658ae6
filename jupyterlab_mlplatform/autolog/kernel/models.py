"""Trained models saved in each library's safe format (never pickle for known libraries).

Returns the files of a model folder and its description (``mlplatform_model.json``).
Until the deployable model package exists, this is the library's own format: skops for
scikit-learn, XGBoost's UBJSON, LightGBM's text model, Keras' ``.keras`` archive,
TorchScript for PyTorch modules.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .safety import log


@dataclass
class SavedModel:
    files: dict[str, bytes]
    description: dict[str, Any] = field(default_factory=dict)


def _describe(flavor: str, fmt: str, file: str, library: str, model: Any) -> dict[str, Any]:
    module = sys.modules.get(library.replace("-", "_").split(".")[0])
    return {
        "flavor": flavor,
        "format": fmt,
        "file": file,
        "library": library,
        "library_version": getattr(module, "__version__", None),
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "python_version": platform.python_version(),
        "saved_by": "jupyterlab_mlplatform automatic tracking",
    }


def _temp_bytes(save: Callable[[str], None], suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="mlp-model-") as folder:
        path = os.path.join(folder, "model" + suffix)
        save(path)
        with open(path, "rb") as handle:
            return handle.read()


def save_xgboost(model: Any) -> SavedModel:
    xgb = sys.modules["xgboost"]
    if isinstance(model, xgb.Booster):
        data = bytes(model.save_raw("ubj"))
    else:
        data = _temp_bytes(model.save_model, ".ubj")
    return SavedModel(
        {"model.ubj": data}, _describe("xgboost", "ubj", "model.ubj", "xgboost", model)
    )


def save_lightgbm(model: Any) -> SavedModel:
    lgb = sys.modules["lightgbm"]
    booster = model if isinstance(model, lgb.Booster) else model.booster_
    data = booster.model_to_string().encode()
    return SavedModel(
        {"model.txt": data}, _describe("lightgbm", "text", "model.txt", "lightgbm", model)
    )


_warned_skops = False


def save_sklearn(model: Any) -> SavedModel | None:
    global _warned_skops
    try:
        import skops.io
    except ImportError:
        if not _warned_skops:
            _warned_skops = True
            log.warning(
                "scikit-learn models are not saved: install skops to save them safely "
                "(pip install skops)."
            )
        return None
    data = skops.io.dumps(model)
    return SavedModel(
        {"model.skops": data}, _describe("sklearn", "skops", "model.skops", "sklearn", model)
    )


def save_model(model: Any) -> SavedModel | None:
    """The model in its library's safe format, or None when there is none."""
    xgb = sys.modules.get("xgboost")
    if xgb is not None and isinstance(model, xgb.Booster | xgb.XGBModel):
        return save_xgboost(model)
    lgb = sys.modules.get("lightgbm")
    if lgb is not None and isinstance(model, lgb.Booster | lgb.LGBMModel):
        return save_lightgbm(model)
    sklearn_base = sys.modules.get("sklearn.base")
    if sklearn_base is not None and isinstance(model, sklearn_base.BaseEstimator):
        return save_sklearn(model)
    return None
