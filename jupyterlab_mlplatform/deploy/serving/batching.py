"""Predict calls: one request's data, or several requests' data in one call.

:class:`Predictor` runs the model on a list of items: items of the same key are
concatenated into one input (the DataFrame is built once), predicted in one call, and the
predictions are split back by row counts.  If a shared call fails, each item is predicted
alone, so one bad request cannot fail its neighbours and its error reaches only itself.

:class:`MicroBatcher` collects concurrent requests for the predictor, adaptively:

* a request is predicted at once (in the next turn of the event loop, which already picks
  up every request read in the same turn) when waiting cannot help: batching is off, the
  queue is full (``max_size``), every open connection already has a request waiting
  (HTTP/1.1 without pipelining: nobody else can send one), or requests arrive further
  apart than ``timeout`` on average;
* otherwise it waits at most ``timeout`` for more requests.

Predict runs on the event loop's thread (the model is CPU-bound; workers give
parallelism), so requests that arrive during a predict call form the next batch by
themselves.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..model.input_schema import InputSchema, Item, combine
from .metrics import Metrics
from .scoring_errors import PredictionFailed, ServingError

log = logging.getLogger(__name__)

_CLIENT_ERRORS = (ValueError, TypeError, KeyError, IndexError)


class Predictor:
    """The model's predict over items, with results as JSON-ready Python values."""

    def __init__(self, predict: Callable[[Any], Any], schema: InputSchema, metrics: Metrics):
        self._predict = predict
        self._schema = schema
        self._metrics = metrics

    def run(self, items: list[Item]) -> list[Any]:
        """One result per item: its predictions, or the :class:`ServingError` for it."""
        if len(items) == 1:
            return [self._group(items)[0]]
        results: list[Any] = [None] * len(items)
        groups: dict[Any, list[int]] = {}
        for i, item in enumerate(items):
            groups.setdefault(item.key, []).append(i)
        for indexes in groups.values():
            for i, result in zip(indexes, self._group([items[i] for i in indexes]), strict=True):
                results[i] = result
        return results

    def _group(self, items: list[Item]) -> list[Any]:
        rows = sum(item.rows for item in items)
        start = time.perf_counter()
        try:
            output = self._predict(combine(items, self._schema))
            split = _split(output, [item.rows for item in items], rows)
        except Exception as e:  # noqa: BLE001 - the model's errors become the answer
            if len(items) > 1:
                return [self._group([item])[0] for item in items]
            return [_predict_error(e)]
        finally:
            self._metrics.batch(len(items), rows, time.perf_counter() - start)
        return split


def _predict_error(e: Exception) -> ServingError:
    if isinstance(e, ServingError):
        return e
    text = str(e).strip().splitlines()[0][:300] if str(e).strip() else ""
    message = f"The model could not predict this input: {type(e).__name__}"
    message += f": {text}" if text else "."
    if isinstance(e, _CLIENT_ERRORS):
        return PredictionFailed(message)
    error = ServingError(message)
    error.__cause__ = e
    return error


def _split(output: Any, counts: list[int], rows: int) -> list[Any]:
    """``output`` cut into one JSON-ready value per item (of ``counts`` rows each)."""
    if isinstance(output, pd.Series):
        output = output.to_numpy()
    if isinstance(output, pd.DataFrame):
        records = output.to_dict(orient="records")
        return _cut(records, counts) if len(records) == rows else _whole(records, counts)
    if isinstance(output, np.ndarray):
        if output.ndim and output.shape[0] == rows:
            if len(counts) == 1:
                return [output.tolist()]
            return _cut(output, counts, tolist=True)
        return _whole(output.tolist(), counts)
    if isinstance(output, dict):
        parts = {k: _split(v, counts, rows) for k, v in output.items()}
        return [{k: parts[k][i] for k in parts} for i in range(len(counts))]
    if isinstance(output, list | tuple) and len(output) == rows:
        return _cut(list(output), counts)
    if hasattr(output, "tolist"):
        output = output.tolist()
    return _whole(output, counts)


def _cut(values: Any, counts: list[int], tolist: bool = False) -> list[Any]:
    out, start = [], 0
    for count in counts:
        part = values[start : start + count]
        out.append(part.tolist() if tolist else part)
        start += count
    return out


def _whole(value: Any, counts: list[int]) -> list[Any]:
    """An output that does not have one entry per row: only one item can own it."""
    if len(counts) != 1:
        raise ValueError("The model's output does not have one value per input row.")
    return [value]


class MicroBatcher:
    """Adaptive micro-batching of concurrent requests (see the module docstring)."""

    def __init__(
        self,
        predictor: Predictor,
        max_size: int,
        timeout: float,
        open_connections: Callable[[], int],
    ) -> None:
        self._predictor = predictor
        self._max_size = max(1, max_size)
        self._timeout = max(0.0, timeout)
        self._open_connections = open_connections
        self._queue: list[tuple[Item, Callable[[Any], None]]] = []
        self._handle: asyncio.Handle | asyncio.TimerHandle | None = None
        self._soon = False
        self._last_arrival = 0.0
        self._gap = float("inf")

    def add(self, item: Item, done: Callable[[Any], None]) -> None:
        """Queue ``item``; ``done`` gets its predictions or its :class:`ServingError`."""
        loop = asyncio.get_running_loop()
        self._queue.append((item, done))
        now = loop.time()
        gap = now - self._last_arrival
        self._last_arrival = now
        self._gap = gap if self._gap == float("inf") else 0.8 * self._gap + 0.2 * gap
        if self._soon:
            return
        waiting = len(self._queue)
        if (
            self._timeout == 0
            or waiting >= self._max_size
            or waiting >= self._open_connections()
            or self._gap > self._timeout
        ):
            self._schedule(loop, soon=True)
        elif self._handle is None:
            self._schedule(loop, soon=False)

    async def submit(self, item: Item) -> Any:
        """The item's predictions (or raises its :class:`ServingError`)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.add(item, future.set_result)
        result = await future
        if isinstance(result, ServingError):
            raise result
        return result

    def _schedule(self, loop: asyncio.AbstractEventLoop, soon: bool) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._soon = soon
        if soon:
            self._handle = loop.call_soon(self._flush)
        else:
            self._handle = loop.call_later(self._timeout, self._flush)

    def _flush(self) -> None:
        self._handle = None
        self._soon = False
        batch, self._queue = self._queue[: self._max_size], self._queue[self._max_size :]
        if self._queue:
            self._schedule(asyncio.get_running_loop(), soon=True)
        if not batch:
            return
        try:
            results = self._predictor.run([item for item, _ in batch])
        except Exception as e:  # noqa: BLE001 - every request gets an answer
            results = [_predict_error(e)] * len(batch)
        for (_, done), result in zip(batch, results, strict=True):
            try:
                done(result)
            except Exception:
                log.exception("Answering a batched request failed")
