"""The pinned requirements a model needs, from the versions installed in this interpreter.

Only what the flavor needs (no ``pip freeze``): the serving image installs these and our
small serving runtime, nothing else.  Versions come from ``importlib.metadata`` alone.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Iterable
from typing import Any

from .metadata import REQUIREMENTS_FILE

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

# The distributions that provide a module, in the order they are looked for.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    "pandas": ("pandas",),
    "scipy": ("scipy",),
    "sklearn": ("scikit-learn",),
    "skops": ("skops",),
    "xgboost": ("xgboost", "xgboost-cpu"),
    "lightgbm": ("lightgbm",),
    "torch": ("torch",),
    "keras": ("keras",),
    "tensorflow": ("tensorflow", "tensorflow-cpu"),
    "jax": ("jax",),
    "cloudpickle": ("cloudpickle",),
}

FLAVOR_MODULES: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn", "skops", "numpy", "pandas", "scipy"),
    "xgboost": ("xgboost", "numpy", "pandas"),
    "lightgbm": ("lightgbm", "numpy", "pandas"),
    "pytorch": ("torch", "numpy", "pandas"),
    "keras": ("keras", "numpy", "pandas"),
    "python": ("cloudpickle", "numpy", "pandas"),
}


def installed(module: str) -> tuple[str, str] | None:
    """The installed distribution providing ``module`` (or named so) and its version."""
    for name in DISTRIBUTIONS.get(module, (module,)):
        try:
            return name, importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _pin(module: str) -> list[str]:
    found = installed(module)
    if found is None:
        return []
    name, version = found
    public, _, local = version.partition("+")
    lines = [f"{name}=={public}"]
    if name == "torch" and local.startswith("cpu"):
        lines.insert(
            0, f"# torch {version} is the CPU build: install it from --index-url {TORCH_CPU_INDEX}"
        )
    return lines


def _modules(flavor: str, model: Any) -> list[str]:
    names = ["sklearn" if n == "scikit-learn" else n for n in FLAVOR_MODULES[flavor]]
    if flavor == "keras":
        backend = _keras_backend()
        if backend in ("torch", "tensorflow", "jax"):
            names.insert(1, backend)
    if flavor == "sklearn":
        names += _libraries_of(_trusted_modules(model))
    return names


def _keras_backend() -> str | None:
    keras = sys.modules.get("keras")
    try:
        return str(keras.backend.backend()) if keras is not None else None
    except Exception:  # noqa: BLE001 - a Keras we do not understand
        return None


def _trusted_modules(model: Any) -> list[str]:
    """The top-level modules of the estimators in a scikit-learn model (a Pipeline's steps
    may come from xgboost or lightgbm)."""
    modules: list[str] = []
    seen: set[int] = set()

    def walk(obj: Any) -> None:
        if id(obj) in seen or len(seen) > 1000:
            return
        seen.add(id(obj))
        modules.append(type(obj).__module__.split(".")[0])
        params = getattr(obj, "get_params", None)
        if callable(params):
            try:
                values = params(deep=False).values()
            except Exception:  # noqa: BLE001 - a foreign estimator's get_params
                return
            for value in values:
                for item in value if isinstance(value, list | tuple) else (value,):
                    if isinstance(item, tuple):
                        item = item[-1] if item else None
                    if hasattr(item, "get_params"):
                        walk(item)

    walk(model)
    return modules


def _libraries_of(modules: Iterable[str]) -> list[str]:
    skip = {"sklearn", "numpy", "scipy", "builtins", "__main__", "pandas", "skops"}
    return [m for m in dict.fromkeys(modules) if m not in skip and m in DISTRIBUTIONS]


def pinned_requirements(flavor: str, model: Any = None) -> list[str]:
    """``name==version`` lines (and comment lines) for what ``flavor`` needs to load and
    run ``model``, pinned to the versions installed here."""
    lines: list[str] = []
    for module in dict.fromkeys(_modules(flavor, model)):
        for line in _pin(module):
            if line not in lines:
                lines.append(line)
    return lines


def write_requirements(folder: str, lines: Iterable[str]) -> str:
    with open(os.path.join(folder, REQUIREMENTS_FILE), "w", encoding="utf-8") as handle:
        handle.write("".join(f"{line}\n" for line in lines))
    return REQUIREMENTS_FILE


def library_versions(flavor: str, model: Any = None) -> dict[str, str]:
    """The installed versions of the flavor's libraries, local suffixes kept."""
    versions: dict[str, str] = {}
    for module in dict.fromkeys(_modules(flavor, model)):
        found = installed(module)
        if found is not None:
            versions[found[0]] = found[1]
    return versions
