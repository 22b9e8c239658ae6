"""Lazy exports: a package names what it offers and imports each name's module on first use.

Standard library only: ``deploy.model`` uses it, and the scoring server's runtime ships it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, sources: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` (PEP 562) of ``package``.

    ``sources`` maps each lazily exported name to the module that defines it, relative to
    ``package`` (``".fluent"``).  The first lookup of a name imports its module and stores
    the value in the package, so later lookups are plain attribute reads; any other name is
    an ``AttributeError``, as for a module without ``__getattr__``.
    """

    def __getattr__(name: str) -> Any:
        module = sources.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
