"""In-process event fan-out for live panels.

Run and experiment changes are published as they happen (and other features' events, such
as shared editing's activity feed).  Metric appends are coalesced: the
bus keeps, per run, the newest point of each key and a count, and sends one
``metrics_appended`` event per run every ``coalesce_interval`` seconds at most, so a training
loop that logs 10,000 points a second costs subscribers a few messages a second.

Subscribers get each event already serialised to JSON text, encoded once for all of them.
The bus lives on the server's asyncio loop; publish from that loop only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from .models import LatestMetric, MetricsEvent, RunEvent

Subscriber = Callable[[str], None]

log = logging.getLogger(__name__)


@dataclass
class _PendingMetrics:
    experiment_id: str
    latest: dict[str, LatestMetric] = field(default_factory=dict)
    count: int = 0


class EventBus:
    def __init__(self, coalesce_interval: float = 0.25) -> None:
        self.coalesce_interval = coalesce_interval
        self._subscribers: list[Subscriber] = []
        self._pending: dict[str, _PendingMetrics] = {}
        self._flush_handle: asyncio.TimerHandle | None = None

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: BaseModel) -> None:
        """Send an event (a wire model with a ``type``: run and experiment changes, and
        other features' events such as the activity feed's)."""
        if isinstance(event, RunEvent) and event.type in ("run_updated", "run_deleted"):
            # Send the metrics logged before this change first, so panels see them in order.
            self._flush_run(event.run.run_id)
        self._send(event.model_dump_json())

    def publish_metrics(
        self, run_id: str, experiment_id: str, latest: dict[str, LatestMetric], count: int
    ) -> None:
        if not self._subscribers or not count:
            return
        pending = self._pending.setdefault(run_id, _PendingMetrics(experiment_id))
        for key, point in latest.items():
            known = pending.latest.get(key)
            if known is None or (point.step, point.timestamp) >= (known.step, known.timestamp):
                pending.latest[key] = point
        pending.count += count
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(self.coalesce_interval, self.flush)

    def flush(self) -> None:
        """Send every pending ``metrics_appended`` event now."""
        self._flush_handle = None
        for run_id in list(self._pending):
            self._flush_run(run_id)

    def close(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._pending.clear()
        self._subscribers.clear()

    def _flush_run(self, run_id: str) -> None:
        pending = self._pending.pop(run_id, None)
        if pending is None:
            return
        event = MetricsEvent(
            run_id=run_id,
            experiment_id=pending.experiment_id,
            latest=pending.latest,
            count=pending.count,
        )
        self._send(event.model_dump_json())

    def _send(self, message: str) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(message)
            except Exception:  # a broken subscriber must not stop the others
                log.exception("An events subscriber failed")
