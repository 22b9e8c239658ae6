"""Benchmark the mlplatform tracking server side by side with MLflow, in one run.

    python bench/run.py [--quick] [--out bench/results/latest.json]

Starts every server itself on free 127.0.0.1 ports under a temporary directory, runs each
benchmark, prints a table and writes the figures as JSON.  Nothing here asserts a timing:
the table shows each target next to the figure, that is all.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# ``python bench/run.py`` puts bench/ first on sys.path, so its modules import directly.
import client_bench
import servers
import tracking_bench as tb

TOKEN = "bench-token-0123456789"
MB = 1024 * 1024


class Bench:
    def __init__(self, quick: bool, root: Path) -> None:
        self.quick, self.root = quick, root
        self.results: dict[str, Any] = {}
        self.running: list[servers.Server] = []

    def q(self, full: Any, quick: Any) -> Any:
        return quick if self.quick else full

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    def start(self, server: servers.Server) -> servers.Server:
        self.running.append(server)
        server.start()
        return server

    def stop(self, server: servers.Server) -> None:
        server.stop()
        if server in self.running:
            self.running.remove(server)

    def stop_all(self) -> None:
        for server in list(self.running):
            self.stop(server)

    def record(self, name: str, value: Any) -> None:
        self.results[name] = value
        self.log(f"{name}: {json.dumps(value, default=str)}")

    # -- phases -------------------------------------------------------------------------

    def startup(self, name: str, make: Callable[[int], servers.Server], repeats: int) -> None:
        """Start the server once (cold: it creates its database), then ``repeats`` more times
        on the same folder, as a user's server starts every day; start time and idle RSS."""
        cold = self.start(make(0))
        cold_start = cold.start_seconds
        self.stop(cold)
        starts, rss, procs = [], [], 0
        for i in range(repeats):
            server = self.start(make(i))
            starts.append(server.start_seconds)
            time.sleep(0.5)  # let start-up settle (imports, background threads)
            r, procs = server.rss()
            rss.append(r / MB)
            self.stop(server)
        self.record(
            f"startup.{name}",
            {
                "start_s": statistics.median(starts),
                "start_all_s": starts,
                "cold_start_s": cold_start,
                "rss_mb": statistics.median(rss),
                "processes": procs,
            },
        )

    def run(self) -> None:
        root = self.root
        # 1. start time and idle memory: jupyter_server without / with the extension.
        repeats = self.q(3, 1)
        self.startup(
            "jupyter_no_ext",
            lambda i: servers.jupyter_server(root / "noext", TOKEN, extension=False),
            repeats,
        )
        self.startup(
            "jupyter_mlplatform",
            lambda i: servers.jupyter_server(root / "ext", TOKEN, extension=True),
            repeats,
        )

        # 2. MLflow with its default workers: start, memory, single log-metric rate.
        single_s = self.q(3.0, 1.0)
        self.log("mlflow server, default workers")
        mf_default = self.start(servers.mlflow_server(root / "mlflow-default", workers=None))
        time.sleep(0.5)
        r, procs = mf_default.rss()
        self.record(
            "startup.mlflow_default_workers",
            {"start_s": mf_default.start_seconds, "rss_mb": r / MB, "processes": procs},
        )
        api = tb.MLflowAPI(mf_default.url)
        run_id, _ = api.create_run("single", "single")
        self.record("single.mlflow_default_workers", tb.single_metric_rate(api, run_id, single_s))
        self.stop(mf_default)

        # 3. The servers the rest runs against.  MLflow's SQLite is filled with the search
        #    fixture first (through its own store code), then its server starts on it.
        n_runs = self.q(10_000, 2_000)
        spec = tb.search_runs_spec(n_runs)
        mf_root = root / "mlflow"
        mf_root.mkdir()
        self.log(f"populating MLflow's SQLite with {n_runs} runs")
        mf_fill = tb.populate_mlflow_db(str(mf_root / "mlflow.db"), "search-bench", spec)
        self.record("search.populate_mlflow_db", mf_fill)

        ours = self.start(servers.jupyter_server(root / "ours", TOKEN))
        time.sleep(0.5)
        r, procs = ours.rss()
        self.record(
            "startup.ours_bench_server",
            {"start_s": ours.start_seconds, "rss_mb": r / MB, "processes": procs},
        )
        mf = self.start(servers.mlflow_server(mf_root, workers=1))
        time.sleep(0.5)
        r, procs = mf.rss()
        self.record(
            "startup.mlflow_1_worker",
            {"start_s": mf.start_seconds, "rss_mb": r / MB, "processes": procs},
        )
        o_api, m_api = tb.OursAPI(ours.url, TOKEN), tb.MLflowAPI(mf.url)
        # MLflow's start keeps the CPU busy for a few seconds (workers, job consumer); let it
        # settle so that it does not slow down whichever server is measured first.
        time.sleep(self.q(10, 3))

        # 4. single-metric POSTs, sequential, one keep-alive connection; and jupyter_server's
        #    own cheapest endpoint with the same client, the floor any extension stands on.
        self.record("single.jupyter_floor", tb.floor_rate(ours.url + "api/status", TOKEN, single_s))
        for name, api in (("ours", o_api), ("mlflow", m_api)):
            run_id, _ = api.create_run("single", "single")
            self.record(f"single.{name}", tb.single_metric_rate(api, run_id, single_s))

        # 5. batched ingest.
        ours_total = self.q(1_000_000, 200_000)
        run_id, _ = o_api.create_run("batched", "batched-10k")
        self.record("batched.ours_10k", tb.batched_rate(o_api, run_id, 10_000, ours_total))
        run_id, _ = o_api.create_run("batched", "batched-1k")
        self.record(
            "batched.ours_1k", tb.batched_rate(o_api, run_id, 1_000, self.q(200_000, 50_000))
        )
        run_id, _ = m_api.create_run("batched", "batched-1k")
        self.record(
            "batched.mlflow_1k", tb.batched_rate(m_api, run_id, 1_000, self.q(200_000, 50_000))
        )

        # 6. a 100k-point history: full fetch (both), downsampled fetch (ours).
        points = 100_000
        fetches = self.q(10, 3)
        hist = {}
        for name, api, size in (("ours", o_api, 10_000), ("mlflow", m_api, 1_000)):
            run_id, _ = api.create_run("history", "history-100k")
            fill = tb.batched_rate(api, run_id, size, points, key="hist")
            hist[name] = run_id
            self.record(f"history.fill_{name}", fill)
        self.record("history.ours_full", tb.history_latency(o_api, hist["ours"], "hist", fetches))
        self.record(
            "history.mlflow_full", tb.history_latency(m_api, hist["mlflow"], "hist", fetches)
        )
        self.record(
            "history.ours_max_points_1000",
            tb.history_latency(o_api, hist["ours"], "hist", self.q(30, 10), max_points=1000),
        )

        # 7. search over the same n_runs runs in both.
        self.log(f"populating ours with {n_runs} runs through the REST API")
        fill = tb.populate_ours(lambda: tb.OursAPI(ours.url, TOKEN), "search-bench", spec)
        self.record("search.populate_ours_rest", fill)
        searches = self.q(50, 15)
        self.record("search.ours", tb.search_latency(o_api, [fill["experiment_id"]], searches))
        self.record("search.mlflow", tb.search_latency(m_api, [mf_fill["experiment_id"]], searches))

        # 8. client-side cost of log_metric on the caller's thread.
        calls = self.q(100_000, 20_000)
        ours_env = servers.env_with(MLPLATFORM_URL=ours.url, MLPLATFORM_TOKEN=TOKEN)
        mf_env = servers.env_with(MLFLOW_TRACKING_URI=mf.url.rstrip("/"))
        self.log("client-side log_metric cost")
        self.record("client.ours", client_bench.measure("ours", calls, 30.0, ours_env, 180))
        self.record(
            "client.mlflow_sync",
            client_bench.measure("mlflow-sync", calls, self.q(5.0, 2.0), mf_env, 120),
        )
        self.record(
            "client.mlflow_async",
            client_bench.measure("mlflow-async", calls, self.q(10.0, 5.0), mf_env, 120),
        )

        # 9. memory after all of the above.
        for name, server in (("ours", ours), ("mlflow_1_worker", mf)):
            r, procs = server.rss()
            self.record(f"rss_after_ingest.{name}", {"rss_mb": r / MB, "processes": procs})
        self.stop_all()


# -- report -----------------------------------------------------------------------------------


def _get(results: dict[str, Any], path: str) -> float:
    name, _, field = path.rpartition(".")
    value = results.get(name, {}).get(field, math.nan)
    return float(value) if isinstance(value, int | float) else math.nan


def rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """(label, ours, mlflow, unit, higher_is_better, target) for the table."""

    def g(path: str) -> float:
        return _get(results, path)

    ext_rss = g("startup.jupyter_mlplatform.rss_mb") - g("startup.jupyter_no_ext.rss_mb")
    ext_start = g("startup.jupyter_mlplatform.start_s") - g("startup.jupyter_no_ext.start_s")
    ext_cold = g("startup.jupyter_mlplatform.cold_start_s") - g(
        "startup.jupyter_no_ext.cold_start_s"
    )
    ingest_rss = g("rss_after_ingest.ours.rss_mb") - g("startup.jupyter_no_ext.rss_mb")
    # fmt: off
    table = [
        ("single metric POST, 1 connection", "single.ours.per_s",
         "single.mlflow.per_s", "req/s", True, ">= 2,000/s"),
        ("  same, MLflow default workers", "single.ours.per_s",
         "single.mlflow_default_workers.per_s", "req/s", True, ""),
        ("  jupyter_server's own GET api/status (floor)", "single.jupyter_floor.per_s",
         "", "req/s", True, ""),
        ("batched ingest (ours 10k/batch, MLflow 1k)", "batched.ours_10k.per_s",
         "batched.mlflow_1k.per_s", "metrics/s", True, ">= 300,000/s"),
        ("batched ingest, both 1k/batch", "batched.ours_1k.per_s",
         "batched.mlflow_1k.per_s", "metrics/s", True, ""),
        ("log_metric caller cost (median) vs sync", "client.ours.median_us",
         "client.mlflow_sync.median_us", "µs", False, "<= 20 µs"),
        ("log_metric caller cost (median) vs async", "client.ours.median_us",
         "client.mlflow_async.median_us", "µs", False, "<= 20 µs"),
        ("log_metric caller cost (mean) vs async", "client.ours.mean_us",
         "client.mlflow_async.mean_us", "µs", False, ""),
        ("search 10k runs, p50", "search.ours.p50_ms", "search.mlflow.p50_ms", "ms", False, ""),
        ("search 10k runs, p95", "search.ours.p95_ms", "search.mlflow.p95_ms", "ms", False,
         "<= 30 ms"),
        ("100k-point history, full, p50", "history.ours_full.p50_ms",
         "history.mlflow_full.p50_ms", "ms", False, "<= 200 ms"),
        ("100k-point history, max_points=1000, p50", "history.ours_max_points_1000.p50_ms",
         "history.mlflow_full.p50_ms", "ms", False, "<= 30 ms"),
        ("start to first API response", "startup.jupyter_mlplatform.start_s",
         "startup.mlflow_1_worker.start_s", "s", False, ""),
        ("idle RSS (all processes)", "startup.jupyter_mlplatform.rss_mb",
         "startup.mlflow_1_worker.rss_mb", "MB", False, ""),
        ("  MLflow default workers, idle RSS", "startup.jupyter_mlplatform.rss_mb",
         "startup.mlflow_default_workers.rss_mb", "MB", False, ""),
        ("RSS after the benchmarks", "rss_after_ingest.ours.rss_mb",
         "rss_after_ingest.mlflow_1_worker.rss_mb", "MB", False, ""),
    ]
    # fmt: on
    out = []
    for label, ours_path, mlflow_path, unit, higher, target in table:
        ours, theirs = g(ours_path), g(mlflow_path)
        ratio = (ours / theirs if higher else theirs / ours) if ours and theirs else math.nan
        out.append(
            {"label": label, "ours": ours, "mlflow": theirs, "unit": unit, "ratio": ratio,
             "target": target}
        )  # fmt: skip
    out += [
        {"label": "start time added by the extension", "ours": ext_start, "mlflow": math.nan,
         "unit": "s", "ratio": math.nan, "target": "<= 0.5 s"},
        {"label": "  first start (creates the database)", "ours": ext_cold, "mlflow": math.nan,
         "unit": "s", "ratio": math.nan, "target": ""},
        {"label": "idle RSS added by the extension", "ours": ext_rss, "mlflow": math.nan,
         "unit": "MB", "ratio": math.nan, "target": "<= 80 MB"},
        {"label": "RSS added after the benchmarks", "ours": ingest_rss, "mlflow": math.nan,
         "unit": "MB", "ratio": math.nan, "target": "<= 80 MB"},
    ]  # fmt: skip
    return out


def fmt(value: float) -> str:
    if math.isnan(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def print_table(table: list[dict[str, Any]]) -> None:
    header = f"{'benchmark':44} {'ours':>12} {'MLflow':>12} {'unit':>9} {'ours x':>7}  target"
    print("\n" + header)
    print("-" * len(header))
    for row in table:
        ratio = "-" if math.isnan(row["ratio"]) else f"{row['ratio']:.1f}x"
        print(
            f"{row['label']:44} {fmt(row['ours']):>12} {fmt(row['mlflow']):>12} "
            f"{row['unit']:>9} {ratio:>7}  {row['target']}"
        )
    print("('ours x' = how many times better ours is: higher rate or lower time/memory)\n")


def _git(*args: str) -> str:
    """Output of a git command in the repository ("" when git is unavailable)."""
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=servers.REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, ~1-2 minutes")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results" / "latest.json"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="mlp-bench-"))
    bench = Bench(args.quick, root)
    # SIGTERM/SIGHUP run the finally below like Ctrl-C does.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(128 + 15))
    started = time.time()
    commit = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--", "jupyterlab_mlplatform"))
    load_at_start = os.getloadavg()
    error = None
    try:
        bench.run()
    except (RuntimeError, OSError, ValueError, KeyError) as e:  # report what was measured
        error = f"{type(e).__name__}: {e}"
        bench.log(f"FAILED: {error}")
    finally:
        bench.stop_all()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    table = rows(bench.results)
    print_table(table)
    import mlflow

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "quick": args.quick,
        "duration_s": time.time() - started,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "mlflow": mlflow.__version__,
        },
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "commit": commit,
        "package_dirty": dirty,
        "error": error,
        "table": table,
        "results": bench.results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
