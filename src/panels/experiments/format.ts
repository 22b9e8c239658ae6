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

/**
 * A duration in milliseconds as `850 ms`, `12.3 s`, `4m 05s` or `2h 03m`.
 */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) {
    return `${Math.max(0, Math.round(milliseconds))} ms`;
  }
  const seconds = milliseconds / 1000;
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const pad = (n: number): string => String(n).padStart(2, '0');
  const totalSeconds = Math.floor(seconds);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  if (hours === 0) {
    return `${minutes}m ${pad(totalSeconds % 60)}s`;
  }
  if (hours < 48) {
    return `${hours}h ${pad(minutes)}m`;
  }
  return `${Math.floor(hours / 24)}d ${pad(hours % 24)}h`;
}
