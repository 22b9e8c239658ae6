/*
 * The lines a metric chart draws for its series, given the chart settings.
 */
import { IChartSeries } from './series';
import { smoothEma } from './smoothing';

/**
 * A line of a metric chart: a series' raw or smoothed values.
 */
export interface IChartLine extends IChartSeries {
  /**
   * The raw values drawn faintly behind the smoothed line (only when
   * smoothing); it is followed by its smoothed line.
   */
  faint: boolean;
}

/**
 * The lines for `series`: one per series without smoothing; with smoothing,
 * the faint raw line then the smoothed one. On a log scale, values ≤ 0
 * become gaps (`NaN`), after smoothing so the average sees every value.
 */
export function chartLines(
  series: readonly IChartSeries[],
  smoothing: number,
  logScale: boolean
): IChartLine[] {
  const visible = (values: ArrayLike<number>) =>
    logScale ? positiveOnly(values) : values;
  const lines: IChartLine[] = [];
  for (const s of series) {
    if (smoothing > 0) {
      lines.push({ ...s, values: visible(s.values), faint: true });
      const smoothed = smoothEma(s.values, smoothing);
      lines.push({ ...s, values: visible(smoothed), faint: false });
    } else {
      lines.push({ ...s, values: visible(s.values), faint: false });
    }
  }
  return lines;
}

/**
 * Whether any line has a finite value to draw.
 */
export function hasPoints(lines: readonly IChartSeries[]): boolean {
  return lines.some(line => {
    for (let i = 0; i < line.values.length; i++) {
      if (Number.isFinite(line.values[i])) {
        return true;
      }
    }
    return false;
  });
}

/**
 * A key that changes when the chart must be rebuilt rather than given new
 * data: the lines' identity, labels, colours and kind.
 */
export function linesKey(lines: readonly IChartLine[]): string {
  return JSON.stringify(
    lines.map(line => [line.id, line.label, line.color, line.faint])
  );
}

function positiveOnly(values: ArrayLike<number>): Float64Array {
  const count = values.length;
  const result = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const value = values[i];
    result[i] = value > 0 ? value : NaN;
  }
  return result;
}
