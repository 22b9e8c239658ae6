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
    ipykernel = sys.modules.get("ipykernel.kernelapp")
    app = getattr(getattr(ipykernel, "IPKernelApp", None), "_instance", None)
    if app is not None:
        match = re.search(r"kernel-([\w-]+)\.json$", str(getattr(app, "connection_file", "")))
        if match:
            source["kernel_id"] = match.group(1)
        kernel = getattr(app, "kernel", None)
        try:
            header = kernel.get_parent() if kernel is not None else {}
        except (AttributeError, KeyError, TypeError, RuntimeError):
            header = {}
        cell_id = (header or {}).get("metadata", {}).get("cellId")
        if cell_id:
            source["cell_id"] = str(cell_id)
    return source
