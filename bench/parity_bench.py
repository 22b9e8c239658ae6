"""Parity check bench: what checking 1,000 rows costs a deployment, next to what it checks.

A scikit-learn pipeline (scaling + LogisticRegression on 10 numeric columns) is saved with
an input example of 5 rows and 1,000 training rows.  In one process, for the same loaded
package, the bench times (median of ``--repeat``):

- the parity check as the scoring server runs it before accepting a connection
  (``check_parity``: parse, validate, predict, JSON, compare; 1,005 rows);
- the same 1,005 rows through the predictor alone (the model's own cost);
- loading the package and building the server's state (what every start pays anyway);
- packaging: ``save_model`` with the training rows (the sample written) and without
  (``parity=False``).

    python bench/parity_bench.py [--repeat 15] [--out bench/results/parity.json]

Nothing asserts a timing; the figures are reported side by side, as ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jupyterlab_mlplatform.deploy.model import load_model, save_model
from jupyterlab_mlplatform.deploy.serving.formats import parse
from jupyterlab_mlplatform.deploy.serving.metrics import Metrics
from jupyterlab_mlplatform.deploy.serving.server import (
    _parser,
    build_state,
    check_parity,
)

COLUMNS = [f"x{i}" for i in range(10)]


def median_ms(work: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--repeat", type=int, default=15)
    options.add_argument("--out", type=Path, default=None)
    args = options.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(5000, 10)), columns=COLUMNS)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(frame, frame.x0 > 0)
    example = frame.head(5)
    with tempfile.TemporaryDirectory(prefix="mlp-parity-bench-") as temp:
        folders = iter(range(10_000))

        def package(parity: bool) -> Path:
            folder = Path(temp) / f"p{next(folders)}"
            save_model(model, folder, input_example=example, training_data=frame, parity=parity)
            return folder

        with_sample_ms = median_ms(lambda: package(True), args.repeat)
        without_sample_ms = median_ms(lambda: package(False), args.repeat)
        folder = package(True)
        server_args = _parser().parse_args(["--model-dir", str(folder)])

        def start() -> Any:
            return build_state(load_model(folder), server_args, Metrics(1))

        start_ms = median_ms(start, args.repeat)
        loaded, state = load_model(folder), start()
        result = check_parity(loaded, state)
        assert result["status"] == "ok", result
        check_ms = median_ms(lambda: check_parity(loaded, state), args.repeat)
        sample = json.loads((folder / "parity_sample.json").read_text())
        body = json.dumps(sample["request"]).encode()
        assert state.predictor is not None
        predictor = state.predictor
        predict_ms = median_ms(
            lambda: predictor.run([parse(body, "application/json", state.schema)]),
            args.repeat,
        )
        sample_bytes = (folder / "parity_sample.json").stat().st_size
    figures = {
        "rows": result["rows"],
        "check_ms": round(check_ms, 2),
        "invocation_of_the_same_rows_ms": round(predict_ms, 2),
        "load_and_build_ms": round(start_ms, 2),
        "check_over_invocation": round(check_ms / predict_ms, 2),
        "check_over_load": round(check_ms / start_ms, 3),
        "save_model_with_sample_ms": round(with_sample_ms, 2),
        "save_model_without_sample_ms": round(without_sample_ms, 2),
        "save_with_over_without": round(with_sample_ms / without_sample_ms, 2),
        "sample_file_kb": round(sample_bytes / 1024, 1),
    }
    for key, value in figures.items():
        print(f"{key:32} {value}")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
