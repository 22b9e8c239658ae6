"""The background sender: logging calls enqueue, one thread sends batches.

``log_metric`` and friends only append a tuple to a queue (well under 20 µs).  A daemon
thread takes everything queued, groups it by run into batches (params and tags in batches of
their own, so a rejected param never costs metric points; each run's order is kept) and posts
them.
Each batch gets an id when it is cut; if the server cannot be reached, the thread keeps the
batch and retries it, in order, with the same id, so the server applies it exactly once.

A batch the server refuses (a 4xx: it wrote nothing) is never retried as it is.  It is split
in halves, each sent on its own, until the refused items stand alone; those are dropped with
a warning naming them, and everything else (before, beside and after them) is stored.  Faults
that may pass are retried: forever while the server is unreachable or restarting (no
answer, 502, 503, 504), a few times for a 408, 425, 429 or 500, then treated as a refusal,
so one poisoned batch never stalls the queue.
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
UNREACHABLE_STATUS = frozenset({502, 503, 504})
"""Answers that mean the server is away (a proxy in front of it, or restarting)."""
MAX_ATTEMPTS = 5
"""Tries of a batch the server answers with another retryable status (429, 500...)."""
WHOLE_BATCH_STATUS = frozenset({401, 403, 404, 410})
"""Refusals that hold for every item alike (no access, the run is gone): not split."""
MAX_SPLIT_REQUESTS = 64
"""Requests spent splitting one refused batch: enough to find a few bad items among 10,000
(about 2 log2 n each); a batch where most items are bad is dropped in larger parts."""
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

    def __len__(self) -> int:
        return len(self.metrics) + len(self.params) + len(self.tags)

    def halves(self) -> tuple[_Batch, _Batch]:
        """Two batches (with new ids) holding this one's items, in order."""
        items: list[tuple[str, Any]] = [("m", m) for m in self.metrics]
        items += [("p", kv) for kv in self.params.items()]
        items += [("t", kv) for kv in self.tags.items()]
        middle = len(items) // 2
        return _Batch.of(self.run_id, items[:middle]), _Batch.of(self.run_id, items[middle:])

    @classmethod
    def of(cls, run_id: str, items: list[tuple[str, Any]]) -> _Batch:
        batch = cls(run_id)
        for kind, item in items:
            if kind == "m":
                batch.metrics.append(item)
            else:
                (batch.params if kind == "p" else batch.tags)[item[0]] = item[1]
        return batch

    def describe(self) -> str:
        """The items, for a warning: ``metric 'loss' at step 3``, ``param 'lr'``..."""
        named = [f"metric {m['key']!r} at step {m.get('step')}" for m in self.metrics[:3]]
        named += [f"param {k!r}" for k in list(self.params)[:3]]
        named += [f"tag {k!r}" for k in list(self.tags)[:3]]
        more = len(self) - len(named)
        return ", ".join(named[:3]) + (f" and {more} more" if more > 0 else "")


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
        self._split_budget = MAX_SPLIT_REQUESTS
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
        self._split_budget = MAX_SPLIT_REQUESTS
        self._deliver_part(batch)

    def _deliver_part(self, batch: _Batch) -> None:
        refused = self._send(batch)
        if refused is None:
            return
        splittable = len(batch) > 1 and refused.status not in WHOLE_BATCH_STATUS
        if splittable and self._split_budget >= 2:
            self._split_budget -= 2
            for half in batch.halves():
                self._deliver_part(half)
            return
        self.dropped += len(batch)
        log.warning(
            "The tracking server refused logged data (run %s: %s), which is dropped: %s",
            batch.run_id,
            batch.describe(),
            refused.message,
        )

    def _send(self, batch: _Batch) -> MLPlatformClientError | None:
        """Post a batch; None once stored, else the refusal (after retrying what may pass)."""
        delay = 0.1
        warned = False
        attempts = 0
        while True:
            try:
                self.transport.request("POST", f"runs/{batch.run_id}/log", json=batch.body())
                if warned:
                    log.warning("Tracking server reachable again; logging resumed.")
                return None
            except MLPlatformClientError as e:
                away = e.status is None or e.status in UNREACHABLE_STATUS
                attempts += 1
                if not e.retryable or (not away and attempts >= MAX_ATTEMPTS):
                    return e
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
