"""PyTorch modules (LightningModules too) as TorchScript: scripted, else traced with the
input example (or the module's ``example_input_array``); loaded with ``torch.jit.load``
without the module's code.  When neither works, the ``state_dict``'s plain tensors
(``torch.load(weights_only=True)``): kept, but not servable without the user's code.
Never a pickled module."""

from __future__ import annotations

import io
import logging
import os
from typing import Any

import numpy as np

from ....errors import ModelPackageError
from ..metadata import ModelMetadata
from .base import Saved, as_array, loaded, quietly

NAME = "pytorch"
SERIALIZATIONS = ("torchscript", "torch-state-dict")
MODEL_FILE = "model.pt"
STATE_DICT_FILE = "state_dict.pt"

log = logging.getLogger(__name__)


def detect(obj: Any) -> bool:
    torch = loaded("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def _input_dtype(torch: Any, module: Any) -> Any:
    for parameter in module.parameters():
        if parameter.is_floating_point():
            return parameter.dtype
    return torch.float32


def _tensor(torch: Any, data: Any, dtype: Any) -> Any:
    array = as_array(data)
    tensor = torch.as_tensor(np.ascontiguousarray(array))
    return tensor.to(dtype) if tensor.is_floating_point() or array.dtype.kind in "iub" else tensor


def save(obj: Any, folder: str, example: Any = None) -> Saved:
    import torch

    dtype = _input_dtype(torch, obj)
    options = {"input_dtype": str(dtype).removeprefix("torch.")}
    traced_input = None if example is None else _tensor(torch, example, dtype)
    with quietly():
        compiled = _torchscript(torch, obj, traced_input)
    if compiled is not None:
        with quietly():  # TorchScript's deprecation warning
            torch.jit.save(compiled, os.path.join(folder, MODEL_FILE))
        return Saved("torchscript", MODEL_FILE, compiled, flavor_options=options)
    state = {
        key: value.detach().cpu() if isinstance(value, torch.Tensor) else value
        for key, value in obj.state_dict().items()
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with open(os.path.join(folder, STATE_DICT_FILE), "wb") as handle:
        handle.write(buffer.getvalue())
    return Saved("torch-state-dict", STATE_DICT_FILE, state, flavor_options=options)


def _torchscript(torch: Any, model: Any, example_input: Any) -> Any | None:
    """The module scripted or traced in eval mode (every submodule's mode restored after:
    ``train(mode)`` would also flip the ones the user had set otherwise)."""
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


def load(folder: str, metadata: ModelMetadata) -> Any:
    import torch

    path = os.path.join(folder, metadata.model_file)
    if metadata.serialization == "torch-state-dict":
        return torch.load(path, weights_only=True)
    with quietly():
        module = torch.jit.load(path, map_location="cpu")  # type: ignore[no-untyped-call]
    module.eval()
    return module


def predict(raw: Any, data: Any, metadata: ModelMetadata) -> Any:
    import torch

    if metadata.serialization != "torchscript":
        raise ModelPackageError(
            "This PyTorch model was saved as its weights only (TorchScript could not compile "
            "or trace it): it cannot predict without its code."
        )
    dtype = getattr(torch, str(metadata.flavor_options.get("input_dtype", "float32")))
    with torch.no_grad():
        output = raw(_tensor(torch, data, dtype))
    if isinstance(output, tuple | list):
        output = output[0]
    return output.detach().cpu().numpy()
