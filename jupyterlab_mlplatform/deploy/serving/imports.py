"""Keeping libraries a tabular model never needs out of the scoring process.

Standard library only: ``__main__`` installs the guard before pandas is imported.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from ...constants import MODEL_PACKAGE_FILE

TABULAR_FLAVORS = ("sklearn", "xgboost", "lightgbm")


class ImportGuard:
    """Refuses to import libraries a model of a tabular flavor never needs.

    scikit-learn's array-API helpers (which skops pulls in when it walks every estimator)
    import torch whenever it is installed: about 1.4 s and 300 MB of a scoring process
    that serves a LogisticRegression.  pandas 3 imports pyarrow eagerly when installed
    (40 MB), for string columns it can store in Python objects just as well.  Code that
    probes with ``try: import torch`` sees them as not installed.
    """

    BLOCKED = ("torch", "tensorflow", "jax", "cupy", "pyarrow")

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".", 1)[0] in self.BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (not needed to serve)", name=name)


def model_dir_argument(argv: list[str]) -> str | None:
    """The value of ``--model-dir`` in a scoring server's arguments."""
    for i, arg in enumerate(argv):
        if arg == "--model-dir" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--model-dir="):
            return arg.split("=", 1)[1]
    return None


def guard_applies(model_dir: str) -> bool:
    """The package is of a scikit-learn, XGBoost or LightGBM model whose types name none of
    the libraries :class:`ImportGuard` blocks; False for an unreadable package."""
    try:
        with open(os.path.join(model_dir, MODEL_PACKAGE_FILE), encoding="utf-8") as handle:
            metadata = json.load(handle)
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
        return False
    if not isinstance(metadata, dict) or metadata.get("flavor") not in TABULAR_FLAVORS:
        return False
    types = " ".join(map(str, [*metadata.get("trusted_types", []), metadata.get("model_class")]))
    return not any(name in types for name in (*ImportGuard.BLOCKED, "skorch"))


def guard_imports(model_dir: str) -> bool:
    """Install :class:`ImportGuard` when it applies to the package (:func:`guard_applies`),
    before any of the blocked libraries is imported.  Whether it was installed; an
    unreadable package is left to ``load_model`` to report."""
    if not guard_applies(model_dir):
        return False
    if any(name.split(".", 1)[0] in sys.modules for name in ImportGuard.BLOCKED):
        return False
    if not any(isinstance(finder, ImportGuard) for finder in sys.meta_path):
        sys.meta_path.insert(0, ImportGuard())
    return True
