"""REST-level benchmarks, run the same way against our API and MLflow's.

Each API class wraps one ``requests.Session`` (one keep-alive connection) and exposes the few
calls the benchmarks need; the benchmark functions only talk to those classes.
"""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

MODELS = ["rf", "svm", "knn", "xgb", "lr", "mlp"]
LRS = ["0.001", "0.01", "0.1", "0.3"]
SEARCH_FILTER = "metrics.acc > 0.5 and params.model = 'rf'"
SEARCH_ORDER = ["metrics.acc DESC"]
JSON_BODY = {"Content-Type": "application/json"}


def now_ms() -> int:
    return int(time.time() * 1000)


class OursAPI:
    def __init__(self, url: str, token: str) -> None:
        self.base = url + "mlplatform/api/"
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"token {token}"

    def _post(self, path: str, body: Any) -> Any:
        r = self.s.post(self.base + path, json=body, timeout=120)
        r.raise_for_status()
        return r.json()

    def create_run(
        self, experiment: str, name: str, params: dict[str, str] | None = None
    ) -> tuple[str, str]:
        run = self._post(
            "runs", {"experiment_name": experiment, "name": name, "params": params or {}}
        )
        return run["run_id"], run["experiment_id"]

    def log_metric(self, run_id: str, key: str, value: float, step: int) -> None:
        self._post(
            f"runs/{run_id}/log",
            {"metrics": [{"key": key, "value": value, "step": step, "timestamp": now_ms()}]},
        )

    def log_metrics(self, run_id: str, metrics: list[dict[str, Any]]) -> None:
        self._post(f"runs/{run_id}/log", {"metrics": metrics})

    def batch_request(self, run_id: str, metrics: list[dict[str, Any]]) -> tuple[str, bytes]:
        """The path and JSON body that log ``metrics`` in one request."""
        return f"runs/{run_id}/log", json.dumps({"metrics": metrics}).encode()

    def post_body(self, path: str, body: bytes) -> None:
        r = self.s.post(self.base + path, data=body, headers=JSON_BODY, timeout=120)
        r.raise_for_status()

    def history(self, run_id: str, key: str, max_points: int | None = None) -> int:
        params = {"max_points": str(max_points)} if max_points else None
        r = self.s.get(self.base + f"runs/{run_id}/metrics/{key}", params=params, timeout=120)
        r.raise_for_status()
        return len(r.json()["steps"])

    def search(self, experiment_ids: list[str], max_results: int = 100) -> int:
        body = {
            "experiment_ids": experiment_ids,
            "filter": SEARCH_FILTER,
            "order_by": SEARCH_ORDER,
            "max_results": max_results,
        }
        return len(self._post("runs/search", body)["runs"])


class MLflowAPI:
    def __init__(self, url: str) -> None:
        self.base = url + "api/2.0/mlflow/"
        self.s = requests.Session()

    def _post(self, path: str, body: Any) -> Any:
        r = self.s.post(self.base + path, json=body, timeout=120)
        r.raise_for_status()
        return r.json()

    def experiment(self, name: str) -> str:
        r = self.s.get(self.base + "experiments/get-by-name", params={"experiment_name": name})
        if r.status_code == 200:
            return str(r.json()["experiment"]["experiment_id"])
        return str(self._post("experiments/create", {"name": name})["experiment_id"])

    def create_run(
        self, experiment: str, name: str, params: dict[str, str] | None = None
    ) -> tuple[str, str]:
        exp_id = self.experiment(experiment)
        run = self._post(
            "runs/create", {"experiment_id": exp_id, "run_name": name, "start_time": now_ms()}
        )
        run_id = run["run"]["info"]["run_id"]
        if params:
            self._post(
                "runs/log-batch",
                {"run_id": run_id, "params": [{"key": k, "value": v} for k, v in params.items()]},
            )
        return run_id, exp_id

    def log_metric(self, run_id: str, key: str, value: float, step: int) -> None:
        self._post(
            "runs/log-metric",
            {"run_id": run_id, "key": key, "value": value, "step": step, "timestamp": now_ms()},
        )

    def log_metrics(self, run_id: str, metrics: list[dict[str, Any]]) -> None:
        self._post("runs/log-batch", {"run_id": run_id, "metrics": metrics})

    def batch_request(self, run_id: str, metrics: list[dict[str, Any]]) -> tuple[str, bytes]:
        """The path and JSON body that log ``metrics`` in one request."""
        return "runs/log-batch", json.dumps({"run_id": run_id, "metrics": metrics}).encode()

    def post_body(self, path: str, body: bytes) -> None:
        r = self.s.post(self.base + path, data=body, headers=JSON_BODY, timeout=120)
        r.raise_for_status()

    def history(self, run_id: str, key: str, max_points: int | None = None) -> int:
        """The whole history, following page tokens if the server pages."""
        params: dict[str, str] = {"run_id": run_id, "metric_key": key}
        n = 0
        while True:
            r = self.s.get(self.base + "metrics/get-history", params=params, timeout=120)
            r.raise_for_status()
            body = r.json()
            n += len(body.get("metrics", []))
            token = body.get("next_page_token")
            if not token:
                return n
            params["page_token"] = token

    def search(self, experiment_ids: list[str], max_results: int = 100) -> int:
        body = {
            "experiment_ids": experiment_ids,
            "filter": SEARCH_FILTER,
            "order_by": SEARCH_ORDER,
            "max_results": max_results,
        }
        return len(self._post("runs/search", body).get("runs", []))


class FacadeAPI(MLflowAPI):
    """Our MLflow facade (``mlplatform/mlflow/``), with the server's token."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url)
        self.base = url + "mlplatform/mlflow/api/2.0/mlflow/"
        self.s.headers["Authorization"] = f"token {token}"


API = OursAPI | MLflowAPI

# -- benchmarks ------------------------------------------------------------------------------


def single_metric_rate(api: API, run_id: str, seconds: float) -> dict[str, float]:
    """Sequential one-metric POSTs over one keep-alive connection for ``seconds``."""
    api.log_metric(run_id, "warmup", 0.0, 0)
    lat: list[float] = []
    step = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while True:
        t = time.perf_counter()
        if t >= end:
            break
        api.log_metric(run_id, "single", 0.5, step)
        lat.append(time.perf_counter() - t)
        step += 1
    elapsed = time.perf_counter() - t0
    return {
        "requests": step,
        "per_s": step / elapsed,
        "p50_ms": statistics.median(lat) * 1e3,
        "p95_ms": percentile(lat, 95) * 1e3,
    }


def floor_rate(url: str, token: str, seconds: float) -> dict[str, float]:
    """Sequential ``GET url`` over one keep-alive connection: the framework's own floor."""
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"
    session.get(url, timeout=30).raise_for_status()
    count = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        session.get(url, timeout=30).raise_for_status()
        count += 1
    return {"requests": count, "per_s": count / (time.perf_counter() - t0)}


def batched_rate(
    api: API, run_id: str, batch_size: int, total: int, key: str = "batched"
) -> dict[str, float]:
    """Metrics/s posting ``total`` points sequentially in batches of ``batch_size``.

    The request bodies are encoded before the clock starts, for both servers: what is timed
    is the server's ingest (and the HTTP client's send), not ``json.dumps`` in this process,
    which takes a core's time that the server would otherwise have."""
    ts = now_ms()
    requests_ = [
        api.batch_request(
            run_id,
            [
                {"key": key, "value": float(i) * 0.001, "step": i, "timestamp": ts}
                for i in range(start, min(start + batch_size, total))
            ],
        )
        for start in range(0, total, batch_size)
    ]
    t0 = time.perf_counter()
    for path, body in requests_:
        api.post_body(path, body)
    elapsed = time.perf_counter() - t0
    return {
        "metrics": total,
        "batch_size": batch_size,
        "seconds": elapsed,
        "per_s": total / elapsed,
    }


def search_latency(api: API, experiment_ids: list[str], n: int) -> dict[str, float]:
    found = api.search(experiment_ids)  # warm-up (caches, plan)
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        api.search(experiment_ids)
        lat.append(time.perf_counter() - t)
    return summary_ms(lat) | {"results": found}


def history_latency(
    api: API, run_id: str, key: str, n: int, max_points: int | None = None
) -> dict[str, float]:
    points = api.history(run_id, key, max_points)
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        api.history(run_id, key, max_points)
        lat.append(time.perf_counter() - t)
    return summary_ms(lat) | {"points": points}


# -- search fixture ---------------------------------------------------------------------------


def search_runs_spec(n: int, seed: int = 42) -> list[dict[str, Any]]:
    """The same ``n`` runs for both servers: params model, lr; metrics acc, loss."""
    rnd = random.Random(seed)
    return [
        {
            "name": f"run-{i:05d}",
            "params": {"model": rnd.choice(MODELS), "lr": rnd.choice(LRS)},
            "acc": round(rnd.random(), 6),
            "loss": round(rnd.random() * 2, 6),
        }
        for i in range(n)
    ]


def populate_ours(
    make_api: Callable[[], OursAPI], experiment: str, runs: list[dict[str, Any]], threads: int = 4
) -> dict[str, float]:
    """Create the runs through the REST API (``threads`` connections in parallel)."""
    exp_id = ""

    def work(chunk: list[dict[str, Any]]) -> str:
        api = make_api()
        ts = now_ms()
        e = ""
        for spec in chunk:
            run_id, e = api.create_run(experiment, spec["name"], spec["params"])
            api.log_metrics(
                run_id,
                [
                    {"key": "acc", "value": spec["acc"], "step": 0, "timestamp": ts},
                    {"key": "loss", "value": spec["loss"], "step": 0, "timestamp": ts},
                ],
            )
        return e

    # Create the experiment first so parallel workers do not race on it.
    exp_id = work(runs[:1])
    chunks = [runs[1 + i :: threads] for i in range(threads)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, chunks))
    elapsed = time.perf_counter() - t0
    return {"experiment_id": exp_id, "seconds": elapsed, "runs_per_s": (len(runs) - 1) / elapsed}


def populate_mlflow_db(db_path: str, experiment: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Write the runs straight into MLflow's SQLite with its own ORM models (before its
    server starts), which is far faster than its REST API."""
    from mlflow.store.tracking.dbmodels.models import (
        SqlLatestMetric,
        SqlMetric,
        SqlParam,
        SqlRun,
        SqlTag,
    )
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    t0 = time.perf_counter()
    store = SqlAlchemyStore(f"sqlite:///{db_path}", str(db_path) + ".art")
    exp_id = store.create_experiment(experiment)
    ts = now_ms()
    rows: list[Any] = []
    for spec in runs:
        rid = uuid.uuid4().hex
        rows.append(
            SqlRun(
                run_uuid=rid,
                name=spec["name"],
                source_type="LOCAL",
                source_name="",
                entry_point_name="",
                user_id="bench",
                status="FINISHED",
                start_time=ts,
                end_time=ts,
                source_version="",
                lifecycle_stage="active",
                artifact_uri=f"{db_path}.art/{exp_id}/{rid}/artifacts",
                experiment_id=int(exp_id),
            )
        )
        rows.append(SqlTag(key="mlflow.runName", value=spec["name"], run_uuid=rid))
        for k, v in spec["params"].items():
            rows.append(SqlParam(key=k, value=v, run_uuid=rid))
        for k in ("acc", "loss"):
            for cls in (SqlMetric, SqlLatestMetric):
                rows.append(
                    cls(key=k, value=spec[k], timestamp=ts, step=0, is_nan=False, run_uuid=rid)
                )
    with store.ManagedSessionMaker() as session:
        session.add_all(rows)
    store.engine.dispose()
    return {"experiment_id": str(exp_id), "seconds": time.perf_counter() - t0}


# -- helpers ----------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(lat: list[float]) -> dict[str, float]:
    return {
        "n": len(lat),
        "p50_ms": statistics.median(lat) * 1e3,
        "p95_ms": percentile(lat, 95) * 1e3,
        "min_ms": min(lat) * 1e3,
    }
