"""Shape-preserving downsampling of metric histories for charts.

Min/max bucketing (the "M4" scheme): the points are cut into equal index ranges and each
range keeps its first, lowest, highest and last point, in step order.  Spikes, plateaus and
the ends of the curve survive, which plain striding or averaging would lose.

:func:`minmax_indices` works on every value of a history.  :func:`minmax_indices_blocked`
gives the same indices from the extremes of fixed-size blocks of points (computed once, by
:func:`extremes`) and reads single values only where a bucket starts or ends inside a block,
so its work grows with the number of buckets, not with the length of the history.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Extremes = tuple[int, float, int, float]
"""``(lo, lo_value, hi, hi_value)``: the index of the first lowest value (-1 if none), that
value, and the same for the highest."""


def extremes(values: Sequence[float], start: int = 0, end: int | None = None) -> Extremes:
    """The first lowest and first highest of ``values[start:end]``, as absolute indices.

    NaN is never the lowest or the highest; neither is +Infinity the lowest nor -Infinity the
    highest (they are where the scan starts), so a range of only NaN has no extremes.
    """
    lo = hi = -1
    lo_value = math.inf
    hi_value = -math.inf
    for i in range(start, len(values) if end is None else end):
        v = values[i]
        if v < lo_value:
            lo_value, lo = v, i
        if v > hi_value:
            hi_value, hi = v, i
    return lo, lo_value, hi, hi_value


def stride_indices(total: int, max_points: int) -> list[int]:
    """Evenly spaced indices, for fewer than 4 points (too few for a min/max bucket)."""
    step = (total - 1) / max(max_points - 1, 1)
    return sorted({round(i * step) for i in range(max_points)})


def buckets(total: int, max_points: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` index ranges of the ``max_points // 4`` buckets."""
    count = max_points // 4
    size = total / count
    return [(int(b * size), int((b + 1) * size) if b < count - 1 else total) for b in range(count)]


def _picks(start: int, end: int, lo: int, hi: int) -> list[int]:
    picks = {start, end - 1}
    if lo >= 0:
        picks.add(lo)
    if hi >= 0:
        picks.add(hi)
    return sorted(picks)


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
        return stride_indices(total, max_points)
    chosen: list[int] = []
    for start, end in buckets(total, max_points):
        lo, _, hi, _ = extremes(values, start, end)
        chosen.extend(_picks(start, end, lo, hi))
    return chosen


def _bucket_parts(start: int, end: int, block_size: int, blocks: int) -> tuple[int, int]:
    """The whole blocks ``[first, stop)`` inside ``[start, end)``; the points before the
    first and from ``stop * block_size`` on are read one by one (``first >= stop``: all)."""
    first = -(-start // block_size)
    stop = min(end // block_size, blocks)
    return first, stop


def blocks_read_pointwise(total: int, max_points: int, block_size: int, blocks: int) -> list[int]:
    """The blocks (below ``blocks``) whose single values :func:`minmax_indices_blocked`
    reads, and whose points hold its picks that are not a block's first, last or extremes."""
    covered = blocks * block_size
    if max_points < 4:
        indices = stride_indices(total, max_points)
        return sorted({i // block_size for i in indices if i < covered})
    needed: set[int] = set()
    for start, end in buckets(total, max_points):
        first, stop = _bucket_parts(start, end, block_size, blocks)
        if first >= stop:
            ranges = [(start, end)]
        else:
            ranges = [(start, first * block_size), (stop * block_size, end)]
        for a, z in ranges:
            z = min(z, covered)
            if a < z:
                needed.update(range(a // block_size, (z - 1) // block_size + 1))
    return sorted(needed)


def minmax_indices_blocked(
    total: int,
    max_points: int,
    block_size: int,
    block_extremes: Sequence[Extremes],
    values: Callable[[int, int], Sequence[float]],
) -> list[int]:
    """What :func:`minmax_indices` returns for a history of ``total`` points, given the
    :func:`extremes` of each block of ``block_size`` points from the start (block-relative
    indices), and ``values(start, end)``: the values of the points the blocks don't cover
    whole, as listed by :func:`blocks_read_pointwise` (and of any after the last block).

    Whole blocks are combined in order with the same strict comparisons as the point scan,
    so ties and the NaN and infinity rules come out exactly the same.
    """
    if max_points < 1:
        raise ValueError("max_points must be positive")
    if total <= max_points:
        return list(range(total))
    if max_points < 4:
        return stride_indices(total, max_points)
    blocks = len(block_extremes)
    chosen: list[int] = []
    for start, end in buckets(total, max_points):
        first, stop = _bucket_parts(start, end, block_size, blocks)
        if first >= stop:
            lo, _, hi, _ = _scan(values, start, end, -1, math.inf, -1, -math.inf)
            chosen.extend(_picks(start, end, lo, hi))
            continue
        state = _scan(values, start, first * block_size, -1, math.inf, -1, -math.inf)
        lo, lo_value, hi, hi_value = state
        for b in range(first, stop):
            b_lo, b_lo_value, b_hi, b_hi_value = block_extremes[b]
            if b_lo >= 0 and b_lo_value < lo_value:
                lo, lo_value = b * block_size + b_lo, b_lo_value
            if b_hi >= 0 and b_hi_value > hi_value:
                hi, hi_value = b * block_size + b_hi, b_hi_value
        lo, _, hi, _ = _scan(values, stop * block_size, end, lo, lo_value, hi, hi_value)
        chosen.extend(_picks(start, end, lo, hi))
    return chosen


def _scan(
    values: Callable[[int, int], Sequence[float]],
    start: int,
    end: int,
    lo: int,
    lo_value: float,
    hi: int,
    hi_value: float,
) -> Extremes:
    """Continue a min/max scan over the points ``[start, end)``."""
    if start >= end:
        return lo, lo_value, hi, hi_value
    for i, v in enumerate(values(start, end), start):
        if v < lo_value:
            lo_value, lo = v, i
        if v > hi_value:
            hi_value, hi = v, i
    return lo, lo_value, hi, hi_value
