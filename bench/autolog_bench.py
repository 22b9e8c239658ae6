"""Automatic tracking's cost, side by side with ``mlflow.autolog()`` against an MLflow server.

``python bench/autolog_bench.py [--rounds 1000] [--repeats 3]`` starts our Jupyter server and
an MLflow server, then runs each mode in a fresh interpreter with a real IPython shell
executing cells (``InteractiveShell.run_cell``, what a kernel does per execute request):

- ``none``: no tracking (the baseline);
- ``ours``: ``%load_ext jupyterlab_mlplatform.autolog`` against our server;
- ``mlflow``: ``mlflow.autolog()`` against the MLflow server.

For each mode: the wall time of a cell training XGBoost for ``--rounds`` rounds with a train
and a validation set evaluated every round (median of ``--repeats`` cells, after a warm-up
cell), and the cost of a cell that does not train (``x = 1``, mean of many).  Ours also
reports the work its background thread does after the cell (uploads, ending the run).  The
modes are interleaved so drift on the machine hits them alike.  Nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import env_with, jupyter_server, mlflow_server

TOKEN = "autolog-bench-token"
SETUP = """
import numpy as np
import xgboost as xgb
rng = np.random.default_rng(0)
X = rng.normal(size=(20000, 20))
y = (X[:, :3].sum(axis=1) + rng.normal(scale=0.5, size=20000) > 0).astype(int)
dtrain = xgb.DMatrix(X[:15000], label=y[:15000])
dvalid = xgb.DMatrix(X[15000:], label=y[15000:])
params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "nthread": 2}
"""
TRAIN = (
    "booster = xgb.train(params, dtrain, num_boost_round={rounds}, "
    "evals=[(dtrain, 'train'), (dvalid, 'valid')], verbose_eval=False)"
)
IDLE_CELLS = 3000


def _child(mode: str, rounds: int, repeats: int) -> dict[str, Any]:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    autolog: Any = None
    if mode == "ours":
        shell.extension_manager.load_extension("jupyterlab_mlplatform.autolog")
        import jupyterlab_mlplatform.autolog as extension

        autolog = extension._autolog
    elif mode == "mlflow":
        import mlflow

        mlflow.set_experiment("autolog-bench")
        mlflow.autolog(silent=True)

    def run(cell: str) -> float:
        start = time.perf_counter()
        result = shell.run_cell(cell, store_history=True)
        elapsed = time.perf_counter() - start
        if not result.success:
            raise RuntimeError(f"{mode}: cell failed: {result.error_in_exec!r}")
        return elapsed

    run(SETUP)
    run(TRAIN.format(rounds=20))  # warm-up: imports, hooks, connections
    if autolog is not None:
        autolog.finisher.drain()
    train = []
    after = []
    for _ in range(repeats):
        train.append(run(TRAIN.format(rounds=rounds)))
        if autolog is not None:
            start = time.perf_counter()
            autolog.finisher.drain()
            after.append(time.perf_counter() - start)
    idle = [run("x = 1") for _ in range(IDLE_CELLS)]
    return {
        "train_s": train,
        "after_cell_s": after,
        "idle_cell_us_mean": statistics.fmean(idle) * 1e6,
        "idle_cell_us_median": statistics.median(idle) * 1e6,
    }


def _measure(mode: str, env: dict[str, str], rounds: int, repeats: int) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            mode,
            "--rounds",
            str(rounds),
            "--repeats",
            str(repeats),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.rounds, args.repeats)))
        return 0

    with tempfile.TemporaryDirectory(prefix="mlp-autolog-bench-") as tmp:
        root = Path(tmp)
        with jupyter_server(root / "ours", TOKEN) as ours, mlflow_server(root / "mlflow") as ml:
            ours.start()
            ml.start()
            envs = {
                "none": env_with(MLFLOW_TRACKING_URI="", MLPLATFORM_URL=""),
                "ours": env_with(MLPLATFORM_URL=ours.url, MLPLATFORM_TOKEN=TOKEN),
                "mlflow": env_with(MLFLOW_TRACKING_URI=ml.url.rstrip("/")),
            }
            results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in envs}
            for _ in range(args.passes):
                for mode, env in envs.items():
                    results[mode].append(_measure(mode, env, args.rounds, args.repeats))

    def median(mode: str, key: str) -> float:
        values = [
            v for r in results[mode] for v in (r[key] if isinstance(r[key], list) else [r[key]])
        ]
        return statistics.median(values) if values else float("nan")

    base = median("none", "train_s")
    idle_base = median("none", "idle_cell_us_mean")
    summary = {
        "rounds": args.rounds,
        "train_s": {mode: median(mode, "train_s") for mode in envs},
        "overhead_pct": {
            mode: (median(mode, "train_s") / base - 1) * 100 for mode in ("ours", "mlflow")
        },
        "ours_after_cell_s": median("ours", "after_cell_s"),
        "idle_cell_us": {mode: median(mode, "idle_cell_us_mean") for mode in envs},
        "idle_cell_extra_us": {
            mode: median(mode, "idle_cell_us_mean") - idle_base for mode in ("ours", "mlflow")
        },
        "raw": results,
        "load_average": os.getloadavg(),
    }
    print(f"XGBoost, {args.rounds} rounds, train + valid evaluated every round:")
    for mode in envs:
        extra = "" if mode == "none" else f"  ({summary['overhead_pct'][mode]:+.1f}%)"
        print(f"  {mode:7s} cell {summary['train_s'][mode]:.2f} s{extra}")
    print(f"  ours: background work after the cell {summary['ours_after_cell_s']:.2f} s")
    print("A cell that does not train (x = 1), mean per cell:")
    for mode in envs:
        print(f"  {mode:7s} {summary['idle_cell_us'][mode]:.0f} µs")
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    (out / "autolog.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
