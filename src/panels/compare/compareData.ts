/*
 * Pure helpers of the compare view: which keys the runs share, which differ,
 * and the rows of the params/metrics table.
 */
import { IRun, metricValueToNumber } from '../../api/tracking';
import { formatMetric } from '../format';

export interface ICompareRow {
  kind: 'param' | 'metric' | 'tag';
  key: string;
  /** The text per run, in run order ('' when the run has none). */
  cells: string[];
  /** Whether the runs disagree (a missing value counts as a value). */
  differs: boolean;
}

/**
 * The sorted union of the runs' keys of one kind.
 */
export function unionKeys(
  runs: readonly IRun[],
  kind: 'params' | 'metrics' | 'tags'
): string[] {
  const keys = new Set<string>();
  for (const run of runs) {
    for (const key of Object.keys(run[kind])) {
      keys.add(key);
    }
  }
  return [...keys].sort();
}

/**
 * The params, then metrics (latest values), then tags of the runs, one row
 * per key; `onlyDifferences` keeps the rows where the runs disagree.
 */
export function compareRows(
  runs: readonly IRun[],
  onlyDifferences: boolean
): ICompareRow[] {
  const rows: ICompareRow[] = [];
  const add = (kind: ICompareRow['kind'], key: string, cells: string[]) => {
    const differs = cells.some(cell => cell !== cells[0]);
    if (!onlyDifferences || differs) {
      rows.push({ kind, key, cells, differs });
    }
  };
  for (const key of unionKeys(runs, 'params')) {
    add(
      'param',
      key,
      runs.map(run => run.params[key] ?? '')
    );
  }
  for (const key of unionKeys(runs, 'metrics')) {
    add(
      'metric',
      key,
      runs.map(run => {
        const metric = run.metrics[key];
        return metric ? formatMetric(metric.value) : '';
      })
    );
  }
  for (const key of unionKeys(runs, 'tags')) {
    add(
      'tag',
      key,
      runs.map(run => run.tags[key] ?? '')
    );
  }
  return rows;
}

/**
 * A param's values as numbers when every present value parses as one (so the
 * plots draw a numeric axis), else as the strings.
 */
export function paramValues(
  runs: readonly IRun[],
  key: string
): Array<number | string | null> {
  const raw = runs.map(run => run.params[key] ?? null);
  const numeric = raw.every(
    value => value === null || (value.trim() !== '' && isFinite(Number(value)))
  );
  return raw.map(value =>
    value === null ? null : numeric ? Number(value) : value
  );
}

/**
 * The latest value of a metric per run (null when missing or not finite).
 */
export function metricValues(
  runs: readonly IRun[],
  key: string
): Array<number | null> {
  return runs.map(run => {
    const metric = run.metrics[key];
    if (!metric) {
      return null;
    }
    const value = metricValueToNumber(metric.value);
    return Number.isFinite(value) ? value : null;
  });
}

/**
 * The params whose values differ between the runs (the useful axes of a
 * parallel-coordinates plot).
 */
export function differingParams(runs: readonly IRun[]): string[] {
  return unionKeys(runs, 'params').filter(key => {
    const values = runs.map(run => run.params[key] ?? null);
    return values.some(value => value !== values[0]);
  });
}
