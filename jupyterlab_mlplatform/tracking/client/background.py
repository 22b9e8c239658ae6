"""The background sender: logging calls enqueue, one thread sends batches.

``log_metric`` and friends only append a tuple to a queue (well under 20 µs).  A daemon
thread takes everything queued, groups it by run into batches (params and tags in batches of
their own, so a rejected param never costs metric points; each run's order is kept) and posts
them.
Each batch gets an id when it is cut; if the server cannot be reached, the thread keeps the
batch and retries it, in order, with the same id, so the server applies it exactly once.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .transport import MLPlatformClientError, Transport

log = logging.getLogger("jupyterlab_mlplatform.client")

MAX_BATCH_METRICS = 10_000
LINGER_SECONDS = 0.2
"""How long the thread waits for more items after the first (one request, not hundreds)."""


@dataclass
class _Batch:
    run_id: str
    metrics: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    batch_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def body(self) -> dict[str, Any]:
        return {
            "metrics": self.metrics,
            "params": self.params,
            "tags": self.tags,
            "batch_id": self.batch_id,
        }


class BackgroundSender:
    """Queue and thread behind the fluent logging calls."""

    def __init__(
        self,
        transport: Transport,
        max_backoff: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self.transport = transport
        self.max_backoff = max_backoff
        self.linger = linger
        self._sleep = sleep
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self.dropped = 0
        """Items the server refused for good (bad keys, deleted runs...)."""

    # -- the caller's side (cheap) ---------------------------------------------------------

    def metric(self, run_id: str, key: str, value: float, step: int, timestamp: int) -> None:
        self._queue.put(("m", run_id, key, value, step, timestamp))
        if self._thread is None:
            self._start()

    def param(self, run_id: str, key: str, value: str) -> None:
        self._queue.put(("p", run_id, key, value))
        if self._thread is None:
            self._start()

    def tag(self, run_id: str, key: str, value: str) -> None:
        self._queue.put(("t", run_id, key, value))
        if self._thread is None:
            self._start()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued before this call is stored; False on timeout."""
        if self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(("flush", done))
        return done.wait(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="mlplatform-sender", daemon=True)
                thread.start()
                self._thread = thread

    # -- the sender thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            items = self._take()
            waiters: list[threading.Event] = []
            for batch in self._cut(items, waiters):
                self._deliver(batch)
            for waiter in waiters:
                waiter.set()

    def _take(self) -> list[tuple[Any, ...]]:
        """The next items to send: the first, then whatever arrives within the linger time
        (a training loop logging every few milliseconds costs a few requests a second), or
        at once when someone waits for a flush."""
        items = [self._queue.get()]
        deadline = time.monotonic() + self.linger
        flushing = items[0][0] == "flush"
        while len(items) < MAX_BATCH_METRICS:
            remaining = 0.0 if flushing else deadline - time.monotonic()
            try:
                item = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            items.append(item)
            flushing = flushing or item[0] == "flush"
        return items

    def _cut(self, items: list[tuple[Any, ...]], waiters: list[threading.Event]) -> list[_Batch]:
        """Group queued items into batches, keeping each run's order."""
        settings: dict[str, _Batch] = {}
        metrics: dict[str, _Batch] = {}
        order: list[_Batch] = []
        for item in items:
            kind = item[0]
            if kind == "flush":
                waiters.append(item[1])
                continue
            run_id = item[1]
            if kind == "m":
                batch = metrics.get(run_id)
                if batch is None:
                    batch = metrics[run_id] = _Batch(run_id)
                    order.append(batch)
                batch.metrics.append(
                    {
                        "key": item[2],
                        "value": _json_float(item[3]),
                        "step": item[4],
                        "timestamp": item[5],
                    }
                )
            else:
                batch = settings.get(run_id)
                if batch is None or run_id in metrics:
                    # Keep order: a param set after metrics goes in a later batch.
                    batch = settings[run_id] = _Batch(run_id)
                    metrics.pop(run_id, None)
                    order.append(batch)
                (batch.params if kind == "p" else batch.tags)[item[2]] = item[3]
        return order

    def _deliver(self, batch: _Batch) -> None:
        delay = 0.1
        warned = False
        while True:
            try:
                self.transport.request("POST", f"runs/{batch.run_id}/log", json=batch.body())
                if warned:
                    log.warning("Tracking server reachable again; logging resumed.")
                return
            except MLPlatformClientError as e:
                if not e.retryable:
                    self.dropped += len(batch.metrics) + len(batch.params) + len(batch.tags)
                    log.warning("The tracking server refused logged data: %s", e.message)
                    return
                if not warned:
                    log.warning("%s; keeping logged data and retrying.", e.message)
                    warned = True
                self._sleep(delay)
                delay = min(delay * 2, self.max_backoff)


def _json_float(value: float) -> float | str:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"
