/*
 * An SVG plot's axis for one column of values: linear when every value is
 * a number, categorical otherwise.
 */
import { formatTicks, linearScale, niceTicks, pointScale } from './scales';

/**
 * A value on an axis; `null` means missing.
 */
export type AxisValue = number | string | null;

/**
 * An axis for a column of values, mapping each to a pixel position.
 */
export interface IAxis {
  kind: 'numeric' | 'categorical';
  /** Pixel position of a value; `NaN` for a missing or unknown value. */
  position(value: AxisValue): number;
  /** Tick marks: pixel position and label. */
  ticks: IAxisTick[];
  /**
   * Where `value` sits from the axis' low end (0) to its high end (1);
   * `NaN` when missing.
   */
  fraction(value: AxisValue): number;
}

export interface IAxisTick {
  position: number;
  label: string;
}

/**
 * The number a value stands for: numbers as they are, strings that spell a
 * finite number (a param such as `"0.01"`) parsed, anything else `NaN`.
 */
export function numericValue(value: AxisValue): number {
  if (typeof value === 'number') {
    return value;
  }
  if (value === null || value.trim() === '') {
    return NaN;
  }
  return Number(value);
}

/**
 * An axis for `values` spanning `range` pixels (`[low end, high end]`).
 *
 * Numeric when every present value is finite as a number, with "nice"
 * ticks covering the values; otherwise categorical, the distinct values in
 * natural order ("lr2" before "lr10") as evenly spaced points.
 */
export function makeAxis(
  values: readonly AxisValue[],
  range: [number, number],
  tickCount = 5
): IAxis {
  const present = values.filter((v): v is number | string => v !== null);
  const numbers = present.map(numericValue);
  if (numbers.every(Number.isFinite)) {
    return numericAxis(numbers, range, tickCount);
  }
  return categoricalAxis(present.map(String), range);
}

function numericAxis(
  numbers: number[],
  range: [number, number],
  tickCount: number
): IAxis {
  let min = Infinity;
  let max = -Infinity;
  for (const n of numbers) {
    min = Math.min(min, n);
    max = Math.max(max, n);
  }
  const ticks = numbers.length > 0 ? niceTicks(min, max, tickCount) : [0, 1];
  const domain: [number, number] = [ticks[0], ticks[ticks.length - 1]];
  const toPixel = linearScale(domain, range);
  const toFraction = linearScale([min, max], [0, 1]);
  const labels = formatTicks(ticks);
  return {
    kind: 'numeric',
    position: value => (value === null ? NaN : toPixel(numericValue(value))),
    fraction: value => (value === null ? NaN : toFraction(numericValue(value))),
    ticks: ticks.map((t, i) => ({ position: toPixel(t), label: labels[i] }))
  };
}

function categoricalAxis(strings: string[], range: [number, number]): IAxis {
  const categories = Array.from(new Set(strings)).sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true })
  );
  const toPixel = pointScale(categories, range);
  const index = new Map(categories.map((c, i) => [c, i]));
  const last = Math.max(1, categories.length - 1);
  return {
    kind: 'categorical',
    position: value => (value === null ? NaN : toPixel(String(value))),
    fraction: value =>
      value === null ? NaN : (index.get(String(value)) ?? NaN) / last,
    ticks: categories.map(c => ({ position: toPixel(c), label: c }))
  };
}
