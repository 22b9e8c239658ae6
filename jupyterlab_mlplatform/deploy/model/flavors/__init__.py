"""One module per flavor, imported only when needed; each has ``NAME``, ``SERIALIZATIONS``,
``detect(obj)``, ``save(obj, folder, example)``, ``load(folder, metadata)`` and
``predict(raw, data, metadata)``.  Their library is imported inside those functions."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from ....errors import ModelPackageError

# Keras before torch (on its torch backend a Keras model is a torch Module); the boosting
# libraries before scikit-learn (their sklearn wrappers are estimators); the generic last.
DETECTION_ORDER = ("keras", "xgboost", "lightgbm", "sklearn", "pytorch", "python")


def flavor_module(name: str) -> ModuleType:
    if name not in DETECTION_ORDER:
        raise ModelPackageError(f"Unknown flavor {name!r}.")
    return importlib.import_module(f"{__name__}.{name}")


def detect_flavor(model: Any) -> str:
    for name in DETECTION_ORDER:
        if flavor_module(name).detect(model):
            return name
    raise ModelPackageError(
        f"Cannot save a {type(model).__name__}: it is no model of a known library, has no "
        "predict method and is not callable."
    )
