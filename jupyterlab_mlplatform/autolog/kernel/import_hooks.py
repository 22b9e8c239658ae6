"""Run a function right after a module is first imported (each library is hooked only then).

A finder at the front of ``sys.meta_path`` wraps the loader of the watched modules; when
the module's code has run, the hooks get the module.  Modules imported before the hooks
were installed get them at once.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from .safety import guard

Hook = Callable[[ModuleType], None]


class PostImportHooks(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self._hooks: dict[str, list[Hook]] = {}
        self._local = threading.local()

    def register(self, module_name: str, hook: Hook) -> None:
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, "__spec__", None) is not None:
            with guard(f"hooking {module_name}"):
                hook(module)
            return
        self._hooks.setdefault(module_name, []).append(hook)
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def remove(self) -> None:
        self._hooks.clear()
        if self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self._hooks or getattr(self._local, "finding", False):
            return None
        # Ask the rest of sys.meta_path for the real spec, then wrap its loader.
        self._local.finding = True
        spec = None
        try:
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
        finally:
            self._local.finding = False
        if spec is None or spec.loader is None:
            return None
        spec.loader = _HookedLoader(spec.loader, self._hooks.pop(fullname))
        return spec


class _HookedLoader(importlib.abc.Loader):
    def __init__(self, loader: Any, hooks: list[Hook]) -> None:
        self._loader = loader
        self._hooks = hooks

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        # The module's own spec keeps the real loader (importlib.reload, pkgutil, ...).
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        module.__loader__ = self._loader
        self._loader.exec_module(module)
        for hook in self._hooks:
            with guard(f"hooking {module.__name__}"):
                hook(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)
