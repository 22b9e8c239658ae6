"""Metric rollups: downsampled reads of long histories without reading every point.

A history's points, in history order (step, timestamp, value, NaN flag: the metrics table's
key), are cut into blocks of :data:`BLOCK_SIZE`.  For each block the rollup keeps its first
and last point and its first lowest and first highest (:func:`..downsample.extremes`).  A
downsampled read combines whole blocks from those and reads single points only in the blocks
where a bucket starts or ends (:func:`..downsample.minmax_indices_blocked`): for 100,000
points and 250 buckets, about 3,000 block records and 250 small range reads instead of
100,000 rows.  The result is the same as downsampling every point, by construction.

Logging never touches rollups, so ingest costs nothing more.  A downsampled read of a long
history that has none, or a stale one, asks for *upkeep*; the service runs it on the writer
thread, off the request path (:meth:`MetricRollups.upkeep`).  Until then, reads take the old
path (every point).

A rollup covers whole blocks from the first point; points after its last one (logged since)
are read one by one, and once there are :data:`EXTEND_AFTER` of them a read asks for the
rollup to be extended.  Points are never deleted one by one, so a read can check that the
covered prefix is intact by counting: the history has as many points as the rollup covers
plus those after its end, or a point was logged out of order inside the prefix.  Then the
read falls back to every point and asks for a rebuild.

The blocks are packed binary records, :data:`CHUNK_BLOCKS` per row, so loading a rollup is a
few rows, and extending one rewrites only its last chunk.
"""

from __future__ import annotations

import logging
import math
import struct
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from ..downsample import Extremes, blocks_read_pointwise, extremes, minmax_indices_blocked
from ..models import MetricHistory
from . import schema
from .sql_rows import series_of

BLOCK_SIZE = 32
"""Points per block.  Smaller blocks mean more records to combine, larger ones more single
points to read where buckets start and end."""

CHUNK_BLOCKS = 1024
"""Blocks per stored row (32,768 points, 100 KB)."""

MIN_POINTS = 8192
"""Shorter histories get no rollup: reading every point is as fast."""

EXTEND_AFTER = 2048
"""Points after the end of a rollup that make a read ask for it to be extended."""

ROLLUP_LOCK = 0x6D6C71
"""The PostgreSQL advisory lock class under which one rollup is written at a time."""

Point = tuple[int, int, float, bool]
"""A stored point: step, timestamp, value (0 for NaN), NaN flag; sorted as in the table."""

_BLOCK = struct.Struct("<qqd?qqd?bqqdbqqd")
"""One block: first point, last point, then offset, step, timestamp and value of the lowest
and of the highest (offset -1: none)."""

_COLUMNS = '"step", "timestamp", "value", "is_nan"'
_ROW = '("step", "timestamp", "value", "is_nan")'


def _value(point: Point) -> float:
    return math.nan if point[3] else point[2]


def _block(points: Sequence[Point]) -> tuple[Any, ...]:
    """The packed fields of one block of points."""
    lo, lo_value, hi, hi_value = extremes([_value(p) for p in points])
    lo_point = points[lo] if lo >= 0 else (0, 0, 0.0, False)
    hi_point = points[hi] if hi >= 0 else (0, 0, 0.0, False)
    return (
        *points[0],
        *points[-1],
        lo,
        lo_point[0],
        lo_point[1],
        lo_value if lo >= 0 else 0.0,
        hi,
        hi_point[0],
        hi_point[1],
        hi_value if hi >= 0 else 0.0,
    )


def _first(block: tuple[Any, ...]) -> Point:
    return block[0], block[1], block[2], block[3]


def _last(block: tuple[Any, ...]) -> Point:
    return block[4], block[5], block[6], block[7]


class MetricRollups:
    """Reads histories downsampled from rollups, and builds the rollups reads asked for."""

    def __init__(self, engine: Engine, placeholder: str, log: logging.Logger) -> None:
        self.engine = engine
        self.log = log
        self.min_points = MIN_POINTS
        self.extend_after = EXTEND_AFTER
        self._postgres = engine.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._wanted: set[tuple[str, str]] = set()
        q = placeholder
        series = series_of(q)
        self._count_sql = f"SELECT COUNT(*) FROM metrics WHERE {series}"
        self._all_sql = f"SELECT {_COLUMNS} FROM metrics WHERE {series} ORDER BY {_COLUMNS}"
        self._after_sql = (
            f"SELECT {_COLUMNS} FROM metrics WHERE {series} AND {_ROW} > ({q}, {q}, {q}, {q}) "
            f"ORDER BY {_COLUMNS}"
        )
        self._block_sql = (
            f"SELECT {_COLUMNS} FROM metrics WHERE {series} AND {_ROW} >= ({q}, {q}, {q}, {q}) "
            f"ORDER BY {_COLUMNS} LIMIT {BLOCK_SIZE}"
        )
        # PostgreSQL: every block in one statement (one round trip instead of hundreds); each
        # block's points are sorted by the caller, cheaper than sorting them all here.
        self._blocks_sql = (
            'SELECT b.j, m.step, m."timestamp", m.value, m.is_nan FROM unnest('
            "%s::integer[], %s::bigint[], %s::bigint[], %s::double precision[], %s::boolean[]"
            ") AS b(j, step, ts, value, is_nan) CROSS JOIN LATERAL ("
            f"SELECT {_COLUMNS} FROM metrics WHERE {series} "
            f"AND {_ROW} >= (b.step, b.ts, b.value, b.is_nan) ORDER BY {_COLUMNS} LIMIT {BLOCK_SIZE}"
            ") AS m"
        )

    # -- reads -------------------------------------------------------------------------

    def downsampled(
        self, conn: Connection, run_id: str, key: str, max_points: int
    ) -> MetricHistory | None:
        """The history downsampled from its rollup, or None: read every point instead."""
        blocks = self._load(conn, run_id, key)
        if not blocks:
            return None
        total = self._count(conn, run_id, key)
        if not self.would_help(total, max_points):
            return None
        tail = self._after(conn, run_id, key, blocks, total)
        if tail is None:
            self.want(run_id, key)  # a point was logged out of order: rebuild
            return None
        if len(tail) >= self.extend_after:
            self.want(run_id, key)
        needed = blocks_read_pointwise(total, max_points, BLOCK_SIZE, len(blocks))
        raw = self._read_blocks(conn, run_id, key, [(j, _first(blocks[j])) for j in needed])
        for j in needed:
            points = raw.get(j)
            if points is None or (points[0], points[-1]) != (_first(blocks[j]), _last(blocks[j])):
                return None  # changed since the count: the next read will see why
        return self._sampled(key, total, max_points, blocks, raw, tail)

    def _sampled(
        self,
        key: str,
        total: int,
        max_points: int,
        blocks: Sequence[tuple[Any, ...]],
        raw: dict[int, list[Point]],
        tail: Sequence[Point],
    ) -> MetricHistory:
        covered = len(blocks) * BLOCK_SIZE
        raw_values = {j: [_value(p) for p in points] for j, points in raw.items()}
        tail_values = [_value(p) for p in tail]

        def values(start: int, end: int) -> list[float]:
            out: list[float] = []
            i = start
            while i < end:
                if i >= covered:
                    out.extend(tail_values[i - covered : end - covered])
                    break
                j = i // BLOCK_SIZE
                stop = min(end, (j + 1) * BLOCK_SIZE)
                out.extend(raw_values[j][i - j * BLOCK_SIZE : stop - j * BLOCK_SIZE])
                i = stop
            return out

        block_extremes: list[Extremes] = [(b[8], b[11], b[12], b[15]) for b in blocks]
        picks = minmax_indices_blocked(total, max_points, BLOCK_SIZE, block_extremes, values)
        steps: list[int] = []
        timestamps: list[int] = []
        values_out: list[float] = []
        for i in picks:
            point = self._point_at(i, blocks, raw, tail)
            steps.append(point[0])
            timestamps.append(point[1])
            values_out.append(_value(point))
        return MetricHistory.model_construct(
            key=key,
            steps=steps,
            timestamps=timestamps,
            values=values_out,
            total=total,
            downsampled=True,
        )

    def would_help(self, total: int, max_points: int) -> bool:
        """Whether a rollup makes reading ``total`` points downsampled cheaper: not when
        there are few points, or buckets are too short to hold whole blocks."""
        buckets = max_points // 4
        long_buckets = not buckets or total >= 4 * BLOCK_SIZE * buckets
        return total > max_points and total >= self.min_points and long_buckets

    def _count(self, conn: Connection, run_id: str, key: str) -> int:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self._count_sql, (run_id, key))
            return int(cursor.fetchone()[0])  # type: ignore[index]
        finally:
            cursor.close()

    def _after(
        self,
        conn: Connection,
        run_id: str,
        key: str,
        blocks: Sequence[tuple[Any, ...]],
        total: int,
    ) -> list[Point] | None:
        """The points after the rollup's end, or None if the ``total`` points of the history
        are more than those and the rollup's (a point was logged inside what it covers)."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self._after_sql, (run_id, key, *_last(blocks[-1])))
            tail = [(s, t, v, bool(n)) for s, t, v, n in cursor.fetchall()]
        finally:
            cursor.close()
        return tail if total == len(blocks) * BLOCK_SIZE + len(tail) else None

    @staticmethod
    def _point_at(
        i: int,
        blocks: Sequence[tuple[Any, ...]],
        raw: dict[int, list[Point]],
        tail: Sequence[Point],
    ) -> Point:
        covered = len(blocks) * BLOCK_SIZE
        if i >= covered:
            return tail[i - covered]
        j, offset = divmod(i, BLOCK_SIZE)
        points = raw.get(j)
        if points is not None:
            return points[offset]
        block = blocks[j]
        if offset == 0:
            return _first(block)
        if offset == BLOCK_SIZE - 1:
            return _last(block)
        if offset == block[8]:
            return block[9], block[10], block[11], False
        if offset == block[12]:
            return block[13], block[14], block[15], False
        raise AssertionError("a pick that is no block's first, last or extreme")

    def _load(self, conn: Connection, run_id: str, key: str) -> list[tuple[Any, ...]]:
        """The rollup's blocks, or [] when there is none (or one of another shape)."""
        rows = conn.execute(
            select(
                schema.metric_rollups.c.chunk,
                schema.metric_rollups.c.block_size,
                schema.metric_rollups.c.blocks,
            )
            .where(schema.metric_rollups.c.run_id == run_id, schema.metric_rollups.c.key == key)
            .order_by(schema.metric_rollups.c.chunk)
        ).all()
        blocks: list[tuple[Any, ...]] = []
        for n, (chunk, block_size, data) in enumerate(rows):
            count, extra = divmod(len(data), _BLOCK.size)
            full = n == len(rows) - 1 or count == CHUNK_BLOCKS
            if chunk != n or block_size != BLOCK_SIZE or extra or not full:
                return []
            blocks.extend(_BLOCK.iter_unpack(data))
        return blocks

    def _read_blocks(
        self, conn: Connection, run_id: str, key: str, firsts: list[tuple[int, Point]]
    ) -> dict[int, list[Point]]:
        """The points of some blocks, each given by its first point."""
        raw: dict[int, list[Point]] = {j: [] for j, _ in firsts}
        if not firsts:
            return raw
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if self._postgres:
                columns = list(zip(*((j, *first) for j, first in firsts), strict=True))
                cursor.execute(self._blocks_sql, (*map(list, columns), run_id, key))
                for j, s, t, v, n in cursor.fetchall():
                    raw[j].append((s, t, v, bool(n)))
                for points in raw.values():
                    points.sort()
            else:
                for j, first in firsts:
                    cursor.execute(self._block_sql, (run_id, key, *first))
                    raw[j] = [(s, t, v, bool(n)) for s, t, v, n in cursor.fetchall()]
        finally:
            cursor.close()
        return {j: points for j, points in raw.items() if len(points) == BLOCK_SIZE}

    # -- upkeep ------------------------------------------------------------------------

    def want(self, run_id: str, key: str) -> None:
        """Ask for the history's rollup to be built or brought up to date."""
        with self._lock:
            self._wanted.add((run_id, key))

    def wanted(self) -> bool:
        with self._lock:
            return bool(self._wanted)

    def upkeep(self) -> None:
        """Build or extend the rollups reads asked for (on the writer thread)."""
        with self._lock:
            wanted, self._wanted = self._wanted, set()
        for run_id, key in sorted(wanted):
            try:
                self._refresh(run_id, key)
            except SQLAlchemyError as e:  # a concurrent writer, or the run is gone: next read
                self.log.info("Metric rollup not updated: %s", type(e).__name__)

    def _refresh(self, run_id: str, key: str) -> None:
        rollups = schema.metric_rollups
        this = (rollups.c.run_id == run_id) & (rollups.c.key == key)
        with self.engine.begin() as conn:
            if self._postgres:  # one writer per rollup across servers
                conn.exec_driver_sql(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (ROLLUP_LOCK, run_id + key)
                )
            blocks = self._load(conn, run_id, key)
            points = None
            if blocks:
                points = self._after(conn, run_id, key, blocks, self._count(conn, run_id, key))
            if points is None:  # none yet, or a point was logged out of order: from the start
                blocks = []
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(self._all_sql, (run_id, key))
                    points = [(s, t, v, bool(n)) for s, t, v, n in cursor.fetchall()]
                finally:
                    cursor.close()
                if len(points) < self.min_points:
                    conn.execute(delete(rollups).where(this))
                    return
            new = [
                _block(points[i : i + BLOCK_SIZE])
                for i in range(0, len(points) - BLOCK_SIZE + 1, BLOCK_SIZE)
            ]
            if not new:
                return
            first_chunk = len(blocks) // CHUNK_BLOCKS  # the chunks that change
            blocks.extend(new)
            conn.execute(delete(rollups).where(this, rollups.c.chunk >= first_chunk))
            conn.execute(
                insert(rollups),
                [
                    {
                        "run_id": run_id,
                        "key": key,
                        "chunk": c,
                        "block_size": BLOCK_SIZE,
                        "blocks": b"".join(
                            _BLOCK.pack(*b)
                            for b in blocks[c * CHUNK_BLOCKS : (c + 1) * CHUNK_BLOCKS]
                        ),
                    }
                    for c in range(first_chunk, -(-len(blocks) // CHUNK_BLOCKS))
                ],
            )
