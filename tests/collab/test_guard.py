"""Forged execution records are undone: a client cannot claim someone else ran a cell.

A "client" here is a second pycrdt document synced with the server's by exchanging
updates, as a y-websocket client's are; the guard watches the server's document.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_ydoc import YNotebook
from pycrdt import Doc, Map

from jupyterlab_mlplatform.collab.guard import RecordGuard
from jupyterlab_mlplatform.collab.models import CollabUser, ExecutionRecord
from jupyterlab_mlplatform.collab.notebooks import ORIGIN
from jupyterlab_mlplatform.collab.signing import RecordSigner

SIGNER = RecordSigner(b"s" * 32)


def notebook(cells: int = 3) -> YNotebook:
    document = YNotebook(Doc(client_id=0))
    document.set(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "id": f"c{i}",
                    "source": f"x = {i}",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                }
                for i in range(cells)
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    return document


def client_of(server: YNotebook) -> YNotebook:
    client = YNotebook(Doc())
    client.ydoc.apply_update(server.ydoc.get_update())
    return client


def send(client: YNotebook, server: YNotebook, change: Any) -> None:
    """Make a change on the client and apply its update to the server, as a room does."""
    before = client.ydoc.get_state()
    change(client)
    server.ydoc.apply_update(client.ydoc.get_update(before))


def signed(cell_id: str, username: str = "alice") -> dict[str, Any]:
    record = ExecutionRecord(
        user=CollabUser(username=username, name=username.title(), display_name=username),
        started=1_765_000_000_000,
        kernel_id="k",
        runs=["r1"],
    )
    return SIGNER.sign(cell_id, record).model_dump(mode="json")


def execution(document: YNotebook, index: int) -> Any:
    section = document.ycells[index]["metadata"].get("mlplatform")
    return section.get("execution") if isinstance(section, dict) else None


def write_as_server(document: YNotebook, index: int, record: dict[str, Any]) -> None:
    with document.ydoc.transaction(origin=ORIGIN):
        document.ycells[index]["metadata"]["mlplatform"] = {"execution": record}


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_forged_record_from_a_client_is_removed() -> None:
    server = notebook()
    guard = RecordGuard(SIGNER)
    await guard.watch(server)
    client = client_of(server)

    forged = {**signed("c1", "bob"), "sig": "0" * 32}
    send(
        client,
        server,
        lambda c: c.ycells[1]["metadata"].__setitem__(
            "mlplatform", {"execution": forged, "other": 1}
        ),
    )
    await settle()

    assert execution(server, 1) is None
    assert server.ycells[1]["metadata"].get("mlplatform") == {"other": 1}
    assert guard.removed == 1


async def test_a_forgery_over_a_real_record_puts_the_real_one_back() -> None:
    server = notebook()
    guard = RecordGuard(SIGNER)
    await guard.watch(server)
    real = signed("c0", "alice")
    write_as_server(server, 0, real)
    client = client_of(server)

    # Bob rewrites the record to say he ran it (keeping Alice's signature).
    forged = {**real, "user": {"username": "bob", "name": "Bob", "display_name": "Bob"}}
    send(
        client,
        server,
        lambda c: c.ycells[0]["metadata"].__setitem__("mlplatform", {"execution": forged}),
    )
    await settle()

    assert execution(server, 0) == real


async def test_a_record_copied_with_a_pasted_cell_is_removed() -> None:
    server = notebook()
    guard = RecordGuard(SIGNER)
    await guard.watch(server)
    write_as_server(server, 0, signed("c0"))
    client = client_of(server)

    def paste(c: YNotebook) -> None:
        copy = c.get_cell(0)
        copy["id"] = "pasted"
        c.ycells.append(c.create_ycell(copy))

    send(client, server, paste)
    await settle()

    assert execution(server, 3) is None
    assert execution(server, 0) == signed("c0")  # the original keeps its record


async def test_records_in_a_notebook_are_checked_when_watching_starts() -> None:
    server = notebook(250)  # more than one scan chunk
    for index in (0, 120, 249):
        server.ycells[index]["metadata"]["mlplatform"] = {"execution": signed(f"c{index}")}
    server.ycells[200]["metadata"]["mlplatform"] = {"execution": signed("c0")}  # moved
    guard = RecordGuard(SIGNER)
    await guard.watch(server)
    await settle()
    assert [execution(server, i) is not None for i in (0, 120, 200, 249)] == [
        True,
        True,
        False,
        True,
    ]


async def test_a_record_written_as_a_shared_map_is_removed_too() -> None:
    server = notebook()
    guard = RecordGuard(SIGNER)
    await guard.watch(server)
    client = client_of(server)
    send(
        client,
        server,
        lambda c: c.ycells[2]["metadata"].__setitem__(
            "mlplatform", Map({"execution": {**signed("c2"), "sig": "f" * 32}})
        ),
    )
    await settle()
    assert server.ycells[2]["metadata"].get("mlplatform") is None


async def test_the_servers_own_records_and_other_edits_pass() -> None:
    server = notebook()
    guard = RecordGuard(SIGNER)
    await guard.watch(server)
    write_as_server(server, 1, signed("c1"))
    client = client_of(server)

    # A client that edits source and other metadata, and rewrites the metadata with the
    # same record (the metadata editor does), changes nothing of the record.
    def edit(c: YNotebook) -> None:
        c.ycells[1]["source"] += "\ny = 2"
        c.ycells[1]["metadata"]["tags"] = ["a"]
        c.ycells[1]["metadata"]["mlplatform"] = {"execution": signed("c1")}

    send(client, server, edit)
    await settle()
    assert execution(server, 1) == signed("c1")
    assert guard.removed == 0
    # Deleting the record is not forging one: it stays deleted.
    send(client, server, lambda c: c.ycells[1]["metadata"].__delitem__("mlplatform"))
    await settle()
    assert execution(server, 1) is None
