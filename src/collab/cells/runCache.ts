/*
 * The runs shown on cells and in provenance chains: each fetched once per
 * page, then kept live from the shared events websocket.
 */
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

import {
  EventsConnection,
  ILatestMetric,
  IRun,
  isRunEvent,
  TrackingClient,
  TrackingEvent
} from '../../api/tracking';

/**
 * Where a run stands in the cache.
 *
 * - `loading`: asked for, not read yet;
 * - `ready`: `run` is the run as last read or received;
 * - `missing`: the server has no such run (deleted for good, or another
 *   server's id);
 * - `error`: it could not be read (`error` says why; `run` keeps what was
 *   known before, if anything).
 */
export type RunEntryState = 'loading' | 'ready' | 'missing' | 'error';

/**
 * One run as the cache knows it. Entries are immutable: a change makes a new
 * entry (so views can compare them by identity).
 */
export interface IRunEntry {
  readonly runId: string;
  readonly state: RunEntryState;
  readonly run: IRun | null;
  readonly error: string | null;
}

/**
 * The shared cache of runs (`IRunCache` token): one read per run, live
 * updates from the events websocket, no polling.
 */
export interface IRunCache {
  /** The entry of a run if it is cached, without reading it. */
  peek(runId: string): IRunEntry | null;
  /** The entry of a run; reads it (once) when it is not cached. */
  get(runId: string): IRunEntry;
  /**
   * Call `listener` with the new entry whenever the run changes, until the
   * returned disposable is disposed; reads the run when it is not cached.
   */
  watch(runId: string, listener: (entry: IRunEntry) => void): IDisposable;
  /** Read the run again. */
  refresh(runId: string): Promise<IRunEntry>;
}

/** Run statuses after which a run no longer changes by itself. */
const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED']);

/**
 * Whether a run is still going (its metrics and status may change).
 */
export function isLiveRun(run: Pick<IRun, 'status'>): boolean {
  return !TERMINAL.has(run.status);
}

/**
 * The latest metrics of a run with newer points merged in: a key takes the
 * incoming point unless the known one has a later step (or, at the same
 * step, a later timestamp).
 */
export function mergeLatestMetrics(
  current: Readonly<Record<string, ILatestMetric>>,
  incoming: Readonly<Record<string, ILatestMetric>>
): Record<string, ILatestMetric> {
  const merged = { ...current };
  for (const [key, point] of Object.entries(incoming)) {
    const known = merged[key];
    if (
      !known ||
      point.step > known.step ||
      (point.step === known.step && point.timestamp >= known.timestamp)
    ) {
      merged[key] = point;
    }
  }
  return merged;
}

/**
 * The `IRunCache` of a page: built once on the tracking service's client and
 * events connection (it opens no socket of its own).
 */
export class RunCache implements IRunCache, IDisposable {
  constructor(options: RunCache.IOptions) {
    this._client = options.client;
    this._events = options.events;
    this._limit = options.limit ?? 500;
    this._retryAfter = options.retryAfter ?? 30_000;
    this._now = options.now ?? Date.now;
    this._events.received.connect(this._onEvent, this);
    this._events.statusChanged.connect(this._onStatus, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** How many runs are cached. */
  get size(): number {
    return this._slots.size;
  }

  peek(runId: string): IRunEntry | null {
    return this._slots.get(runId)?.entry ?? null;
  }

  get(runId: string): IRunEntry {
    const slot = this._slot(runId);
    this._fetchIfNeeded(slot);
    return slot.entry;
  }

  watch(runId: string, listener: (entry: IRunEntry) => void): IDisposable {
    const slot = this._slot(runId);
    slot.listeners.add(listener);
    this._fetchIfNeeded(slot);
    return new DisposableDelegate(() => {
      slot.listeners.delete(listener);
      if (slot.listeners.size === 0) {
        this._evict();
      }
    });
  }

  async refresh(runId: string): Promise<IRunEntry> {
    const slot = this._slot(runId);
    await this._fetch(slot);
    return slot.entry;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events.received.disconnect(this._onEvent, this);
    this._events.statusChanged.disconnect(this._onStatus, this);
    this._slots.clear();
  }

  /** The slot of a run, created when missing, made most recently used. */
  private _slot(runId: string): ISlot {
    let slot = this._slots.get(runId);
    if (slot) {
      this._slots.delete(runId);
    } else {
      slot = {
        entry: { runId, state: 'loading', run: null, error: null },
        listeners: new Set(),
        fetching: null,
        version: 0,
        pendingMetrics: null,
        failedAt: 0
      };
    }
    this._slots.set(runId, slot);
    this._evict(runId);
    return slot;
  }

  private _fetchIfNeeded(slot: ISlot): void {
    const { state } = slot.entry;
    if (
      slot.fetching === null &&
      (state === 'loading' ||
        (state === 'error' && this._now() - slot.failedAt >= this._retryAfter))
    ) {
      void this._fetch(slot);
    }
  }

  private _fetch(slot: ISlot): Promise<void> {
    if (slot.fetching) {
      return slot.fetching;
    }
    // Listen before reading, so that nothing sent meanwhile is lost.
    this._events.connect();
    const runId = slot.entry.runId;
    const version = slot.version;
    const fetching = (async () => {
      try {
        const run = await this._client.getRun(runId);
        if (slot.version !== version && slot.entry.run) {
          // An event brought a newer state while the request was out.
          return;
        }
        this._ready(slot, run);
      } catch (error) {
        slot.failedAt = this._now();
        const status = (error as { response?: Response }).response?.status;
        this._set(slot, {
          runId,
          state: status === 404 ? 'missing' : 'error',
          run: status === 404 ? null : slot.entry.run,
          error: error instanceof Error ? error.message : String(error)
        });
      } finally {
        slot.fetching = null;
        // It could not be forgotten while it was being read.
        this._evict();
      }
    })();
    slot.fetching = fetching;
    return fetching;
  }

  /**
   * The run as the server has it now (a read or a run event), with the
   * metrics that arrived meanwhile merged in.
   */
  private _ready(slot: ISlot, run: IRun): void {
    const metrics = slot.pendingMetrics
      ? mergeLatestMetrics(run.metrics, slot.pendingMetrics)
      : run.metrics;
    slot.pendingMetrics = null;
    slot.failedAt = 0;
    this._set(slot, {
      runId: run.run_id,
      state: 'ready',
      run: { ...run, metrics },
      error: null
    });
  }

  private _set(slot: ISlot, entry: IRunEntry): void {
    if (this._isDisposed) {
      return;
    }
    slot.entry = entry;
    slot.version += 1;
    for (const listener of [...slot.listeners]) {
      listener(entry);
    }
  }

  /**
   * Forget the least recently used runs nobody watches (but `keep`), over
   * the limit.
   */
  private _evict(keep?: string): void {
    if (this._slots.size <= this._limit) {
      return;
    }
    for (const [runId, slot] of this._slots) {
      if (this._slots.size <= this._limit) {
        break;
      }
      if (
        runId !== keep &&
        slot.listeners.size === 0 &&
        slot.fetching === null
      ) {
        this._slots.delete(runId);
      }
    }
  }

  private _onEvent(_: unknown, event: TrackingEvent): void {
    if (isRunEvent(event)) {
      const runId = event.run.run_id;
      let slot = this._slots.get(runId);
      if (!slot && event.type === 'run_created') {
        // A run just created is likely to be on a cell soon: keep it, which
        // saves every co-editor a request.
        slot = this._slot(runId);
      }
      if (!slot) {
        return;
      }
      const run =
        event.type === 'run_deleted'
          ? { ...event.run, lifecycle_stage: 'deleted' as const }
          : event.run;
      this._ready(slot, run);
    } else if (event.type === 'metrics_appended') {
      const slot = this._slots.get(event.run_id);
      if (!slot) {
        return;
      }
      const run = slot.entry.run;
      if (!run) {
        // Still being read: apply once it is.
        slot.pendingMetrics = mergeLatestMetrics(
          slot.pendingMetrics ?? {},
          event.latest
        );
        return;
      }
      this._set(slot, {
        ...slot.entry,
        run: { ...run, metrics: mergeLatestMetrics(run.metrics, event.latest) }
      });
    }
  }

  /**
   * After a reconnection, read again the watched runs that may have changed
   * while events were lost: those still going, and those that failed.
   */
  private _onStatus(_: unknown, status: EventsConnection.Status): void {
    if (status === 'disconnected') {
      this._wasDisconnected = true;
      return;
    }
    if (status !== 'connected' || !this._wasDisconnected) {
      return;
    }
    this._wasDisconnected = false;
    for (const slot of this._slots.values()) {
      const { run, state } = slot.entry;
      if (
        slot.listeners.size > 0 &&
        (state === 'error' || (run !== null && isLiveRun(run)))
      ) {
        void this._fetch(slot);
      }
    }
  }

  private _client: Pick<TrackingClient, 'getRun'>;
  private _events: RunCache.IEvents;
  private _isDisposed = false;
  private _limit: number;
  private _now: () => number;
  private _retryAfter: number;
  private _slots = new Map<string, ISlot>();
  private _wasDisconnected = false;
}

export namespace RunCache {
  /** The part of `EventsConnection` the cache uses. */
  export type IEvents = Pick<
    EventsConnection,
    'received' | 'statusChanged' | 'connect'
  >;

  export interface IOptions {
    client: Pick<TrackingClient, 'getRun'>;
    /** The page's events connection (`ITrackingService.events`). */
    events: IEvents;
    /** Runs kept beyond those watched (least recently used go first). */
    limit?: number;
    /** Milliseconds before a run that failed to load is asked for again. */
    retryAfter?: number;
    /** The time source (default `Date.now`). */
    now?: () => number;
  }
}

interface ISlot {
  entry: IRunEntry;
  listeners: Set<(entry: IRunEntry) => void>;
  fetching: Promise<void> | null;
  /** Increases with every change of `entry`. */
  version: number;
  /** Metrics received while the run was being read. */
  pendingMetrics: Record<string, ILatestMetric> | null;
  /** When the last read failed (0: it did not). */
  failedAt: number;
}
