"""Start and stop automatic tracking in an IPython shell."""

from __future__ import annotations

import atexit
import os
from typing import Any

from ...kernels.names import URL_VARIABLE
from .import_hooks import PostImportHooks
from .integrations import INTEGRATIONS
from .safety import log
from .session import Autolog

EXIT_TIMEOUT = 60.0


def start(shell: Any) -> Autolog | None:
    if not os.environ.get(URL_VARIABLE):
        log.info("No tracking server (%s is not set): automatic tracking is off.", URL_VARIABLE)
        return None
    autolog = Autolog(shell)
    shell.events.register("pre_run_cell", autolog.pre_run_cell)
    shell.events.register("post_run_cell", autolog.post_run_cell)
    hooks = PostImportHooks()
    for module_name, install in INTEGRATIONS:
        hooks.register(module_name, _installer(install, autolog))
    autolog.import_hooks = hooks
    atexit.register(autolog.finisher.drain, EXIT_TIMEOUT)
    return autolog


def stop(shell: Any, autolog: Autolog | None) -> None:
    if autolog is None:
        return
    shell.events.unregister("pre_run_cell", autolog.pre_run_cell)
    shell.events.unregister("post_run_cell", autolog.post_run_cell)
    autolog.import_hooks.remove()
    autolog.close()


def _installer(install: Any, autolog: Autolog) -> Any:
    return lambda module: install(autolog, module)
