/*
 * State of the runs table: which experiments, the filter, the sort, the runs
 * loaded so far (page by page), the columns and the selection. Kept live by
 * the events websocket. The React components only render it.
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { APIError } from '../../api/request';
import {
  EventsConnection,
  IRun,
  IRunKeys,
  isRunEvent,
  TrackingClient,
  TrackingEvent,
  ViewType
} from '../../api/tracking';
import {
  defaultColumnIds,
  DEFAULT_ATTRIBUTE_COLUMNS,
  IColumn,
  makeColumn,
  toCsv
} from './columns';
import { reportError } from '../../notify';
import { PendingRequests } from '../pendingRequests';
import { DEFAULT_RUNS_PAGE_SIZE } from './settings';

/**
 * The most runs one CSV export fetches.
 */
export const MAX_EXPORT_RUNS = 50000;

/**
 * What the table remembers between sessions.
 */
export interface IRunsTableState {
  /** Visible column ids in order; null follows the defaults and new keys. */
  columns: string[] | null;
  /** Column ids kept at the left while scrolling sideways. */
  pinned: string[];
  /** Widths the user dragged, by column id. */
  widths: Record<string, number>;
  /** Only the current user's runs ("mine"), else everyone's. */
  mine?: boolean;
}

/**
 * Where the table state is kept (the plugin adapts `IStateDB`).
 */
export interface IRunsTableStateStore {
  load(): Promise<IRunsTableState | null>;
  save(state: IRunsTableState): Promise<void>;
}

export interface IFilterError {
  message: string;
  /** 0-based position in the filter text, when the server said where. */
  position: number | null;
}

export interface ISortState {
  columnId: string;
  descending: boolean;
}

export class RunsModel implements IDisposable {
  constructor(options: RunsModel.IOptions) {
    this.client = options.client;
    this._events = options.events ?? null;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this._stateStore = options.stateStore ?? null;
    this._currentUser = options.currentUser ?? null;
    this._events?.received.connect(this._onEvent, this);
  }

  readonly client: TrackingClient;

  /** Emitted whenever anything the table shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  // -- query -----------------------------------------------------------------------

  get experimentIds(): readonly string[] {
    return this._experimentIds;
  }

  get filter(): string {
    return this._filter;
  }

  get filterError(): IFilterError | null {
    return this._filterError;
  }

  get sort(): ISortState | null {
    return this._sort;
  }

  get viewType(): ViewType {
    return this._viewType;
  }

  /**
   * The name the server records as the user of the current user's runs (the
   * identity's `name`, else its `username`); null while unknown, and then
   * "mine" cannot apply.
   */
  get currentUser(): string | null {
    return this._currentUser;
  }
  set currentUser(user: string | null) {
    if (user === this._currentUser) {
      return;
    }
    this._currentUser = user;
    this._changed.emit();
    if (this._state.mine) {
      void this.reloadRuns();
    }
  }

  /** Whether the table shows only the current user's runs. */
  get mine(): boolean {
    return this._state.mine === true && this._currentUser !== null;
  }

  /** Show only the current user's runs, or everyone's (remembered). */
  async setMine(mine: boolean): Promise<void> {
    if (mine === (this._state.mine === true)) {
      return;
    }
    this._selection = new Set();
    this._updateState({ mine });
    await this.reloadRuns();
  }

  /**
   * The filter the searches send: the filter box's text, and with "mine" a
   * condition on `attributes.user` (the filter box's text in parentheses
   * first, so its error positions shift by one).
   */
  get searchFilter(): string {
    if (!this.mine) {
      return this._filter;
    }
    const condition = `attributes.user = ${stringLiteral(this._currentUser!)}`;
    return this._filter ? `(${this._filter}) AND ${condition}` : condition;
  }

  get pageSize(): number {
    return this._pageSize;
  }
  set pageSize(value: number) {
    this._pageSize = Math.min(50000, Math.max(1, Math.floor(value)));
  }

  /** Show the runs of these experiments (reloads keys and runs). */
  async setExperimentIds(ids: readonly string[]): Promise<void> {
    const next = [...new Set(ids)];
    if (
      next.length === this._experimentIds.length &&
      next.every((id, i) => id === this._experimentIds[i])
    ) {
      return;
    }
    this._experimentIds = next;
    this._selection = new Set();
    await this.reload();
  }

  /** Apply a filter expression; a bad one sets `filterError` instead. */
  async setFilter(filter: string): Promise<void> {
    this._filter = filter.trim();
    await this.reloadRuns();
  }

  /** Sort by a column (null: newest first). */
  async setSort(sort: ISortState | null): Promise<void> {
    this._sort = sort;
    await this.reloadRuns();
  }

  async setViewType(viewType: ViewType): Promise<void> {
    if (viewType === this._viewType) {
      return;
    }
    this._viewType = viewType;
    this._selection = new Set();
    await this.reload();
  }

  // -- runs ------------------------------------------------------------------------

  /** The runs loaded so far, in the table's order. */
  get runs(): readonly IRun[] {
    return this._runs;
  }

  /** Whether the server has more runs after the loaded ones. */
  get hasMore(): boolean {
    return this._nextPageToken !== null;
  }

  get loading(): boolean {
    return this._requests.active;
  }

  /** Keys of params, metrics and tags used by runs of the experiments. */
  get keys(): IRunKeys {
    return this._keys;
  }

  /** Reload the keys and the runs. */
  async reload(): Promise<void> {
    await Promise.all([this.reloadKeys(), this.reloadRuns()]);
  }

  /** Reload the param, metric and tag keys (column chooser, completion). */
  async reloadKeys(): Promise<void> {
    const scope = this._scope();
    const keys = await this._requests.track(
      () =>
        this.client.listRunKeys({
          experiment_ids: [...this._experimentIds],
          run_view_type: this._viewType
        }),
      this._trans.__('Could not load the run keys')
    );
    if (keys && scope === this._scope()) {
      this._keys = keys;
      this._columnsCache = null;
      this._changed.emit();
    }
  }

  /**
   * Reload the runs from the first page, keeping at least as many as were
   * loaded (so live updates do not shrink a scrolled table).
   */
  async reloadRuns(keepLoaded = false): Promise<void> {
    const generation = ++this._generation;
    const wanted = keepLoaded
      ? Math.max(this._pageSize, Math.min(this._runs.length, 50000))
      : this._pageSize;
    const page = await this._search(wanted, null, generation);
    if (page && generation === this._generation) {
      this._runs = page.runs;
      this._nextPageToken = page.next_page_token ?? null;
      this._pruneSelection();
      this._changed.emit();
    }
  }

  /** Load the next page (the table calls this near its end). */
  async loadMore(): Promise<void> {
    const token = this._nextPageToken;
    if (token === null || this._loadingMore) {
      return;
    }
    this._loadingMore = true;
    const generation = this._generation;
    try {
      const page = await this._search(this._pageSize, token, generation);
      if (page && generation === this._generation) {
        const known = new Set(this._runs.map(r => r.run_id));
        this._runs = [
          ...this._runs,
          ...page.runs.filter(r => !known.has(r.run_id))
        ];
        this._nextPageToken = page.next_page_token ?? null;
        this._changed.emit();
      }
    } finally {
      this._loadingMore = false;
    }
  }

  /** Find a loaded run. */
  run(runId: string): IRun | undefined {
    return this._runs.find(r => r.run_id === runId);
  }

  // -- columns ---------------------------------------------------------------------

  /** The visible columns, pinned ones first. */
  get columns(): readonly IColumn[] {
    if (this._columnsCache === null) {
      const ids = this.visibleColumnIds;
      const pinned = ids.filter(id => this._state.pinned.includes(id));
      const rest = ids.filter(id => !this._state.pinned.includes(id));
      this._columnsCache = [...pinned, ...rest]
        .map(id => makeColumn(id, this._trans))
        .filter((c): c is IColumn => c !== null);
    }
    return this._columnsCache;
  }

  /** Visible column ids in the user's order (defaults when not chosen). */
  get visibleColumnIds(): string[] {
    return (
      this._state.columns ??
      defaultColumnIds(this._keys, this._defaultAttributes)
    );
  }

  /** The attribute columns shown by default (the `defaultColumns` setting). */
  set defaultAttributeColumns(ids: readonly string[]) {
    this._defaultAttributes = ids.filter(id => makeColumn(id, this._trans));
    if (this._defaultAttributes.length === 0) {
      this._defaultAttributes = [...DEFAULT_ATTRIBUTE_COLUMNS];
    }
    this._columnsCache = null;
    this._changed.emit();
  }

  isPinned(id: string): boolean {
    return this._state.pinned.includes(id);
  }

  width(column: IColumn): number {
    return this._state.widths[column.id] ?? column.width;
  }

  /** Show exactly these columns, in this order. */
  setVisibleColumns(ids: readonly string[]): void {
    this._updateState({ columns: [...new Set(ids)] });
  }

  /** Show or hide one column (appended at the end when shown). */
  toggleColumn(id: string): void {
    const ids = this.visibleColumnIds;
    this.setVisibleColumns(
      ids.includes(id) ? ids.filter(i => i !== id) : [...ids, id]
    );
  }

  /** Go back to the default columns, widths and pins. */
  resetColumns(): void {
    this._updateState({ columns: null, pinned: [], widths: {} });
  }

  togglePinned(id: string): void {
    const pinned = this._state.pinned.includes(id)
      ? this._state.pinned.filter(i => i !== id)
      : [...this._state.pinned, id];
    this._updateState({ pinned });
  }

  setWidth(id: string, width: number): void {
    const clamped = Math.round(Math.min(800, Math.max(40, width)));
    this._updateState({ widths: { ...this._state.widths, [id]: clamped } });
  }

  /** Load the remembered column state (call once before showing the table). */
  async restoreState(): Promise<void> {
    if (!this._stateStore) {
      return;
    }
    try {
      const saved = await this._stateStore.load();
      if (saved) {
        const wasMine = this.mine;
        this._state = {
          columns: Array.isArray(saved.columns) ? saved.columns : null,
          pinned: Array.isArray(saved.pinned) ? saved.pinned : [],
          widths:
            saved.widths && typeof saved.widths === 'object'
              ? saved.widths
              : {},
          mine: saved.mine === true
        };
        this._columnsCache = null;
        this._changed.emit();
        if (this.mine !== wasMine && this._experimentIds.length > 0) {
          await this.reloadRuns();
        }
      }
    } catch (reason) {
      console.warn('Could not restore the runs table columns.', reason);
    }
  }

  // -- selection -------------------------------------------------------------------

  get selection(): ReadonlySet<string> {
    return this._selection;
  }

  /** The selected runs that are loaded, in table order. */
  get selectedRuns(): IRun[] {
    return this._runs.filter(r => this._selection.has(r.run_id));
  }

  setSelection(runIds: Iterable<string>): void {
    this._selection = new Set(runIds);
    this._changed.emit();
  }

  // -- actions ---------------------------------------------------------------------

  /**
   * Every run matching the query (all pages, up to `MAX_EXPORT_RUNS`) as CSV
   * with the visible columns; null when a request failed (user notified).
   */
  async exportCsv(): Promise<string | null> {
    const runs: IRun[] = [];
    let token: string | null = null;
    const generation = this._generation;
    do {
      const page = await this._search(5000, token, generation);
      if (!page) {
        return null;
      }
      runs.push(...page.runs);
      token = page.next_page_token ?? null;
    } while (token !== null && runs.length < MAX_EXPORT_RUNS);
    return toCsv(runs, this.columns);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events?.received.disconnect(this._onEvent, this);
    if (this._reloadTimer !== null) {
      clearTimeout(this._reloadTimer);
    }
    Signal.clearData(this);
  }

  // -- private ---------------------------------------------------------------------

  private async _search(
    maxResults: number,
    pageToken: string | null,
    generation: number
  ) {
    const sort = this._sort;
    const column = sort ? makeColumn(sort.columnId, this._trans) : null;
    const orderBy = column?.sortKey
      ? [`${column.sortKey} ${sort!.descending ? 'DESC' : 'ASC'}`]
      : [];
    return this._requests.run(() =>
      this._searchPage(orderBy, maxResults, pageToken, generation)
    );
  }

  private async _searchPage(
    orderBy: string[],
    maxResults: number,
    pageToken: string | null,
    generation: number
  ) {
    try {
      const page = await this.client.searchRuns({
        experiment_ids: [...this._experimentIds],
        filter: this.searchFilter,
        order_by: orderBy,
        max_results: maxResults,
        page_token: pageToken,
        run_view_type: this._viewType
      });
      if (generation === this._generation && this._filterError !== null) {
        this._filterError = null;
      }
      return page;
    } catch (error) {
      if (generation !== this._generation) {
        return undefined;
      }
      if (error instanceof APIError && error.details?.field === 'filter') {
        const position = error.details.position ?? null;
        // The filter box's text starts one character later inside "mine"'s.
        const shift = this.searchFilter === this._filter ? 0 : 1;
        this._filterError = {
          message: error.details.reason ?? error.message,
          position: position === null ? null : Math.max(0, position - shift)
        };
        this._runs = [];
        this._nextPageToken = null;
        return undefined;
      }
      reportError(this._trans.__('Could not load the runs'), error);
      return undefined;
    }
  }

  /** Identifies what the keys belong to: the experiments and the view. */
  private _scope(): string {
    return JSON.stringify([this._experimentIds, this._viewType]);
  }

  private _onEvent(_: EventsConnection, event: TrackingEvent): void {
    if (isRunEvent(event)) {
      const run = event.run;
      if (
        this._experimentIds.length > 0 &&
        !this._experimentIds.includes(run.experiment_id)
      ) {
        return;
      }
      const loaded = this._runs.some(r => r.run_id === run.run_id);
      if (event.type === 'run_updated' && loaded) {
        this._replace(run);
      } else {
        this._scheduleReload();
      }
    } else if (event.type === 'metrics_appended') {
      const index = this._runs.findIndex(r => r.run_id === event.run_id);
      if (index >= 0) {
        const run = this._runs[index];
        this._replace({
          ...run,
          metrics: { ...run.metrics, ...event.latest }
        });
      }
      if (
        Object.keys(event.latest).some(k => !this._keys.metrics.includes(k))
      ) {
        this._scheduleReload();
      }
    }
  }

  /** Coalesce bursts of events into one reload of the loaded window. */
  private _scheduleReload(): void {
    if (this._reloadTimer !== null) {
      return;
    }
    this._reloadTimer = setTimeout(() => {
      this._reloadTimer = null;
      void Promise.all([this.reloadKeys(), this.reloadRuns(true)]);
    }, RunsModel.EVENT_DEBOUNCE_MS);
  }

  private _replace(run: IRun): void {
    const index = this._runs.findIndex(r => r.run_id === run.run_id);
    if (index < 0) {
      return;
    }
    const runs = [...this._runs];
    runs[index] = run;
    this._runs = runs;
    this._changed.emit();
  }

  private _pruneSelection(): void {
    if (this._selection.size === 0) {
      return;
    }
    const loaded = new Set(this._runs.map(r => r.run_id));
    const kept = [...this._selection].filter(id => loaded.has(id));
    if (kept.length !== this._selection.size) {
      this._selection = new Set(kept);
    }
  }

  private _updateState(change: Partial<IRunsTableState>): void {
    this._state = { ...this._state, ...change };
    this._columnsCache = null;
    this._changed.emit();
    void this._stateStore?.save(this._state).catch(reason => {
      console.warn('Could not save the runs table columns.', reason);
    });
  }

  private _changed = new Signal<this, void>(this);
  private _columnsCache: IColumn[] | null = null;
  private _currentUser: string | null;
  private _defaultAttributes: string[] = [...DEFAULT_ATTRIBUTE_COLUMNS];
  private _events: EventsConnection | null;
  private _experimentIds: string[] = [];
  private _filter = '';
  private _filterError: IFilterError | null = null;
  private _generation = 0;
  private _isDisposed = false;
  private _keys: IRunKeys = { params: [], metrics: [], tags: [] };
  private _loadingMore = false;
  private _nextPageToken: string | null = null;
  private _pageSize = DEFAULT_RUNS_PAGE_SIZE;
  private _requests = new PendingRequests(() => {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  });
  private _reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private _runs: IRun[] = [];
  private _selection: Set<string> = new Set();
  private _sort: ISortState | null = null;
  private _state: IRunsTableState = { columns: null, pinned: [], widths: {} };
  private _stateStore: IRunsTableStateStore | null;
  private _trans: TranslationBundle;
  private _viewType: ViewType = 'ACTIVE_ONLY';
}

export namespace RunsModel {
  export interface IOptions {
    client: TrackingClient;
    /** Keeps the table live when given. */
    events?: EventsConnection;
    trans?: TranslationBundle;
    /** Remembers columns, pins, widths and "mine" when given. */
    stateStore?: IRunsTableStateStore;
    /** The name the server records for the current user's runs. */
    currentUser?: string | null;
  }

  /** Events arriving within this window cause one reload. */
  export const EVENT_DEBOUNCE_MS = 500;
}

/**
 * A string literal of the search grammar: in single quotes, a quote doubled
 * and a backslash doubled.
 */
export function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
