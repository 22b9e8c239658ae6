/*
 * State of the Experiments sidebar: the experiment list, the selected
 * experiment and its runs. The React components only render it.
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  EventsConnection,
  IExperiment,
  IRun,
  isExperimentEvent,
  isRunEvent,
  TrackingClient,
  TrackingEvent
} from '../../api/tracking';
import { PendingRequests } from '../pendingRequests';
import { DEFAULT_SIDEBAR_PAGE_SIZE } from './settings';

export class ExperimentsModel implements IDisposable {
  constructor(options: ExperimentsModel.IOptions) {
    this.client = options.client;
    this._events = options.events ?? null;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this._events?.received.connect(this._onEvent, this);
  }

  readonly client: TrackingClient;

  /**
   * Emitted whenever anything the view shows changes.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get experiments(): readonly IExperiment[] {
    return this._experiments;
  }

  get selectedExperimentId(): string | null {
    return this._selectedId;
  }

  get selectedExperiment(): IExperiment | null {
    return (
      this._experiments.find(e => e.experiment_id === this._selectedId) ?? null
    );
  }

  /**
   * The runs of the selected experiment (newest first).
   */
  get runs(): readonly IRun[] {
    return this._runs;
  }

  get loading(): boolean {
    return this._requests.active;
  }

  /**
   * The most runs fetched for one experiment (the `pageSize` setting).
   */
  get pageSize(): number {
    return this._pageSize;
  }
  set pageSize(value: number) {
    this._pageSize = Math.max(1, Math.floor(value));
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Start listening to server events (when an event stream was given) and
   * load the experiments. The view calls this when it is first shown.
   */
  async activate(): Promise<void> {
    this._events?.connect();
    await this.refresh();
  }

  /**
   * Reload the experiment list, then the runs of the selected experiment.
   */
  async refresh(): Promise<void> {
    await this._requests.track(async () => {
      const experiments = await this.client.listExperiments();
      this._experiments = [...experiments].sort(
        (a, b) => b.creation_time - a.creation_time
      );
      if (
        this._selectedId !== null &&
        !this._experiments.some(e => e.experiment_id === this._selectedId)
      ) {
        this._selectedId = null;
        this._runs = [];
      }
    }, this._trans.__('Could not load the experiments'));
    await this.refreshRuns();
  }

  /**
   * Reload the runs of the selected experiment.
   */
  async refreshRuns(): Promise<void> {
    const experimentId = this._selectedId;
    if (experimentId === null) {
      return;
    }
    await this._requests.track(async () => {
      const page = await this.client.searchRuns({
        experiment_ids: [experimentId],
        max_results: this._pageSize
      });
      if (this._selectedId === experimentId) {
        this._runs = [...page.runs].sort((a, b) => b.start_time - a.start_time);
      }
    }, this._trans.__('Could not load the runs'));
  }

  /**
   * Select an experiment (or none) and load its runs.
   */
  async select(experimentId: string | null): Promise<void> {
    if (experimentId === this._selectedId) {
      return;
    }
    this._selectedId = experimentId;
    this._runs = [];
    this._changed.emit();
    await this.refreshRuns();
  }

  /**
   * Create an experiment, then select it.
   *
   * @returns The new experiment, or `null` when the server refused it (the
   *   user has been notified).
   */
  async createExperiment(name: string): Promise<IExperiment | null> {
    const created = await this._requests.track(
      () => this.client.createExperiment({ name }),
      this._trans.__('Could not create the experiment')
    );
    if (created === undefined) {
      return null;
    }
    await this.refresh();
    await this.select(created.experiment_id);
    return created;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events?.received.disconnect(this._onEvent, this);
    if (this._eventTimer !== null) {
      clearTimeout(this._eventTimer);
    }
    Signal.clearData(this);
  }

  private _onEvent(_: EventsConnection, event: TrackingEvent): void {
    if (isExperimentEvent(event)) {
      this._scheduleRefresh('experiments');
    } else if (isRunEvent(event)) {
      if (event.run.experiment_id === this._selectedId) {
        this._scheduleRefresh('runs');
      }
    } else if (event.type === 'metrics_appended') {
      // Update the latest values in place: no request needed.
      const index = this._runs.findIndex(r => r.run_id === event.run_id);
      if (index >= 0) {
        const run = this._runs[index];
        const runs = [...this._runs];
        runs[index] = { ...run, metrics: { ...run.metrics, ...event.latest } };
        this._runs = runs;
        this._changed.emit();
      }
    }
  }

  /**
   * Coalesce bursts of events into one reload.
   */
  private _scheduleRefresh(what: 'experiments' | 'runs'): void {
    if (what === 'experiments') {
      this._eventRefreshAll = true;
    }
    if (this._eventTimer !== null) {
      return;
    }
    this._eventTimer = setTimeout(() => {
      this._eventTimer = null;
      const all = this._eventRefreshAll;
      this._eventRefreshAll = false;
      void (all ? this.refresh() : this.refreshRuns());
    }, ExperimentsModel.EVENT_DEBOUNCE_MS);
  }

  private _changed = new Signal<this, void>(this);
  private _eventRefreshAll = false;
  private _eventTimer: ReturnType<typeof setTimeout> | null = null;
  private _events: EventsConnection | null;
  private _experiments: IExperiment[] = [];
  private _isDisposed = false;
  private _pageSize = DEFAULT_SIDEBAR_PAGE_SIZE;
  private _requests = new PendingRequests(() => {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  });
  private _runs: IRun[] = [];
  private _selectedId: string | null = null;
  private _trans: TranslationBundle;
}

export namespace ExperimentsModel {
  export interface IOptions {
    client: TrackingClient;
    /** Reload on `experiment_*` and `run_*` events when given. */
    events?: EventsConnection;
    trans?: TranslationBundle;
  }

  /** Events arriving within this window cause one reload. */
  export const EVENT_DEBOUNCE_MS = 250;
}
