"""Prometheus metrics, in the text exposition format, shared by all worker processes.

The counters live in one anonymous shared memory map created before the workers are
forked: each worker writes only its own row (no locks), ``/metrics`` adds the rows up, so
any worker answers for the whole deployment.  Label values are fixed sets (handlers,
statuses, error codes), which is what makes a fixed layout possible.

Names (prefix ``mlplatform_serving_``): ``requests_total{handler,code}``,
``request_duration_seconds{handler}`` (histogram), ``errors_total{error_code}``,
``predict_batches_total``, ``predict_requests_total``, ``predict_rows_total``,
``predict_duration_seconds`` (histogram), ``batch_size`` (histogram of requests per predict
call), ``in_flight_requests``, ``model_load_seconds``, ``workers`` and ``model_info``.
"""

from __future__ import annotations

import mmap
from bisect import bisect_left
from collections.abc import Iterable

import numpy as np

from . import scoring_errors

PREFIX = "mlplatform_serving_"
HANDLERS = ("/invocations", "/health", "/metadata", "/openapi.json", "/metrics", "other")
CODES = ("200", "400", "401", "404", "405", "413", "415", "500", "503", "other")
ERROR_CODES = tuple(
    sorted(
        {
            cls.error_code
            for cls in vars(scoring_errors).values()
            if isinstance(cls, type) and issubclass(cls, scoring_errors.ServingError)
        }
    )
)
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0
)  # fmt: skip
BATCH_BUCKETS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)


class _Histogram:
    """Slots: one per bucket plus +Inf (not cumulative; summed on exposition), sum, count."""

    def __init__(self, start: int, buckets: tuple[float, ...]) -> None:
        self.start = start
        self.buckets = buckets
        self.sum_slot = start + len(buckets) + 1
        self.count_slot = self.sum_slot + 1
        self.size = len(buckets) + 3


class Metrics:
    """The counters of one deployment; call :meth:`bind_worker` in each forked worker."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        slot = 0

        def take(n: int) -> int:
            nonlocal slot
            first, slot = slot, slot + n
            return first

        self._requests = take(len(HANDLERS) * len(CODES))
        self._durations = []
        for _ in HANDLERS:
            histogram = _Histogram(slot, LATENCY_BUCKETS)
            take(histogram.size)
            self._durations.append(histogram)
        self._errors = take(len(ERROR_CODES))
        self._batches = take(1)
        self._predicted_requests = take(1)
        self._rows = take(1)
        self._in_flight = take(1)
        self._load_seconds = take(1)
        self._predict = _Histogram(slot, LATENCY_BUCKETS)
        take(self._predict.size)
        self._batch_size = _Histogram(slot, BATCH_BUCKETS)
        take(self._batch_size.size)
        self._slots = slot
        # Row 0 is the parent's (load time), rows 1..workers one per worker.
        self._map = mmap.mmap(-1, 8 * slot * (workers + 1))
        self._rows_view = np.frombuffer(self._map, dtype=np.float64).reshape(workers + 1, slot)
        self._row = memoryview(self._map).cast("d")[slot : 2 * slot]
        self._handler_index = {h: i for i, h in enumerate(HANDLERS)}
        self._code_index = {c: i for i, c in enumerate(CODES)}
        self._error_index = {c: i for i, c in enumerate(ERROR_CODES)}
        self.info: dict[str, str] = {}

    def bind_worker(self, index: int) -> None:
        """Write to row ``index + 1`` from now on (``index`` from ``fork_processes``)."""
        self._row = memoryview(self._map).cast("d")[
            (index + 1) * self._slots : (index + 2) * self._slots
        ]

    # -- recording ---------------------------------------------------------------------

    def request(self, handler: str, status: int, seconds: float) -> None:
        h = self._handler_index.get(handler, len(HANDLERS) - 1)
        c = self._code_index.get(str(status), len(CODES) - 1)
        self._row[self._requests + h * len(CODES) + c] += 1
        self._observe(self._durations[h], seconds)

    def error(self, error_code: str) -> None:
        index = self._error_index.get(error_code)
        if index is not None:
            self._row[self._errors + index] += 1

    def batch(self, requests: int, rows: int, seconds: float) -> None:
        row = self._row
        row[self._batches] += 1
        row[self._predicted_requests] += requests
        row[self._rows] += rows
        self._observe(self._predict, seconds)
        self._observe(self._batch_size, float(requests))

    def in_flight(self, delta: int) -> None:
        self._row[self._in_flight] += delta

    def own_in_flight(self) -> int:
        """Requests this process is answering now (its own row only)."""
        return int(self._row[self._in_flight])

    def model_loaded(self, seconds: float) -> None:
        memoryview(self._map).cast("d")[self._load_seconds] = seconds

    def _observe(self, histogram: _Histogram, value: float) -> None:
        row = self._row
        row[histogram.start + bisect_left(histogram.buckets, value)] += 1
        row[histogram.sum_slot] += value
        row[histogram.count_slot] += 1

    # -- reading -----------------------------------------------------------------------

    def totals(self) -> np.ndarray:
        """Every slot summed over the parent and the workers."""
        return np.asarray(self._rows_view.sum(axis=0))

    def value(self, name: str) -> float:
        """One unlabelled counter or gauge by its short name (for tests and the bench)."""
        slots = {
            "predict_batches_total": self._batches,
            "predict_requests_total": self._predicted_requests,
            "predict_rows_total": self._rows,
            "in_flight_requests": self._in_flight,
            "model_load_seconds": self._load_seconds,
        }
        return float(self.totals()[slots[name]])

    def exposition(self) -> str:
        """The Prometheus text format (version 0.0.4)."""
        t = self.totals()
        out: list[str] = []

        def header(name: str, kind: str, help_: str) -> None:
            out.append(f"# HELP {PREFIX}{name} {help_}")
            out.append(f"# TYPE {PREFIX}{name} {kind}")

        header("requests_total", "counter", "HTTP requests answered, by handler and status.")
        for h, handler in enumerate(HANDLERS):
            for c, code in enumerate(CODES):
                n = t[self._requests + h * len(CODES) + c]
                if n or (handler == "/invocations" and code == "200"):
                    out.append(
                        f'{PREFIX}requests_total{{handler="{handler}",code="{code}"}} {_num(n)}'
                    )
        header("request_duration_seconds", "histogram", "Time from request to response.")
        for h, handler in enumerate(HANDLERS):
            if t[self._durations[h].count_slot] or handler == "/invocations":
                _histogram_lines(
                    out, "request_duration_seconds", f'handler="{handler}"', self._durations[h], t
                )
        header("errors_total", "counter", "Error answers, by error_code.")
        for i, code in enumerate(ERROR_CODES):
            out.append(f'{PREFIX}errors_total{{error_code="{code}"}} {_num(t[self._errors + i])}')
        for name, slot, help_ in (
            ("predict_batches_total", self._batches, "Calls of the model's predict."),
            ("predict_requests_total", self._predicted_requests, "Requests that were predicted."),
            ("predict_rows_total", self._rows, "Rows predicted."),
        ):
            header(name, "counter", help_)
            out.append(f"{PREFIX}{name} {_num(t[slot])}")
        header("predict_duration_seconds", "histogram", "Time of one predict call.")
        _histogram_lines(out, "predict_duration_seconds", "", self._predict, t)
        header("batch_size", "histogram", "Requests that shared one predict call.")
        _histogram_lines(out, "batch_size", "", self._batch_size, t)
        header("in_flight_requests", "gauge", "Requests being answered.")
        out.append(f"{PREFIX}in_flight_requests {_num(t[self._in_flight])}")
        header("model_load_seconds", "gauge", "Time taken to load the model.")
        out.append(f"{PREFIX}model_load_seconds {float(t[self._load_seconds])!r}")
        header("workers", "gauge", "Worker processes.")
        out.append(f"{PREFIX}workers {self.workers}")
        header("model_info", "gauge", "The model served (always 1).")
        labels = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(self.info.items()))
        out.append(f"{PREFIX}model_info{{{labels}}} 1")
        return "\n".join(out) + "\n"


def _histogram_lines(
    out: list[str], name: str, labels: str, histogram: _Histogram, totals: np.ndarray
) -> None:
    sep = "," if labels else ""
    cumulative = 0.0
    bounds: Iterable[str] = [*(_num(b) for b in histogram.buckets), "+Inf"]
    for i, bound in enumerate(bounds):
        cumulative += totals[histogram.start + i]
        out.append(f'{PREFIX}{name}_bucket{{{labels}{sep}le="{bound}"}} {_num(cumulative)}')
    braces = f"{{{labels}}}" if labels else ""
    out.append(f"{PREFIX}{name}_sum{braces} {float(totals[histogram.sum_slot])!r}")
    out.append(f"{PREFIX}{name}_count{braces} {_num(totals[histogram.count_slot])}")


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
