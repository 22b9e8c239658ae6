/*
 * "3 minutes ago": the relative times of the activity feed.
 */

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * DAY],
  ['month', 30 * DAY],
  ['week', 7 * DAY],
  ['day', DAY],
  ['hour', HOUR],
  ['minute', MINUTE]
];

/**
 * How long before `now` `time` was, in the page's language ("now" under a
 * minute, "5 minutes ago", "yesterday"). Times ahead of `now` (the server's
 * clock runs ahead of ours) are "now".
 */
export function relativeTime(
  time: number,
  now: number,
  lang: string = document.documentElement.lang || 'en'
): string {
  let formatter: Intl.RelativeTimeFormat;
  try {
    formatter = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  } catch {
    formatter = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  }
  const elapsed = Math.max(0, now - time);
  for (const [unit, size] of UNITS) {
    if (elapsed >= size) {
      return formatter.format(-Math.floor(elapsed / size), unit);
    }
  }
  return formatter.format(0, 'second');
}

/**
 * The full date and time, for tooltips.
 */
export function absoluteTime(
  time: number,
  lang: string = document.documentElement.lang || 'en'
): string {
  try {
    return new Intl.DateTimeFormat(lang, {
      dateStyle: 'medium',
      timeStyle: 'medium'
    }).format(new Date(time));
  } catch {
    return new Date(time).toISOString();
  }
}

/**
 * How often relative times are redrawn (ms).
 */
export const RELATIVE_TIME_TICK = 30 * 1000;
