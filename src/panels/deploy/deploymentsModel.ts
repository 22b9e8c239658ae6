/*
 * State of the Deploy sidebar: the deployments with their traffic, the
 * recent runs that have a model, and the actions on a deployment. The React
 * components only render it.
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  DeploymentsClient,
  IDeployment,
  IDeploymentStats,
  IDeploymentUpdate,
  MODELS_FILTER,
  MODELS_TAG
} from '../../api/deployments';
import {
  EventsConnection,
  IRun,
  isRunEvent,
  TrackingClient,
  TrackingEvent
} from '../../api/tracking';
import { reportError } from '../../notify';
import { PendingRequests } from '../pendingRequests';

/** How often the deployments and their stats are read while visible. */
export const DEFAULT_POLL_INTERVAL = 3000;

/** How many recent runs with a model the sidebar lists. */
export const MODEL_RUNS_LIMIT = 20;

/** The models list is re-read every this many polls (and on events). */
const MODELS_EVERY = 5;

/**
 * The traffic of a deployment, or why it is unknown.
 */
export interface IStatsEntry {
  stats: IDeploymentStats | null;
  /** The reason the last read failed. */
  error: string | null;
}

export class DeploymentsModel implements IDisposable {
  constructor(options: DeploymentsModel.IOptions) {
    this.client = options.client;
    this.tracking = options.tracking;
    this._events = options.events ?? null;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this._pollInterval = options.pollInterval ?? DEFAULT_POLL_INTERVAL;
    this._events?.received.connect(this._onEvent, this);
  }

  readonly client: DeploymentsClient;
  readonly tracking: TrackingClient;

  /** Emitted whenever anything the view shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The deployments, sorted by name. */
  get deployments(): readonly IDeployment[] {
    return this._deployments;
  }

  /** Whether the deployments have been read at least once. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Why the deployments could not be read the last time, if they could not. */
  get listError(): string | null {
    return this._listError;
  }

  /** Recent runs with a model package, newest first. */
  get modelRuns(): readonly IRun[] {
    return this._modelRuns;
  }

  get loading(): boolean {
    return this._requests.active;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** A deployment by name. */
  deployment(name: string): IDeployment | null {
    return this._deployments.find(d => d.name === name) ?? null;
  }

  /** The last traffic figures of a deployment. */
  stats(name: string): IStatsEntry | null {
    return this._stats.get(name) ?? null;
  }

  /** The name of an experiment, once the models list has read it. */
  experimentName(experimentId: string): string | null {
    return this._experimentNames.get(experimentId) ?? null;
  }

  /**
   * The API key created in this page for a deployment (the server sends
   * the full key only once); the snippets use it.
   */
  freshKey(name: string): string | null {
    return this._freshKeys.get(name) ?? null;
  }

  setFreshKey(name: string, key: string | null): void {
    if (key === null) {
      this._freshKeys.delete(name);
    } else {
      this._freshKeys.set(name, key);
    }
    this._changed.emit();
  }

  /**
   * Read the deployments and their stats, and the models list.
   */
  async refresh(): Promise<void> {
    await Promise.all([this.refreshDeployments(), this.refreshModels()]);
  }

  /**
   * Read the deployments, then the stats of those serving. A failure is
   * reported once until a read succeeds again (polling would repeat it).
   */
  async refreshDeployments(): Promise<void> {
    let deployments: IDeployment[];
    try {
      deployments = await this._requests.run(() => this.client.list());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this._listError) {
        this._listError = message;
        reportError(this._trans.__('Could not load the deployments'), error);
        this._changed.emit();
      }
      return;
    }
    this._listError = null;
    this._loaded = true;
    this._deployments = [...deployments].sort((a, b) =>
      a.name.localeCompare(b.name)
    );
    for (const name of [...this._stats.keys()]) {
      if (!this.deployment(name)) {
        this._stats.delete(name);
      }
    }
    this._changed.emit();
    await this.refreshStats();
  }

  /**
   * Read the stats of the deployments that serve. A failure is shown next
   * to the figures, not as a notification (it would repeat every poll).
   */
  async refreshStats(): Promise<void> {
    const serving = this._deployments.filter(d => isServing(d));
    await Promise.all(
      serving.map(async d => {
        try {
          const stats = await this.client.stats(d.name);
          this._stats.set(d.name, { stats, error: null });
        } catch (error) {
          const message =
            error instanceof Error ? error.message : String(error);
          this._stats.set(d.name, {
            stats: this._stats.get(d.name)?.stats ?? null,
            error: message
          });
        }
      })
    );
    if (serving.length > 0) {
      this._changed.emit();
    }
  }

  /**
   * Read the recent runs that have a model package, and the names of their
   * experiments.
   */
  async refreshModels(): Promise<void> {
    await this._requests.track(async () => {
      const [page, experiments] = await Promise.all([
        this.tracking.searchRuns({
          filter: MODELS_FILTER,
          order_by: ['attributes.start_time DESC'],
          max_results: MODEL_RUNS_LIMIT
        }),
        this.tracking.listExperiments()
      ]);
      this._modelRuns = page.runs;
      this._experimentNames = new Map(
        experiments.map(e => [e.experiment_id, e.name])
      );
      this._changed.emit();
    }, this._trans.__('Could not load the models'));
  }

  /** Whether the sidebar is shown (polling happens only then). */
  get visible(): boolean {
    return this._visible;
  }

  /**
   * Poll while the sidebar is visible: read everything now, then the
   * deployments and stats every few seconds; stop when hidden.
   */
  setVisible(visible: boolean): void {
    if (visible === this._visible || this._isDisposed) {
      return;
    }
    this._visible = visible;
    this._changed.emit(); // views that poll on their own (logs) follow it
    if (visible) {
      this._events?.connect();
      void this.refresh();
      this._schedule();
    } else if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  /** Put a deployment the server sent into the list. */
  upsert(deployment: IDeployment): void {
    const others = this._deployments.filter(d => d.name !== deployment.name);
    this._deployments = [...others, deployment].sort((a, b) =>
      a.name.localeCompare(b.name)
    );
    this._changed.emit();
  }

  /**
   * Stop, start, restart or roll back a deployment; a failure is reported.
   */
  async update(
    name: string,
    change: IDeploymentUpdate
  ): Promise<IDeployment | undefined> {
    const what: Record<IDeploymentUpdate['action'], string> = {
      stop: this._trans.__('Could not stop %1', name),
      start: this._trans.__('Could not start %1', name),
      restart: this._trans.__('Could not restart %1', name),
      rollback: this._trans.__('Could not roll back %1', name)
    };
    this._busy.add(name);
    this._changed.emit();
    try {
      const deployment = await this._requests.track(
        () => this.client.update(name, change),
        what[change.action]
      );
      if (deployment) {
        this.upsert(deployment);
        if (deployment.status === 'failed' && deployment.error) {
          reportError(what[change.action], deployment.error);
        }
      }
      return deployment;
    } finally {
      this._busy.delete(name);
      this._changed.emit();
    }
  }

  /** Delete a deployment; a failure is reported. */
  async remove(name: string): Promise<boolean> {
    this._busy.add(name);
    this._changed.emit();
    try {
      const removed = await this._requests.track(
        () => this.client.remove(name),
        this._trans.__('Could not delete %1', name)
      );
      if (removed) {
        this._deployments = this._deployments.filter(d => d.name !== name);
        this._stats.delete(name);
        this._freshKeys.delete(name);
      }
      return removed !== undefined;
    } finally {
      this._busy.delete(name);
      this._changed.emit();
    }
  }

  /** Whether an action on the deployment is in flight. */
  isBusy(name: string): boolean {
    return this._busy.has(name);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._events?.received.disconnect(this._onEvent, this);
    Signal.clearData(this);
  }

  private _schedule(): void {
    this._timer = setTimeout(async () => {
      this._timer = null;
      if (!this._visible || this._isDisposed) {
        return;
      }
      this._ticks += 1;
      await this.refreshDeployments();
      if (this._ticks % MODELS_EVERY === 0) {
        await this.refreshModels();
      }
      if (this._visible && !this._isDisposed && this._timer === null) {
        this._schedule();
      }
    }, this._pollInterval);
  }

  private _onEvent(_: EventsConnection, event: TrackingEvent): void {
    // A run that got (or lost) a model package: re-read the models list.
    if (
      this._visible &&
      isRunEvent(event) &&
      (event.run.tags[MODELS_TAG] !== undefined ||
        this._modelRuns.some(r => r.run_id === event.run.run_id))
    ) {
      void this.refreshModels();
    }
  }

  private _busy = new Set<string>();
  private _changed = new Signal<this, void>(this);
  private _deployments: IDeployment[] = [];
  private _events: EventsConnection | null;
  private _experimentNames = new Map<string, string>();
  private _freshKeys = new Map<string, string>();
  private _isDisposed = false;
  private _listError: string | null = null;
  private _loaded = false;
  private _modelRuns: IRun[] = [];
  private _pollInterval: number;
  private _requests = new PendingRequests(() => this._changed.emit());
  private _stats = new Map<string, IStatsEntry>();
  private _ticks = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _trans: TranslationBundle;
  private _visible = false;
}

export namespace DeploymentsModel {
  export interface IOptions {
    client: DeploymentsClient;
    tracking: TrackingClient;
    /** Keeps the models list live when given. */
    events?: EventsConnection;
    trans?: TranslationBundle;
    /** Milliseconds between reads while visible (default 3000). */
    pollInterval?: number;
  }
}

/**
 * Whether a deployment has a scoring server up (or coming back).
 */
export function isServing(deployment: IDeployment): boolean {
  return deployment.status === 'healthy' || deployment.status === 'restarting';
}
