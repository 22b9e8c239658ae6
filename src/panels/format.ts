/*
 * How the panels write times, durations, metric values, sizes, latencies and
 * counts: one place, so the runs table, the run panel, the artifact browser,
 * the Deploy panel and the cell strips agree.
 */
import { Time } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';

import { MetricValue } from '../api/tracking';

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
  return Private.longSpan(Math.floor(seconds));
}

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/**
 * A byte count in binary units with 3 significant digits at most
 * ("512 B", "1.5 KB", "10 MB"); `''` when the size is unknown.
 */
export function formatSize(
  bytes: number | null | undefined,
  trans: TranslationBundle
): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) {
    return '';
  }
  if (bytes < 1024) {
    return trans._n('%1 byte', '%1 bytes', bytes);
  }
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const shown = String(Number(value.toFixed(digits)));
  // The unit symbols are the same in every language; the spacing may not be.
  return trans.__('%1 %2', shown, UNITS[unit]);
}

/**
 * An uptime: `42s`, then as `formatDuration` writes a minute or more
 * (`5m 03s`, `2h 05m`, `3d 04h`); `—` when unknown.
 */
export function formatUptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '—';
  }
  const s = Math.max(0, Math.floor(seconds));
  return s < 60 ? `${s}s` : Private.longSpan(s);
}

/**
 * Seconds since an ISO time (`null` without one).
 */
export function secondsSince(
  iso: string | null | undefined,
  now = Date.now()
): number | null {
  if (!iso) {
    return null;
  }
  const time = Date.parse(iso);
  return isNaN(time) ? null : Math.max(0, (now - time) / 1000);
}

/**
 * A latency in milliseconds: `0.42 ms`, `8.9 ms`, `215 ms`, `1.2 s`; `—`
 * when unknown.
 */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !isFinite(ms)) {
    return '—';
  }
  if (ms < 1) {
    return `${ms.toFixed(2)} ms`;
  }
  if (ms < 100) {
    return `${ms.toFixed(1)} ms`;
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A count with thousands separators (`12,345`).
 */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/**
 * A local date and time (`2026-11-26 23:15`), or `—`.
 */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  if (isNaN(date.getTime())) {
    return '—';
  }
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

namespace Private {
  const pad = (n: number): string => String(n).padStart(2, '0');

  /**
   * A span of a minute or more: `4m 05s`, `2h 03m`, and days past 48 hours
   * (`3d 01h`).
   */
  export function longSpan(totalSeconds: number): string {
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
}
