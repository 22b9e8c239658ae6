/*
 * Times of shared editing: "just now", "3 min ago" (on cell chips and in the
 * activity feed), the clock time in their tooltips, and the one clock every
 * chip's label follows.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Below this age, a time reads "just now". */
const JUST_NOW = 45_000;

/**
 * How long ago `then` was at `now` (both ms since the epoch): "just now",
 * "3 min ago", "2 h ago", "4 days ago", then the date. A time in the future
 * (the server's clock ahead of this one) reads "just now".
 */
export function relativeTime(
  then: number,
  now: number,
  trans: TranslationBundle
): string {
  const age = now - then;
  if (age < JUST_NOW) {
    return trans.__('just now');
  }
  if (age < HOUR) {
    const minutes = Math.max(1, Math.floor(age / MINUTE));
    return trans._n('%1 min ago', '%1 min ago', minutes);
  }
  if (age < DAY) {
    const hours = Math.floor(age / HOUR);
    return trans._n('%1 h ago', '%1 h ago', hours);
  }
  if (age < 7 * DAY) {
    const days = Math.floor(age / DAY);
    return trans._n('%1 day ago', '%1 days ago', days);
  }
  return dateLabel(then, now);
}

/**
 * The clock time of `then` ("10:02:13" in the user's locale), with the date
 * in front when it is not the day of `now`.
 */
export function clockTime(then: number, now: number): string {
  const date = new Date(then);
  const time = date.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit'
  });
  return sameDay(then, now) ? time : `${dateLabel(then, now)} ${time}`;
}

/**
 * The hour and minute of `then` ("10:02"), with the date in front when it is
 * not the day of `now`.
 */
export function shortClockTime(then: number, now: number): string {
  const time = new Date(then).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit'
  });
  return sameDay(then, now) ? time : `${dateLabel(then, now)} ${time}`;
}

function sameDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

function dateLabel(then: number, now: number): string {
  const date = new Date(then);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString(undefined, {
    month: 'short',
    day: 'numeric',
    year: sameYear ? undefined : 'numeric'
  });
}

/**
 * The one clock of the relative times on cells: it calls its subscribers
 * every `interval` ms, so that each visible chip updates its label (one text
 * node) instead of every cell re-rendering every second. No timer runs while
 * nothing is subscribed.
 */
export class SharedClock implements IDisposable {
  constructor(
    options: {
      /** Milliseconds between ticks (default 15 s). */
      interval?: number;
      /** The time source (default `Date.now`). */
      now?: () => number;
    } = {}
  ) {
    this._interval = options.interval ?? 15_000;
    this._now = options.now ?? Date.now;
  }

  /** The time now, from the clock's source. */
  now(): number {
    return this._now();
  }

  /** How many subscribers the clock has (a timer runs while there are). */
  get subscribers(): number {
    return this._subscribers.size;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Call `listener` with the time on every tick until the returned
   * disposable is disposed.
   */
  subscribe(listener: (now: number) => void): IDisposable {
    const entry = { listener };
    this._subscribers.add(entry);
    this._start();
    return new DisposableDelegate(() => {
      this._subscribers.delete(entry);
      if (this._subscribers.size === 0) {
        this._stop();
      }
    });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._subscribers.clear();
    this._stop();
  }

  private _start(): void {
    if (this._timer === null && !this._isDisposed) {
      this._timer = setInterval(() => this._tick(), this._interval);
    }
  }

  private _stop(): void {
    if (this._timer !== null) {
      clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _tick(): void {
    const now = this._now();
    for (const { listener } of [...this._subscribers]) {
      listener(now);
    }
  }

  private _interval: number;
  private _isDisposed = false;
  private _now: () => number;
  private _subscribers = new Set<{ listener: (now: number) => void }>();
  private _timer: ReturnType<typeof setInterval> | null = null;
}
