/*
 * Typed client of the tracking REST API and its event stream.
 *
 * The `I*` interfaces mirror the pydantic wire models in
 * `jupyterlab_mlplatform/tracking/models.py`; `tests/test_wire_contract.py`
 * checks that they are in step.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { IActivityEvent } from './collab';
import {
  API_PATH,
  apiUrl,
  requestAPI,
  requestJSON,
  requestRaw
} from './request';

// -- enums -----------------------------------------------------------------------------

export type RunStatus =
  'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export type LifecycleStage = 'active' | 'deleted';

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/**
 * A metric value on the wire: JSON has no NaN or infinity, so they travel as
 * the strings MLflow's protobuf JSON uses.
 */
export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

/**
 * Convert a wire metric value to a number (`'NaN'` -> `NaN`, ...).
 */
export function metricValueToNumber(value: MetricValue): number {
  switch (value) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    default:
      return value;
  }
}

// -- experiments -----------------------------------------------------------------------

export interface IExperiment {
  experiment_id: string;
  name: string;
  description?: string | null;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  /** Milliseconds since the epoch. */
  creation_time: number;
  /** Milliseconds since the epoch. */
  last_update_time: number;
  created_by?: string | null;
  tags: Record<string, string>;
}

export interface IExperimentCreate {
  name: string;
  description?: string | null;
  tags?: Record<string, string>;
}

export interface IExperimentUpdate {
  name?: string | null;
  description?: string | null;
  /** Tags to set (merged into the existing ones). */
  tags?: Record<string, string> | null;
  /** `active` restores a deleted experiment. */
  lifecycle_stage?: LifecycleStage | null;
}

export interface IExperimentList {
  experiments: IExperiment[];
}

// -- runs ------------------------------------------------------------------------------

export interface IRunSource {
  notebook_path?: string | null;
  cell_id?: string | null;
  /**
   * The cell's position in the notebook when the run was created (0-based),
   * known when the notebook was open for co-editing.
   */
  cell_index?: number | null;
  kernel_id?: string | null;
}

export interface ILatestMetric {
  value: MetricValue;
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface IRun {
  run_id: string;
  experiment_id: string;
  name: string;
  status: RunStatus;
  /** Milliseconds since the epoch. */
  start_time: number;
  end_time?: number | null;
  user?: string | null;
  lifecycle_stage: LifecycleStage;
  artifact_uri: string;
  source: IRunSource;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, ILatestMetric>;
}

export interface IRunCreate {
  experiment_id?: string | null;
  experiment_name?: string | null;
  name?: string | null;
  /** Numbers and booleans are accepted and stringified by the server. */
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  source?: IRunSource | null;
  start_time?: number | null;
}

export interface IRunUpdate {
  status?: RunStatus | null;
  end_time?: number | null;
  name?: string | null;
  /** `active` restores a deleted run. */
  lifecycle_stage?: LifecycleStage | null;
}

export interface IMetricPoint {
  key: string;
  value: MetricValue;
  step?: number;
  /** Milliseconds since the epoch; the server's clock when omitted. */
  timestamp?: number;
}

export interface ILogBatch {
  metrics?: IMetricPoint[];
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  /** A client-chosen id: a batch sent twice with the same id is applied once. */
  batch_id?: string | null;
}

export interface ILogBatchResult {
  /** False when the batch id had been applied before (a retry). */
  applied: boolean;
}

/**
 * One metric's history, column by column (the shape charting libraries take).
 */
export interface IMetricHistory {
  key: string;
  steps: number[];
  timestamps: number[];
  values: MetricValue[];
  /** Points stored; more than `steps.length` when downsampled. */
  total: number;
  downsampled: boolean;
}

export interface ISearchRuns {
  /** Experiments to search; all active experiments when empty. */
  experiment_ids?: string[];
  filter?: string;
  order_by?: string[];
  max_results?: number;
  page_token?: string | null;
  run_view_type?: ViewType;
}

export interface IRunsPage {
  runs: IRun[];
  next_page_token?: string | null;
}

/**
 * The tag of a run made by a notebook reopened from another run: that run's
 * id (`constants.py`'s `REPRODUCED_FROM_TAG`).
 */
export const REPRODUCED_FROM_TAG = 'mlplatform.reproduced_from';

/** The filter of the runs that reproduce `runId`. */
export function reproductionsFilter(runId: string): string {
  const literal = runId.replace(/\\/g, '\\\\').replace(/'/g, "''");
  return `tags.\`${REPRODUCED_FROM_TAG}\` = '${literal}'`;
}

/**
 * `GET runs/{id}/notebook`: a run's captured code as a new notebook.
 */
export interface IRunNotebook {
  /** nbformat v4: header, package check, code path, the training cell last. */
  notebook: Record<string, unknown>;
  /** The source notebook's folder (`''` for the root when unknown). */
  directory: string;
  /** A suggested file name; the caller makes it unique in `directory`. */
  file_name: string;
}

export interface IRunKeysQuery {
  /** Experiments whose runs to look at; all active experiments when empty. */
  experiment_ids?: string[];
  run_view_type?: ViewType;
}

/**
 * The distinct keys the runs use, each list sorted.
 */
export interface IRunKeys {
  params: string[];
  metrics: string[];
  tags: string[];
}

export interface IMetricHistoriesQuery {
  /** 1 to 100 run ids. */
  run_ids: string[];
  /** 1 to 50 metric keys. */
  keys: string[];
  /** At most this many shape-preserving points per history; all when omitted. */
  max_points?: number | null;
}

/**
 * One run's history of one metric.
 */
export interface IRunMetricHistory extends IMetricHistory {
  run_id: string;
}

export interface IMetricHistories {
  /**
   * One per run and key that has points, in the order of `run_ids` then
   * `keys`.
   */
  histories: IRunMetricHistory[];
}

export interface IArtifactInfo {
  path: string;
  is_dir: boolean;
  size?: number | null;
}

export interface IArtifactList {
  root_uri: string;
  path: string;
  files: IArtifactInfo[];
}

// -- events ----------------------------------------------------------------------------

export interface IRunEvent {
  type: 'run_created' | 'run_updated' | 'run_deleted';
  run: IRun;
}

export interface IExperimentEvent {
  type: 'experiment_created' | 'experiment_updated' | 'experiment_deleted';
  experiment: IExperiment;
}

/**
 * Metric points appended to one run since the last event (coalesced).
 */
export interface IMetricsEvent {
  type: 'metrics_appended';
  run_id: string;
  experiment_id: string;
  latest: Record<string, ILatestMetric>;
  count: number;
}

/**
 * Everything the events websocket sends; activity events come from shared
 * editing (`./collab`).
 */
export type TrackingEvent =
  IRunEvent | IExperimentEvent | IMetricsEvent | IActivityEvent;

/**
 * Whether an event concerns a run (`run_*`).
 */
export function isRunEvent(event: TrackingEvent): event is IRunEvent {
  return event.type.startsWith('run_');
}

/**
 * Whether an event concerns an experiment (`experiment_*`).
 */
export function isExperimentEvent(
  event: TrackingEvent
): event is IExperimentEvent {
  return event.type.startsWith('experiment_');
}

// -- REST client -----------------------------------------------------------------------

/**
 * Typed client of `{baseUrl}mlplatform/api/`: one method per endpoint.
 *
 * Every method rejects with `ServerConnection.ResponseError` carrying the
 * server's message when the server answers with an error status.
 */
export class TrackingClient {
  constructor(options: TrackingClient.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  /**
   * The server settings used for every request.
   */
  readonly serverSettings: ServerConnection.ISettings;

  // experiments

  /** `GET experiments?view=` (active experiments by default). */
  async listExperiments(
    options: { view?: ViewType } = {}
  ): Promise<IExperiment[]> {
    const query =
      options.view !== undefined
        ? URLExt.objectToQueryString({ view: options.view })
        : '';
    const list = await this._request<IExperimentList>(
      `experiments${query}`,
      'GET'
    );
    return list.experiments;
  }

  /** `POST experiments` */
  createExperiment(body: IExperimentCreate): Promise<IExperiment> {
    return this._request('experiments', 'POST', body);
  }

  /** `GET experiments/{id}` */
  getExperiment(experimentId: string): Promise<IExperiment> {
    return this._request(Private.path('experiments', experimentId), 'GET');
  }

  /** `PATCH experiments/{id}` */
  updateExperiment(
    experimentId: string,
    body: IExperimentUpdate
  ): Promise<IExperiment> {
    return this._request(
      Private.path('experiments', experimentId),
      'PATCH',
      body
    );
  }

  /**
   * `DELETE experiments/{id}`: restorable (the lifecycle stage becomes
   * `deleted`), or with `permanent` its runs and artifacts are removed too.
   */
  deleteExperiment(
    experimentId: string,
    options: { permanent?: boolean } = {}
  ): Promise<IExperiment> {
    return this._request(
      Private.path('experiments', experimentId) + Private.permanent(options),
      'DELETE'
    );
  }

  // runs

  /** `POST runs` */
  createRun(body: IRunCreate): Promise<IRun> {
    return this._request('runs', 'POST', body);
  }

  /** `GET runs/{id}` */
  getRun(runId: string): Promise<IRun> {
    return this._request(Private.path('runs', runId), 'GET');
  }

  /** `PATCH runs/{id}` */
  updateRun(runId: string, body: IRunUpdate): Promise<IRun> {
    return this._request(Private.path('runs', runId), 'PATCH', body);
  }

  /**
   * `DELETE runs/{id}`: restorable, or with `permanent` its data and
   * artifacts are removed too.
   */
  deleteRun(
    runId: string,
    options: { permanent?: boolean } = {}
  ): Promise<IRun> {
    return this._request(
      Private.path('runs', runId) + Private.permanent(options),
      'DELETE'
    );
  }

  /** `POST runs/{id}/log`: metrics, params and tags in one batch. */
  logBatch(runId: string, batch: ILogBatch): Promise<ILogBatchResult> {
    return this._request(Private.path('runs', runId, 'log'), 'POST', batch);
  }

  /**
   * `GET runs/{id}/metrics/{key}?max_points=N`
   *
   * Values may be the strings `'NaN'`, `'Infinity'` or `'-Infinity'`; see
   * `metricValueToNumber`.
   */
  getMetricHistory(
    runId: string,
    key: string,
    options: { maxPoints?: number } = {}
  ): Promise<IMetricHistory> {
    const query =
      options.maxPoints !== undefined
        ? URLExt.objectToQueryString({ max_points: options.maxPoints })
        : '';
    return this._request(
      Private.path('runs', runId, 'metrics', key) + query,
      'GET'
    );
  }

  /** `POST runs/search` */
  searchRuns(query: ISearchRuns = {}): Promise<IRunsPage> {
    return this._request('runs/search', 'POST', query);
  }

  /**
   * `POST runs/keys`: the distinct param, metric and tag keys of the runs of
   * some experiments (all active experiments by default).
   */
  listRunKeys(query: IRunKeysQuery = {}): Promise<IRunKeys> {
    return this._request('runs/keys', 'POST', query);
  }

  /**
   * `POST runs/metric-histories`: several runs' histories of several metrics
   * in one request. Pairs without points are left out; an unknown run id
   * rejects the whole request (404).
   */
  getMetricHistories(query: IMetricHistoriesQuery): Promise<IMetricHistories> {
    return this._request('runs/metric-histories', 'POST', query);
  }

  /** `GET runs/{id}/notebook`: the run's captured code as a notebook. */
  runNotebook(runId: string): Promise<IRunNotebook> {
    return this._request(Private.path('runs', runId, 'notebook'), 'GET');
  }

  // artifacts

  /** `GET runs/{id}/artifacts?path=` */
  listArtifacts(runId: string, path = ''): Promise<IArtifactList> {
    const query = path ? URLExt.objectToQueryString({ path }) : '';
    return this._request(
      Private.path('runs', runId, 'artifacts') + query,
      'GET'
    );
  }

  /**
   * `PUT runs/{id}/artifacts/{path}`: upload one file (streamed by the server).
   */
  uploadArtifact(
    runId: string,
    path: string,
    data: Blob | ArrayBuffer | string
  ): Promise<IArtifactInfo> {
    return requestAPI<IArtifactInfo>(
      Private.artifactPath(runId, path),
      {
        method: 'PUT',
        body: data,
        headers: { 'Content-Type': 'application/octet-stream' }
      },
      this.serverSettings
    );
  }

  /**
   * `GET runs/{id}/artifacts/{path}`: the response as it is, whatever its
   * status, for a caller that reads the bytes itself (a preview stops
   * reading past a size limit).
   *
   * @throws {ServerConnection.NetworkError} When the server cannot be reached.
   */
  getArtifactResponse(
    runId: string,
    path: string,
    init: { signal?: AbortSignal } = {}
  ): Promise<Response> {
    return requestRaw(
      Private.artifactPath(runId, path),
      { method: 'GET', signal: init.signal },
      this.serverSettings
    );
  }

  /**
   * The URL of one artifact file (`GET runs/{id}/artifacts/{path}`), for a
   * download link or an `<img>`; the browser's cookies authenticate it.
   */
  artifactUrl(runId: string, path: string): string {
    return apiUrl(Private.artifactPath(runId, path), this.serverSettings);
  }

  private _request<T>(
    endPoint: string,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    body?: unknown
  ): Promise<T> {
    return requestJSON<T>(endPoint, method, body, this.serverSettings);
  }
}

export namespace TrackingClient {
  export interface IOptions {
    /** Defaults to `ServerConnection.makeSettings()`. */
    serverSettings?: ServerConnection.ISettings;
  }
}

// -- event stream ----------------------------------------------------------------------

/**
 * The websocket `{wsUrl}mlplatform/api/events`, parsed into `TrackingEvent`s.
 *
 * It reconnects with exponential backoff (and jitter) until disposed.
 */
export class EventsConnection implements IDisposable {
  constructor(options: EventsConnection.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this._minDelay = options.minDelay ?? 1000;
    this._maxDelay = options.maxDelay ?? 30000;
  }

  /**
   * The server settings the socket is opened with.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * Emitted once per event received from the server.
   */
  get received(): ISignal<this, TrackingEvent> {
    return this._received;
  }

  /**
   * Emitted when the connection status changes.
   */
  get statusChanged(): ISignal<this, EventsConnection.Status> {
    return this._statusChanged;
  }

  get status(): EventsConnection.Status {
    return this._status;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * The websocket URL, with the token appended when the settings ask for it
   * (as `@jupyterlab/services` does for kernels and the event bus).
   */
  get url(): string {
    const { appendToken, token, wsUrl } = this.serverSettings;
    let url = URLExt.join(wsUrl, ...API_PATH, 'events');
    if (appendToken && token !== '') {
      url += `?token=${encodeURIComponent(token)}`;
    }
    return url;
  }

  /**
   * Open the socket; a no-op when it is already open or opening.
   */
  connect(): void {
    if (this._isDisposed || this._socket !== null) {
      return;
    }
    this._clearTimer();
    this._setStatus('connecting');
    const socket = new this.serverSettings.WebSocket(this.url);
    this._socket = socket;
    socket.onopen = () => {
      this._attempt = 0;
      this._setStatus('connected');
    };
    socket.onmessage = (message: MessageEvent) => {
      for (const event of Private.parseEvents(message.data)) {
        this._received.emit(event);
      }
    };
    socket.onclose = () => {
      this._socket = null;
      this._setStatus('disconnected');
      this._scheduleReconnect();
    };
    // An error is always followed by `close`, which schedules the retry.
    socket.onerror = () => undefined;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._clearTimer();
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      socket.close();
    }
    this._status = 'disconnected';
    Signal.clearData(this);
  }

  private _scheduleReconnect(): void {
    if (this._isDisposed) {
      return;
    }
    const delay =
      Math.min(this._maxDelay, this._minDelay * 2 ** this._attempt) *
      (0.5 + Math.random() / 2);
    this._attempt += 1;
    this._timer = setTimeout(() => {
      this._timer = null;
      this.connect();
    }, delay);
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _setStatus(status: EventsConnection.Status): void {
    if (this._status !== status) {
      this._status = status;
      this._statusChanged.emit(status);
    }
  }

  private _attempt = 0;
  private _isDisposed = false;
  private _maxDelay: number;
  private _minDelay: number;
  private _received = new Signal<this, TrackingEvent>(this);
  private _socket: WebSocket | null = null;
  private _status: EventsConnection.Status = 'disconnected';
  private _statusChanged = new Signal<this, EventsConnection.Status>(this);
  private _timer: ReturnType<typeof setTimeout> | null = null;
}

export namespace EventsConnection {
  export type Status = 'connecting' | 'connected' | 'disconnected';

  export interface IOptions {
    /** Defaults to `ServerConnection.makeSettings()`. */
    serverSettings?: ServerConnection.ISettings;
    /** First reconnection delay in milliseconds (default 1000). */
    minDelay?: number;
    /** Longest reconnection delay in milliseconds (default 30000). */
    maxDelay?: number;
  }
}

namespace Private {
  /**
   * The encoded API path of a resource: every segment is URL-encoded, so ids
   * and metric keys may contain `/`, spaces or non-ASCII characters.
   */
  export function path(...segments: string[]): string {
    return segments.map(encodeURIComponent).join('/');
  }

  /**
   * The encoded path of an artifact: `/` keeps separating folders.
   */
  export function artifactPath(runId: string, artifact: string): string {
    const segments = artifact.split('/').filter(segment => segment.length > 0);
    return path('runs', runId, 'artifacts', ...segments);
  }

  export function permanent(options: { permanent?: boolean }): string {
    return options.permanent
      ? URLExt.objectToQueryString({ permanent: 'true' })
      : '';
  }

  function isEvent(value: unknown): value is TrackingEvent {
    return (
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { type?: unknown }).type === 'string'
    );
  }

  /**
   * The events in one websocket message: one event, or an array of events.
   * Malformed messages are dropped (with a console warning).
   */
  export function parseEvents(data: unknown): TrackingEvent[] {
    if (typeof data !== 'string') {
      return [];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      console.warn('mlplatform: ignoring a malformed event', error);
      return [];
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    return items.filter(isEvent);
  }
}
