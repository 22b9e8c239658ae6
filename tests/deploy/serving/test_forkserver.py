"""The warm fork server: real fork-server processes forking real scoring servers, the
fallback to a new process when it is gone, and no process left behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pytest

from jupyterlab_mlplatform.deploy.manager.forkserver_client import ForkServer
from jupyterlab_mlplatform.deploy.manager.process import ProcessLog, ScoringProcess, StartFailed
from jupyterlab_mlplatform.deploy.model import save_model

RNG = np.random.default_rng(0)
COLUMNS = ["a", "b", "c"]
FRAME = pd.DataFrame(RNG.normal(size=(60, 3)), columns=COLUMNS)
TARGET = (FRAME.a + FRAME.b > 0).astype(int)
ROWS = {"dataframe_split": {"columns": COLUMNS, "data": FRAME.tail(2).to_numpy().tolist()}}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.linear_model import LogisticRegression

    path = tmp_path_factory.mktemp("models") / "sklearn"
    save_model(LogisticRegression().fit(FRAME, TARGET), path, input_example=FRAME.head(3))
    return path


def _random_model() -> Callable[[pd.DataFrame], Any]:
    def draw(frame: pd.DataFrame) -> Any:
        import numpy

        return numpy.random.random(len(frame))

    return draw


@pytest.fixture(scope="module")
def random_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generic Python model (cloudpickle: not preloaded) answering numpy's global RNG (so
    without a parity sample: it could never pass the check)."""
    path = tmp_path_factory.mktemp("models") / "random"
    save_model(_random_model(), path, input_example=FRAME.head(3), parity=False)
    return path


@pytest.fixture
def broken_model_dir(model_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "broken"
    path.mkdir()
    for file in model_dir.iterdir():
        data = file.read_bytes()
        (path / file.name).write_bytes(data if file.name == "mlplatform_model.json" else b"x")
    return path


@asynccontextmanager
async def _forkserver(**options: Any) -> AsyncIterator[ForkServer]:
    server = ForkServer(**options)
    try:
        await server.start()
        assert server.running, "the fork server did not start"
        yield server
    finally:
        await server.aclose()


def _listener() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener


async def _spawn(
    model: Path, tmp_path: Path, server: ForkServer | None, **options: Any
) -> ScoringProcess:
    log = ProcessLog(tmp_path / f"log-{time.monotonic_ns()}", 200, 10**6)
    return await ScoringProcess.spawn(model, 1, log, "fs", 1, forkserver=server, **options)


def _post(port: int, body: Any) -> tuple[int, Any]:
    payload = json.dumps(body).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            b"POST /invocations HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        response = b""
        while chunk := conn.recv(65536):
            response += chunk
    head, _, body_bytes = response.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body_bytes)


def _descendants() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.status() != "zombie"]


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_a_forked_scoring_server_answers_and_logs(model_dir: Path, tmp_path: Path) -> None:
    async with _forkserver() as server:
        # Given a deployment started through the fork server, on a socket the manager holds
        listener = _listener()
        process = await _spawn(model_dir, tmp_path, server, listener=listener)
        try:
            await process.wait_ready(60)

            # Then it is the fork server's child, serving on that socket
            assert process.forked
            assert psutil.Process(process.pid).ppid() == server.pid
            assert process.port == listener.getsockname()[1]
            status, body = await asyncio.to_thread(_post, process.port, ROWS)
            assert status == 200 and len(body["predictions"]) == 2
            assert await process.healthy(5)

            # And its log lines and its ready event reached the manager as from a process
            lines = process.log.tail(50)
            assert any("[serving" in line and "Serving" in line for line in lines)
            ready = [json.loads(line) for line in lines if line.startswith("{")]
            assert ready[0]["event"] == "ready" and ready[0]["pid"] == process.pid

            # When it is stopped
            await process.stop(grace=5)
        finally:
            listener.close()
        # Then its exit status (0: it drained and exited) comes from the fork server
        assert process.exited and process.returncode == 0
        assert await process.wait_exit() == 0


async def test_children_get_fresh_random_state_and_unloaded_flavors_work(
    random_model_dir: Path, tmp_path: Path
) -> None:
    async with _forkserver() as server:
        # Given two deployments of a model answering numpy's global RNG (a flavor whose
        # library the fork server did not import, and which the import guard does not cover)
        first = await _spawn(random_model_dir, tmp_path, server)
        second = await _spawn(random_model_dir, tmp_path, server)
        try:
            await first.wait_ready(60)
            await second.wait_ready(60)
            assert first.forked and second.forked
            # Then they draw different numbers (same state after the same warm-up otherwise)
            answers = [(await asyncio.to_thread(_post, p.port, ROWS)) for p in (first, second)]
            assert [status for status, _ in answers] == [200, 200]
            assert answers[0][1]["predictions"] != answers[1][1]["predictions"]
        finally:
            await first.stop(grace=5)
            await second.stop(grace=5)


async def test_a_model_that_cannot_load_reports_load_failed(
    broken_model_dir: Path, tmp_path: Path
) -> None:
    async with _forkserver() as server:
        process = await _spawn(broken_model_dir, tmp_path, server)
        assert process.forked
        with pytest.raises(StartFailed, match="MODEL_LOAD_FAILED"):
            await process.wait_ready(60)
        assert process.returncode == 3  # EXIT_LOAD_FAILED, reported by the fork server
        lines = process.log.tail(100)
        assert any(line.startswith("Traceback") for line in lines)
        assert json.loads(lines[-1])["event"] == "load_failed"


async def test_a_killed_child_and_a_stop_that_needs_sigkill_are_observed(
    model_dir: Path, tmp_path: Path
) -> None:
    async with _forkserver() as server:
        killed = await _spawn(model_dir, tmp_path, server)
        stuck = await _spawn(model_dir, tmp_path, server)
        await killed.wait_ready(60)
        await stuck.wait_ready(60)

        # When one is killed from outside
        os.kill(killed.pid, signal.SIGKILL)
        # Then its end is observed with the signal, as for a child of ours
        assert await asyncio.wait_for(killed.wait_exit(), 10) == -signal.SIGKILL
        assert killed.exited and not await killed.healthy(1)

        # When one cannot act on SIGTERM (stopped), stop() escalates to SIGKILL
        os.kill(stuck.pid, signal.SIGSTOP)
        await stuck.stop(grace=0.5)
        assert stuck.returncode == -signal.SIGKILL
        assert _gone(stuck.pid)


async def test_a_dead_fork_server_falls_back_to_processes_then_restarts(
    model_dir: Path, tmp_path: Path
) -> None:
    async with _forkserver(retry_after=0.0) as server:
        # Given a deployment forked from the fork server
        orphan = await _spawn(model_dir, tmp_path, server)
        await orphan.wait_ready(60)
        first_pid = server.pid
        assert first_pid is not None

        # When the fork server is killed
        os.kill(first_pid, signal.SIGKILL)

        # Then its child gets SIGTERM and goes, and that is observed
        assert await asyncio.wait_for(orphan.wait_exit(), 20) == -signal.SIGTERM
        for _ in range(100):
            if not server.running:
                break
            await asyncio.sleep(0.05)

        # And the next deployment starts as a plain process and serves
        plain = await _spawn(model_dir, tmp_path, server)
        try:
            await plain.wait_ready(60)
            assert not plain.forked
            assert psutil.Process(plain.pid).ppid() == os.getpid()
            status, _ = await asyncio.to_thread(_post, plain.port, ROWS)
            assert status == 200
        finally:
            await plain.stop(grace=5)

        # And a new fork server was started in the background for the ones after
        for _ in range(1200):
            if server.running:
                break
            await asyncio.sleep(0.05)
        assert server.running and server.pid != first_pid
        forked = await _spawn(model_dir, tmp_path, server)
        await forked.wait_ready(60)
        assert forked.forked
        await forked.stop(grace=5)
    assert _gone(first_pid)


async def test_close_leaves_no_process(model_dir: Path, tmp_path: Path) -> None:
    before = {p.pid for p in _descendants()}
    server = ForkServer()
    await server.start()
    fs_pid = server.pid
    assert fs_pid is not None
    # A child still running when the manager closes the fork server
    process = await _spawn(model_dir, tmp_path, server, drain_seconds=1.0)
    await process.wait_ready(60)

    await server.aclose()

    assert process.exited and process.returncode == 0  # SIGTERM from the fork server: drained
    assert _gone(fs_pid) and _gone(process.pid)
    assert {p.pid for p in _descendants()} <= before
    # And a closed fork server is not used again: spawning falls back to a process
    plain = await _spawn(model_dir, tmp_path, server)
    assert not plain.forked
    await plain.wait_ready(60)
    await plain.stop(grace=5)


OWNER = """
import asyncio, sys
from pathlib import Path
from jupyterlab_mlplatform.deploy.manager.forkserver_client import ForkServer
from jupyterlab_mlplatform.deploy.manager.process import ProcessLog, ScoringProcess

async def main():
    server = ForkServer()
    await server.start()
    log = ProcessLog(Path(sys.argv[2]), 100, 10**6)
    process = await ScoringProcess.spawn(Path(sys.argv[1]), 2, log, "orphan", 1, forkserver=server)
    await process.wait_ready(60)
    print(server.pid, process.pid, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def test_everything_dies_with_the_jupyter_server(model_dir: Path, tmp_path: Path) -> None:
    # Given a process (standing in for the Jupyter server) with a fork server and a forked
    # scoring server with 2 workers
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(model_dir), str(tmp_path / "log")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    try:
        fs_pid, child_pid = map(int, owner.stdout.readline().split())
        tree = [fs_pid, child_pid]
        for _ in range(600):  # its workers are forked after the ready event
            workers = psutil.Process(child_pid).children()
            if len(workers) == 2:
                break
            time.sleep(0.05)
        tree += [p.pid for p in workers]
        assert len(tree) == 4

        # When it is killed without a chance to clean up
        owner.kill()
    finally:
        owner.kill()
        owner.wait()
        owner.stdout.close()

    # Then the fork server, the scoring server and its workers go too
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(_gone(pid) for pid in tree):
        time.sleep(0.05)
    assert [pid for pid in tree if not _gone(pid)] == []


async def test_close_while_it_imports_does_not_wait_for_it() -> None:
    server = ForkServer()
    starting = asyncio.create_task(server.start())
    for _ in range(200):
        if server._proc is not None:
            break
        await asyncio.sleep(0.01)
    proc = server._proc
    assert proc is not None and not server.running

    started = time.monotonic()
    await server.aclose()

    assert time.monotonic() - started < 1.5
    assert proc.returncode is not None and _gone(proc.pid)
    await starting
