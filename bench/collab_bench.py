"""Co-editing figures against a real ``jupyter server`` process, with the headless collaborators
of the tests (``tests/collab/ydoc_client.py``).

    python bench/collab_bench.py [--peers 10] [--repeat 5]

- **late joiner**: with N peers in a notebook that never renew their presence, the time from a
  new client's session request (then websocket, sync) until it has seen all N (upstream alone:
  their next renewal, 15 s in the lab);
- **edit propagation**: one client types, the time until another sees the change;
- **restart**: the server stopped and started again, the time for a client to resume (old
  session and document) and see a change made by the other.

Conditions are polled every millisecond.  The server logs at DEBUG (``ServerProcess`` reads
its log to know when it has stopped), which costs it a little per message.  Nothing asserts a
timing; it prints medians and maxima.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat

from tests.collab.server_process import ServerProcess
from tests.collab.ydoc_client import NotebookClient, RoomClient, wait_until

POLL = 0.001


def _notebook(server: ServerProcess, name: str) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(notebook, server.root_dir / name)
    return name


async def _late_joiner(server: ServerProcess, peers: int, repeat: int) -> list[float]:
    path = _notebook(server, "late.ipynb")
    names = {f"peer{i}" for i in range(peers)}
    clients: list[RoomClient] = [
        await NotebookClient.open(server.server, path, user=name) for name in sorted(names)
    ]
    times = []
    try:
        for i in range(repeat):
            late = NotebookClient.open(server.server, path, user=f"late{i}")
            start = time.perf_counter()
            client = await late
            clients.append(client)
            await wait_until(lambda c=client: names <= c.peer_names(), "sees every peer", poll=POLL)
            times.append(time.perf_counter() - start)
    finally:
        for client in clients:
            await client.drop()
    return times


async def _propagation(server: ServerProcess, repeat: int) -> list[float]:
    path = _notebook(server, "edits.ipynb")
    writer = await NotebookClient.open(server.server, path, user="writer")
    reader = await NotebookClient.open(server.server, path, user="reader")
    times = []
    try:
        for i in range(repeat * 20):
            marker = f"<{i}>"
            start = time.perf_counter()
            source = writer.notebook.ycells[0]["source"]
            source.insert(len(str(source)), marker)
            await wait_until(
                lambda m=marker: m in reader.sources()[0], "the edit arrives", poll=POLL
            )
            times.append(time.perf_counter() - start)
    finally:
        await writer.drop()
        await reader.drop()
    return times


async def _restart(server: ServerProcess, repeat: int) -> list[float]:
    path = _notebook(server, "restart.ipynb")
    times = []
    for i in range(repeat):
        alice = await NotebookClient.open(server.server, path, user="alice")
        bob = await NotebookClient.open(server.server, path, user="bob")
        await server.stop()
        await server.start()
        start = time.perf_counter()
        await alice.reconnect()
        await bob.reconnect()
        alice.notebook.append_cell({"cell_type": "markdown", "source": f"<{i}>", "metadata": {}})
        await wait_until(
            lambda m=f"<{i}>", b=bob: m in b.sources(), "bob sees alice's cell", poll=POLL
        )
        times.append(time.perf_counter() - start)
        await alice.drop()
        await bob.drop()
    return times


def _report(name: str, times: list[float]) -> None:
    ms = [t * 1000 for t in times]
    print(
        f"{name:<48} median {statistics.median(ms):8.1f} ms   max {max(ms):8.1f} ms   n={len(ms)}"
    )


async def main(peers: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = ServerProcess(Path(workdir))  # logs at DEBUG (its stop() reads the log)
        await server.start()
        try:
            _report(
                f"late joiner sees {peers} idle peers", await _late_joiner(server, peers, repeat)
            )
            _report("edit propagation, 1 writer -> 1 reader", await _propagation(server, repeat))
            _report(
                "resume after a restart (2 clients, YStore kept)", await _restart(server, repeat)
            )
        finally:
            await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.peers, args.repeat))
