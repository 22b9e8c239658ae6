"""Ingest speed side by side in one run: ours on SQLite and on PostgreSQL, MLflow, and
jupyter_server's own floor, in interleaved slices.

    python bench/ingest_bench.py [--rounds 6] [--slice 0.5] [--baseline DIR] [--out FILE]

Two figures of issue 14, each a ratio of two servers measured in this run:

- batched ingest at MLflow's batch limit (1,000 metrics per request): ours (our REST
  route ``runs/{id}/log``, and our MLflow facade's ``runs/log-batch``) against
  ``mlflow server``'s ``runs/log-batch`` (``--workers 1``, SQLite);
- one metric per request: ours (our REST route with one point, and the facade's
  ``runs/log-metric``, what ``mlflow.log_metric`` sends) against jupyter_server's own
  ``GET api/status`` on the same server with the same client (the floor).

``--two-servers`` then starts two more of ours on one shared database (one SQLite file,
then one PostgreSQL database) and sends each batches at the same time: their sum.

Every server runs the whole time and each figure is measured in ``--rounds`` short slices
that take turns (floor, REST, facade, the next server, ...), so that the load of a shared
machine falls on all of them alike.  ``--baseline DIR`` runs a second copy of each of our
servers from another checkout (for example ``git worktree add /tmp/base main``) in the same
rounds: before and after from one run.

Ours runs on SQLite (its default: WAL, ``synchronous=NORMAL``) and on a PostgreSQL started
here with its default durability (``fsync`` and ``synchronous_commit`` on; the tests'
throwaway server turns them off).  Nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
import servers
import tracking_bench as tb
from sqlalchemy import create_engine, text

sys.path.insert(0, str(servers.REPO))
from tests.pg_server import start_postgres

TOKEN = "bench-token-0123456789"
BATCH = 1_000


class Target:
    """One of our servers: its APIs, a run per figure, the batches it posts, the tallies."""

    def __init__(self, label: str, server: servers.Server) -> None:
        self.label, self.server = label, server
        self.rest = tb.OursAPI(server.url, TOKEN)
        self.facade = tb.FacadeAPI(server.url, TOKEN)
        self.floor = requests.Session()
        self.floor.headers["Authorization"] = f"token {TOKEN}"
        self.tally: dict[str, list[float]] = {}

    def add(self, figure: str, count: float, seconds: float) -> None:
        total = self.tally.setdefault(figure, [0.0, 0.0])
        total[0] += count
        total[1] += seconds

    def rate(self, figure: str) -> float:
        count, seconds = self.tally[figure]
        return count / seconds


def timed_loop(call: Any, seconds: float) -> tuple[int, float]:
    """Call ``call(i)`` for ``seconds``; (calls, elapsed)."""
    count = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while time.perf_counter() < end:
        call(count)
        count += 1
    return count, time.perf_counter() - t0


def batches(api: Any, run_id: str, n: int, start: int) -> list[tuple[str, bytes]]:
    """``n`` request bodies of ``BATCH`` points each, encoded before any clock starts."""
    ts = tb.now_ms()
    return [
        api.batch_request(
            run_id,
            [
                {"key": "batched", "value": i * 0.001, "step": i, "timestamp": ts}
                for i in range(first, first + BATCH)
            ],
        )
        for first in range(start, start + n * BATCH, BATCH)
    ]


def post_all(api: Any, requests_: list[tuple[str, bytes]]) -> float:
    t0 = time.perf_counter()
    for path, body in requests_:
        api.post_body(path, body)
    return time.perf_counter() - t0


def ours(root: Path, label: str, uri: str | None, repo: Path | None) -> servers.Server:
    server = servers.jupyter_server(root / label, TOKEN)
    if uri:
        server.cmd.append(f"--MLPlatformApp.tracking_uri={uri}")
    if repo is not None:
        server.env["PYTHONPATH"] = str(repo)
    server.name = label
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--slice", type=float, default=0.5, help="seconds per single slice")
    parser.add_argument("--batches", type=int, default=10, help="ours: 1k batches per round")
    parser.add_argument("--mlflow-batches", type=int, default=2, help="MLflow's, per round")
    parser.add_argument("--baseline", type=Path, help="another checkout, run side by side")
    parser.add_argument("--out", type=Path, default=servers.REPO / "bench/results/ingest.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--two-servers", action="store_true", help="also two of ours on one database at once"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds through finally
    root = Path(tempfile.mkdtemp(prefix="mlp-ingest-bench-"))
    running: list[servers.Server] = []
    stop_pg = None
    two_servers: dict[str, float] = {}

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    try:
        pg_url, stop_pg = start_postgres(root, durable=True)
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        codes = [("", None)] + ([("-before", args.baseline.resolve())] if args.baseline else [])
        targets: list[Target] = []
        for suffix, repo in codes:
            for backend in ("sqlite", "postgresql"):
                label = backend + suffix
                uri = None
                if backend == "postgresql":
                    name = "b" + label.replace("-", "_")
                    with admin.connect() as conn:
                        conn.execute(text(f'CREATE DATABASE "{name}"'))
                    uri = pg_url.rsplit("/", 1)[0] + "/" + name
                server = ours(root, label, uri, repo)
                running.append(server.start())
                targets.append(Target(label, server))
                log(f"started {label}")
        admin.dispose()
        mlflow = servers.mlflow_server(root / "mlflow", workers=1)
        running.append(mlflow.start())
        mlflow_api = tb.MLflowAPI(mlflow.url)
        mlflow_tally = [0.0, 0.0]
        time.sleep(5.0)  # MLflow's start keeps the CPU busy for a few seconds

        runs: dict[tuple[str, str], str] = {}
        for t in targets:
            for figure, api in (
                ("single_rest", t.rest),
                ("single_facade", t.facade),
                ("batched_rest", t.rest),
                ("batched_facade", t.facade),
            ):
                runs[t.label, figure] = api.create_run("ingest", figure)[0]
            t.rest.log_metric(runs[t.label, "single_rest"], "warmup", 0.0, 0)
            t.facade.log_metric(runs[t.label, "single_facade"], "warmup", 0.0, 0)
            t.floor.get(t.server.url + "api/status", timeout=30).raise_for_status()
        mlflow_run = mlflow_api.create_run("ingest", "batched")[0]

        for r in range(args.rounds):
            log(f"round {r + 1} of {args.rounds}")
            for t in targets:
                floor_url = t.server.url + "api/status"
                t.add(
                    "floor",
                    *timed_loop(
                        lambda i, t=t, u=floor_url: t.floor.get(u, timeout=30).raise_for_status(),
                        args.slice,
                    ),
                )
                for figure, api in (("single_rest", t.rest), ("single_facade", t.facade)):
                    run_id = runs[t.label, figure]
                    steps = t.tally.get(figure, [0.0])[0]
                    t.add(
                        figure,
                        *timed_loop(
                            lambda i, a=api, run=run_id, s=steps: a.log_metric(
                                run, "single", 0.5, int(s) + i
                            ),
                            args.slice,
                        ),
                    )
            for t in targets:
                for figure, api in (("batched_rest", t.rest), ("batched_facade", t.facade)):
                    bodies = batches(api, runs[t.label, figure], args.batches, r * 10**6)
                    t.add(figure, len(bodies) * BATCH, post_all(api, bodies))
            bodies = batches(mlflow_api, mlflow_run, args.mlflow_batches, r * 10**6)
            mlflow_tally[0] += len(bodies) * BATCH
            mlflow_tally[1] += post_all(mlflow_api, bodies)

        # Two of our servers on one database, each sent batches at the same time.
        if args.two_servers:
            shared = {"sqlite": f"sqlite:///{root / 'shared.db'}"}
            admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text('CREATE DATABASE "bshared"'))
            admin.dispose()
            shared["postgresql"] = pg_url.rsplit("/", 1)[0] + "/bshared"
            for backend, uri in shared.items():
                pair = [ours(root, f"{backend}-shared-{n}", uri, None) for n in "ab"]
                for server in pair:
                    running.append(server.start())
                apis = [tb.OursAPI(server.url, TOKEN) for server in pair]
                run_ids = [api.create_run("ingest", "two-servers")[0] for api in apis]
                bodies = [
                    batches(api, run_id, args.batches * args.rounds, 0)
                    for api, run_id in zip(apis, run_ids, strict=True)
                ]
                log(f"two servers on one {backend} database, {len(bodies[0])} batches each")
                t0 = time.perf_counter()
                with ThreadPoolExecutor(2) as pool:
                    list(pool.map(post_all, apis, bodies))
                two_servers[backend] = 2 * len(bodies[0]) * BATCH / (time.perf_counter() - t0)
                for server in pair:
                    server.stop()
                    running.remove(server)
    finally:
        for server in running:
            server.stop()
        if stop_pg is not None:
            stop_pg()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    mlflow_rate = mlflow_tally[0] / mlflow_tally[1]
    results: dict[str, Any] = {"mlflow_batched_1k_per_s": mlflow_rate, "targets": {}}
    print()
    print(f"{'figure':64} {'ours':>9} {'peer':>9} {'ratio':>7} {'target':>6}")
    for t in targets:
        results["targets"][t.label] = {f: t.rate(f) for f in t.tally}
        floor = t.rate("floor")
        for figure, name in (("batched_rest", "REST"), ("batched_facade", "facade")):
            rate = t.rate(figure)
            text_ = f"{t.label}: batched 1k, {name} / MLflow log-batch (metrics/s)"
            print(
                f"{text_:64} {rate:9,.0f} {mlflow_rate:9,.0f} {rate / mlflow_rate:6.1f}x {'20x':>6}"
            )
        for figure, name in (("single_rest", "REST"), ("single_facade", "facade log-metric")):
            rate = t.rate(figure)
            text_ = f"{t.label}: 1 metric/request, {name} / api/status (req/s)"
            print(f"{text_:64} {rate:9,.0f} {floor:9,.0f} {rate / floor:6.2f}x {'0.75x':>6}")
    for backend, rate in two_servers.items():
        text_ = f"two servers on one {backend} database: batched 1k, REST, both / MLflow"
        print(f"{text_:64} {rate:9,.0f} {mlflow_rate:9,.0f} {rate / mlflow_rate:6.1f}x {'':>6}")
    results["two_servers_batched_1k_per_s"] = two_servers
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
