/*
 * Stale outputs: which cells show outputs that an upstream re-run has made
 * out of date. Computed from the execution records alone, so every
 * co-editor of a notebook sees the same marks.
 *
 * The rule: a code cell with outputs and an execution record is stale when
 * a code cell above it has a record of the same kernel (`kernel_id`) that
 * started after this cell's record started, and whose code ran (any status
 * but `aborted`: Jupyter answers `aborted` to requests it dropped without
 * running them). A running upstream cell counts: the kernel state is
 * changing under the output.
 *
 * Records of another kernel are not compared: the kernel that produced the
 * output never saw that re-run (the notebook switched kernels, or the cell
 * ran in another session), and after a kernel restart the kernel id stays
 * the same, so re-running the first cells after a restart does mark the
 * outputs below. Cells without a record (never run on this server, or run
 * before it attributed executions) are never marked, and never mark others.
 */
import type { ICollabUser, IExecutionRecord } from '../../api/collab';

/**
 * A cell, in notebook order, as the stale computation sees it.
 */
export interface IStaleInput {
  /** The cell's id. */
  id: string;
  /** Whether it is a code cell (others are skipped but keep their place). */
  isCode: boolean;
  /** Whether it shows outputs. */
  hasOutputs: boolean;
  /** Its execution record, if it has a valid one. */
  record: IExecutionRecord | null;
}

/**
 * The upstream re-run that makes a cell's outputs stale.
 */
export interface IStaleCause {
  /** The id of the re-run cell. */
  cellId: string;
  /** Its position in the notebook (0-based). */
  index: number;
  /** Who re-ran it (from its record). */
  user: ICollabUser;
  /** When the re-run started (ms, server clock). */
  started: number;
  /** Whether it still runs. */
  running: boolean;
}

/**
 * Why a cell's outputs are stale.
 */
export interface IStaleInfo {
  /** The latest upstream re-run after the output. */
  cause: IStaleCause;
  /** How many cells above were re-run after the output (at least 1). */
  count: number;
}

/**
 * The stale cells of a notebook, by cell id: one pass over the cells, with
 * the start times above kept sorted per kernel (binary searches; a few
 * milliseconds for thousands of cells).
 */
export function computeStale(
  cells: readonly IStaleInput[]
): Map<string, IStaleInfo> {
  const result = new Map<string, IStaleInfo>();
  const kernels = new Map<string, IKernelHistory>();
  cells.forEach((cell, index) => {
    const record = cell.isCode ? cell.record : null;
    if (!record) {
      return;
    }
    const history = kernels.get(record.kernel_id);
    if (history && cell.hasOutputs) {
      const count =
        history.starts.length - upperBound(history.starts, record.started);
      if (count > 0 && history.latest) {
        result.set(cell.id, { cause: history.latest, count });
      }
    }
    if (record.status === 'aborted') {
      return;
    }
    const cause: IStaleCause = {
      cellId: cell.id,
      index,
      user: record.user,
      started: record.started,
      running: record.status === 'running'
    };
    if (history) {
      insertSorted(history.starts, record.started);
      if (!history.latest || record.started > history.latest.started) {
        history.latest = cause;
      }
    } else {
      kernels.set(record.kernel_id, {
        starts: [record.started],
        latest: cause
      });
    }
  });
  return result;
}

/**
 * Whether two results mark the same cells for the same reasons.
 */
export function sameStale(
  a: ReadonlyMap<string, IStaleInfo>,
  b: ReadonlyMap<string, IStaleInfo>
): boolean {
  if (a.size !== b.size) {
    return false;
  }
  for (const [id, info] of a) {
    const other = b.get(id);
    if (!other || !sameInfo(info, other)) {
      return false;
    }
  }
  return true;
}

/**
 * Whether two marks of one cell say the same.
 */
export function sameInfo(a: IStaleInfo | null, b: IStaleInfo | null): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  return (
    a.count === b.count &&
    a.cause.cellId === b.cause.cellId &&
    a.cause.index === b.cause.index &&
    a.cause.started === b.cause.started &&
    a.cause.running === b.cause.running &&
    a.cause.user.username === b.cause.user.username &&
    a.cause.user.display_name === b.cause.user.display_name
  );
}

interface IKernelHistory {
  /** Start times of the records above, ascending. */
  starts: number[];
  /** The record above that started last. */
  latest: IStaleCause | null;
}

/** The index of the first value greater than `value` in a sorted array. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= value) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

function insertSorted(sorted: number[], value: number): void {
  sorted.splice(upperBound(sorted, value), 0, value);
}
