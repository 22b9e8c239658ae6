/*
 * Publishing where we are: our notebook, active cell and mode, under
 * `PRESENCE_FIELD` in the global awareness and in the current notebook's own
 * awareness, so that others see the cell we are on in command mode too (the
 * upstream cursors say where we typed, not where we are).
 */
import { IDisposable } from '@lumino/disposable';
import type { Awareness } from 'y-protocols/awareness';

import { IPresenceLocation, PRESENCE_FIELD } from '../../api/collab';

/**
 * The notebook in front of the user, as the publisher reads it.
 */
export interface ICurrentNotebook {
  path: string;
  /** The notebook's own awareness (`null` when it has none). */
  awareness: Awareness | null;
  cellId: string | null;
  cellIndex: number | null;
  mode: 'command' | 'edit';
}

/**
 * The shortest time between two publications (ms): moving through cells
 * with the arrow keys publishes the first and the last cell, not each one.
 */
export const PUBLISH_INTERVAL = 250;

export class PresencePublisher implements IDisposable {
  constructor(options: PresencePublisher.IOptions) {
    this._global = options.awareness;
    this._read = options.read;
    this._interval = options.interval ?? PUBLISH_INTERVAL;
    this._now = options.now ?? Date.now;
  }

  /** What was published last (`null` before the first time). */
  get published(): IPresenceLocation | null {
    return this._published;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Something we show may have changed (the current notebook, the active
   * cell, the mode): publish it now, or at the end of the interval when the
   * last publication is too recent. Nothing is sent when nothing changed,
   * unless `touch` (this tab became the one in use: its location becomes the
   * most recent of the person's tabs).
   */
  schedule(options: { touch?: boolean } = {}): void {
    if (this._isDisposed) {
      return;
    }
    this._touch = this._touch || options.touch === true;
    if (this._timer !== null) {
      return;
    }
    const wait = this._lastTime + this._interval - this._now();
    if (wait <= 0) {
      this.flush();
    } else {
      this._timer = setTimeout(() => {
        this._timer = null;
        this.flush();
      }, wait);
    }
  }

  /** Publish now what is scheduled. */
  flush(): void {
    if (this._isDisposed) {
      return;
    }
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    const touch = this._touch;
    this._touch = false;
    const current = this._read();
    const previous = this._published;
    const same =
      previous !== null &&
      previous.path === (current?.path ?? null) &&
      previous.cellId === (current?.cellId ?? null) &&
      previous.cellIndex === (current?.cellIndex ?? null) &&
      previous.mode === (current?.mode ?? 'command') &&
      this._notebookAwareness === (current?.awareness ?? null);
    if (same && !touch) {
      return;
    }
    const location: IPresenceLocation = {
      path: current?.path ?? null,
      cellId: current?.cellId ?? null,
      cellIndex: current?.cellIndex ?? null,
      mode: current?.mode ?? 'command',
      at: this._now()
    };
    const notebookAwareness = current?.awareness ?? null;
    if (
      this._notebookAwareness !== null &&
      this._notebookAwareness !== notebookAwareness
    ) {
      // We left that notebook: we are no longer on any of its cells.
      this._notebookAwareness.setLocalStateField(PRESENCE_FIELD, null);
    }
    this._notebookAwareness = notebookAwareness;
    this._published = location;
    this._lastTime = location.at;
    // The same object in both rooms: readers match a tab's two states by it.
    notebookAwareness?.setLocalStateField(PRESENCE_FIELD, location);
    this._global?.setLocalStateField(PRESENCE_FIELD, location);
  }

  /** Stop, and withdraw the published location. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._notebookAwareness?.setLocalStateField(PRESENCE_FIELD, null);
    this._global?.setLocalStateField(PRESENCE_FIELD, null);
  }

  private _global: Awareness | null;
  private _interval: number;
  private _isDisposed = false;
  private _lastTime = -Infinity;
  private _notebookAwareness: Awareness | null = null;
  private _now: () => number;
  private _published: IPresenceLocation | null = null;
  private _read: () => ICurrentNotebook | null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _touch = false;
}

export namespace PresencePublisher {
  export interface IOptions {
    /** The global awareness (`null`: publish in notebooks only). */
    awareness: Awareness | null;
    /** Read the notebook in front of the user (`null`: none). */
    read: () => ICurrentNotebook | null;
    /** Shortest time between publications (ms, default 250). */
    interval?: number;
    /** The clock (ms). */
    now?: () => number;
  }
}
