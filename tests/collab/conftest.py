"""Fixtures of the shared-editing tests (``mlp_*``): the test server with jupyter-collaboration
loaded, notebooks in its root, and connected collaborators (``ydoc_client``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.collab.ydoc_client import CollabServer, NotebookClient, RoomClient


@pytest.fixture
def mlp_collab_config(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """More config sections of the test server (``{"YDocExtension": {...}, "SQLiteYStore":
    {...}}``): parametrize it (``indirect=True``) or override it to change them."""
    return getattr(request, "param", {})


@pytest.fixture
def mlp_ydoc_enabled(request: pytest.FixtureRequest) -> bool:
    """Whether the test server loads jupyter-collaboration's server extension (parametrize
    it with ``indirect=True`` to turn it off)."""
    return bool(getattr(request, "param", True))


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any],
    mlp_collab_config: dict[str, dict[str, Any]],
    mlp_ydoc_enabled: bool,
) -> dict[str, Any]:
    """The platform's test server, with jupyter-collaboration's server extension (and the
    file ids it needs) loaded, as ``pip install jupyter-collaboration`` enables them."""
    config = {**jp_server_config, "ServerApp": dict(jp_server_config["ServerApp"])}
    config["ServerApp"]["jpserver_extensions"] = {
        **config["ServerApp"]["jpserver_extensions"],
        "jupyter_server_ydoc": mlp_ydoc_enabled,
        "jupyter_server_fileid": True,
    }
    for section, values in mlp_collab_config.items():
        config[section] = {**config.get(section, {}), **values}
    return config


@pytest.fixture
def mlp_collab_server(jp_serverapp: Any, http_server: Any) -> CollabServer:
    """The test server, listening (``http_server``), for :mod:`tests.collab.ydoc_client`."""
    return CollabServer.of(jp_serverapp)


@pytest.fixture
def mlp_notebook(jp_root_dir: Path) -> Callable[..., str]:
    """``mlp_notebook("a.ipynb", ["print(1)", "# shared"])`` writes a notebook of code cells
    with those sources into the server's root; returns its path."""

    def write(path: str, sources: list[str] | None = None) -> str:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources or []]
        target = jp_root_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        return path

    return write


@pytest.fixture
def mlp_collaborators(
    mlp_collab_server: CollabServer, jp_asyncio_loop: asyncio.AbstractEventLoop
) -> Iterator[Callable[..., Awaitable[list[NotebookClient]]]]:
    """``await mlp_collaborators("a.ipynb", ["alice", "bob"])``: one connected, synced client
    per name on that notebook (opened one after the other); all are closed after the test.
    Extra keyword arguments go to :meth:`NotebookClient.open`."""
    opened: list[RoomClient] = []

    async def open_all(path: str, names: list[str], **kwargs: Any) -> list[NotebookClient]:
        clients = []
        for name in names:
            client = await NotebookClient.open(mlp_collab_server, path, user=name, **kwargs)
            opened.append(client)
            clients.append(client)
        return clients

    yield open_all
    jp_asyncio_loop.run_until_complete(asyncio.gather(*(client.drop() for client in opened)))
