"""Keras 3: ``Model.fit`` (Sequential, Functional and subclassed models alike).

``fit`` is not defined on ``keras.Model`` but on the backend's trainer class it inherits
from (``TorchTrainer``, ``TensorFlowTrainer``, ``JAXTrainer``); it is patched there, once,
so every model class goes through it.  Logs, when training starts, the fit arguments
(``epochs``, ``batch_size``, ``validation_split``, ``steps_per_epoch`` ...), the optimizer
(``optimizer_name``, its class, and ``optimizer_<key>`` for each entry of its config, e.g.
``optimizer_learning_rate``), ``loss``, ``metrics``, ``total_params`` and
``trainable_params``; the ``logs`` of every epoch under Keras' own names (``loss``,
``val_loss``, ``accuracy`` ...) with the epoch as step; and the model as a ``.keras``
archive.  Inside a hyper-parameter search the candidates' fits are not logged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from ..models import PARITY_ROWS, input_example
from ..safety import guard, log
from .patching import ORIGINAL

FIT_ARGUMENTS = (
    "epochs",
    "batch_size",
    "validation_split",
    "shuffle",
    "initial_epoch",
    "steps_per_epoch",
    "validation_steps",
    "validation_batch_size",
    "validation_freq",
)
DEFAULT_BATCH_SIZE = 32
"""What ``fit`` uses for arrays when ``batch_size`` is not given."""


def install(autolog: Any, keras: Any) -> None:
    major = str(getattr(keras, "__version__", "3")).split(".")[0]
    if major.isdigit() and int(major) < 3:
        log.info("Keras %s is not tracked automatically (Keras 3 is).", keras.__version__)
        return
    owner: Any = _fit_owner(keras.Model)
    original = owner.__dict__["fit"]
    if hasattr(original, ORIGINAL):
        return
    owner.fit = _patched(original, autolog, keras)


def _fit_owner(model_class: type) -> type:
    """The class whose ``fit`` every model runs (the first in ``keras.Model``'s MRO)."""
    for cls in model_class.__mro__:
        if "fit" in cls.__dict__:
            return cls
    raise TypeError(f"{model_class.__qualname__} has no fit method")


def _patched(original: Callable[..., Any], autolog: Any, keras: Any) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        with autolog.training("keras", type(self).__name__, flavor="keras") as call:
            if call is None or call.within("search"):
                return original(self, *args, **kwargs)
            outermost = len(call.kinds) == 1
            callback = bound = None
            with guard("adding the Keras callback"):
                callback = _callback(keras, call)
                bound = _with_callback(keras, signature, (self, *args), kwargs, callback)
                callback.arguments = bound
            if bound is not None:
                history = original(*bound.args, **bound.kwargs)
            else:
                history = original(self, *args, **kwargs)
            with guard("recording a Keras training"):
                _record(call, self, bound, callback, outermost)
            return history

    setattr(fit, ORIGINAL, original)
    return fit


def _with_callback(
    keras: Any, signature: inspect.Signature, args: Any, kwargs: Any, callback: Any
) -> inspect.BoundArguments | None:
    """The call's arguments with our callback added (None if they cannot be read, or the
    caller passed a ready ``CallbackList``, which is theirs to keep as it is)."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:  # Keras will report the bad call itself
        return None
    callbacks = bound.arguments.get("callbacks")
    if isinstance(callbacks, keras.callbacks.CallbackList):
        return None
    if callbacks is None:
        callbacks = []
    elif not isinstance(callbacks, list | tuple):
        callbacks = [callbacks]
    bound.arguments["callbacks"] = [*callbacks, callback]
    return bound


def _callback(keras: Any, call: Any) -> Any:
    class TrackingCallback(keras.callbacks.Callback):  # type: ignore[misc]
        """The params when training starts (Keras has resolved epochs and steps by then),
        and each epoch's ``logs``."""

        arguments: inspect.BoundArguments | None = None
        params_logged = False

        def on_train_begin(self, logs: Any = None) -> None:
            with guard("logging the Keras training's params"):
                _log_params(call, self.model, self.arguments, self.params)
                self.params_logged = True

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            with guard("logging Keras metrics"):
                for key, value in (logs or {}).items():
                    number = _scalar(value)
                    if number is not None:
                        call.log_iteration(str(key), number, int(epoch))

    return TrackingCallback()


def _record(call: Any, model: Any, bound: Any, callback: Any, outermost: bool) -> None:
    call.set_tag("mlplatform.library", "keras")
    if callback is None or not callback.params_logged:
        _log_params(call, model, bound, None)
    if outermost:
        x = bound.arguments.get("x") if bound is not None else None
        call.log_model(model, input_example(x), input_example(x, PARITY_ROWS))


def _log_params(
    call: Any,
    model: Any,
    bound: inspect.BoundArguments | None,
    resolved: dict[str, Any] | None,
) -> None:
    """``fit``'s arguments, defaults included (``epochs`` and ``steps_per_epoch`` as Keras
    resolved them, when its callbacks were told), the optimizer, loss, metrics and the
    model's parameter counts."""
    params: dict[str, Any] = {}
    if bound is not None:
        arguments = {
            name: parameter.default
            for name, parameter in bound.signature.parameters.items()
            if parameter.default is not inspect.Parameter.empty
        }
        arguments.update(bound.arguments)
        for name in FIT_ARGUMENTS:
            if arguments.get(name) is not None:
                params[name] = arguments[name]
        if arguments.get("batch_size") is None:
            batch_size = _batch_size(arguments.get("x"))
            if batch_size is not None:
                params["batch_size"] = batch_size
    if resolved:
        if resolved.get("epochs") is not None:
            params["epochs"] = resolved["epochs"]
        if resolved.get("steps") is not None:
            params.setdefault("steps_per_epoch", resolved["steps"])
    params.update(_model_params(model))
    call.log_params(params)


def _model_params(model: Any) -> dict[str, Any]:
    params: dict[str, Any] = {}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        config = dict(optimizer.get_config())
        config.pop("name", None)  # the instance's ("adam_1"), not the algorithm's
        params["optimizer_name"] = type(optimizer).__name__
        for key, value in config.items():
            if key == "learning_rate":
                value = _float32_text(value)
            params[f"optimizer_{key}"] = value
    compiled = model.get_compile_config() if getattr(model, "compiled", False) else None
    if compiled:
        params["loss"] = ", ".join(_names(compiled.get("loss")))
        metrics = [*_names(compiled.get("metrics")), *_names(compiled.get("weighted_metrics"))]
        params["metrics"] = ", ".join(metrics)
    if getattr(model, "built", False):
        params["total_params"] = int(model.count_params())
        params["trainable_params"] = sum(_size(w) for w in model.trainable_weights)
    return params


def _batch_size(x: Any) -> int | None:
    """The batch size ``fit`` uses when it is not given: arrays are cut into batches of 32;
    a dataset (``PyDataset``, a PyTorch ``DataLoader``) brings its own."""
    if x is None:
        return None
    own = getattr(x, "batch_size", None)
    if isinstance(own, int):
        return own
    if hasattr(x, "shape") or isinstance(x, list | tuple | dict):
        return DEFAULT_BATCH_SIZE
    return None


def _names(value: Any) -> list[str]:
    """Names of the losses or metrics of a compile config (strings or serialized objects)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if "class_name" in value:
            config = value.get("config")
            if isinstance(config, dict) and isinstance(config.get("name"), str):
                return [config["name"]]
            if isinstance(config, str):  # a plain function
                return [config]
            return [str(value["class_name"])]
        return [name for inner in value.values() for name in _names(inner)]
    if isinstance(value, list | tuple):
        return [name for inner in value for name in _names(inner)]
    return [str(getattr(value, "name", None) or getattr(value, "__name__", type(value).__name__))]


def _float32_text(value: Any) -> Any:
    """A learning rate read back from its float32 variable, as it was written (0.01, not
    0.009999999776482582)."""
    if not isinstance(value, float):
        return value
    import numpy

    return float(str(numpy.float32(value)))


def _size(weight: Any) -> int:
    total = 1
    for dimension in weight.shape:
        total *= int(dimension)
    return total


def _scalar(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
