"""Scoring server bench: ours (``jupyterlab_mlplatform.deploy.serving``) vs ``mlflow models serve``.

The same scikit-learn model (LogisticRegression on 10 numeric columns) is saved as our
package and with ``mlflow.sklearn.save_model``; both are served in the same run, on the
same machine.  Measured: cold start (process start to the first 200 from
``POST /invocations``), requests per second and p50/p99 latency for a single-row
``dataframe_split`` at 1 and 16 connections (wrk with a Lua script, or an asyncio client
when wrk is not installed), and the memory of the process tree (RSS; PSS, which counts
pages shared by forked processes once; USS, the pages no other process maps).

Ours is measured twice: as a new process (``python -m jupyterlab_mlplatform.deploy.serving``)
and "from the lab": forked from the deployment manager's warm fork server
(``deploy/manager/forkserver_client.py``) on a listening socket the bench holds, as the manager
starts a deployment; its cold start runs from the request to the fork server to the first
200, and its memory is the deployment's own processes (the fork server is reported apart).
Last, the model is deployed three times through a real Jupyter server's REST API (with
and without the fork server): ``POST /mlplatform/api/deployments`` to the first 200
through the server's proxy.

    python bench/serving_bench.py [--seconds 10] [--starts 3] [--out bench/results/serving.json]

Nothing asserts a timing: the table puts the targets next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # bench/servers.py: process groups, free ports

COLUMNS = [f"x{i}" for i in range(10)]
BODY = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": [[0.1 * i for i in range(10)]]}})
TARGETS = {"cold_start_s": 1.0, "rps_c16": 3000.0, "p99_c16_ms": 15.0, "rss_mb": 150.0}


def save_models(root: Path) -> tuple[Path, Path]:
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from jupyterlab_mlplatform.deploy.model import save_model

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(1000, 10)), columns=COLUMNS)
    model = LogisticRegression().fit(frame, (frame.x0 + frame.x1 > 0).astype(int))
    ours, theirs = root / "ours", root / "mlflow"
    save_model(model, ours, input_example=frame.head(3))
    mlflow.sklearn.save_model(model, str(theirs), input_example=frame.head(3))
    return ours, theirs


def our_command(model: Path, port: int, extra: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "jupyterlab_mlplatform.deploy.serving",
        "--model-dir", str(model), "--host", servers.HOST, "--port", str(port), *extra,
    ]  # fmt: skip


def mlflow_command(model: Path, port: int, extra: list[str]) -> list[str]:
    mlflow = shutil.which("mlflow", path=os.path.dirname(sys.executable)) or "mlflow"
    return [
        mlflow, "models", "serve", "-m", str(model), "--env-manager", "local",
        "-h", servers.HOST, "-p", str(port), *extra,
    ]  # fmt: skip


class Served:
    """A scoring server process in its own group; ``start`` returns the seconds from
    launch to the first 200 answer to a real prediction request."""

    def __init__(self, name: str, command: list[str], port: int, log: Path) -> None:
        self.name, self.command, self.port, self.log = name, command, port, log
        self.url = f"http://{servers.HOST}:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> float:
        env = servers.env_with()
        with self.log.open("ab") as out:
            t0 = time.perf_counter()
            self.process = subprocess.Popen(
                self.command, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        headers = {"Content-Type": "application/json"}
        with requests.Session() as session:
            while time.perf_counter() - t0 < timeout:
                try:
                    response = session.post(
                        self.url + "/invocations", data=BODY, headers=headers, timeout=5
                    )
                    if response.status_code == 200:
                        return time.perf_counter() - t0
                except requests.RequestException:
                    pass
                if self.process.poll() is not None:
                    break
                time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def memory(self) -> dict[str, float]:
        """RSS, PSS and USS of the process tree, in MB."""
        assert self.process is not None
        return tree_memory(self.process.pid)

    def stop(self) -> None:
        if self.process is None:
            return
        runner = servers.Server(self.name, [], {}, self.url, "/", self.log)
        runner.process = self.process  # type: ignore[assignment]
        runner.stop()  # SIGTERM to the group, then SIGKILL
        self.process = None


def tree_memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of a process and its descendants, in MB."""
    root = psutil.Process(pid)
    rss = pss = uss = 0
    procs = [root, *root.children(recursive=True)]
    for proc in procs:
        try:
            info = proc.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        uss += getattr(info, "uss", info.rss)
    mb = 2**20
    return {"rss_mb": rss / mb, "pss_mb": pss / mb, "uss_mb": uss / mb, "processes": len(procs)}


class LabLoop:
    """An asyncio loop in a thread, holding the deployment manager's fork server."""

    def __init__(self) -> None:
        from jupyterlab_mlplatform.deploy.manager.forkserver_client import ForkServer

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.forkserver = ForkServer()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float | None = 180) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start_forkserver(self) -> float:
        """Seconds until the fork server has imported and can fork."""
        t0 = time.perf_counter()
        self.run(self.forkserver.start())
        if not self.forkserver.running:
            raise RuntimeError("the fork server did not start")
        return time.perf_counter() - t0

    def close(self) -> None:
        self.run(self.forkserver.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


class Forked:
    """Our scoring server forked from the fork server, as the deployment manager starts one
    (on a listening socket it holds); ``start`` returns the seconds from the request to
    the fork server to the first 200 answer to a real prediction request."""

    def __init__(self, name: str, lab: LabLoop, argv: list[str], log: Path) -> None:
        self.name, self.lab, self.argv, self.log = name, lab, argv, log
        self.listener = socket.create_server((servers.HOST, 0), backlog=1024)
        self.url = f"http://{servers.HOST}:{self.listener.getsockname()[1]}"
        self.process: Any = None

    async def _spawn(self) -> Any:
        from jupyterlab_mlplatform.deploy.manager.process import ProcessLog, ScoringProcess

        child, out, err = await self.lab.forkserver.spawn(self.argv, self.listener)
        process = ScoringProcess(child, ProcessLog(self.log, 1000, 10**8), (out, err))
        await process.wait_ready(120)
        return process

    def start(self, timeout: float = 120) -> float:
        t0 = time.perf_counter()
        spawned = asyncio.run_coroutine_threadsafe(self._spawn(), self.lab.loop)
        headers = {"Content-Type": "application/json"}
        with requests.Session() as session:
            while time.perf_counter() - t0 < timeout and not spawned.done():
                try:
                    response = session.post(
                        self.url + "/invocations", data=BODY, headers=headers, timeout=5
                    )
                    if response.status_code == 200:
                        elapsed = time.perf_counter() - t0
                        self.process = spawned.result(timeout)
                        return elapsed
                except requests.RequestException:
                    pass
                time.sleep(0.005)
        self.process = spawned.result(timeout)  # raises StartFailed if it failed
        self.stop()
        raise RuntimeError(f"{self.name} did not answer:\n{self.log.read_text()[-3000:]}")

    def memory(self) -> dict[str, Any]:
        """The deployment's process tree; the fork server's own figures under ``forkserver``."""
        assert self.process is not None
        memory: dict[str, Any] = tree_memory(self.process.pid)
        memory["forkserver"] = self.memory_of(self.lab)
        return memory

    def stop(self) -> None:
        if self.process is not None:
            self.lab.run(self.process.stop(10.0))
            self.process = None
        self.listener.close()

    @staticmethod
    def memory_of(lab: LabLoop) -> dict[str, float]:
        """The fork server's own RSS, PSS and USS (not its children's), in MB."""
        assert lab.forkserver.pid is not None
        info = psutil.Process(lab.forkserver.pid).memory_full_info()
        mb = 2**20
        return {"rss_mb": info.rss / mb, "pss_mb": info.pss / mb, "uss_mb": info.uss / mb}


def lab_clicks(model: Path, root: Path, forkserver: bool, count: int = 3) -> dict[str, Any]:
    """Deploy from the lab, through a real Jupyter server's REST API: from
    ``POST /mlplatform/api/deployments`` (which copies the package from the run's artifacts)
    to the first 200 of ``POST .../invocations`` through the server's proxy, ``count`` times;
    with the fork server (``DeploymentManager.forkserver``, the default) or new processes."""
    folder = root / f"jupyter-{'fork' if forkserver else 'process'}"
    server = servers.jupyter_server(folder, "bench")
    server.cmd.append(f"--DeploymentManager.forkserver={forkserver}")
    server.start()
    api = server.url + "mlplatform/api/"
    result: dict[str, Any] = {"seconds": [], "memory": [], "forked": []}
    try:
        with requests.Session() as session:
            session.headers.update(server.headers)
            run_id = session.post(api + "runs", json={}).json()["run_id"]
            for file in sorted(p for p in model.rglob("*") if p.is_file()):
                relative = file.relative_to(model).as_posix()
                url = f"{api}runs/{run_id}/artifacts/model/{relative}"
                session.put(url, data=file.read_bytes()).raise_for_status()
            # The Deploy panel lists the deployments when it opens, which starts the fork
            # server (about 2.5 s of imports): a user clicks Deploy later than that.
            session.get(api + "deployments").raise_for_status()
            time.sleep(5.0)
            headers = {"Content-Type": "application/json"}
            for i in range(count):
                t0 = time.perf_counter()
                created = session.post(
                    api + "deployments", json={"name": f"d{i}", "run_id": run_id}
                )
                created.raise_for_status()
                while time.perf_counter() - t0 < 120:
                    answer = session.post(
                        f"{api}deployments/d{i}/invocations", data=BODY, headers=headers
                    )
                    if answer.status_code == 200:
                        break
                    time.sleep(0.005)
                answer.raise_for_status()
                result["seconds"].append(time.perf_counter() - t0)
                pid = int(created.json()["pid"])
                result["forked"].append(psutil.Process(pid).ppid() != server.process.pid)  # type: ignore[union-attr]
                result["memory"].append(tree_memory(pid))
    finally:
        server.stop()
    result["median_s"] = statistics.median(result["seconds"])
    print(f"  lab clicks, fork server {forkserver}: {result['seconds']}", flush=True)
    return result


# -- load generation -------------------------------------------------------------------


def wrk(url: str, connections: int, seconds: float, script: Path) -> dict[str, float]:
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
         "-s", str(script), url + "/invocations"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip

    def latency(label: str) -> float:
        found = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not found:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
        return float(found.group(1)) * scale

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",  # type: ignore[dict-item]
    }


async def _client(host: str, port: int, until: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    request = (
        f"POST /invocations HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(BODY)}\r\n\r\n{BODY}"
    ).encode()
    failures = 0
    while time.perf_counter() < until:
        start = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - start)
        failures += not head.startswith(b"HTTP/1.1 200")
    writer.close()
    return failures


def asyncio_load(url: str, connections: int, seconds: float) -> dict[str, float]:
    """The fallback load generator (one Python process: it saturates before wrk does)."""
    port = int(url.rsplit(":", 1)[1])
    latencies: list[float] = []

    async def run() -> int:
        until = time.perf_counter() + seconds
        tasks = [_client(servers.HOST, port, until, latencies) for _ in range(connections)]
        return sum(await asyncio.gather(*tasks))

    t0 = time.perf_counter()
    failures = asyncio.run(run())
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "non_2xx": float(failures),
    }


def load(url: str, script: Path, connections: int, seconds: float) -> dict[str, float]:
    if shutil.which("wrk"):
        return wrk(url, connections, seconds, script)
    return asyncio_load(url, connections, seconds)


# -- the bench -------------------------------------------------------------------------


def bench_server(
    name: str, make: Any, model: Path, extra: list[str], args: argparse.Namespace, root: Path
) -> dict[str, Any]:
    result: dict[str, Any] = {"command_args": extra}
    starts = []
    for i in range(args.starts):
        served: Served | Forked
        if isinstance(make, LabLoop):
            argv = ["--model-dir", str(model), *extra]
            served = Forked(name, make, argv, root / f"{name}.log")
        else:
            port = servers.free_port()
            served = Served(name, make(model, port, extra), port, root / f"{name}.log")
        try:
            starts.append(served.start())
            if i < args.starts - 1:
                continue
            result["memory_after_start"] = served.memory()
            script = root / "post.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = {json.dumps(BODY)}\n"
            )
            for connections in (1, 16):
                load(served.url, script, connections, 2)  # warm-up
                result[f"c{connections}"] = load(served.url, script, connections, args.seconds)
                print(f"  {name} c{connections}: {result[f'c{connections}']}", flush=True)
            result["memory_after_load"] = served.memory()
        finally:
            served.stop()
    result["start_seconds"] = starts
    result["cold_start_s"] = statistics.median(starts)
    print(f"  {name} starts: {[round(s, 2) for s in starts]}", flush=True)
    return result


def table(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, label, lower_better, path in (
        ("cold_start_s", "cold start to first 200 (s)", True, ("cold_start_s",)),
        ("rps_c1", "req/s, 1 connection", False, ("c1", "rps")),
        ("p50_c1_ms", "p50 ms, 1 connection", True, ("c1", "p50_ms")),
        ("p99_c1_ms", "p99 ms, 1 connection", True, ("c1", "p99_ms")),
        ("rps_c16", "req/s, 16 connections", False, ("c16", "rps")),
        ("p50_c16_ms", "p50 ms, 16 connections", True, ("c16", "p50_ms")),
        ("p99_c16_ms", "p99 ms, 16 connections", True, ("c16", "p99_ms")),
        ("rss_mb", "RSS MB, process tree, after load", True, ("memory_after_load", "rss_mb")),
        ("pss_mb", "PSS MB, process tree, after load", True, ("memory_after_load", "pss_mb")),
        ("uss_mb", "USS MB, process tree, after load", True, ("memory_after_load", "uss_mb")),
    ):
        row: dict[str, Any] = {"metric": label, "target": TARGETS.get(key)}
        for name, result in results.items():
            value = result
            for part in path:
                value = value[part]
            row[name] = value
        theirs = row["mlflow"]
        for name in results:
            if name.startswith("ours"):
                ratio = theirs / row[name] if lower_better else row[name] / theirs
                row[f"{name} x"] = ratio
        rows.append(row)
    return rows


def print_table(rows: list[dict[str, Any]], names: list[str]) -> None:
    ours = [n for n in names if n.startswith("ours")]
    header = ["metric", *names, *(f"{n} x" for n in ours), "target"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        cells = [row["metric"]]
        cells += [f"{row[n]:,.3g}" if row[n] < 100 else f"{row[n]:,.0f}" for n in names]
        cells += [f"{row[f'{n} x']:.1f}x" for n in ours]
        cells.append("" if row["target"] is None else f"{row['target']:g}")
        print("| " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="each load run (default 10)")
    parser.add_argument("--starts", type=int, default=3, help="starts per server (median)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results" / "serving.json"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mlp-serving-bench-"))
    load_at_start = os.getloadavg()
    started = time.time()
    lab = LabLoop()
    try:
        ours, theirs = save_models(root)
        # As the deployment manager does when the extension starts (in the background).
        forkserver_start_s = lab.start_forkserver()
        forkserver_info = dict(lab.forkserver.info)
        print(f"fork server ready in {forkserver_start_s:.2f} s", flush=True)
        batching = ["--workers", "2", "--batch-max-size", "32", "--batch-timeout-ms", "2"]
        configs: dict[str, tuple[Any, Path, list[str]]] = {
            "ours": (our_command, ours, []),
            "ours_2w_batch": (our_command, ours, batching),
            "ours_lab": (lab, ours, []),
            "ours_lab_2w_batch": (lab, ours, batching),
            "mlflow": (mlflow_command, theirs, []),
            "mlflow_2w": (mlflow_command, theirs, ["-w", "2"]),
        }
        results = {}
        for name, (make, model, extra) in configs.items():
            print(f"{name} ...", flush=True)
            results[name] = bench_server(name, make, model, extra, args, root)
        forkserver_memory = Forked.memory_of(lab)
        print("from the lab, through the REST API ...", flush=True)
        clicks = {
            "forkserver": lab_clicks(ours, root, forkserver=True),
            "new_process": lab_clicks(ours, root, forkserver=False),
        }
    finally:
        lab.close()
        shutil.rmtree(root, ignore_errors=True)
    names = ("ours", "ours_2w_batch", "ours_lab", "ours_lab_2w_batch", "mlflow_2w", "mlflow")
    ordered = {k: results[k] for k in names}
    rows = table(ordered)
    print_table(rows, list(ordered))
    print(
        f"fork server: ready in {forkserver_start_s:.2f} s (imports {forkserver_info['seconds']:.2f} s);"
        f" alone, after the bench: {forkserver_memory}"
    )
    for name, click in clicks.items():
        seconds = ", ".join(f"{t:.3f}" for t in click["seconds"])
        print(f"deploy from the lab to first 200 through the REST API, {name}: {seconds} s")
    import mlflow

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "duration_s": time.time() - started,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "mlflow": mlflow.__version__,
            "load_generator": "wrk" if shutil.which("wrk") else "asyncio",
        },
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "commit": subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=servers.REPO,
        ).stdout.strip(),
        "table": rows,
        "results": ordered,
        "forkserver": {
            "start_s": forkserver_start_s,
            "ready": forkserver_info,
            "memory_at_end": forkserver_memory,
        },
        "lab_clicks": clicks,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
