"""Where a run comes from: the notebook, cell and kernel running the client, when known."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

SESSION_VARIABLE = "JPY_SESSION_NAME"
"""Set by jupyter_server for kernels it starts for a notebook: that notebook's path."""


def current_source() -> dict[str, Any]:
    source: dict[str, Any] = {}
    notebook = os.environ.get(SESSION_VARIABLE)
    if notebook:
        source["notebook_path"] = notebook
    app = _kernel_app()
    if app is not None:
        match = re.search(r"kernel-([\w-]+)\.json$", str(getattr(app, "connection_file", "")))
        if match:
            source["kernel_id"] = match.group(1)
        cell_id = _parent_header(app).get("metadata", {}).get("cellId")
        if cell_id:
            source["cell_id"] = str(cell_id)
    return source


def parent_message_id() -> str | None:
    """The id of the execute request this kernel is running, if any.

    The server looks up who sent it (it saw the request arrive on an authenticated
    websocket) and attributes the run to that person.
    """
    app = _kernel_app()
    if app is None:
        return None
    msg_id = _parent_header(app).get("header", {}).get("msg_id")
    return str(msg_id) if msg_id else None


def _kernel_app() -> Any:
    ipykernel = sys.modules.get("ipykernel.kernelapp")
    return getattr(getattr(ipykernel, "IPKernelApp", None), "_instance", None)


def _parent_header(app: Any) -> dict[str, Any]:
    kernel = getattr(app, "kernel", None)
    try:
        parent = kernel.get_parent() if kernel is not None else {}
    except (AttributeError, KeyError, TypeError, RuntimeError):
        parent = {}
    return parent if isinstance(parent, dict) else {}
