"""Patching libraries' training entry points.

``ORIGINAL`` marks a patched function (it holds the original), so nothing is patched twice.
``patch_train`` patches a ``train(params, data, ..., callbacks=...)`` function (XGBoost,
LightGBM).

The patched function adds a callback that logs each iteration's eval metrics as they happen,
then records the params and the model of the booster it returns.  Inside a hyper-parameter
search the candidates' iterations are not logged; only the outermost training call saves a
model (a scikit-learn wrapper's fit saves it itself).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ..safety import guard

ORIGINAL = "__mlplatform_original__"


def patch_train(
    autolog: Any,
    modules: Iterable[str],
    library: str,
    make_callback: Callable[[Any], Any],
    record: Callable[[Any, Any, inspect.BoundArguments | None, bool], None],
) -> None:
    """Replace ``train`` in each of ``modules`` (all names of one function), once.

    ``make_callback(call)`` builds the library's callback; ``record(call, booster, arguments,
    outermost)`` logs what the booster and the call's arguments tell.
    """
    names = list(modules)
    first: Any = sys.modules[names[0]]
    original = first.train
    if hasattr(original, ORIGINAL):
        return
    signature = inspect.signature(original)

    @functools.wraps(original)
    def train(*args: Any, **kwargs: Any) -> Any:
        with autolog.training(library, "Booster", flavor=library) as call:
            if call is None or call.within("search"):
                return original(*args, **kwargs)
            outermost = len(call.kinds) == 1
            bound = _with_callback(signature, args, kwargs, make_callback(call))
            if bound is not None:
                booster = original(*bound.args, **bound.kwargs)
            else:
                booster = original(*args, **kwargs)
            with guard(f"recording a {library} training"):
                record(call, booster, bound, outermost)
            return booster

    setattr(train, ORIGINAL, original)
    for name in names:
        module: Any = sys.modules.get(name)
        if module is not None and getattr(module, "train", None) is original:
            module.train = train


def _with_callback(
    signature: inspect.Signature, args: Any, kwargs: Any, callback: Any
) -> inspect.BoundArguments | None:
    """The call's arguments with our callback added (None if they cannot be read)."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:  # the library will report the bad call itself
        return None
    callbacks = list(bound.arguments.get("callbacks") or [])
    callbacks.append(callback)
    bound.arguments["callbacks"] = callbacks
    return bound
