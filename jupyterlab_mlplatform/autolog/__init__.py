"""Automatic experiment tracking, as an IPython extension.

The server loads it into every Python kernel it starts (``--ext``, see
``jupyterlab_mlplatform.kernels.provisioner``); ``%load_ext jupyterlab_mlplatform.autolog``
loads it anywhere else.  Loading it only registers two cell events and import hooks: each
supported library is hooked when the notebook imports it.
"""

from __future__ import annotations

from typing import Any

_autolog: Any = None


def load_ipython_extension(shell: Any) -> None:
    global _autolog
    if _autolog is None:
        from .kernel.extension import start

        _autolog = start(shell)


def unload_ipython_extension(shell: Any) -> None:
    global _autolog
    if _autolog is not None:
        from .kernel.extension import stop

        stop(shell, _autolog)
        _autolog = None
