/*
 * The series a chart draws, and its conversion from a metric history.
 */
import { IMetricHistory, metricValueToNumber } from '../api/tracking';

/**
 * One line of a chart: columnar points, in the order they were logged.
 */
export interface IChartSeries {
  /** Stable identity (a run id, or run id and metric key). */
  id: string;
  /** Shown in the legend and tooltips. */
  label: string;
  /** A CSS colour, e.g. from `seriesColor`. */
  color: string;
  steps: ArrayLike<number>;
  /** Milliseconds since the epoch. */
  timestamps: ArrayLike<number>;
  /** `NaN` is a gap in the line. */
  values: ArrayLike<number>;
}

/**
 * What the x axis shows: the step, the wall-clock time, or the seconds since
 * the series' first point (`relative`, so runs started at different times
 * line up).
 */
export type XAxisMode = 'step' | 'time' | 'relative';

/**
 * A chart series from a metric history as the server sends it.
 *
 * The wire strings `'NaN'`, `'Infinity'` and `'-Infinity'` become `NaN`, so
 * non-finite values are drawn as gaps.
 */
export function seriesFromHistory(
  history: IMetricHistory,
  id: string,
  label: string,
  color: string
): IChartSeries {
  const count = history.values.length;
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const value = metricValueToNumber(history.values[i]);
    values[i] = Number.isFinite(value) ? value : NaN;
  }
  return {
    id,
    label,
    color,
    steps: history.steps,
    timestamps: history.timestamps,
    values
  };
}
