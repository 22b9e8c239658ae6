"""What every kernel the server launches gets: the API's address, its own token, autolog.

jupyter_client starts kernels through a provisioner; the extension makes this one the
default (when no other default is configured), registered as the
``mlplatform-provisioner`` entry point.  It is the local provisioner plus, at every launch
and restart:

- ``MLPLATFORM_URL``/``MLPLATFORM_TOKEN`` and ``MLFLOW_TRACKING_URI``/``MLFLOW_TRACKING_TOKEN``
  in the kernel's environment (the token names the kernel and is new at every launch and
  restart; it is revoked when the kernel shuts down or dies for good, see :mod:`.access`);
- for IPython kernels, ``--ext=jupyterlab_mlplatform.autolog``: automatic tracking is
  loaded with no user code, and again after a restart.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from ..constants import MLFLOW_API_ROOT
from .access import KernelCredentials
from .names import (
    MLFLOW_TOKEN_VARIABLE,
    MLFLOW_URI_VARIABLE,
    TOKEN_VARIABLE,
    URL_VARIABLE,
)

PROVISIONER_NAME = "mlplatform-provisioner"
AUTOLOG_EXTENSION = "jupyterlab_mlplatform.autolog"


@dataclass
class KernelLaunch:
    credentials: KernelCredentials
    server_url: Callable[[], str]
    """The address kernels reach the server at (known once it listens)."""
    env: bool = True
    mlflow_env: bool = True
    autolog: bool = True
    _on_dead: dict[str, Callable[[], None]] = field(default_factory=dict, repr=False)

    def watch(self, kernel_manager: Any, kernel_id: str) -> None:
        """Revoke the kernel's token if it dies for good (its restarts failed): the server
        then drops it without shutting it down."""
        callback = self._on_dead.setdefault(kernel_id, lambda: self.ended(kernel_id))
        kernel_manager.remove_restart_callback(callback, "dead")  # once, across restarts
        kernel_manager.add_restart_callback(callback, "dead")

    def ended(self, kernel_id: str) -> None:
        """The kernel is gone (shut down, or dead): its token stops working."""
        self._on_dead.pop(kernel_id, None)
        self.credentials.revoke(kernel_id)

    def amend(self, kernel_id: str, argv: list[str], kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.env:
            env = dict(kwargs.get("env") or os.environ)
            url = self.server_url()
            token = self.credentials.token_for(kernel_id)
            env[URL_VARIABLE] = url
            env[TOKEN_VARIABLE] = token
            if self.mlflow_env and not _points_elsewhere(os.environ):
                env[MLFLOW_URI_VARIABLE] = url + MLFLOW_API_ROOT
                env[MLFLOW_TOKEN_VARIABLE] = token
            kwargs["env"] = env
        if self.autolog and is_ipython_kernel(argv):
            kwargs["extra_arguments"] = [*kwargs.get("extra_arguments", []), _EXT_ARGUMENT]
        return kwargs


_EXT_ARGUMENT = f"--ext={AUTOLOG_EXTENSION}"
_launch: KernelLaunch | None = None


def _points_elsewhere(environ: Any) -> bool:
    """The server was started with its own MLFLOW_TRACKING_URI: kernels keep it."""
    uri = environ.get(MLFLOW_URI_VARIABLE, "")
    return bool(uri) and MLFLOW_API_ROOT not in uri


def is_ipython_kernel(argv: list[str]) -> bool:
    return any("ipykernel" in part for part in argv)


def set_kernel_launch(launch: KernelLaunch | None) -> None:
    """Called by the extension when it starts (with its settings) and stops (None)."""
    global _launch
    _launch = launch


class MLPlatformProvisioner(LocalProvisioner):
    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        launch = _launch
        if launch is not None and self.kernel_id:
            argv = list(getattr(self.kernel_spec, "argv", None) or [])
            kwargs = launch.amend(str(self.kernel_id), argv, kwargs)
        result: dict[str, Any] = await super().pre_launch(**kwargs)
        return result

    async def post_launch(self, **kwargs: Any) -> None:
        await super().post_launch(**kwargs)
        launch = _launch
        if launch is not None and self.kernel_id and hasattr(self.parent, "add_restart_callback"):
            launch.watch(self.parent, str(self.kernel_id))

    async def cleanup(self, restart: bool = False) -> None:
        """The kernel process is gone: unless it restarts (and gets a new token at its
        launch), its token stops working."""
        launch = _launch
        if launch is not None and self.kernel_id and not restart:
            launch.ended(str(self.kernel_id))
        await super().cleanup(restart=restart)
