"""Trained models saved in each library's safe format (never pickle for known libraries).

Returns the files of a model folder and its description (``mlplatform_model.json``).
Until the deployable model package exists, this is the library's own format: skops for
scikit-learn, XGBoost's UBJSON, LightGBM's text model, Keras' ``.keras`` archive,
TorchScript for PyTorch modules.
"""

from __future__ import annotations

import io
import os
import platform
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def _quietly() -> Iterator[None]:
    """Saving a model is ours: its library's warnings (e.g. that TorchScript is
    deprecated) do not go to the user's cell."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def save_keras(model: Any) -> SavedModel:
    """A Keras 3 model as a ``.keras`` archive (architecture, weights, compile and optimizer
    state; zip + JSON + HDF5, no pickle): ``keras.saving.load_model(path)`` loads it."""
    with _quietly():
        data = _temp_bytes(model.save, ".keras")
    description = _describe("keras", "keras", "model.keras", "keras", model)
    backend = getattr(sys.modules.get("keras"), "backend", None)
    description["keras_backend"] = backend.backend() if backend is not None else None
    description["load_with"] = "keras.saving.load_model(path)"
    return SavedModel({"model.keras": data}, description)


def save_torch(model: Any, example_input: Any = None) -> SavedModel:
    """A PyTorch module (a LightningModule too) as TorchScript: scripted, else traced with
    ``example_input`` or the module's ``example_input_array``; ``model.pt`` loads with
    ``torch.jit.load(path)`` without the module's code.  When neither works (code
    TorchScript cannot compile and no example input), its ``state_dict`` as
    ``state_dict.pt``: plain tensors, which ``torch.load(path, weights_only=True)`` reads
    back into a module built by the user's code.  Never a pickled module.
    """
    import torch

    with _quietly():
        compiled = _torchscript(torch, model, example_input)
    buffer = io.BytesIO()
    if compiled is not None:
        torch.jit.save(compiled, buffer)
        description = _describe("pytorch", "torchscript", "model.pt", "torch", model)
        description["load_with"] = "torch.jit.load(path)"
        return SavedModel({"model.pt": buffer.getvalue()}, description)
    state = {
        key: value.detach().cpu() if isinstance(value, torch.Tensor) else value
        for key, value in model.state_dict().items()
    }
    torch.save(state, buffer)
    description = _describe("pytorch", "state_dict", "state_dict.pt", "torch", model)
    description["load_with"] = "model.load_state_dict(torch.load(path, weights_only=True))"
    return SavedModel({"state_dict.pt": buffer.getvalue()}, description)


def _torchscript(torch: Any, model: Any, example_input: Any) -> Any | None:
    """The module scripted or traced in eval mode (every submodule's mode is restored
    after: ``train(mode)`` would also flip the ones the user had set otherwise)."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        try:
            return torch.jit.script(model)
        except Exception as e:  # noqa: BLE001 - code TorchScript cannot compile
            log.debug("Cannot script %s: %s", type(model).__name__, e)
        if example_input is None:
            example_input = getattr(model, "example_input_array", None)
        if example_input is None:
            return None
        try:
            with torch.no_grad():
                if isinstance(example_input, dict):
                    return torch.jit.trace(model, example_kwarg_inputs=example_input)
                return torch.jit.trace(model, example_input)
        except Exception as e:  # noqa: BLE001 - e.g. data-dependent outputs
            log.debug("Cannot trace %s: %s", type(model).__name__, e)
            return None
    finally:
        for module, training in modes:
            module.training = training


def save_model(model: Any) -> SavedModel | None:
    """The model in its library's safe format, or None when there is none."""
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.Model):
        return save_keras(model)  # before torch: with its torch backend it is a Module
    xgb = sys.modules.get("xgboost")
    if xgb is not None and isinstance(model, xgb.Booster | xgb.XGBModel):
        return save_xgboost(model)
    lgb = sys.modules.get("lightgbm")
    if lgb is not None and isinstance(model, lgb.Booster | lgb.LGBMModel):
        return save_lightgbm(model)
    sklearn_base = sys.modules.get("sklearn.base")
    if sklearn_base is not None and isinstance(model, sklearn_base.BaseEstimator):
        return save_sklearn(model)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return save_torch(model)
    return None
