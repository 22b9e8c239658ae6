"""How kernels started by this server reach the platform's API with no configuration.

Every kernel the server launches gets ``MLPLATFORM_URL`` and its own ``MLPLATFORM_TOKEN``
(and the same address and token as ``MLFLOW_TRACKING_URI``/``MLFLOW_TRACKING_TOKEN`` for
unmodified mlflow code).  A kernel token names its kernel and carries a random secret the
server issued for that launch of it, so the server knows which kernel is calling and a cell
cannot pose as another kernel.  A token lives as long as its kernel process: it stops
working when the kernel shuts down (or dies for good), and a restart issues the kernel a new
one (whatever the old process left behind, in a child process or a printed output, is
locked out).
Tokens are valid only for this extension's handlers, not for the rest of Jupyter's API.

The server-wide token (``MLPlatformApp.kernel_token``, also put into the server's own
environment) is for scripts and for kernels the server did not launch itself: requests
bearing it act as the server's owner.
"""

from __future__ import annotations

import getpass
import hmac
import os
import re
import secrets
from dataclasses import dataclass

from jupyter_server.auth import User

_SCHEMES = ("token", "bearer")  # mlflow sends MLFLOW_TRACKING_TOKEN as a bearer token
_KERNEL_ID = re.compile(r"[0-9A-Za-z-]{1,64}")


def owner_user() -> User:
    """The identity of the person the server runs for: the hub user it was spawned for
    (``JUPYTERHUB_USER``, set by JupyterHub), else the OS user it runs as."""
    name = os.environ.get("JUPYTERHUB_USER", "")
    try:
        name = name or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. an arbitrary uid in a container
        name = "owner"
    return User(username=name, name=name, display_name=name)


@dataclass(frozen=True)
class KernelCaller:
    """A request made with a kernel credential."""

    kernel_id: str | None
    """The calling kernel, or None for the server-wide token."""


class KernelCredentials:
    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.user = owner_user()
        self._secrets: dict[str, str] = {}
        """The secret of each kernel's current launch, by kernel id."""

    def token_for(self, kernel_id: str) -> str:
        """A new token for a launch of ``kernel_id``: ``<kernel id>.<secret>``.

        The kernel's previous token, if any, stops working.
        """
        secret = secrets.token_urlsafe(32)
        self._secrets[kernel_id] = secret
        return f"{kernel_id}.{secret}"

    def revoke(self, kernel_id: str) -> None:
        """``kernel_id`` shut down: its token no longer authenticates anyone."""
        self._secrets.pop(kernel_id, None)

    def caller_for(self, authorization: str) -> KernelCaller | None:
        """Who holds ``authorization`` (``token X`` or ``Bearer X``), if it is ours."""
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        if scheme.lower() not in _SCHEMES or not value:
            return None
        if hmac.compare_digest(value, self.token):
            return KernelCaller(None)
        kernel_id, dot, secret = value.rpartition(".")
        expected = self._secrets.get(kernel_id) if dot and _KERNEL_ID.fullmatch(kernel_id) else None
        if expected is not None and hmac.compare_digest(secret, expected):
            return KernelCaller(kernel_id)
        return None
