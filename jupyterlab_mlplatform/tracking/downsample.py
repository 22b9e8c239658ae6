"""Shape-preserving downsampling of metric histories for charts.

Min/max bucketing (the "M4" scheme): the points are cut into equal index ranges and each
range keeps its first, lowest, highest and last point, in step order.  Spikes, plateaus and
the ends of the curve survive, which plain striding or averaging would lose.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def minmax_indices(values: Sequence[float], max_points: int) -> list[int]:
    """Indices (ascending) of at most ``max_points`` points that keep the curve's shape.

    NaN values are never chosen as a bucket's minimum or maximum, but a NaN can be a bucket's
    first or last point, so gaps in the data stay visible.
    """
    total = len(values)
    if max_points < 1:
        raise ValueError("max_points must be positive")
    if total <= max_points:
        return list(range(total))
    if max_points < 4:
        step = (total - 1) / max(max_points - 1, 1)
        return sorted({round(i * step) for i in range(max_points)})
    buckets = max_points // 4
    size = total / buckets
    chosen: list[int] = []
    for b in range(buckets):
        start = int(b * size)
        end = int((b + 1) * size) if b < buckets - 1 else total
        lo = hi = -1
        lo_value = math.inf
        hi_value = -math.inf
        for i in range(start, end):
            v = values[i]
            if v < lo_value:
                lo_value, lo = v, i
            if v > hi_value:
                hi_value, hi = v, i
        picks = {start, end - 1}
        if lo >= 0:
            picks.add(lo)
        if hi >= 0:
            picks.add(hi)
        chosen.extend(sorted(picks))
    return chosen
