"""Who a request made with jupyter-server's own token acts for: the server's owner.

jupyter-server's token is shared: it says nothing of who holds it, and jupyter-server names
every request made with it and no identity cookie a fresh random "Anonymous X" (and sends
that name back in a cookie).  A browser gets its name when the lab's page loads and keeps
it; a script would be someone new on each connection.  The platform's rule: a request made
with the token and no identity cookie is the server's owner.  The REST handlers
(:class:`~jupyterlab_mlplatform.base.MLPlatformAPIHandler`) and the kernel websockets (who
sent an execute request) both follow it, so a script is the owner whichever way it comes
in.  Identities from a cookie or from a configured identity provider are kept.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

GENERATED_USERNAME = re.compile(r"[0-9a-f]{32}")
"""The form of the user ids jupyter-server generates for anonymous token requests."""


async def acting_user(handler: Any, owner: Any) -> Any:
    """The identity an authenticated jupyter-server handler's request acts for."""
    user = handler.current_user
    return owner if await made_up_for_token(handler, user) else user


async def made_up_for_token(handler: Any, user: Any) -> bool:
    """Whether jupyter-server made ``user`` up for this request: authenticated by its
    token, with no identity cookie."""
    if user is None or not handler.token_authenticated:
        return False
    if not GENERATED_USERNAME.fullmatch(str(getattr(user, "username", ""))):
        return False
    cookie_user = handler.identity_provider.get_user_cookie(handler)
    if inspect.isawaitable(cookie_user):
        cookie_user = await cookie_user
    return cookie_user is None
