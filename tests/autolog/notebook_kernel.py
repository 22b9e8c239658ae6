"""Drive a notebook's kernel the way JupyterLab does: a session, then the kernel websocket.

Execute requests carry the cell id in their metadata and travel over the server's
authenticated websocket, so the server sees who sent them.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat

from jupyterlab_mlplatform.tracking.models import Run, SearchRuns


@dataclass
class Execution:
    reply: dict[str, Any]
    stdout: str = ""
    stderr: str = ""
    outputs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reply.get("status") == "ok"


class NotebookKernel:
    def __init__(self, ws: Any, kernel_id: str, session_id: str) -> None:
        self.ws = ws
        self.kernel_id = kernel_id
        self.session_id = session_id
        self._client_session = uuid.uuid4().hex

    def _message(
        self, msg_type: str, content: dict[str, Any], metadata: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": msg_type,
                "username": "test",
                "session": self._client_session,
                "date": datetime.now(UTC).isoformat(),
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": metadata,
            "content": content,
            "channel": "shell",
            "buffers": [],
        }

    async def ready(self, timeout: float = 60) -> None:
        message = self._message("kernel_info_request", {}, {})
        await self.ws.write_message(json.dumps(message))
        await self._collect(message["header"]["msg_id"], "kernel_info_reply", timeout)

    async def run(self, code: str, cell_id: str | None = None, timeout: float = 240) -> Execution:
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        message = self._message("execute_request", content, {"cellId": cell_id or uuid.uuid4().hex})
        await self.ws.write_message(json.dumps(message))
        return await self._collect(message["header"]["msg_id"], "execute_reply", timeout)

    async def _collect(self, msg_id: str, reply_type: str, timeout: float) -> Execution:
        execution = Execution(reply={})
        replied = idle = False
        async with asyncio.timeout(timeout):
            while not (replied and idle):
                raw = await self.ws.read_message()
                assert raw is not None, "the kernel websocket closed"
                message = json.loads(raw)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = message["header"]["msg_type"]
                if kind == reply_type:
                    execution.reply = message["content"]
                    replied = True
                elif kind == "status" and message["content"]["execution_state"] == "idle":
                    idle = True
                elif kind == "stream":
                    text = message["content"]["text"]
                    if message["content"]["name"] == "stdout":
                        execution.stdout += text
                    else:
                        execution.stderr += text
                elif kind in ("display_data", "execute_result", "error"):
                    execution.outputs.append(message)
        return execution


def write_notebook(path: Path, metadata: dict[str, Any] | None = None) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.update(metadata or {})
    notebook.cells.append(nbformat.v4.new_code_cell("x = 1"))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


async def open_notebook_kernel(
    jp_fetch: Any, jp_ws_fetch: Any, path: str, headers: dict[str, str] | None = None
) -> NotebookKernel:
    """A session for the notebook at ``path`` (root-relative) and its kernel's websocket."""
    response = await jp_fetch(
        "api",
        "sessions",
        method="POST",
        body=json.dumps({"path": path, "type": "notebook", "kernel": {"name": "python3"}}),
        headers=headers or {},
    )
    session = json.loads(response.body)
    kernel_id = session["kernel"]["id"]
    ws = await jp_ws_fetch("api", "kernels", kernel_id, "channels", headers=headers or {})
    kernel = NotebookKernel(ws, kernel_id, session["id"])
    await kernel.ready()
    return kernel


async def wait_for_runs(
    mlp_app: Any, count: int, filter: str = "", cell_id: str | None = None, timeout: float = 90
) -> list[Run]:
    """Wait until ``count`` runs match ``filter`` (and come from the cell ``cell_id``) and
    none of them is still running."""
    async with asyncio.timeout(timeout):
        while True:
            page = await mlp_app.tracking.search_runs(SearchRuns(filter=filter, max_results=1000))
            runs = [r for r in page.runs if cell_id is None or r.source.cell_id == cell_id]
            if len(runs) >= count and all(r.status.value != "RUNNING" for r in runs):
                return list(runs)
            await asyncio.sleep(0.2)


async def read_artifact(mlp_app: Any, run_id: str, path: str) -> bytes:
    file, _, _ = await mlp_app.tracking.open_artifact(run_id, path)
    try:
        return file.read()  # type: ignore[no-any-return]
    finally:
        file.close()
