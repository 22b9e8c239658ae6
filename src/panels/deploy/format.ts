/*
 * How the Deploy panel writes durations, latencies and times.
 */

/**
 * An uptime: `42s`, `5m 3s`, `2h 5m`, `3d 4h`; `—` when unknown.
 */
export function formatUptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '—';
  }
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) {
    return `${s}s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)}m ${s % 60}s`;
  }
  if (s < 86400) {
    return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  }
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
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
