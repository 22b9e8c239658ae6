"""The parity sample: what the model predicted at packaging time, to check a deployment by.

A package may hold ``parity_sample.json`` (:data:`PARITY_FILE`): a ready ``/invocations``
request body with the input example and up to :data:`PARITY_ROWS` rows of the training data
(when automatic tracking knows it), and the predictions the in-kernel model made for it, as
the scoring server would answer them.  Before a deployment adopts a version, its new scoring
server answers that request and :func:`compare` checks the answers against the stored ones:
labels, integers and strings must be equal, floats within :data:`RTOL` and :data:`ATOL`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .signature import example_payload

PARITY_FILE = "parity_sample.json"
PARITY_ROWS = 1000
"""Rows of training data kept, besides the input example."""
RTOL = 1e-6
ATOL = 1e-9
"""Two floats are equal when ``|a - b| <= ATOL + RTOL * |b|`` (``b``: the stored one)."""
SHOWN_ROWS = 10
"""Differing rows named in a result."""


def json_ready(output: Any) -> Any:
    """A model's output as the scoring server answers it (``{"predictions": ...}``)."""
    if isinstance(output, pd.Series):
        output = output.to_numpy()
    if isinstance(output, pd.DataFrame):
        return output.to_dict(orient="records")
    if isinstance(output, dict):
        return {k: json_ready(v) for k, v in output.items()}
    if isinstance(output, list | tuple):
        return list(output)
    return output.tolist() if hasattr(output, "tolist") else output


def _sample_rows(example: Any, training: Any) -> Any:
    """The example followed by up to :data:`PARITY_ROWS` training rows (the example alone
    when the two do not stack)."""
    if training is None:
        return example
    try:
        if isinstance(example, pd.DataFrame) and isinstance(training, pd.DataFrame):
            rows = training.iloc[:PARITY_ROWS][list(example.columns)]
            return pd.concat([example, rows], ignore_index=True)
        if isinstance(example, np.ndarray) and isinstance(training, np.ndarray):
            return np.concatenate([example, training[:PARITY_ROWS]])
    except (KeyError, TypeError, ValueError):
        pass
    return example


def write_parity_sample(
    folder: str, predict: Callable[[Any], Any], example: Any, training: Any = None
) -> str | None:
    """Write :data:`PARITY_FILE` with ``predict``'s answers (the in-kernel model's) for the
    example and the training rows; None (and no file) when the model cannot predict them or
    its answers are no plain JSON (e.g. NaN).  Training rows that cannot be written so are
    left out (the example alone is tried)."""
    text = _sample_text(predict, _sample_rows(example, training))
    if text is None and training is not None:
        text = _sample_text(predict, example)
    if text is None:
        return None
    with open(os.path.join(folder, PARITY_FILE), "w", encoding="utf-8") as handle:
        handle.write(text)
    return PARITY_FILE


def _sample_text(predict: Callable[[Any], Any], data: Any) -> str | None:
    try:
        return json.dumps(
            {
                "request": example_payload(data),
                "predictions": json_ready(predict(data)),
                "rows": len(data),
                "rtol": RTOL,
                "atol": ATOL,
            },
            allow_nan=False,
        )
    except Exception:  # noqa: BLE001 - no sample rather than no package
        return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _differs(expected: Any, actual: Any, rtol: float, atol: float) -> tuple[bool, float]:
    """Whether two answers for one row differ, and the largest absolute difference of
    their numbers."""
    if _number(expected) and _number(actual):
        if isinstance(expected, int) and isinstance(actual, int):
            return expected != actual, float(abs(expected - actual))
        gap = abs(float(expected) - float(actual))
        if math.isnan(gap):
            return True, math.inf
        return gap > atol + rtol * abs(float(expected)), gap
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return True, 0.0
        found, largest = False, 0.0
        for e, a in zip(expected, actual, strict=True):
            one, gap = _differs(e, a, rtol, atol)
            found, largest = found or one, max(largest, gap)
        return found, largest
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            return True, 0.0
        return _differs(list(expected.values()), list(actual.values()), rtol, atol)
    return expected != actual, 0.0


def compare(
    expected: Any, actual: Any, rows: int, rtol: float = RTOL, atol: float = ATOL
) -> dict[str, Any]:
    """The parity check's result (the deployments API's ``ParityCheck``): ``status`` ``ok``
    or ``mismatch``, ``rows`` checked, ``max_abs_diff``, the first ``differing_rows``."""
    if isinstance(expected, dict) and isinstance(actual, dict) and expected.keys() == actual.keys():
        expected, actual = _rows(expected), _rows(actual)  # columns of an output: rows of them
    if not (isinstance(expected, list) and isinstance(actual, list)) or len(expected) != len(
        actual
    ):
        found, gap = _differs(expected, actual, rtol, atol)
        differing = list(range(rows)) if found else []
    else:
        differing, gap = [], 0.0
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            one, row_gap = _differs(e, a, rtol, atol)
            gap = max(gap, row_gap)
            if one:
                differing.append(index)
    result: dict[str, Any] = {
        "status": "mismatch" if differing else "ok",
        "rows": rows,
        "max_abs_diff": gap if math.isfinite(gap) else None,
        "differing_rows": differing[:SHOWN_ROWS],
        "differing_count": len(differing),
        "rtol": rtol,
        "atol": atol,
    }
    if differing:
        shown = ", ".join(str(i) for i in differing[:SHOWN_ROWS])
        more = " ..." if len(differing) > SHOWN_ROWS else ""
        result["message"] = (
            f"Parity check failed: {len(differing)} of {rows} rows differ from the model's "
            f"predictions at packaging time (rows {shown}{more}; max abs difference "
            f"{result['max_abs_diff']})."
        )
    return result


def _rows(columns: dict[str, Any]) -> Any:
    values = list(columns.values())
    if values and all(isinstance(v, list) for v in values):
        return [list(row) for row in zip(*values, strict=False)]
    return columns


def not_checked(reason: str) -> dict[str, Any]:
    """The result for a package without a parity sample (an older format)."""
    return {"status": "not_checked", "rows": 0, "message": reason}
