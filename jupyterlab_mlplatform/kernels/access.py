"""How kernels started by this server reach the platform's API with no configuration.

Every kernel the server launches gets ``MLPLATFORM_URL`` and its own ``MLPLATFORM_TOKEN``
(and the same address and token as ``MLFLOW_TRACKING_URI``/``MLFLOW_TRACKING_TOKEN`` for
unmodified mlflow code).  A kernel token names its kernel and carries an HMAC of that id
under a per-server secret, so the server knows which kernel is calling without storing
anything, and a cell cannot pose as another kernel.  Tokens are valid only for this
extension's handlers, not for the rest of Jupyter's API.

The server-wide token (``MLPlatformApp.kernel_token``, also put into the server's own
environment) is for scripts and for kernels the server did not launch itself: requests
bearing it act as the server's owner.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from jupyter_server.auth import User

_SCHEMES = ("token", "bearer")  # mlflow sends MLFLOW_TRACKING_TOKEN as a bearer token
_KERNEL_ID = re.compile(r"[0-9A-Za-z-]{1,64}")


def owner_user() -> User:
    """The identity of the person the server runs as."""
    try:
        name = getpass.getuser()
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
        self._secret = secrets.token_bytes(32)

    def token_for(self, kernel_id: str) -> str:
        """The token of one kernel: ``<kernel id>.<mac>``."""
        return f"{kernel_id}.{self._mac(kernel_id)}"

    def caller_for(self, authorization: str) -> KernelCaller | None:
        """Who holds ``authorization`` (``token X`` or ``Bearer X``), if it is ours."""
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        if scheme.lower() not in _SCHEMES or not value:
            return None
        if hmac.compare_digest(value, self.token):
            return KernelCaller(None)
        kernel_id, dot, mac = value.rpartition(".")
        if (
            dot
            and _KERNEL_ID.fullmatch(kernel_id)
            and hmac.compare_digest(mac, self._mac(kernel_id))
        ):
            return KernelCaller(kernel_id)
        return None

    def _mac(self, kernel_id: str) -> str:
        return hmac.new(self._secret, kernel_id.encode(), hashlib.sha256).hexdigest()[:40]
