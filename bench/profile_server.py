"""Profile our server's hot paths with py-spy (``pip install py-spy``).

    python bench/profile_server.py [single|single-mlflow|batched|history|search|all] [--seconds 8]

Starts jupyter_server with the extension, drives one workload at it for ``--seconds`` while
``py-spy record`` samples the server (threads included, idle frames dropped), and writes
``bench/results/profile-<workload>.txt`` (collapsed stacks) plus a short top-functions summary
printed to stdout.  Only 127.0.0.1; the server is killed at the end.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import servers
import tracking_bench as tb

TOKEN = "profile-token-0123456789"
RESULTS = Path(__file__).resolve().parent / "results"


def drive(workload: str, api: tb.OursAPI, stop: threading.Event) -> None:
    if workload == "single":
        run_id, _ = api.create_run("profile", "single")
        step = 0
        while not stop.is_set():
            api.log_metric(run_id, "x", 0.5, step)
            step += 1
    elif workload == "single-mlflow":  # what mlflow.log_metric sends to our facade
        facade = tb.FacadeAPI(api.base[: -len("mlplatform/api/")], TOKEN)
        run_id, _ = facade.create_run("profile", "single-mlflow")
        step = 0
        while not stop.is_set():
            facade.log_metric(run_id, "x", 0.5, step)
            step += 1
    elif workload == "batched":
        run_id, _ = api.create_run("profile", "batched")
        while not stop.is_set():
            tb.batched_rate(api, run_id, 10_000, 10_000)
    elif workload == "history":
        run_id, _ = api.create_run("profile", "history")
        tb.batched_rate(api, run_id, 10_000, 100_000, key="hist")
        while not stop.is_set():
            api.history(run_id, "hist")
            api.history(run_id, "hist", 1000)
    elif workload == "search":
        spec = tb.search_runs_spec(2_000)
        fill = tb.populate_ours(lambda: tb.OursAPI(api.base[: -len("mlplatform/api/")], TOKEN),
                                "search-profile", spec)  # fmt: skip
        while not stop.is_set():
            api.search([fill["experiment_id"]])


def summarize(collapsed: Path, top: int = 25) -> str:
    """Self time and inclusive time per function from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    out = [f"{total} samples", "-- self time --"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    out += ["-- inclusive, project code --"]
    mine = [(f, n) for f, n in incl.most_common() if "jupyterlab_mlplatform" in f]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in mine[:top]]
    return "\n".join(out)


def profile(workload: str, seconds: float) -> None:
    root = Path(tempfile.mkdtemp(prefix="mlp-profile-"))
    server = servers.jupyter_server(root, TOKEN)
    try:
        server.start()
        api = tb.OursAPI(server.url, TOKEN)
        stop = threading.Event()
        worker = threading.Thread(target=drive, args=(workload, api, stop), daemon=True)
        worker.start()
        time.sleep(3 if workload in ("history", "search") else 0.5)  # fixtures first
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"profile-{workload}.txt"
        assert server.process is not None
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        subprocess.run(
            [spy, "record", "--pid", str(server.process.pid), "--duration", str(int(seconds)),
             "--format", "raw", "--output", str(out), "--threads", "--nonblocking"],
            check=True, capture_output=True,
        )  # fmt: skip
        stop.set()
        worker.join(30)
        print(f"== {workload} ({out})")
        print(summarize(out))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", nargs="?", default="all")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    names = (
        ["single", "single-mlflow", "batched", "history", "search"]
        if args.workload == "all"
        else [args.workload]
    )
    for name in names:
        profile(name, args.seconds)


if __name__ == "__main__":
    main()
