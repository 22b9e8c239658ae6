"""Co-editing with the platform vs jupyter-collaboration alone, servers side by side in one run.

    python bench/collab_compare.py [all|edits|presence|badge|stall|observer] [--quick]
        [--edits 200] [--rounds 6] [--no-control] [--squash-variant] [--gc-freeze] [--keep]

The ``jupyter server`` processes run side by side for the whole run (``ServerProcess`` of
the tests, log level INFO): **alone** loads ``jupyter_server_ydoc`` and
``jupyter_server_fileid`` with ``jupyterlab_mlplatform`` disabled, **ours** loads the
platform too; for the edits, **alone-2** is a second alone (an A/A control: how far a ratio
moves from noise alone), and ``--squash-variant`` adds **alone+squash** (alone with the
platform's YStore default).  All load ``bench.loop_probe`` (idle unless asked; see that
module).  The clients are the tests' headless collaborators (``tests/collab/ydoc_client.py``,
pycrdt over real websockets) and a kernel client speaking the lab's v1 websocket protocol,
all in this process.

- **edits**: one writer appends a marker to one cell's source; the time until each of 1
  (or 9) readers has applied the update, on a 50-cell and a 2,000-cell notebook.  Rounds
  rotate between the servers (A B C, C B A, ...) with a pause for the rooms' saves, so
  noise hits all; the server's CPU time per edit is read from the OS.  Before measuring, a
  forged execution record is written into each room: ours must undo it (the guard is
  watching), alone keeps it.
- **presence**: 10 idle peers (no awareness renewal), then a late joiner: the time until it
  has seen all 10; alone also with peers renewing every 15 s at random phases (the lab).
- **badge** (ours only): a cell runs ``start_run``; the time from the run's creation (its
  ``start_time``, set by the server; and the kernel's clock when ``start_run`` returned) to
  a co-editor's copy of the notebook having the run id in the cell's execution record.
- **stall**: the server's event-loop lag (``bench.loop_probe``) while a client opens the
  room and while cells execute, on a 2,000-cell notebook and on one with a 10 MB output,
  with the garbage collector's full collections in the window and one timed at the end.
- **observer** (in process, no server): what the guard's ``observe_deep`` callback adds to
  applying one typed character to a live notebook.

Nothing asserts a timing.  Prints a table and writes ``bench/results/collab-compare.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat
import psutil
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from pycrdt import YMessageType, YSyncMessageType
from tornado.websocket import WebSocketClientConnection, websocket_connect

from tests.autolog.notebook_kernel import NotebookKernel
from tests.collab.server_process import ServerProcess
from tests.collab.ydoc_client import CollabServer, NotebookClient, wait_until

TARGET_RATIO = 1.10
BADGE_TARGET_MS = 500.0
V1 = "v1.kernel.websocket.jupyter.org"
RESULTS = REPO / "bench" / "results" / "collab-compare.json"


# -- servers ------------------------------------------------------------------------------


def server_config(ours: bool) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "jupyterlab_mlplatform": ours,
                "jupyter_server_ydoc": True,
                "jupyter_server_fileid": True,
                "bench.loop_probe": True,
            },
            "log_level": "INFO",
        }
    }


SQUASH = {"SQLiteYStore": {"squash_after_inactivity_of": 24 * 60 * 60}}
"""The platform's YStore default (``MLPlatformYStore``), set on upstream's store."""


async def start_servers(
    workdir: Path, control: bool, squash: bool = False
) -> dict[str, ServerProcess]:
    """``alone`` and ``ours``; with ``control``, a second ``alone`` (``alone-2``) whose ratio
    to the first shows how far a ratio moves from noise alone (an A/A test); with
    ``squash``, ``alone+squash``: upstream alone with the platform's YStore default."""
    servers = {"alone": ServerProcess(workdir / "alone", server_config(ours=False))}
    if control:
        servers["alone-2"] = ServerProcess(workdir / "alone-2", server_config(ours=False))
    if squash:
        servers["alone+squash"] = ServerProcess(
            workdir / "alone-squash", server_config(ours=False) | SQUASH
        )
    servers["ours"] = ServerProcess(workdir / "ours", server_config(ours=True))
    for server in servers.values():
        await server.start()
    # What each really loaded: the platform's API answers only in ours.
    for name, server in servers.items():
        status, _ = await server.server.request("GET", "mlplatform/api/experiments")
        assert (status == 200) == (name == "ours"), (name, status)
        status, _ = await server.server.request("POST", "bench/loop-lag/stop")
        assert status == 200, (name, "bench.loop_probe not loaded", status)
    return servers


# -- notebooks and clients ----------------------------------------------------------------


def cpu_seconds(server: ServerProcess) -> float:
    """CPU time (user + system, every thread) the server process has used so far."""
    assert server.process is not None
    times = psutil.Process(server.process.pid).cpu_times()
    return float(times.user + times.system)


def write_notebook(server: ServerProcess, name: str, cells: int, big_output_mb: int = 0) -> str:
    """``cells`` code cells of a few lines, each with a small output (like a notebook that
    was run); with ``big_output_mb``, the middle cell has an image output that large."""
    notebook = nbformat.v4.new_notebook()
    for i in range(cells):
        cell = nbformat.v4.new_code_cell(
            f"# step {i}\nimport math\nvalue_{i} = math.sqrt({i}) * 2\nprint(value_{i})\n",
            execution_count=i + 1,
        )
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{i}.0\n")]
        notebook.cells.append(cell)
    if big_output_mb:
        raw = random.Random(0).randbytes(big_output_mb * 1024 * 1024 * 3 // 4)
        notebook.cells[cells // 2].outputs = [
            nbformat.v4.new_output(
                "display_data", data={"image/png": base64.b64encode(raw).decode()}
            )
        ]
    nbformat.write(notebook, server.root_dir / name)
    return name


class TimedClient(NotebookClient):
    """A collaborator that calls ``on_update()`` right after applying each document update
    the server sends it (before anything else in this process runs)."""

    on_update: Callable[[], None] | None = None

    def _handle(self, message: bytes) -> None:
        super()._handle(message)
        if (
            self.on_update is not None
            and message[0] == YMessageType.SYNC
            and message[1] == YSyncMessageType.SYNC_UPDATE
        ):
            self.on_update()


async def open_clients(server: ServerProcess, path: str, names: list[str]) -> list[TimedClient]:
    clients = []
    for name in names:
        client = await TimedClient.open(server.server, path, user=name)
        assert isinstance(client, TimedClient)
        clients.append(client)
    return clients


async def drop_all(clients: list[Any]) -> None:
    await asyncio.gather(*(client.drop() for client in clients))


def forged_record() -> dict[str, Any]:
    return {
        "execution": {
            "user": {"username": "mallory", "name": "Mallory", "display_name": "Mallory"},
            "started": 1,
            "status": "ok",
            "kernel_id": "k",
            "runs": [],
            "sig": "0" * 32,
        }
    }


async def guard_check(writer: TimedClient, index: int, wait: float) -> float | None:
    """Write a forged record into cell ``index``; the ms until the server undid it, or None
    when it stayed ``wait`` seconds (it is then removed by the writer)."""
    metadata = writer.notebook.ycells[index]["metadata"]
    start = time.perf_counter()
    metadata["mlplatform"] = forged_record()
    try:
        await wait_until(
            lambda: metadata.get("mlplatform") is None, "undone", timeout=wait, poll=0.002
        )
        return (time.perf_counter() - start) * 1000
    except AssertionError:
        del metadata["mlplatform"]
        return None


# -- kernels ------------------------------------------------------------------------------


class V1Socket:
    """The lab's kernel websocket protocol (v1, binary) under ``NotebookKernel``'s JSON."""

    def __init__(self, ws: WebSocketClientConnection) -> None:
        self.ws = ws

    async def write_message(self, text: str) -> None:
        message = json.loads(text)
        parts = [
            json.dumps(message[key]).encode()
            for key in ("header", "parent_header", "metadata", "content")
        ]
        channel = message.get("channel", "shell")
        await self.ws.write_message(serialize_msg_to_ws_v1(parts, channel), binary=True)

    async def read_message(self) -> str | None:
        raw = await self.ws.read_message()
        if raw is None:
            return None
        assert isinstance(raw, bytes)
        channel, parts = deserialize_msg_from_ws_v1(raw)
        keys = ("header", "parent_header", "metadata", "content")
        message = {key: json.loads(part) for key, part in zip(keys, parts, strict=False)}
        return json.dumps({**message, "channel": channel})


async def open_kernel(server: CollabServer, path: str) -> tuple[NotebookKernel, str]:
    """A session for the notebook at ``path``, and its kernel's websocket (as the lab)."""
    status, session = await server.request(
        "POST",
        "api/sessions",
        {"path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}},
    )
    assert status == 201, (status, session)
    kernel_id = session["kernel"]["id"]
    ws = await websocket_connect(
        server.ws_url(f"api/kernels/{kernel_id}/channels", session_id=uuid.uuid4().hex),
        subprotocols=[V1],
        max_message_size=1024**3,
    )
    assert ws.selected_subprotocol == V1, ws.selected_subprotocol
    kernel = NotebookKernel(V1Socket(ws), kernel_id, session["id"])
    await kernel.ready(timeout=90)
    return kernel, session["id"]


async def close_kernel(server: CollabServer, kernel: NotebookKernel, session_id: str) -> None:
    kernel.ws.ws.close()
    await server.request("DELETE", f"api/sessions/{session_id}")


# -- statistics ---------------------------------------------------------------------------


def summary(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    if not ordered:
        return {"n": 0}
    if len(ordered) > 1:
        p99 = statistics.quantiles(ordered, n=100, method="inclusive")[98]
    else:
        p99 = ordered[0]
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p99": p99,
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


# -- 1. edit propagation -----------------------------------------------------------------


async def propagate(
    writer: TimedClient, readers: list[TimedClient], index: int, count: int, first: int
) -> tuple[list[float], list[float]]:
    """``count`` edits of cell ``index``, one at a time: (ms per receiver, ms to the last).

    A reader's time is taken as it applies the update that brings the edit (the cell's
    source then ends with the edit's marker): other updates (the room's state after a save)
    do not count."""
    per_receiver: list[float] = []
    last: list[float] = []
    texts = [reader.notebook.ycells[index]["source"] for reader in readers]
    for i in range(first, first + count):
        marker = f"<{i}>"
        stamps: list[float | None] = [None] * len(readers)
        arrived = asyncio.Event()

        def stamper(
            k: int,
            marker: str = marker,
            stamps: list[float | None] = stamps,
            arrived: asyncio.Event = arrived,
        ) -> Callable[[], None]:
            def on_update() -> None:
                if stamps[k] is None and str(texts[k]).endswith(marker):
                    stamps[k] = time.perf_counter()
                    if all(s is not None for s in stamps):
                        arrived.set()

            return on_update

        for k, reader in enumerate(readers):
            reader.on_update = stamper(k)
        source = writer.notebook.ycells[index]["source"]
        end = len(source)
        start = time.perf_counter()
        source.insert(end, marker)
        await asyncio.wait_for(arrived.wait(), 30)
        for reader in readers:
            reader.on_update = None
        times = [((s or 0) - start) * 1000 for s in stamps]
        per_receiver.extend(times)
        last.append(max(times))
        await asyncio.sleep(random.uniform(0.01, 0.03))  # a typist's pace, not a flood
    return per_receiver, last


SAVE_PAUSE = 1.5
"""Seconds left after a burst of edits for the room's debounced save (1 s) to run, so that
one server's save does not compete for the CPU with the other server's measured round."""


async def pause() -> None:
    """Between bursts: the rooms save, this process collects its garbage (its collector is
    off during the bursts: its pauses are not the servers')."""
    gc.collect()
    await asyncio.sleep(SAVE_PAUSE)


async def bench_edits(
    servers: dict[str, ServerProcess], edits: int, rounds: int, cases: list[tuple[int, int]]
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    gc.disable()
    try:
        for cells, readers in cases:
            results[f"{cells} cells, 1 -> {readers}"] = await edits_case(
                servers, edits, rounds, cells, readers
            )
    finally:
        gc.enable()
    return results


async def edits_case(
    servers: dict[str, ServerProcess], edits: int, rounds: int, cells: int, readers: int
) -> dict[str, Any]:
    case = f"{cells} cells, 1 -> {readers}"
    print(f"edits: {case} ...", flush=True)
    path = f"edits-{cells}-{readers}.ipynb"
    index = cells // 2
    clients: dict[str, list[TimedClient]] = {}
    guard: dict[str, float | None] = {}
    for name, server in servers.items():
        write_notebook(server, path, cells)
        names = ["writer", *(f"reader{k}" for k in range(readers))]
        clients[name] = await open_clients(server, path, names)
        guard[name] = await guard_check(clients[name][0], index, wait=2.0)
    await pause()  # the fix reaches every reader; the rooms save
    per: dict[str, list[float]] = {name: [] for name in servers}
    last: dict[str, list[float]] = {name: [] for name in servers}
    cpu: dict[str, float] = dict.fromkeys(servers, 0.0)
    try:
        for name in servers:  # warm-up, not counted
            await propagate(clients[name][0], clients[name][1:], index, 10, 0)
            await pause()
        per_round = max(1, edits // rounds)
        for r in range(rounds):
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for name in order:
                before = cpu_seconds(servers[name])
                p, lst = await propagate(
                    clients[name][0], clients[name][1:], index, per_round, 10 + r * per_round
                )
                await asyncio.sleep(0.3)  # the YStore writes that follow the last edit
                cpu[name] += cpu_seconds(servers[name]) - before
                per[name].extend(p)
                last[name].extend(lst)
                await pause()
    finally:
        for group in clients.values():
            await drop_all(group)
    result = {
        "cells": cells,
        "readers": readers,
        "edits_per_server": len(last["ours"]),
        "server_cpu_ms_per_edit": {
            name: seconds * 1000 / max(1, len(last[name])) for name, seconds in cpu.items()
        },
        "guard_undid_forgery_ms": guard,
        "per_receiver": {name: summary(values) for name, values in per.items()},
        "last_receiver": {name: summary(values) for name, values in last.items()},
    }
    for kind in ("per_receiver", "last_receiver"):
        a, b = result[kind]["alone"], result[kind]["ours"]
        line = (
            f"  {kind:<14} alone p50 {a['p50']:6.2f} p99 {a['p99']:6.2f} max {a['max']:6.1f}"
            f" | ours p50 {b['p50']:6.2f} p99 {b['p99']:6.2f} max {b['max']:6.1f} ms"
            f" | ours/alone p50 {b['p50'] / a['p50']:.3f} p99 {b['p99'] / a['p99']:.3f}"
        )
        c = result[kind].get("alone-2")
        if c:
            line += f" | A/A p50 {c['p50'] / a['p50']:.3f} p99 {c['p99'] / a['p99']:.3f}"
        print(line, flush=True)
    print(
        "  server CPU per edit (ms): "
        + ", ".join(f"{k} {v:.3f}" for k, v in result["server_cpu_ms_per_edit"].items()),
        flush=True,
    )
    print(f"  forged record undone after (ms): {guard}", flush=True)
    return result


# -- 2. late-join presence ----------------------------------------------------------------


async def late_join(server: ServerProcess, path: str, names: set[str], bound: float) -> dict:
    """A new client opens the notebook; ms until it has seen every name (None: not within
    ``bound`` s), from its session request and from its sync."""
    start = time.perf_counter()
    late = await NotebookClient.open(server.server, path, user=f"late-{uuid.uuid4().hex[:6]}")
    synced = time.perf_counter()
    try:
        await wait_until(lambda: names <= late.peer_names(), "every peer", bound, poll=0.001)
        seen = time.perf_counter()
        return {"from_open_ms": (seen - start) * 1000, "from_sync_ms": (seen - synced) * 1000}
    except AssertionError:
        return {"from_open_ms": None, "seen": len(names & late.peer_names())}
    finally:
        await late.close()


async def renew_at(client: NotebookClient, first: float, every: float) -> None:
    await asyncio.sleep(first)
    while True:
        client.set_state(dict(client.awareness.get_local_state() or {}))
        await asyncio.sleep(every)


async def bench_presence(
    servers: dict[str, ServerProcess], peers: int, repeat: int, renew_repeat: int, bound: float
) -> dict[str, Any]:
    results: dict[str, Any] = {"peers": peers, "bound_s": bound}
    names = {f"peer{i}" for i in range(peers)}
    for name in ("alone", "ours"):
        server = servers[name]
        print(f"presence: {name}, idle peers ...", flush=True)
        path = write_notebook(server, "presence.ipynb", 50)
        clients = [
            await NotebookClient.open(server.server, path, user=peer) for peer in sorted(names)
        ]
        try:
            tries = repeat if name == "ours" else 1
            results[f"{name}, idle peers"] = [
                await late_join(server, path, names, bound) for _ in range(tries)
            ]
            if name == "alone":
                print("presence: alone, peers renewing every 15 s ...", flush=True)
                renewals: list[dict[str, Any]] = []
                for _ in range(renew_repeat):
                    # Peers joined at random moments: their renewals are at random phases.
                    tasks = [
                        asyncio.create_task(renew_at(c, random.uniform(0, 15), 15)) for c in clients
                    ]
                    try:
                        renewals.append(await late_join(server, path, names, bound))
                    finally:
                        for task in tasks:
                            task.cancel()
                        await asyncio.gather(*tasks, return_exceptions=True)
                results["alone, peers renewing every 15 s"] = renewals
        finally:
            await drop_all(clients)
        print(f"  {json.dumps({k: v for k, v in results.items() if name in k})}", flush=True)
    return results


# -- 3. badge latency ---------------------------------------------------------------------

BADGE_CODE = (
    "import time, jupyterlab_mlplatform as mlp\n"
    "with mlp.start_run(name='badge-{i}') as run:\n"
    "    returned = time.time()\n"
    "    print('BADGE', run.run_id, run.start_time, returned)\n"
)


def runs_in(client: NotebookClient, index: int) -> list[str]:
    section = client.notebook.ycells[index]["metadata"].get("mlplatform")
    if not isinstance(section, dict):
        return []
    record = section.get("execution")
    return list(record.get("runs") or []) if isinstance(record, dict) else []


async def bench_badge(server: ServerProcess, cases: list[tuple[int, int]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for cells, repeat in cases:
        print(f"badge: {cells} cells, {repeat} runs ...", flush=True)
        path = write_notebook(server, f"badge-{cells}.ipynb", cells)
        (observer,) = await open_clients(server, path, ["observer"])
        kernel, session_id = await open_kernel(server.server, path)
        ids = observer.cell_ids()
        from_created: list[float] = []
        from_returned: list[float] = []
        try:
            warm = await kernel.run(BADGE_CODE.format(i="warm"), cell_id=ids[0])
            assert warm.ok, warm.reply
            for i in range(repeat):
                index = 1 + (i * 97) % (cells - 1)  # a different cell each time
                seen: dict[str, Any] = {}

                def on_update(
                    index: int = index,
                    seen: dict[str, Any] = seen,
                    observer: TimedClient = observer,
                ) -> None:
                    if "at" not in seen and runs_in(observer, index):
                        seen["at"] = time.time()
                        seen["runs"] = runs_in(observer, index)

                observer.on_update = on_update
                done = await kernel.run(BADGE_CODE.format(i=i), cell_id=ids[index])
                assert done.ok, done.reply
                await wait_until(lambda s=seen: "at" in s, "the badge", 10, poll=0.001)
                observer.on_update = None
                match = re.search(r"BADGE (\S+) (\d+) (\S+)", done.stdout)
                assert match, done.stdout
                run_id, created_ms, returned = match[1], int(match[2]), float(match[3])
                assert seen["runs"] == [run_id], (seen, run_id)
                from_created.append(seen["at"] * 1000 - created_ms)
                from_returned.append((seen["at"] - returned) * 1000)
                await asyncio.sleep(0.1)
        finally:
            await close_kernel(server.server, kernel, session_id)
            await observer.drop()
        results[f"{cells} cells"] = {
            "from_run_created": summary(from_created),
            "from_start_run_returned": summary(from_returned),
            "raw_from_run_created_ms": from_created,
        }
        s = results[f"{cells} cells"]["from_run_created"]
        print(f"  from creation p50 {s['p50']:.1f} p99 {s['p99']:.1f} max {s['max']:.1f} ms")
    return results


# -- 4. event-loop stall ------------------------------------------------------------------


STACKS_OVER_MS: float | None = None
"""``--stall-stacks``: sample the server's stack during stalls longer than this (ms)."""


async def probe(server: ServerProcess, action: str) -> Any:
    query = f"?stacks_over={STACKS_OVER_MS}" if action == "start" and STACKS_OVER_MS else ""
    status, body = await server.server.request("POST", f"bench/loop-lag/{action}{query}")
    assert status == 200, (status, body)
    return body


def print_stalls(body: dict[str, Any]) -> None:
    """The stalls the watchdog saw: when, about how long, and the innermost frames."""
    for stall in body.get("stalls", []):
        samples = sum(count for _, count in stall["stacks"])
        stack, _ = stall["stacks"][0]
        frames = stack.split(";")
        print(f"    stall at {stall['at_s']:.2f} s, ~{samples * 5 + STACKS_OVER_MS:.0f} ms:")
        for frame in frames[-14:]:
            print(f"      {frame}")


PROBE_INTERVAL = 0.002


def lag_summary(body: dict[str, Any]) -> dict[str, Any]:
    """Lags (ms) of the window, and the same without the wake-ups that waited for a full
    (generation 2) garbage collection: how long the rest of the work held the loop."""
    lags = body["lags_ms"]
    print_stalls(body)
    full = [
        (c["at_s"], c["at_s"] + c["ms"] / 1000) for c in body["collections"] if c["generation"] == 2
    ]

    def waited_for_gc(end: float, lag: float) -> bool:
        start = end - PROBE_INTERVAL - lag / 1000
        return any(a < end and start < b for a, b in full)

    outside = [
        lag for lag, end in zip(lags, body["ends_s"], strict=True) if not waited_for_gc(end, lag)
    ]
    stats = summary(lags)
    stats["over_10ms"] = sum(1 for lag in lags if lag > 10)
    stats["over_50ms"] = sum(1 for lag in lags if lag > 50)
    stats["max_outside_full_gc"] = max(outside, default=0.0)
    stats["full_gc_ms"] = [round(c["ms"], 1) for c in body["collections"] if c["generation"] == 2]
    stats["gen1_gc_max_ms"] = max(
        (c["ms"] for c in body["collections"] if c["generation"] == 1), default=0.0
    )
    stats["tracked_objects"] = body["tracked_objects"]
    stats["window_s"] = body["seconds"]
    stats["stalls"] = body.get("stalls", [])
    return stats


async def stall_one(
    server: ServerProcess, path: str, executions: int, indexes: list[int]
) -> dict[str, Any]:
    # The room is opened by the runner's client (ours starts watching it then).
    await probe(server, "start")
    (runner,) = await open_clients(server, path, ["runner"])
    await asyncio.sleep(1.5)
    opened = lag_summary(await probe(server, "stop"))
    kernel, session_id = await open_kernel(server.server, path)
    try:
        ids = runner.cell_ids()
        assert (await kernel.run("pass", cell_id=ids[0])).ok
        await asyncio.sleep(1.5)
        await probe(server, "start")
        for i in range(executions):
            index = indexes[i % len(indexes)]
            done = await kernel.run(f"print({i})", cell_id=ids[index])
            assert done.ok, done.reply
            # as the lab does when the reply comes: the new execution count in the shared cell
            runner.notebook.ycells[index]["execution_count"] = done.reply["execution_count"]
            await asyncio.sleep(0.25)
        await asyncio.sleep(2.5)  # the room's debounced save (1 s) after the last change
        executing = lag_summary(await probe(server, "stop"))
    finally:
        await close_kernel(server.server, kernel, session_id)
        await runner.drop()
    return {"room_open": opened, "executing": executing}


async def server_collects(server: ServerProcess, into: dict[str, Any]) -> None:
    """Three full collections in a row: the median pause, and the objects tracked."""
    timings = [await probe(server, "collect") for _ in range(3)]
    into["collect"] = {
        "full_gc_ms": statistics.median(t["ms"] for t in timings),
        "tracked_objects": timings[-1]["tracked_objects"],
    }
    print(
        f"  gc.collect() {into['collect']['full_gc_ms']:.0f} ms over "
        f"{into['collect']['tracked_objects']:,} objects",
        flush=True,
    )


async def bench_stall(
    servers: dict[str, ServerProcess], executions: int, freeze: bool
) -> dict[str, Any]:
    results: dict[str, Any] = {"gc_frozen_at_start": freeze}
    if freeze:
        for name in ("alone", "ours"):
            print(f"  {name}: gc.freeze() {await probe(servers[name], 'freeze')}")
    cases = [("2,000 cells", 2000, 0), ("10 MB output", 50, 10)]
    for n, (label, cells, big) in enumerate(cases):
        results[label] = {}
        order = ["alone", "ours"] if n % 2 == 0 else ["ours", "alone"]
        for name in order:
            print(f"stall: {label}, {name} ...", flush=True)
            server = servers[name]
            path = write_notebook(server, f"stall-{cells}-{big}.ipynb", cells, big)
            # spread over the notebook (the record's cell is looked up where it is), and the
            # big cell itself
            indexes = [cells // 2, *((k * 397) % cells for k in range(1, executions))]
            results[label][name] = await stall_one(server, path, executions, indexes)
            await server_collects(server, results[label][name])
            r = results[label][name]
            for window in ("room_open", "executing"):
                w = r[window]
                print(
                    f"  {window:<10} p99 {w['p99']:6.1f}  max {w['max']:6.1f}  outside full GC "
                    f"{w['max_outside_full_gc']:6.1f} ms; full GCs {w['full_gc_ms']} ms; "
                    f"{w['tracked_objects']:,} objects",
                    flush=True,
                )
    return results


# -- 5. the guard's observer, in process ---------------------------------------------------


async def bench_observer(updates: int = 2000) -> dict[str, Any]:
    """What the guard's ``observe_deep`` callback adds to applying one typed character to a
    live notebook, in this process: a document with upstream's own observer (the room's
    ``YNotebook.observe``), with and without the guard watching it (microseconds)."""
    from jupyter_ydoc import YNotebook
    from pycrdt import Doc

    from jupyterlab_mlplatform.collab.guard import RecordGuard
    from jupyterlab_mlplatform.collab.signing import RecordSigner

    def notebook(cells: int) -> YNotebook:
        source = YNotebook()
        cell = {
            "cell_type": "code",
            "source": "x = 1\nprint(x)\n",
            "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}],
            "execution_count": 1,
        }
        source.set({"cells": [dict(cell) for _ in range(cells)], "metadata": {}})
        return source

    results: dict[str, Any] = {}
    for cells in (50, 2000):
        for guarded in (False, True):
            source = notebook(cells)
            live = YNotebook(Doc())
            live.ydoc.apply_update(source.ydoc.get_update())
            live.observe(lambda target, event: None)
            if guarded:
                await RecordGuard(RecordSigner(b"k" * 32)).watch(live)
            typed: list[bytes] = []
            source.ydoc.observe(lambda event, typed=typed: typed.append(event.update))
            text = source.ycells[cells // 2]["source"]
            for _ in range(updates):
                text.insert(len(text), "a")
            started = time.perf_counter()
            for update in typed:
                live.ydoc.apply_update(update)
            micros = (time.perf_counter() - started) / len(typed) * 1e6
            results[f"{cells} cells, {'guarded' if guarded else 'upstream only'}"] = micros
            print(f"  {cells} cells, guarded {guarded}: {micros:.1f} us per update", flush=True)
    return results


# -- the table ----------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(results: dict[str, Any]) -> list[list[str]]:
    rows = [["figure", "alone", "ours", "ours/alone", "A/A", "target", "met?"]]

    def row(figure: str, alone: str, ours: str, *rest: str) -> None:
        rows.append([figure, alone, ours, *rest, *[""] * (4 - len(rest))])

    for case, r in results.get("edits", {}).items():
        for kind, label in (("per_receiver", "each reader"), ("last_receiver", "last reader")):
            if r["readers"] == 1 and kind == "last_receiver":
                continue
            a, b, c = r[kind]["alone"], r[kind]["ours"], r[kind].get("alone-2")
            for q in ("p50", "p99"):
                ratio = b[q] / a[q]
                row(
                    f"edit {case}, {label} {q} (ms)",
                    fmt(a[q], 2),
                    fmt(b[q], 2),
                    f"{ratio:.3f}",
                    f"{c[q] / a[q]:.3f}" if c else "",
                    f"<= {TARGET_RATIO:.2f}",
                    "yes" if ratio <= TARGET_RATIO else "**no**",
                )
            row(f"edit {case}, {label} max (ms)", fmt(a["max"]), fmt(b["max"]))
        cpu = r["server_cpu_ms_per_edit"]
        row(
            f"edit {case}, server CPU per edit (ms)",
            fmt(cpu["alone"], 3),
            fmt(cpu["ours"], 3),
            f"{cpu['ours'] / cpu['alone']:.3f}",
            f"{cpu['alone-2'] / cpu['alone']:.3f}" if "alone-2" in cpu else "",
        )
    presence = results.get("presence")
    if presence:
        bound = presence["bound_s"]

        def late(key: str) -> str:
            values = [t["from_open_ms"] for t in presence.get(key, [])]
            if not values:
                return "-"
            if any(v is None for v in values):
                return f"not within {bound:g} s"
            return f"{statistics.median(values):,.0f} ms (max {max(values):,.0f})"

        row(
            f"late joiner sees {presence['peers']} idle peers, median",
            late("alone, idle peers"),
            late("ours, idle peers"),
        )
        row(
            "same, peers renewing every 15 s (the lab)",
            late("alone, peers renewing every 15 s"),
            "(as idle)",
        )
    for case, r in results.get("badge", {}).items():
        s, k = r["from_run_created"], r["from_start_run_returned"]
        row(
            f"badge, {case}: run created -> co-editor, p50 / p99 / max (ms)",
            "(no badges)",
            f"{s['p50']:.0f} / {s['p99']:.0f} / {s['max']:.0f}",
            "",
            "",
            f"<= {BADGE_TARGET_MS:.0f}",
            "yes" if s["max"] <= BADGE_TARGET_MS else "**no**",
        )
        row(
            f"badge, {case}: start_run returned -> co-editor, p50 / max (ms)",
            "",
            f"{k['p50']:.0f} / {k['max']:.0f}",
        )
    observer = results.get("observer")
    if observer:
        for cells in (50, 2000):
            a, b = observer[f"{cells} cells, upstream only"], observer[f"{cells} cells, guarded"]
            row(
                f"applying one typed character, {cells} cells, in process (us)",
                f"{a:.1f}",
                f"{b:.1f}",
                f"{b / a:.2f}",
            )
    for case, r in results.get("stall", {}).items():
        if not isinstance(r, dict):
            continue
        for window in ("room_open", "executing"):
            a, b = r["alone"][window], r["ours"][window]
            what = f"loop lag, {case}, {window.replace('_', ' ')}"
            row(
                f"{what}: p99 / max (ms)",
                f"{a['p99']:.1f} / {a['max']:.1f}",
                f"{b['p99']:.1f} / {b['max']:.1f}",
                f"{b['max'] / a['max']:.2f} (max)" if a["max"] else "",
            )
            row(
                f"{what}: max outside full GCs; full GC pauses (ms)",
                f"{a['max_outside_full_gc']:.1f}; {gc_list(a['full_gc_ms'])}",
                f"{b['max_outside_full_gc']:.1f}; {gc_list(b['full_gc_ms'])}",
            )
        a, b = r["alone"]["collect"], r["ours"]["collect"]
        row(
            f"one full gc.collect() after the {case} case (ms; objects tracked)",
            f"{a['full_gc_ms']:.0f}; {a['tracked_objects']:,}",
            f"{b['full_gc_ms']:.0f}; {b['tracked_objects']:,}",
            f"{b['full_gc_ms'] / a['full_gc_ms']:.2f}",
        )
    return rows


def gc_list(pauses: list[float]) -> str:
    return ", ".join(f"{p:.0f}" for p in pauses) if pauses else "none"


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


async def run(args: argparse.Namespace, workdir: Path, results: dict[str, Any]) -> None:
    """Fills ``results`` section by section (what was measured stays if a later one fails)."""
    what = {"edits", "presence", "badge", "stall"} if args.what == "all" else {args.what}
    if "observer" in what or args.what == "all":
        print("observer: applying typed characters in process ...", flush=True)
        results["observer"] = await bench_observer()
        what.discard("observer")
    if not what:
        return
    servers = await start_servers(
        workdir, control="edits" in what and not args.no_control, squash=args.squash_variant
    )
    try:
        if "edits" in what:
            cases = [(50, 1), (50, 9), (2000, 1), (2000, 9)]
            results["edits"] = await bench_edits(servers, args.edits, args.rounds, cases)
        if "presence" in what:
            results["presence"] = await bench_presence(
                servers, 10, args.repeat, args.renew_repeat, args.bound
            )
        if "badge" in what:
            cases = [(50, args.runs), (2000, max(5, args.runs // 2))]
            results["badge"] = await bench_badge(servers["ours"], cases)
        if "stall" in what:
            results["stall"] = await bench_stall(servers, args.executions, args.gc_freeze)
    finally:
        for server in servers.values():
            await stop(server)


async def stop(server: ServerProcess) -> None:
    """SIGTERM, then SIGKILL after 10 s: without the platform's fix
    (``compat.release_anyio_workers_at_exit``), a server whose rooms were opened can wait
    forever for AnyIO's worker threads (jupyter-collaboration #161, #503)."""
    try:
        await server.stop(timeout=10)
    except AssertionError:
        print(f"  {server.workdir.name}: did not exit on SIGTERM (upstream #161), killed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=["all", "edits", "presence", "badge", "stall", "observer"],
    )
    parser.add_argument("--edits", type=int, default=200, help="measured edits per server")
    parser.add_argument("--rounds", type=int, default=6, help="A/B rounds the edits are split in")
    parser.add_argument(
        "--no-control", action="store_true", help="edits: no second alone server (A/A)"
    )
    parser.add_argument(
        "--squash-variant",
        action="store_true",
        help="edits: also upstream alone with the platform's YStore squash default",
    )
    parser.add_argument("--repeat", type=int, default=5, help="late joiners (ours)")
    parser.add_argument("--renew-repeat", type=int, default=3, help="late joiners (alone, 15 s)")
    parser.add_argument("--bound", type=float, default=20.0, help="late-join wait bound (s)")
    parser.add_argument("--runs", type=int, default=20, help="badge runs (50-cell notebook)")
    parser.add_argument("--executions", type=int, default=20, help="stall: executions")
    parser.add_argument("--quick", action="store_true", help="smaller counts, ~3.5 minutes")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the servers' directory")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="stall: gc.freeze() in both servers first (an experiment, not the default)",
    )
    parser.add_argument(
        "--stall-stacks", type=float, help="stall: sample stacks of stalls over this many ms"
    )
    args = parser.parse_args()
    global STACKS_OVER_MS
    STACKS_OVER_MS = args.stall_stacks
    if args.quick:
        args.edits, args.rounds, args.repeat, args.renew_repeat = 60, 2, 2, 1
        args.runs, args.executions = 6, 8
    workdir = Path(tempfile.mkdtemp(prefix="mlp-collab-compare-"))
    started = time.time()
    load_at_start = os.getloadavg()
    results: dict[str, Any] = {}
    error = None
    try:
        asyncio.run(run(args, workdir, results))
    except (AssertionError, OSError, TimeoutError) as e:  # report what was measured
        error = f"{type(e).__name__}: {e}"
        print(f"FAILED: {error}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    rows = table(results)
    print()
    print_table(rows)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "duration_s": time.time() - started,
        "args": vars(args) | {"out": str(args.out)},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            **{
                package: version(package)
                for package in ("jupyter-collaboration", "jupyter-server-ydoc", "pycrdt")
            },
            "pycrdt-websocket": version("pycrdt-websocket"),
            "jupyter_server": version("jupyter_server"),
        },
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "commit": git("rev-parse", "HEAD"),
        "package_dirty": bool(git("status", "--porcelain", "--", "jupyterlab_mlplatform")),
        "error": error,
        "table": rows,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
