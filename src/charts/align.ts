/*
 * Alignment of several series on one shared x array, the data shape uPlot
 * draws.
 */
import uPlot from 'uplot';

import { IChartSeries, XAxisMode } from './series';

/**
 * uPlot data for several series: the sorted union of their x values, then
 * one y array per series, in order.
 *
 * x is the step, the time in seconds since the epoch (uPlot's time unit), or
 * the seconds since the series' first timestamp, depending on `mode`.
 * A y entry is `null` where the series has a gap (a `NaN` value), so the line
 * breaks there, and `undefined` where the series has no point at that x
 * (another series has), so the line runs on across it. Points sharing an x
 * within one series collapse to the last one logged.
 */
export function alignSeries(
  series: IChartSeries[],
  mode: XAxisMode
): uPlot.AlignedData {
  if (series.length === 0) {
    return [[]];
  }
  const xCache = new Map<ArrayLike<number>, number[]>();
  const tables = series.map(s => {
    const source = mode === 'step' ? s.steps : s.timestamps;
    let xs = xCache.get(source);
    if (xs === undefined) {
      xs = Private.xValues(source, mode);
      xCache.set(source, xs);
    }
    return Private.table(xs, s.values);
  });
  return uPlot.join(tables);
}

namespace Private {
  /**
   * The x values of one series in chart units.
   */
  export function xValues(
    source: ArrayLike<number>,
    mode: XAxisMode
  ): number[] {
    const count = source.length;
    const xs = new Array<number>(count);
    if (mode === 'step') {
      for (let i = 0; i < count; i++) {
        xs[i] = source[i];
      }
      return xs;
    }
    const origin = mode === 'relative' && count > 0 ? minimum(source) : 0;
    for (let i = 0; i < count; i++) {
      xs[i] = (source[i] - origin) / 1000;
    }
    return xs;
  }

  /**
   * One `[x, y]` table with strictly increasing x and `null` for gaps, as
   * `uPlot.join` expects; an unordered series is sorted (stably) first.
   */
  export function table(
    xs: number[],
    values: ArrayLike<number>
  ): [number[], (number | null)[]] {
    const order = isIncreasing(xs) ? null : sortedOrder(xs);
    const outX: number[] = [];
    const outY: (number | null)[] = [];
    const count = Math.min(xs.length, values.length);
    for (let k = 0; k < count; k++) {
      const i = order === null ? k : order[k];
      const value = values[i];
      const y = Number.isNaN(value) ? null : value;
      const last = outX.length - 1;
      if (last >= 0 && outX[last] === xs[i]) {
        outY[last] = y;
      } else {
        outX.push(xs[i]);
        outY.push(y);
      }
    }
    return [outX, outY];
  }

  function isIncreasing(xs: number[]): boolean {
    for (let i = 1; i < xs.length; i++) {
      if (!(xs[i] > xs[i - 1])) {
        return false;
      }
    }
    return true;
  }

  function sortedOrder(xs: number[]): number[] {
    const order = Array.from(xs, (_, i) => i);
    // Array.prototype.sort is stable, so equal x keep the logging order.
    return order.sort((a, b) => xs[a] - xs[b]);
  }

  function minimum(values: ArrayLike<number>): number {
    let min = Infinity;
    for (let i = 0; i < values.length; i++) {
      min = Math.min(min, values[i]);
    }
    return min;
  }
}
