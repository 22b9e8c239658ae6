/*
 * Axis arithmetic and number formatting shared by the SVG plots and the
 * uPlot axis formatters.
 */

/**
 * Round tick values, 1, 2 or 5 times a power of ten apart, covering
 * `[min, max]`: the first tick is at or below `min` and the last at or above
 * `max`, so the ticks' ends make a "nice" domain. About `count` intervals
 * inside the data (at least one); an empty domain (`min === max`) is widened around its
 * value.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    return [];
  }
  if (min > max) {
    [min, max] = [max, min];
  }
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) / 10;
    min -= pad;
    max += pad;
  }
  const step = niceStep((max - min) / Math.max(1, count));
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) {
    ticks.push(Number((i * step).toFixed(decimals)));
  }
  return ticks;
}

/**
 * Ticks for a logarithmic axis inside `[min, max]` (both > 0): the powers of
 * ten; when fewer than three fall inside, 1, 2 and 5 times each power, then
 * every multiple 1..9, then (for a range within one decade) linear ticks.
 */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(max)) {
    return [];
  }
  if (min > max) {
    [min, max] = [max, min];
  }
  const decades: number[] = [];
  const high = Math.ceil(Math.log10(max));
  for (let e = Math.floor(Math.log10(min)); e <= high; e++) {
    decades.push(e);
  }
  const inside = (v: number) => v >= min && v <= max;
  for (const multiples of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (const e of decades) {
      for (const m of multiples) {
        const tick = Number((m * powerOfTen(e)).toPrecision(12));
        if (inside(tick)) {
          ticks.push(tick);
        }
      }
    }
    if (ticks.length >= 3) {
      return ticks;
    }
  }
  return niceTicks(min, max).filter(inside);
}

/**
 * A linear map from `domain` to `range` (e.g. data values to pixels); an
 * empty domain maps everything to the middle of the range.
 */
export function linearScale(
  domain: [number, number],
  range: [number, number]
): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d0 === d1) {
    return () => (r0 + r1) / 2;
  }
  const k = (r1 - r0) / (d1 - d0);
  return value => r0 + (value - d0) * k;
}

/**
 * A point scale: `categories` spread evenly over `range`, with half a step
 * of padding at each end; unknown categories map to `NaN`.
 */
export function pointScale(
  categories: readonly string[],
  range: [number, number]
): (category: string) => number {
  const [r0, r1] = range;
  const step = (r1 - r0) / Math.max(1, categories.length);
  const positions = new Map(
    categories.map((c, i) => [c, r0 + step * (i + 0.5)])
  );
  return category => positions.get(category) ?? NaN;
}

/**
 * A number in a few characters: `digits` significant digits, SI suffixes
 * from a thousand (`1.2k`, `3.4M`, up to `T`), exponent notation below
 * 0.001 and from 10^15 (`3.4e-5`).
 */
export function formatCompact(value: number, digits = 3): string {
  if (!Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '-∞';
  }
  const rounded = Number(value.toPrecision(digits));
  const magnitude = Math.abs(rounded);
  if (magnitude === 0) {
    return '0';
  }
  if (magnitude < 1e-3 || magnitude >= 1e15) {
    return exponential(rounded, digits);
  }
  if (magnitude < 1e3) {
    return String(rounded);
  }
  const group = Math.min(
    SI_SUFFIXES.length - 1,
    Math.floor(Math.log10(magnitude) / 3)
  );
  const scaled = Number((rounded / powerOfTen(group * 3)).toPrecision(digits));
  return `${scaled}${SI_SUFFIXES[group]}`;
}

/**
 * Labels for a set of ticks: `formatCompact` with as few significant digits
 * as keep the labels of distinct ticks distinct (3 at least).
 */
export function formatTicks(values: readonly number[]): string[] {
  let labels = values.map(v => formatCompact(v));
  for (let digits = 4; digits <= 15; digits++) {
    if (new Set(labels).size === new Set(values).size) {
      break;
    }
    labels = values.map(v => formatCompact(v, digits));
  }
  return labels;
}

/**
 * A duration in seconds as `45s`, `1m 30s`, `2h 5m` or `3d 4h` (the largest
 * unit and the next one when not zero); fractions of a second are kept below
 * ten seconds (`2.5s`).
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) {
    return formatCompact(seconds);
  }
  const sign = seconds < 0 ? '-' : '';
  const magnitude = Math.abs(seconds);
  if (magnitude < 10) {
    return `${sign}${Number(magnitude.toPrecision(2))}s`;
  }
  const rounded = Math.round(magnitude);
  const first = DURATION_UNITS.findIndex(([, size]) => rounded >= size);
  const [unit, size] = DURATION_UNITS[first];
  let text = `${sign}${Math.floor(rounded / size)}${unit}`;
  const next = DURATION_UNITS[first + 1];
  if (next !== undefined) {
    const count = Math.floor((rounded % size) / next[1]);
    if (count > 0) {
      text += ` ${count}${next[0]}`;
    }
  }
  return text;
}

const SI_SUFFIXES = ['', 'k', 'M', 'G', 'T'];

const DURATION_UNITS: [string, number][] = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1]
];

function niceStep(rough: number): number {
  const power = powerOfTen(Math.floor(Math.log10(rough)));
  const fraction = rough / power;
  // The nearest of 1, 2, 5 and 10 on a log scale (thresholds √2, √10, √50).
  const nice =
    fraction >= Math.sqrt(50)
      ? 10
      : fraction >= Math.sqrt(10)
        ? 5
        : fraction >= Math.sqrt(2)
          ? 2
          : 1;
  return nice * power;
}

function powerOfTen(exponent: number): number {
  // 10 ** -3 is 0.0010000000000000002; parsing the literal is exact.
  return Number(`1e${exponent}`);
}

function exponential(value: number, digits: number): string {
  const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
  return `${Number(mantissa)}e${Number(exponent)}`;
}
