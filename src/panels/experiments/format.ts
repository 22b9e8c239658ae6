/*
 * Display formatting shared by the experiment components.
 */
import { Time } from '@jupyterlab/coreutils';

import { MetricValue } from '../../api/tracking';

/**
 * A timestamp in milliseconds since the epoch, in the user's locale.
 */
export function formatTime(milliseconds: number): string {
  return Time.format(new Date(milliseconds));
}

/**
 * A metric value with at most 4 significant digits (integers are kept whole);
 * `'NaN'`, `'Infinity'` and `'-Infinity'` are shown as they are.
 */
export function formatMetric(value: MetricValue): string {
  if (typeof value === 'string') {
    return value;
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  return String(Number(value.toPrecision(4)));
}
