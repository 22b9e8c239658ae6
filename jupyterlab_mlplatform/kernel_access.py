"""How kernels started by this server reach the platform's API with no configuration.

At start the extension puts ``MLPLATFORM_URL`` and ``MLPLATFORM_TOKEN`` into the server's
environment, which every kernel it launches inherits.  The token is minted per server, is
valid only for this extension's handlers (not for the rest of Jupyter's API), and requests
bearing it act as the server's owner.
"""

from __future__ import annotations

import getpass
import hmac
import secrets

from jupyter_server.auth import User

URL_VARIABLE = "MLPLATFORM_URL"
TOKEN_VARIABLE = "MLPLATFORM_TOKEN"


def owner_user() -> User:
    """The identity of the person the server runs as."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. an arbitrary uid in a container
        name = "owner"
    return User(username=name, name=name, display_name=name)


class KernelCredentials:
    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.user = owner_user()

    def user_for(self, authorization: str) -> User | None:
        """The owner if ``authorization`` is ``token <kernel token>``, else None."""
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "token" or not value:
            return None
        return self.user if hmac.compare_digest(value.strip(), self.token) else None
