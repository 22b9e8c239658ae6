"""Run search at team scale: p50/p95 at 1k, 10k, 100k (and, with ``--million``, 1M) runs, on
SQLite and on PostgreSQL, with MLflow's ``search_runs`` on the same runs beside ours.

Not part of ``make bench``::

    python bench/search_scale_bench.py                 # 1k, 10k, 100k; SQLite and PostgreSQL
    python bench/search_scale_bench.py --million       # also 1M runs (builds take minutes)
    python bench/search_scale_bench.py --sizes 1000 10000 --no-postgres

Each size gets its own database, written straight into the store's tables (the rows the REST
API would write: the run, params ``model`` and ``lr``, metrics ``acc`` and ``loss`` as their
latest values, a tag), then ``ANALYZE``.  A quarter of the runs' ``acc`` values repeat
(three decimals) and 2% are NaN, 8% missing, so ties and the tail of a metric sort are real.
Ours is measured three ways in the same run: through REST (a ``jupyter server`` with the
extension on that database, the figure the targets are about), in process with
``SqlTrackingStore.search_runs`` ("now"), and in process with the one-statement sort that
every search used before :mod:`jupyterlab_mlplatform.tracking.search.topk` ("before").
MLflow 3's ``SqlAlchemyStore.search_runs`` runs in process on its own SQLite database holding
the same runs (up to ``--mlflow-max``, 10k by default: it is written through its ORM).
The Experiments panel's two requests (first rows: no filter, no order, 200 runs; sorting by
a metric column: ``metrics.acc DESC``, 200 runs) are timed through REST too.  Nothing asserts a
timing; the script prints a table and writes ``bench/results/search-scale.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from servers import REPO, jupyter_server
from tracking_bench import percentile

from jupyterlab_mlplatform.tracking.models import SearchRuns, ViewType
from jupyterlab_mlplatform.tracking.search import build_search_query, parse_query
from jupyterlab_mlplatform.tracking.store import schema
from jupyterlab_mlplatform.tracking.store.sql import SqlTrackingStore
from jupyterlab_mlplatform.tracking.store.sql_rows import runs_from_rows

MODELS = ["rf", "svm", "knn", "xgb", "lr", "mlp"]
SHAPES: list[tuple[str, str, list[str], int]] = [
    (
        "issue query: acc > 0.5 and model = rf, acc DESC",
        "metrics.acc > 0.5 and params.model = 'rf'",
        ["metrics.acc DESC"],
        100,
    ),
    ("no filter, acc DESC", "", ["metrics.acc DESC"], 100),
    ("no filter, loss ASC", "", ["metrics.loss ASC"], 100),
    ("no filter, default order (start_time)", "", [], 100),
    ("model = rf, start_time ASC", "params.model = 'rf'", ["attributes.start_time ASC"], 100),
    ("no filter, params.lr DESC", "", ["params.lr DESC"], 100),
    (
        "OR: model = rf or loss < 0.1, acc DESC",
        "params.model = 'rf' or metrics.loss < 0.1",
        ["metrics.acc DESC"],
        100,
    ),
    (
        "attributes: status and run_name LIKE, default",
        "attributes.status = 'FINISHED' and attributes.run_name LIKE 'run-1%'",
        [],
        100,
    ),
    (
        "narrow: model = rf and lr = 0.1 and acc > 0.99, acc DESC",
        "params.model = 'rf' and params.lr = '0.1' and metrics.acc > 0.99",
        ["metrics.acc DESC"],
        100,
    ),
    ("panel: first rows (200)", "", [], 200),
    ("panel: sort by metric column (200)", "", ["metrics.acc DESC"], 200),
]


def spec(n: int, seed: int = 42) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        draw = rnd.random()
        acc: float | None = round(rnd.random(), 3 if draw < 0.25 else 6)
        if draw > 0.98:
            acc = math.nan
        elif draw > 0.90:
            acc = None
        out.append(
            {
                "run_id": uuid.UUID(int=rnd.getrandbits(128)).hex,
                "name": f"run-{i:07d}",
                "start": 1_700_000_000_000 + (i // 2) * 1000,
                "model": rnd.choice(MODELS),
                "lr": rnd.choice(["0.1", "0.01", "0.001"]),
                "acc": acc,
                "loss": round(rnd.random() * 2, 6),
            }
        )
    return out


def build_ours(uri: str, runs: list[dict[str, Any]]) -> tuple[str, float]:
    """The runs straight into the store's tables; returns (experiment id, seconds)."""
    t0 = time.perf_counter()
    store = SqlTrackingStore(uri, tempfile.gettempdir())
    with store.engine.begin() as conn:
        exp = conn.execute(
            schema.experiments.insert().values(
                name="scale", artifact_location="file:///tmp", creation_time=0, last_update_time=0
            )
        ).inserted_primary_key[0]
    for lo in range(0, len(runs), 50_000):
        rows: dict[str, list[dict[str, Any]]] = {"runs": [], "params": [], "latest": [], "tags": []}
        for r in runs[lo : lo + 50_000]:
            rid = r["run_id"]
            rows["runs"].append(
                {"run_id": rid, "experiment_id": exp, "name": r["name"], "status": "FINISHED"}
                | {"start_time": r["start"], "end_time": r["start"] + 500, "user": "bench"}
                | {"lifecycle_stage": "active", "artifact_uri": f"file:///tmp/{rid}"}
            )
            rows["params"] += [
                {"run_id": rid, "key": "model", "value": r["model"]},
                {"run_id": rid, "key": "lr", "value": r["lr"]},
            ]
            for key in ("acc", "loss"):
                value = r[key]
                if value is not None:
                    nan = math.isnan(value)
                    rows["latest"].append(
                        {"run_id": rid, "key": key, "step": 0, "timestamp": r["start"]}
                        | {"value": 0.0 if nan else value, "is_nan": nan}
                    )
            rows["tags"].append({"run_id": rid, "key": "mlflow.user", "value": "bench"})
        with store.engine.begin() as conn:
            conn.execute(schema.runs.insert(), rows["runs"])
            conn.execute(schema.params.insert(), rows["params"])
            conn.execute(schema.latest_metrics.insert(), rows["latest"])
            conn.execute(schema.tags.insert(), rows["tags"])
    if store.dialect == "sqlite":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    store.close()
    return str(exp), time.perf_counter() - t0


def build_mlflow(db: Path, runs: list[dict[str, Any]]) -> str:
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlParam, SqlRun, SqlTag
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{db}", str(db) + ".art")
    exp_id = store.create_experiment("scale")
    rows: list[Any] = []
    for r in runs:
        rid = r["run_id"]
        rows.append(
            SqlRun(
                run_uuid=rid,
                name=r["name"],
                source_type="LOCAL",
                source_name="",
                entry_point_name="",
                user_id="bench",
                status="FINISHED",
                start_time=r["start"],
                end_time=r["start"] + 500,
                source_version="",
                lifecycle_stage="active",
                artifact_uri=f"{db}.art/{rid}",
                experiment_id=int(exp_id),
            )
        )
        rows.append(SqlTag(key="mlflow.runName", value=r["name"], run_uuid=rid))
        rows += [
            SqlParam(key="model", value=r["model"], run_uuid=rid),
            SqlParam(key="lr", value=r["lr"], run_uuid=rid),
        ]
        for key in ("acc", "loss"):
            if r[key] is not None:
                nan = math.isnan(r[key])
                rows.append(
                    SqlLatestMetric(
                        key=key,
                        value=0.0 if nan else r[key],
                        timestamp=r["start"],
                        step=0,
                        is_nan=nan,
                        run_uuid=rid,
                    )
                )
    with store.ManagedSessionMaker() as session:
        session.add_all(rows)
    store.engine.dispose()
    return str(exp_id)


def timed(fn: Any, repeat: int) -> dict[str, float]:
    fn()  # warm-up
    lat = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        lat.append(time.perf_counter() - t)
    return {"p50_ms": statistics.median(lat) * 1e3, "p95_ms": percentile(lat, 95) * 1e3}


def one_statement(store: SqlTrackingStore, exp: str, flt: str, order: list[str], n: int) -> int:
    """The search as it ran before topk: one statement that sorts every match."""
    parsed = parse_query(flt, order)
    statement = build_search_query(
        [int(exp)], ViewType.ACTIVE_ONLY, parsed.expression, parsed.order, 0, n + 1
    )
    placeholder = "?" if store.dialect == "sqlite" else "%s"
    with store.engine.connect() as conn:
        rows = conn.execute(statement).all()
        return len(runs_from_rows(conn, rows[:n], placeholder))


def _post(session: requests.Session, url: str, body: dict[str, Any]) -> None:
    response = session.post(url, json=body, timeout=120)
    response.raise_for_status()


def measure_ours(uri: str, exp: str, root: Path, repeat: int) -> dict[str, Any]:
    store = SqlTrackingStore(uri, tempfile.gettempdir())
    out: dict[str, Any] = {}
    for name, flt, order, n in SHAPES:
        query = SearchRuns(experiment_ids=[exp], filter=flt, order_by=order, max_results=n)
        out[name] = {
            "now": timed(partial(store.search_runs, query), repeat),
            "before": timed(partial(one_statement, store, exp, flt, order, n), max(3, repeat // 4)),
        }
    store.close()
    token = uuid.uuid4().hex
    server = jupyter_server(root, token)
    server.cmd.append(f"--MLPlatformApp.tracking_uri={uri}")
    with server.start():
        session = requests.Session()
        session.headers["Authorization"] = f"token {token}"
        url = server.url + "mlplatform/api/runs/search"
        for name, flt, order, n in SHAPES:
            body = {"experiment_ids": [exp], "filter": flt, "order_by": order, "max_results": n}
            out[name]["rest"] = timed(partial(_post, session, url, body), repeat)
    return out


def measure_mlflow(db: Path, exp: str, repeat: int) -> dict[str, Any]:
    from mlflow.entities import ViewType as MlflowViewType
    from mlflow.exceptions import MlflowException
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{db}", str(db) + ".art")
    out: dict[str, Any] = {}
    for name, flt, order, n in SHAPES:
        search = partial(store.search_runs, [exp], flt, MlflowViewType.ACTIVE_ONLY, n, order)
        try:
            out[name] = timed(search, max(3, repeat // 4))
        except MlflowException:  # OR filters: MLflow has none
            out[name] = None
    store.engine.dispose()
    return out


def postgres_database(base_url: str, name: str) -> str:
    from sqlalchemy import create_engine

    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="add 1,000,000 runs")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--mlflow-max", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    sizes = args.sizes + ([1_000_000] if args.million else [])
    sys.path.insert(0, str(REPO / "tests"))
    from pg_server import PostgresUnavailable, start_postgres

    results: dict[str, Any] = {"commit": _commit(), "sizes": sizes, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="search-scale-") as tmp:
        root = Path(tmp)
        backends = ["sqlite"]
        stop_pg = None
        pg_url = ""
        if not args.no_postgres:
            try:
                pg_url, stop_pg = start_postgres(root / "pg")
                backends.append("postgresql")
            except PostgresUnavailable as exc:
                print(f"PostgreSQL skipped: {exc}")
        try:
            for size in sizes:
                runs = spec(size)
                if size <= args.mlflow_max:
                    db = root / f"mlflow-{size}.db"
                    t0 = time.perf_counter()
                    exp = build_mlflow(db, runs)
                    print(f"mlflow {size:>9,} runs built in {time.perf_counter() - t0:.1f} s")
                    results.setdefault("mlflow", {})[str(size)] = measure_mlflow(
                        db, exp, args.repeat
                    )
                for backend in backends:
                    if backend == "sqlite":
                        uri = f"sqlite:///{root / f'ours-{size}.db'}"
                    else:
                        uri = postgres_database(pg_url, f"scale_{size}")
                    exp, seconds = build_ours(uri, runs)
                    print(f"{backend:>10} {size:>9,} runs built in {seconds:.1f} s")
                    figures = measure_ours(uri, exp, root / f"server-{backend}-{size}", args.repeat)
                    results["backends"].setdefault(backend, {})[str(size)] = figures
                    results["backends"][backend][str(size)]["build_seconds"] = seconds
                    if backend == "sqlite":
                        Path(uri.removeprefix("sqlite:///")).unlink()
                del runs
        finally:
            if stop_pg is not None:
                stop_pg()
    report(results, sizes)
    out = REPO / "bench" / "results" / "search-scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out}")


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def report(results: dict[str, Any], sizes: list[int]) -> None:
    for backend, by_size in results["backends"].items():
        print(f"\n## {backend}: p50 / p95 ms (REST now | in process now | before | MLflow)")
        for name, *_ in SHAPES:
            print(f"\n{name}")
            previous = None
            for size in sizes:
                f = by_size.get(str(size), {}).get(name)
                if f is None:
                    continue
                ml = results.get("mlflow", {}).get(str(size), {}).get(name)
                mlflow = f"{ml['p50_ms']:.1f} / {ml['p95_ms']:.1f}" if ml else "-"
                growth = f"x{f['rest']['p95_ms'] / previous:.2f}" if previous else ""
                previous = f["rest"]["p95_ms"]
                print(
                    f"  {size:>9,}: {f['rest']['p50_ms']:7.1f} / {f['rest']['p95_ms']:7.1f}"
                    f" | {f['now']['p50_ms']:7.1f} / {f['now']['p95_ms']:7.1f}"
                    f" | {f['before']['p50_ms']:7.1f} / {f['before']['p95_ms']:7.1f}"
                    f" | {mlflow}  {growth}"
                )


if __name__ == "__main__":
    main()
