"""A deployment's traffic figures, read from its scoring server's Prometheus ``/metrics``."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

INVOCATIONS = "/invocations"


class Traffic:
    """Requests, errors and latency of ``/invocations`` in one exposition."""

    def __init__(self, exposition: str) -> None:
        self.requests = 0
        self.errors = 0
        self.latency_sum = 0.0
        self.buckets: list[tuple[float, float]] = []
        """(upper bound in seconds, cumulative count), ascending."""
        # Imported here: serving.metrics imports numpy, which the Jupyter server otherwise
        # has no need of at start.
        from ..serving.metrics import PREFIX

        for family in text_string_to_metric_families(exposition):
            for sample in family.samples:
                if sample.labels.get("handler") != INVOCATIONS:
                    continue
                if sample.name == f"{PREFIX}requests_total":
                    count = int(sample.value)
                    self.requests += count
                    code = sample.labels.get("code", "")
                    if not code.startswith("2"):
                        self.errors += count
                elif sample.name == f"{PREFIX}request_duration_seconds_sum":
                    self.latency_sum = float(sample.value)
                elif sample.name == f"{PREFIX}request_duration_seconds_bucket":
                    self.buckets.append((float(sample.labels["le"]), float(sample.value)))
        self.buckets.sort()

    @property
    def count(self) -> float:
        return self.buckets[-1][1] if self.buckets else 0.0

    def mean_ms(self) -> float | None:
        return self.latency_sum / self.count * 1000 if self.count else None

    def quantile_ms(self, q: float) -> float | None:
        """The upper bound of the bucket holding quantile ``q`` (as Prometheus estimates it
        without interpolation); the largest finite bound when it falls in ``+Inf``."""
        total = self.count
        if not total:
            return None
        rank = q * total
        finite = [bound for bound, _ in self.buckets if math.isfinite(bound)]
        for bound, cumulative in self.buckets:
            if cumulative >= rank:
                return (bound if math.isfinite(bound) else finite[-1]) * 1000
        return finite[-1] * 1000 if finite else None
