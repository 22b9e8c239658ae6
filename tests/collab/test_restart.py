"""Restarting the server while co-editors are connected never duplicates cells or text.

A real ``jupyter server`` process is stopped (SIGTERM) and started again on the same port,
root and data dir while two clients keep their documents, as the lab does (upstream issues
#594, #597).  The clients then reconnect with their old documents and session ids:

- YStore kept: they resume; their offline edits appear once;
- YStore kept, the file changed on disk while the server was down: they resume; the file's
  change and their offline edits appear once;
- YStore deleted: the server refuses their old sessions (1003 ``unknown_session``, which the
  lab answers with its reload dialog); reloaded, everyone has each cell once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import nbformat
import pytest

from tests.collab.on_disk import notebook_sources
from tests.collab.server_process import ServerProcess
from tests.collab.ydoc_client import NotebookClient, RoomClosed, wait_until

PATH = "shared.ipynb"


@asynccontextmanager
async def _two_editors(tmp_path: Path) -> AsyncIterator[tuple[ServerProcess, list[NotebookClient]]]:
    """A server, a notebook, alice and bob who each added a cell; then the server stops
    (the clients see their connection close) and the clients keep their documents."""
    server = ServerProcess(tmp_path)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("b = 2")]
    nbformat.write(notebook, server.root_dir / PATH)
    clients: list[NotebookClient] = []
    try:
        http = await server.start()
        for name in ("alice", "bob"):
            clients.append(await NotebookClient.open(http, PATH, user=name))
        alice, bob = clients
        alice.notebook.append_cell(_markdown("<alice-before>"))
        bob.notebook.append_cell(_markdown("<bob-before>"))
        bob.notebook.ycells[0]["source"].insert(0, "# <bob-line>\n")
        before = ["# <bob-line>\na = 1", "b = 2", "<alice-before>", "<bob-before>"]
        await _converged(clients, server, before)
        await server.stop()
        for client in clients:
            await client.wait_for(lambda c=client: not c.connected, "sees the server go")
        yield server, clients
    finally:
        for client in clients:
            await client.drop()
        await server.stop()


def _markdown(source: str) -> dict[str, object]:
    return {"cell_type": "markdown", "source": source, "metadata": {}}


def _disk(server: ServerProcess) -> list[str] | None:
    try:
        return notebook_sources(server.root_dir / PATH)
    except (OSError, ValueError):
        return None


async def _converged(
    clients: list[NotebookClient], server: ServerProcess, expected: list[str]
) -> None:
    """Every client and the file hold exactly ``expected``: no cell and no line twice."""
    for client in clients:
        await client.wait_for(lambda c=client: sorted(c.sources()) == sorted(expected), "converge")
    assert all(client.sources() == clients[0].sources() for client in clients)
    assert len(set(clients[0].cell_ids())) == len(expected)
    for client in clients:
        assert client.errors == []
        assert [m for m in client.raw if m.get("type") == "conflict"] == []
    await wait_until(lambda: _disk(server) == clients[0].sources(), "the file to be saved")


async def test_yStore_kept_clients_resume_and_offline_edits_appear_once(tmp_path: Path) -> None:
    async with _two_editors(tmp_path) as (server, (alice, bob)):
        # While the server is down, alice keeps working
        alice.notebook.append_cell(_markdown("<alice-offline>"))
        alice.notebook.ycells[1]["source"].insert(0, "# <alice-offline-line>\n")

        # Their old sessions are honoured (reconnect raises RoomClosed otherwise)
        await server.start()
        await alice.reconnect()
        await bob.reconnect()

        await _converged(
            [alice, bob],
            server,
            [
                "# <bob-line>\na = 1",
                "# <alice-offline-line>\nb = 2",
                "<alice-before>",
                "<bob-before>",
                "<alice-offline>",
            ],
        )
        # A newcomer gets the same notebook
        carol = await NotebookClient.open(server.server, PATH, user="carol")
        assert carol.sources() == alice.sources()
        await carol.drop()


async def test_file_changed_while_down_clients_resume_and_keep_both(tmp_path: Path) -> None:
    async with _two_editors(tmp_path) as (server, (alice, bob)):
        # While the server is down, someone edits the file (git pull, another editor)
        on_disk = nbformat.read(server.root_dir / PATH, as_version=4)
        on_disk.cells[1].source = "b = 3"
        on_disk.cells.append(nbformat.v4.new_markdown_cell("<edited-on-disk>"))
        nbformat.write(on_disk, server.root_dir / PATH)
        # ... and alice keeps working
        alice.notebook.append_cell(_markdown("<alice-offline>"))

        await server.start()
        await alice.reconnect()
        await bob.reconnect()

        await _converged(
            [alice, bob],
            server,
            [
                "# <bob-line>\na = 1",
                "b = 3",
                "<alice-before>",
                "<bob-before>",
                "<edited-on-disk>",
                "<alice-offline>",
            ],
        )


async def test_yStore_deleted_stale_clients_are_refused_then_reload_cleanly(
    tmp_path: Path,
) -> None:
    async with _two_editors(tmp_path) as (server, (alice, bob)):
        alice.notebook.append_cell(_markdown("<alice-offline>"))
        # While the server is down, its YStore is lost (a new pod, a cleaned disk)
        ystore = server.data_dir / "collaboration" / "ystore.db"
        assert ystore.is_file()
        ystore.unlink()

        await server.start()
        for client in (alice, bob):
            with pytest.raises(RoomClosed) as refused:
                await client.reconnect()
            assert refused.value.closed.code == 1003
            assert refused.value.closed.payload is not None
            assert refused.value.closed.payload["reason"] == "unknown_session"
            assert refused.value.closed.payload["reloadable"] is True

        # The lab's reload: the document again, from the server
        reloaded = [
            await NotebookClient.open(server.server, PATH, user=name) for name in ("alice", "bob")
        ]
        try:
            await _converged(
                reloaded,
                server,
                ["# <bob-line>\na = 1", "b = 2", "<alice-before>", "<bob-before>"],
            )
        finally:
            for client in reloaded:
                await client.drop()
