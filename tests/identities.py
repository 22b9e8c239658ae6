"""Test users through jupyter-server's real authentication machinery.

``X-Test-User: alice`` makes a request (the token still authenticates it) Alice: username
``alice``, name ``Alice``, display name ``Alice Test``; Alice also has an identity colour,
the others none (the lab picks theirs).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth import IdentityProvider, User


class HeaderIdentityProvider(IdentityProvider):  # type: ignore[misc]
    async def get_user(self, handler: Any) -> User | None:
        name = handler.request.headers.get("X-Test-User")
        user = await super().get_user(handler)
        if name and user is not None:
            return User(
                username=name,
                name=name.title(),
                display_name=f"{name.title()} Test",
                color="#ff8800" if name == "alice" else None,
            )
        return user
