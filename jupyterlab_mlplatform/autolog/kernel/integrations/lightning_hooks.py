"""PyTorch Lightning: ``Trainer.fit``, in ``lightning.pytorch`` and in the standalone
``pytorch_lightning`` package alike (whichever is imported gets hooked).

Logs, when training starts, the trainer's settings (``max_epochs``, ``precision``,
``accumulate_grad_batches``, ``gradient_clip_val`` ...), the module's ``hparams`` under
their own names, and each optimizer (``optimizer_name`` and ``optimizer_<key>`` for the
hyper-params of its param groups, e.g. ``optimizer_lr``); at the end of every training and
validation epoch the scalars of ``trainer.callback_metrics`` under the names the module
logged them with (``train_loss``, ``val_loss`` ...), the epoch as step (the sanity-check
validation is not logged); and the trained module as TorchScript (see ``deploy.model``'s pytorch flavor).
Inside a hyper-parameter search the candidates' fits are not logged.

A fit that starts worker processes (DDP and its spawn/fork variants) gets no callback, as
the callback would have to travel to them: its params and model are recorded after fit.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..models import input_example
from ..safety import guard
from .patching import ORIGINAL

TRAINER_SETTINGS = (
    "max_epochs",
    "min_epochs",
    "max_steps",
    "min_steps",
    "precision",
    "accumulate_grad_batches",
    "gradient_clip_val",
    "gradient_clip_algorithm",
    "check_val_every_n_epoch",
    "val_check_interval",
    "limit_train_batches",
    "limit_val_batches",
    "num_sanity_val_steps",
    "log_every_n_steps",
    "num_devices",
    "num_nodes",
)


def install(autolog: Any, lightning: Any) -> None:
    """Hook ``lightning.pytorch`` or ``pytorch_lightning`` (two packages, two Trainers)."""
    trainer_class = lightning.Trainer
    original = trainer_class.__dict__["fit"]
    if hasattr(original, ORIGINAL):
        return
    trainer_class.fit = _patched(original, autolog, lightning.Callback)


def _patched(original: Callable[..., Any], autolog: Any, callback_base: type) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        module = _module_argument(signature, self, args, kwargs)
        label = type(module).__name__ if module is not None else "LightningModule"
        with autolog.training("lightning", label, flavor="pytorch") as call:
            if call is None or call.within("search"):
                return original(self, *args, **kwargs)
            outermost = len(call.kinds) == 1
            callback = None
            before = None
            with guard("adding the Lightning callback"):
                if getattr(self.strategy, "launcher", None) is None:
                    callback = _callback(callback_base, call)
                    before = self.callbacks
                    self.callbacks = [*before, callback]
            try:
                result = original(self, *args, **kwargs)
            finally:
                if callback is not None:
                    with guard("removing the Lightning callback"):
                        _remove(self, callback, before)
            with guard("recording a Lightning training"):
                _record(call, self, module, callback, outermost)
            return result

    setattr(fit, ORIGINAL, original)
    return fit


def _module_argument(
    signature: inspect.Signature, trainer: Any, args: Any, kwargs: Any
) -> Any | None:
    try:
        return signature.bind(trainer, *args, **kwargs).arguments.get("model")
    except TypeError:  # Lightning will report the bad call itself
        return None


def _remove(trainer: Any, callback: Any, before: list[Any] | None) -> None:
    """Leave the trainer's callbacks as the user had them."""
    current = list(trainer.callbacks)
    if before is not None and current == [*before, callback]:
        trainer.callbacks = before
    elif any(c is callback for c in current):
        trainer.callbacks = [c for c in current if c is not callback]


def _callback(callback_base: type, call: Any) -> Any:
    class TrackingCallback(callback_base):  # type: ignore[misc]
        """Params when training starts, the epoch-level metrics at each epoch's end.

        ``trainer.callback_metrics`` keeps what other loops logged (at the end of a
        validation, the training's last step values; at the end of a training epoch that
        had no validation, the previous validation's): only what the ending loop updated
        is logged, i.e. the values that are not the very objects seen when it started.
        """

        def __init__(self) -> None:
            super().__init__()
            self.params_logged = False
            self._train_start: dict[str, Any] = {}
            self._validation_start: dict[str, Any] = {}
            self._logged: dict[str, tuple[int, float]] = {}

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            with guard("logging the Lightning training's params"):
                _log_params(call, trainer, pl_module)
                self.params_logged = True

        def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
            with guard("logging Lightning metrics"):
                self._train_start = dict(trainer.callback_metrics)

        def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            with guard("logging Lightning metrics"):
                self._log(trainer, self._train_start)

        def on_validation_epoch_start(self, trainer: Any, pl_module: Any) -> None:
            if trainer.sanity_checking:
                return
            with guard("logging Lightning metrics"):
                self._validation_start = dict(trainer.callback_metrics)

        def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            if trainer.sanity_checking:
                return
            with guard("logging Lightning metrics"):
                self._log(trainer, self._validation_start)

        def _log(self, trainer: Any, start: Mapping[str, Any]) -> None:
            step = int(trainer.current_epoch)
            for key, value in dict(trainer.callback_metrics).items():
                if key in start and start[key] is value:
                    continue
                number = _scalar(value)
                if number is None or self._logged.get(key) == (step, number):
                    continue
                self._logged[key] = (step, number)
                call.log_iteration(str(key), number, step)

    return TrackingCallback()


def _record(call: Any, trainer: Any, module: Any, callback: Any, outermost: bool) -> None:
    call.set_tag("mlplatform.library", "lightning")
    if module is None:
        module = trainer.lightning_module
    if callback is None or not callback.params_logged:
        _log_params(call, trainer, module)
    if outermost and module is not None:
        example = input_example(getattr(module, "example_input_array", None))
        call.log_model(module, example)


def _log_params(call: Any, trainer: Any, module: Any) -> None:
    """The trainer's settings, the module's hparams and the optimizers, each on its own
    (one that cannot be read does not keep the others out)."""
    with guard("reading the Lightning trainer's settings"):
        call.log_params(_trainer_settings(trainer))
    with guard("reading the Lightning module's hparams"):
        call.log_params(dict(_flatten(module.hparams)))
    with guard("reading the Lightning optimizers"):
        call.log_params(_optimizer_params(trainer))


def _trainer_settings(trainer: Any) -> dict[str, Any]:
    missing = object()
    settings: dict[str, Any] = {}
    for name in TRAINER_SETTINGS:
        value = getattr(trainer, name, missing)
        if value is not missing:
            settings[name] = value
    settings["accelerator"] = type(trainer.accelerator).__name__
    settings["strategy"] = type(trainer.strategy).__name__
    return settings


def _optimizer_params(trainer: Any) -> dict[str, Any]:
    """``optimizer_name`` and the hyper-params of its first param group; a later group's
    differing ones as ``optimizer_group<n>_<key>``; a second optimizer as ``optimizer2_``."""
    params: dict[str, Any] = {}
    for number, optimizer in enumerate(trainer.optimizers, start=1):
        prefix = "optimizer_" if number == 1 else f"optimizer{number}_"
        params[f"{prefix}name"] = type(optimizer).__name__
        groups = [
            {k: _plain(v) for k, v in group.items() if k != "params"}
            for group in optimizer.param_groups
        ]
        first = groups[0] if groups else {}
        params.update({f"{prefix}{k}": v for k, v in first.items()})
        for index, group in enumerate(groups[1:], start=2):
            params.update(
                {f"{prefix}group{index}_{k}": v for k, v in group.items() if first.get(k) != v}
            )
    for number, config in enumerate(getattr(trainer, "lr_scheduler_configs", []), start=1):
        suffix = "" if number == 1 else str(number)
        params[f"lr_scheduler{suffix}"] = type(config.scheduler).__name__
    return params


def _flatten(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested hparams as ``outer/inner`` (as Lightning's own loggers name them)."""
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _flatten(value, f"{name}/")
        else:
            yield name, value


def _plain(value: Any) -> Any:
    """A one-element tensor (a capturable optimizer's lr) as its number."""
    if hasattr(value, "numel") and hasattr(value, "item") and value.numel() == 1:
        return value.item()
    return value


def _scalar(value: Any) -> float | None:
    if hasattr(value, "numel") and value.numel() != 1:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        return None
