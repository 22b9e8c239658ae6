"""What a flavor's ``save`` returns, and helpers the flavors share."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class Saved:
    """The flavor's part of the metadata, and the object ``load`` would give back."""

    serialization: str
    model_file: str
    raw: Any
    predict_method: str = "predict"
    trusted_types: list[str] = field(default_factory=list)
    flavor_options: dict[str, Any] = field(default_factory=dict)


def loaded(module: str) -> Any:
    """The module if it is already imported (detection never imports a library)."""
    return sys.modules.get(module)


def class_name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def as_array(data: Any) -> np.ndarray:
    array: np.ndarray = data.to_numpy() if isinstance(data, pd.DataFrame) else np.asarray(data)
    return array


@contextmanager
def quietly() -> Iterator[None]:
    """Saving a model is ours: its library's warnings do not go to the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
