"""Co-editors on one notebook converge: every edit once, in every client, the server and the
file.

Each co-editor at once, in random interleavings: types lines into its own cell, inserts lines
at line boundaries of one cell they all share (inserting at any character would split other
people's markers, which is not a conflict), and appends cells.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from tests.collab.on_disk import notebook_sources
from tests.collab.ydoc_client import NotebookClient, wait_until

SHARED = "first line\nsecond line\n"


async def _edit(client: NotebookClient, index: int, rounds: int, rng: random.Random) -> None:
    """``rounds`` of: a line in its own cell, a line in the shared cell, a new cell."""
    for k in range(rounds):
        own = client.notebook.ycells[index + 1]["source"]
        own.insert(len(str(own)), f"<own-{index}-{k}>\n")
        await asyncio.sleep(rng.random() / 100)
        shared = client.notebook.ycells[0]["source"]
        text = str(shared)
        boundaries = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        shared.insert(rng.choice(boundaries), f"<shared-{index}-{k}>\n")
        await asyncio.sleep(rng.random() / 100)
        client.notebook.append_cell(
            {"cell_type": "markdown", "source": f"<appended-{index}-{k}>", "metadata": {}}
        )
        await asyncio.sleep(rng.random() / 100)


def _markers(count: int, rounds: int) -> list[str]:
    return [
        f"<{kind}-{index}-{k}>"
        for kind in ("own", "shared", "appended")
        for index in range(count)
        for k in range(rounds)
    ]


def _assert_each_once(sources: list[str], markers: list[str], where: str) -> None:
    text = "\n".join(sources)
    wrong = {m: text.count(m) for m in markers if text.count(m) != 1}
    assert not wrong, f"{where}: markers not exactly once: {wrong}"


async def _server_sources(serverapp: Any, room_id: str) -> list[str]:
    ydoc_app = serverapp.web_app.settings["jupyter_server_ydoc"]
    document = await ydoc_app.get_document(room_id=room_id, copy=True)
    return [str(cell["source"]) for cell in document.ycells]


def _disk_sources(path: Path) -> list[str] | None:
    try:
        return notebook_sources(path)
    except (OSError, ValueError):
        return None  # not there yet


@pytest.mark.parametrize(("count", "rounds"), [(2, 20), (10, 4)])
async def test_co_editors_converge_everywhere(
    count: int,
    rounds: int,
    mlp_notebook: Any,
    mlp_collaborators: Any,
    jp_serverapp: Any,
    jp_root_dir: Path,
) -> None:
    # Given a notebook with a shared cell and one cell per co-editor, opened by each of them
    names = [f"user{i}" for i in range(count)]
    path = mlp_notebook("team.ipynb", [SHARED] + [f"# {name}\n" for name in names])
    clients = await mlp_collaborators(path, names)

    # When they all edit at once
    rng = random.Random(count)
    await asyncio.gather(
        *(_edit(client, i, rounds, random.Random(rng.random())) for i, client in enumerate(clients))
    )

    # Then every client ends with the same notebook
    await wait_until(
        lambda: (
            all(client.sources() == clients[0].sources() for client in clients)
            and len(clients[0].sources()) == 1 + count + count * rounds
        ),
        "all clients converge",
    )
    final = clients[0].sources()
    markers = _markers(count, rounds)
    for client in clients:
        _assert_each_once(client.sources(), markers, repr(client))
        assert sorted(client.cell_ids()) == sorted(set(client.cell_ids()))
    # ... each co-editor's lines in its own cell in the order typed
    for i in range(count):
        assert final[i + 1] == f"# user{i}\n" + "".join(f"<own-{i}-{k}>\n" for k in range(rounds))
    # ... the shared cell's own lines kept, and in order
    assert final[0].index("first line") < final[0].index("second line")
    # ... the server's document is the same
    assert await _server_sources(jp_serverapp, clients[0].room_id) == final
    # ... and so is the file, once autosaved
    await wait_until(lambda: _disk_sources(jp_root_dir / path) == final, "the file is saved")
    _assert_each_once(notebook_sources(jp_root_dir / path), markers, "the file")
