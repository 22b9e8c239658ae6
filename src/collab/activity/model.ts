/*
 * The activity feed: who ran which cell (and what runs it made), who did
 * what to a deployment. Read from the server page by page, newest first,
 * and kept live from the events websocket.
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { CollabClient, IActivityEvent, IActivityItem } from '../../api/collab';
import { EventsConnection, TrackingEvent } from '../../api/tracking';
import { reportError } from '../../notify';

/** How many items a page has. */
export const ACTIVITY_PAGE_SIZE = 50;

/** Events kept while the first page cannot be read. */
const MAX_PENDING = 500;

export class ActivityModel implements IDisposable {
  constructor(options: ActivityModel.IOptions) {
    this.client = options.client;
    this.events = options.events ?? null;
    this._pageSize = options.pageSize ?? ACTIVITY_PAGE_SIZE;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this.events?.received.connect(this._onEvent, this);
    this.events?.statusChanged.connect(this._onStatus, this);
  }

  readonly client: CollabClient;
  readonly events: EventsConnection | null;

  /** Emitted whenever anything the feed shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The items read so far, newest first. */
  get items(): readonly IActivityItem[] {
    return this._items;
  }

  /** Whether the first page has been read. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Whether older items are left to read. */
  get hasMore(): boolean {
    return this._nextBefore !== null;
  }

  /** Whether the newest page is being read. */
  get loading(): boolean {
    return this._loading;
  }

  /** Whether an older page is being read. */
  get loadingMore(): boolean {
    return this._loadingMore;
  }

  /** Why the last read failed, until one succeeds. */
  get error(): string | null {
    return this._error;
  }

  /**
   * Whether new items arrive live: `live` while the events websocket is
   * connected, else `connecting` (never was yet) or `reconnecting`; `null`
   * without one.
   */
  get connection(): 'live' | 'connecting' | 'reconnecting' | null {
    if (this.events === null) {
      return null;
    }
    if (this.events.status === 'connected') {
      return 'live';
    }
    return this._wasConnected ? 'reconnecting' : 'connecting';
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Start: connect the events websocket and read the first page, once.
   */
  start(): void {
    if (this._started || this._isDisposed) {
      return;
    }
    this._started = true;
    this.events?.connect();
    void this.refresh();
  }

  /**
   * Read the newest page and merge it in. When it does not reach the items
   * already read (many were missed), it replaces them.
   */
  async refresh(): Promise<void> {
    if (this._loading || this._isDisposed) {
      return;
    }
    this._loading = true;
    this._changed.emit();
    const touched = this._track();
    try {
      const page = await this.client.activity({ limit: this._pageSize });
      if (this._isDisposed) {
        return;
      }
      const newestKnown = this._items.length > 0 ? this._items[0].id : null;
      const oldestFresh =
        page.items.length > 0 ? page.items[page.items.length - 1].id : null;
      const gap =
        newestKnown === null ||
        (page.next_before !== null &&
          oldestFresh !== null &&
          oldestFresh > newestKnown + 1);
      if (gap) {
        this._items = [];
        this._nextBefore = page.next_before;
      }
      this._merge(page.items, touched);
      this._loaded = true;
      this._error = null;
      this._failed = null;
      const pending = this._pending;
      this._pending = [];
      pending.forEach(event => this._apply(event));
    } catch (error) {
      this._fail(this._trans.__('Could not load the activity'), error);
      this._failed = 'refresh';
    } finally {
      this._untrack(touched);
      this._loading = false;
      this._changed.emit();
    }
  }

  /** Read the next page of older items. */
  async loadMore(): Promise<void> {
    const before = this._nextBefore;
    if (before === null || this._loadingMore || this._isDisposed) {
      return;
    }
    this._loadingMore = true;
    this._changed.emit();
    const touched = this._track();
    try {
      const page = await this.client.activity({
        limit: this._pageSize,
        before
      });
      if (this._isDisposed) {
        return;
      }
      this._merge(page.items, touched);
      this._nextBefore = page.next_before;
      this._error = null;
      this._failed = null;
    } catch (error) {
      this._fail(this._trans.__('Could not load older activity'), error);
      this._failed = 'more';
    } finally {
      this._untrack(touched);
      this._loadingMore = false;
      this._changed.emit();
    }
  }

  /** Repeat the read that failed last. */
  async retry(): Promise<void> {
    if (this._failed === 'more') {
      await this.loadMore();
    } else {
      await this.refresh();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.events?.received.disconnect(this._onEvent, this);
    this.events?.statusChanged.disconnect(this._onStatus, this);
    Signal.clearData(this);
  }

  /**
   * Put items in (replacing those with the same id), newest first; a page
   * skips the items that events changed while it was read (an event is
   * never older than a page read before it arrived).
   */
  private _merge(
    items: readonly IActivityItem[],
    skip: ReadonlySet<number> = new Set()
  ): void {
    const byId = new Map(this._items.map(item => [item.id, item]));
    for (const item of items) {
      if (!skip.has(item.id) || !byId.has(item.id)) {
        byId.set(item.id, item);
      }
    }
    this._items = [...byId.values()].sort((a, b) => b.id - a.id);
  }

  /** Record the items events change until `_untrack`. */
  private _track(): Set<number> {
    const touched = new Set<number>();
    this._touched.add(touched);
    return touched;
  }

  private _untrack(touched: Set<number>): void {
    this._touched.delete(touched);
  }

  private _fail(what: string, error: unknown): void {
    this._error = error instanceof Error ? error.message : String(error);
    reportError(what, error);
  }

  private _onEvent(_: EventsConnection, event: TrackingEvent): void {
    if (
      this._isDisposed ||
      (event.type !== 'activity_added' && event.type !== 'activity_updated')
    ) {
      return;
    }
    if (!this._started) {
      // The first page, read when the feed starts, has it.
      return;
    }
    this._touched.forEach(touched => touched.add(event.item.id));
    if (!this._loaded) {
      // Applied once the first page is in.
      this._pending.push(event);
      if (this._pending.length > MAX_PENDING) {
        this._pending.shift();
      }
      return;
    }
    const newest = this._items.length > 0 ? this._items[0].id : null;
    this._apply(event);
    if (
      event.type === 'activity_added' &&
      newest !== null &&
      event.item.id > newest + 1
    ) {
      // Ids go up by one: some were missed (the socket was down).
      void this.refresh();
    }
  }

  /** An item added or changed, unless it is older than those read. */
  private _apply(event: IActivityEvent): void {
    const oldest =
      this._items.length > 0 ? this._items[this._items.length - 1].id : null;
    const known = this._items.some(item => item.id === event.item.id);
    // An item older than those read comes with its page, up to date.
    if (!known && oldest !== null && event.item.id < oldest) {
      return;
    }
    this._merge([event.item]);
    this._changed.emit();
  }

  private _onStatus(
    _: EventsConnection,
    status: EventsConnection.Status
  ): void {
    if (status === 'connected' && this._wasConnected && this._loaded) {
      // Back after a disconnection: read what was missed meanwhile.
      void this.refresh();
    }
    if (status === 'connected') {
      this._wasConnected = true;
    }
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _error: string | null = null;
  private _failed: 'refresh' | 'more' | null = null;
  private _isDisposed = false;
  private _items: IActivityItem[] = [];
  private _loaded = false;
  private _loading = false;
  private _loadingMore = false;
  private _nextBefore: number | null = null;
  private _pageSize: number;
  private _pending: IActivityEvent[] = [];
  private _started = false;
  private _touched = new Set<Set<number>>();
  private _trans: TranslationBundle;
  private _wasConnected = false;
}

export namespace ActivityModel {
  export interface IOptions {
    client: CollabClient;
    /** Keeps the feed live when given. */
    events?: EventsConnection | null;
    pageSize?: number;
    trans?: TranslationBundle;
  }
}
