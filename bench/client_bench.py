"""Client-side cost of one ``log_metric`` call on the caller's thread.

Each measurement runs in a fresh interpreter (``python bench/client_bench.py MODE N SECONDS``)
so imports, background threads and exit hooks of one client never touch another.  The child
prints one JSON line; ``measure()`` runs it with a timeout.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

DRAIN_TIMEOUT = 20.0
"""Seconds to wait for MLflow's async queue to drain (inf in the results if longer)."""


def _loop(log: Any, n: int, seconds: float) -> tuple[list[int], float]:
    """Call ``log(step)`` up to ``n`` times (or for ``seconds``), timing each call."""
    clock = time.perf_counter_ns
    lat: list[int] = []
    append = lat.append
    t0 = time.perf_counter()
    deadline = clock() + int(seconds * 1e9)
    for step in range(n):
        t = clock()
        log(step)
        t1 = clock()
        append(t1 - t)
        if t1 > deadline:
            break
    return lat, time.perf_counter() - t0


def _child(mode: str, n: int, seconds: float) -> dict[str, Any]:
    drain = float("nan")
    if mode == "ours":
        import jupyterlab_mlplatform as mlp

        with mlp.start_run(experiment="client-bench", name="log_metric"):
            for i in range(100):  # warm-up: start the sender thread and its connection
                mlp.log_metric("warm", float(i))
            mlp.flush()
            lat, wall = _loop(lambda step: mlp.log_metric("x", 0.5, step), n, seconds)
            t = time.perf_counter()
            mlp.flush()
            drain = time.perf_counter() - t
    else:
        import mlflow

        mlflow.set_experiment("client-bench")
        synchronous = mode == "mlflow-sync"
        # No ``with``: ending the run waits for the whole async queue, unbounded.
        mlflow.start_run(run_name=mode)
        for i in range(10):
            mlflow.log_metric("warm", float(i), step=i, synchronous=synchronous)
        if not synchronous:
            mlflow.flush_async_logging()
        lat, wall = _loop(
            lambda step: mlflow.log_metric("x", 0.5, step=step, synchronous=synchronous),
            n,
            seconds,
        )
        if not synchronous:
            # Bounded wait: MLflow's async queue can take minutes to drain.
            t = time.perf_counter()
            flusher = threading.Thread(target=mlflow.flush_async_logging, daemon=True)
            flusher.start()
            flusher.join(DRAIN_TIMEOUT)
            drain = time.perf_counter() - t if not flusher.is_alive() else float("inf")
    lat.sort()
    return {
        "mode": mode,
        "calls": len(lat),
        "median_us": statistics.median(lat) / 1e3,
        "p99_us": lat[int(0.99 * (len(lat) - 1))] / 1e3,
        "mean_us": wall / len(lat) * 1e6,
        "drain_s": drain,
    }


def measure(
    mode: str, n: int, seconds: float, env: dict[str, str], timeout: float
) -> dict[str, Any]:
    """Run one measurement in a child interpreter; errors come back as ``{"error": ...}``."""
    cmd = [sys.executable, str(Path(__file__).resolve()), mode, str(n), str(seconds)]
    try:
        out = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"mode": mode, "error": f"timed out after {timeout:.0f} s"}
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    return {"mode": mode, "error": (out.stderr or out.stdout)[-1500:]}


if __name__ == "__main__":
    result = _child(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
    print(json.dumps(result), flush=True)
    os._exit(0)  # skip exit hooks (the run is already ended and flushed)
