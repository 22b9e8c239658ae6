/*
 * Metric histories of one or several runs, downsampled by the server for
 * charts, and re-fetched while the runs log (the charts of a running run
 * stream).
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  EventsConnection,
  IRunMetricHistory,
  TrackingClient,
  TrackingEvent
} from '../../api/tracking';
import { PendingRequests } from '../pendingRequests';

/**
 * Points per history asked from the server: about two per pixel of a wide
 * chart, which the min/max downsampling turns into a faithful line.
 */
export const DEFAULT_MAX_POINTS = 1500;

/** The `performance.mark` name set when metric histories arrive. */
export const HISTORIES_RECEIVED_MARK = 'mlp:histories-received';

/** Limits of one `runs/metric-histories` request. */
const RUNS_PER_REQUEST = 100;
const KEYS_PER_REQUEST = 50;

export class MetricHistories implements IDisposable {
  constructor(options: MetricHistories.IOptions) {
    this._client = options.client;
    this._events = options.events ?? null;
    this._runIds = [...options.runIds];
    this._maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this._events?.received.connect(this._onEvent, this);
  }

  /** Emitted when histories arrive. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get loading(): boolean {
    return this._requests.active;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The history of one run's metric, when loaded and not empty. */
  get(runId: string, key: string): IRunMetricHistory | undefined {
    return this._histories.get(pairKey(runId, key));
  }

  /** Fetch these keys for every run (replacing what was loaded). */
  async load(keys: readonly string[]): Promise<void> {
    this._keys = [...new Set([...this._keys, ...keys])];
    await this._fetch(this._runIds, keys);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events?.received.disconnect(this._onEvent, this);
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
    Signal.clearData(this);
  }

  private async _fetch(
    runIds: readonly string[],
    keys: readonly string[]
  ): Promise<void> {
    if (runIds.length === 0 || keys.length === 0) {
      return;
    }
    const requests: Promise<void>[] = [];
    for (let r = 0; r < runIds.length; r += RUNS_PER_REQUEST) {
      for (let k = 0; k < keys.length; k += KEYS_PER_REQUEST) {
        requests.push(
          this._fetchChunk(
            runIds.slice(r, r + RUNS_PER_REQUEST),
            keys.slice(k, k + KEYS_PER_REQUEST)
          )
        );
      }
    }
    await this._requests.track(
      () => Promise.all(requests),
      this._trans.__('Could not load the metric histories')
    );
  }

  private async _fetchChunk(runIds: string[], keys: string[]): Promise<void> {
    const reply = await this._client.getMetricHistories({
      run_ids: runIds,
      keys,
      max_points: this._maxPoints
    });
    if (this._isDisposed) {
      return;
    }
    // bench/ measures from here to the charts' draw marks.
    performance.mark(HISTORIES_RECEIVED_MARK);
    for (const history of reply.histories) {
      this._histories.set(pairKey(history.run_id, history.key), history);
    }
  }

  /** New points: re-fetch the touched keys at most once per interval. */
  private _onEvent(_: EventsConnection, event: TrackingEvent): void {
    if (
      event.type !== 'metrics_appended' ||
      !this._runIds.includes(event.run_id)
    ) {
      return;
    }
    const keys = this._dirty.get(event.run_id) ?? new Set<string>();
    for (const key of Object.keys(event.latest)) {
      keys.add(key);
    }
    this._dirty.set(event.run_id, keys);
    if (this._timer === null) {
      this._timer = setTimeout(() => {
        this._timer = null;
        const dirty = this._dirty;
        this._dirty = new Map();
        const unknown = new Set<string>();
        for (const [runId, touched] of dirty) {
          const wanted = [...touched].filter(k => this._keys.includes(k));
          [...touched]
            .filter(k => !wanted.includes(k))
            .forEach(k => unknown.add(k));
          void this._fetch([runId], wanted);
        }
        if (unknown.size > 0) {
          this._newKeys.emit([...unknown]);
        }
      }, MetricHistories.LIVE_INTERVAL_MS);
    }
  }

  /** Emitted with metric keys seen in events that are not loaded yet. */
  get newKeys(): ISignal<this, string[]> {
    return this._newKeys;
  }

  private _changed = new Signal<this, void>(this);
  private _client: TrackingClient;
  private _dirty = new Map<string, Set<string>>();
  private _events: EventsConnection | null;
  private _histories = new Map<string, IRunMetricHistory>();
  private _isDisposed = false;
  private _keys: string[] = [];
  private _maxPoints: number;
  private _newKeys = new Signal<this, string[]>(this);
  private _requests = new PendingRequests(() => {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  });
  private _runIds: string[];
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _trans: TranslationBundle;
}

export namespace MetricHistories {
  export interface IOptions {
    client: TrackingClient;
    runIds: readonly string[];
    /** Streams new points when given. */
    events?: EventsConnection;
    maxPoints?: number;
    trans?: TranslationBundle;
  }

  /** The most often a streaming chart re-fetches. */
  export const LIVE_INTERVAL_MS = 1000;
}

function pairKey(runId: string, key: string): string {
  return `${runId}\u0000${key}`;
}
