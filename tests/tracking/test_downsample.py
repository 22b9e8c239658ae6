"""Downsampled histories: from blocks (rollups) exactly as from every point, on both backends.

The reference is the full history downsampled in Python by ``minmax_indices``, the code path
every downsampled read took before rollups existed.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from sqlalchemy import func, select

from jupyterlab_mlplatform.tracking.downsample import (
    blocks_read_pointwise,
    extremes,
    minmax_indices,
    minmax_indices_blocked,
)
from jupyterlab_mlplatform.tracking.models import LogBatch, MetricHistory, MetricPoint, RunCreate
from jupyterlab_mlplatform.tracking.store import SqlTrackingStore, schema
from jupyterlab_mlplatform.tracking.store.sql_rollups import BLOCK_SIZE

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, 1.0]


def random_values(rng: random.Random, n: int) -> list[float]:
    """Noise with plateaus (ties), NaN and infinities, sometimes runs of them."""
    kind = rng.choice(["noise", "plateaus", "special", "monotonic"])
    values: list[float] = []
    for i in range(n):
        if kind == "plateaus":
            value = float(rng.randint(0, 3))
        elif kind == "monotonic":
            value = float(i)
        elif kind == "special":
            value = rng.choice(SPECIAL)
        else:
            value = rng.gauss(0, 1)
        if rng.random() < 0.03:
            value = rng.choice(SPECIAL[:3])
        values.append(value)
    return values


def blocked(values: list[float], max_points: int, block_size: int, blocks: int) -> list[int]:
    """``minmax_indices_blocked`` over the first ``blocks`` blocks of ``values``."""
    total = len(values)
    block_extremes = []
    for b in range(blocks):
        lo, lo_value, hi, hi_value = extremes(values, b * block_size, (b + 1) * block_size)
        relative_lo = lo - b * block_size if lo >= 0 else -1
        relative_hi = hi - b * block_size if hi >= 0 else -1
        block_extremes.append((relative_lo, lo_value, relative_hi, hi_value))
    pointwise = set(blocks_read_pointwise(total, max_points, block_size, blocks))
    covered = blocks * block_size

    def read(start: int, end: int) -> list[float]:
        # Only the blocks listed as read point by point, or points after the blocks
        for i in range(start, end):
            assert i >= covered or i // block_size in pointwise
        return values[start:end]

    return minmax_indices_blocked(total, max_points, block_size, block_extremes, read)


def test_blocked_downsampling_equals_the_point_scan() -> None:
    rng = random.Random(20261127)
    for _ in range(2000):
        total = rng.randint(0, 2500)
        values = random_values(rng, total)
        block_size = rng.choice([1, 2, 5, 32])
        blocks = rng.randint(0, total // block_size)
        max_points = rng.choice([1, 2, 3, 4, 5, 9, 40, 101, 1000, total + 1])
        assert blocked(values, max_points, block_size, blocks) == minmax_indices(values, max_points)


# -- through the store -------------------------------------------------------------------


def log(store: SqlTrackingStore, run_id: str, points: list[tuple[int, int, float]]) -> None:
    for start in range(0, len(points), 5000):
        batch = [
            MetricPoint(key="m", step=s, timestamp=t, value=v)
            for s, t, v in points[start : start + 5000]
        ]
        store.log_batch(run_id, LogBatch(metrics=batch))


def expected(store: SqlTrackingStore, run_id: str, max_points: int) -> MetricHistory:
    """Today's reference: the full history, downsampled by ``minmax_indices``."""
    full = store.get_metric_history(run_id, "m")
    keep = minmax_indices(full.values, max_points)
    return MetricHistory(
        key="m",
        steps=[full.steps[i] for i in keep],
        timestamps=[full.timestamps[i] for i in keep],
        values=[full.values[i] for i in keep],
        total=full.total,
        downsampled=full.total > max_points,
    )


def same(a: MetricHistory, b: MetricHistory) -> bool:
    """Equal, NaN included (NaN != NaN)."""
    return a.model_dump_json() == b.model_dump_json()


class Spy:
    """Counts the reads the rollup answered."""

    def __init__(self, store: SqlTrackingStore) -> None:
        self.rollups = store._metric_log.rollups
        self.answered = 0
        original = self.rollups.downsampled

        def downsampled(*args: Any) -> Any:
            result = original(*args)
            self.answered += result is not None
            return result

        self.rollups.downsampled = downsampled  # type: ignore[method-assign]


def rollup_chunks(store: SqlTrackingStore, run_id: str) -> int:
    table = schema.metric_rollups
    with store.engine.connect() as conn:
        query = select(func.count()).select_from(table).where(table.c.run_id == run_id)
        return int(conn.execute(query).scalar_one())


MAX_POINTS = [1, 2, 3, 4, 8, 12, 40, 1000]


def check_all(store: SqlTrackingStore, run_id: str, spy: Spy) -> int:
    """Every max_points gives the reference; returns how many reads the rollup answered."""
    before = spy.answered
    for max_points in MAX_POINTS:
        sampled = store.get_metric_history(run_id, "m", max_points)
        want = expected(store, run_id, max_points)
        assert same(sampled, want), max_points
    return spy.answered - before


def test_rollups_give_the_same_histories(mlp_store: SqlTrackingStore) -> None:
    # Given a long history with NaN, infinities, ties and duplicate steps (the same step at
    # several timestamps, and the same step and timestamp with several values)
    rng = random.Random(7)
    spy = Spy(mlp_store)
    spy.rollups.min_points = 1000
    spy.rollups.extend_after = 300
    run_id = mlp_store.create_run(RunCreate(), user=None).run_id
    values = random_values(rng, 5000)
    points = []
    step = 0
    for i, value in enumerate(values):
        step += rng.choice([0, 1, 1, 1, 3])
        points.append((step, 1000 + i, value))
    points += [(p[0], p[1], rng.choice(SPECIAL)) for p in rng.sample(points, 50)]
    log(mlp_store, run_id, points)
    # When read before any rollup: every point, and a rollup is asked for
    assert check_all(mlp_store, run_id, spy) == 0
    assert mlp_store.needs_upkeep()
    mlp_store.upkeep()
    assert not mlp_store.needs_upkeep()
    assert rollup_chunks(mlp_store, run_id) == 1
    # Then the rollup answers the reads whose buckets hold whole blocks, with the same points
    answered = check_all(mlp_store, run_id, spy)
    total = mlp_store.get_metric_history(run_id, "m").total
    assert answered == sum(total >= 4 * BLOCK_SIZE * (m // 4) for m in MAX_POINTS) > 0
    # When points are appended: read one by one after the rollup's end, then folded in
    last_step = max(p[0] for p in points)
    appended = [(last_step + 1 + i, 10**7 + i, rng.gauss(0, 1)) for i in range(200)]
    log(mlp_store, run_id, appended)
    assert check_all(mlp_store, run_id, spy) > 0
    assert not mlp_store.needs_upkeep()
    log(mlp_store, run_id, [(last_step + 300 + i, 10**7 + 300 + i, -i) for i in range(400)])
    assert check_all(mlp_store, run_id, spy) > 0
    assert mlp_store.needs_upkeep()
    mlp_store.upkeep()
    assert check_all(mlp_store, run_id, spy) > 0
    # When a point is logged out of order, inside what the rollup covers: every point again,
    # until the rollup is rebuilt
    log(mlp_store, run_id, [(5, 999, 1e9)])
    assert check_all(mlp_store, run_id, spy) == 0
    assert mlp_store.needs_upkeep()
    mlp_store.upkeep()
    assert check_all(mlp_store, run_id, spy) > 0
    # A run deleted for good takes its rollups with it
    mlp_store.delete_run(run_id, permanent=True)
    assert rollup_chunks(mlp_store, run_id) == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_on_random_histories(mlp_store: SqlTrackingStore, seed: int) -> None:
    rng = random.Random(seed)
    spy = Spy(mlp_store)
    spy.rollups.min_points = 500
    run_id = mlp_store.create_run(RunCreate(), user=None).run_id
    total = rng.randint(1500, 4000)
    steps = sorted(rng.randint(0, total // 2) for _ in range(total))
    log(
        mlp_store,
        run_id,
        [(s, i, v) for i, (s, v) in enumerate(zip(steps, random_values(rng, total), strict=True))],
    )
    mlp_store.get_metric_history(run_id, "m", 40)
    mlp_store.upkeep()
    assert check_all(mlp_store, run_id, spy) > 0


def test_short_histories_get_no_rollup(mlp_store: SqlTrackingStore) -> None:
    run_id = mlp_store.create_run(RunCreate(), user=None).run_id
    log(mlp_store, run_id, [(i, i, float(i)) for i in range(2000)])
    mlp_store.get_metric_history(run_id, "m", 8)
    assert not mlp_store.needs_upkeep()
    mlp_store._metric_log.rollups.want(run_id, "m")
    mlp_store.upkeep()
    assert rollup_chunks(mlp_store, run_id) == 0
