"""Which notebook a kernel serves, from the server's sessions."""

from __future__ import annotations

from typing import Any


async def kernel_notebook_path(session_manager: Any, kernel_id: str | None) -> str | None:
    """The notebook the kernel ``kernel_id`` serves now, from the server's sessions.

    A kernel's own ``JPY_SESSION_NAME`` is fixed when it starts, so it goes stale when the
    notebook is renamed or moved; the session follows the notebook.
    """
    if not kernel_id or session_manager is None:
        return None
    for session in await session_manager.list_sessions():
        if session.get("kernel", {}).get("id") == kernel_id and session.get("path"):
            return str(session["path"])
    return None
