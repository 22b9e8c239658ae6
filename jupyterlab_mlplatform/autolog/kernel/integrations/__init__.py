"""Library hooks: (the module whose import triggers it, the function that installs it).

Each installer patches the library's training entry points once, when it is imported; a
patched entry point calls :meth:`Autolog.training` and always runs the original.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import keras_hooks, lightgbm_hooks, lightning_hooks, sklearn_hooks, xgboost_hooks

Installer = Callable[[Any, ModuleType], None]

INTEGRATIONS: list[tuple[str, Installer]] = [
    ("sklearn.base", sklearn_hooks.install),
    ("xgboost", xgboost_hooks.install),
    ("lightgbm", lightgbm_hooks.install),
    ("keras", keras_hooks.install),
    # One Lightning, two package names: each hooks its own Trainer when imported.
    ("lightning.pytorch", lightning_hooks.install),
    ("pytorch_lightning", lightning_hooks.install),
]
