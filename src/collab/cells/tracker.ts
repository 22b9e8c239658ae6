/*
 * Who ran what, on the cells of open notebooks: reads each code cell's
 * execution record (`metadata.mlplatform.execution`) as it changes, puts an
 * `ExecutionStrip` on the cells that have one, and marks stale outputs.
 *
 * Cheap on big notebooks: a record is read only when the `mlplatform`
 * metadata key changes; a strip is made only for a cell that has a record,
 * once the cell is rendered (windowed notebooks render lazily); strips out
 * of view do nothing; the stale marks are computed once per burst of
 * changes per notebook.
 */
import type {
  INotebookModel,
  Notebook,
  StaticNotebook
} from '@jupyterlab/notebook';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import type { IMapChange } from '@jupyter/ydoc';
import { IDisposable } from '@lumino/disposable';
import { PanelLayout } from '@lumino/widgets';
import { ISignal, Signal } from '@lumino/signaling';

import {
  CELL_METADATA_KEY,
  executionRecordOf,
  IExecutionRecord
} from '../../api/collab';
import {
  ExecutionStrip,
  IStripContext,
  IVisibilityObserver
} from './ExecutionStrip';
import type { IUserColors } from '../identity';
import type { IRunCache } from './runCache';
import {
  DEFAULT_ATTRIBUTION_SETTINGS,
  IAttributionSettings,
  sameSettings
} from './settings';
import { computeStale, IStaleInfo, IStaleInput, sameInfo } from './stale';
import { SharedClock } from '../time';

// The cell types of `@jupyterlab/cells`, reached through the notebook's own
// (this package depends on `@jupyterlab/notebook` only).
type Cell = Notebook['widgets'][number];
type ICellModel = Cell['model'];
type ICodeCellModel = ReturnType<
  StaticNotebook.IContentFactory['createCodeCell']
>['model'];
type IOutputAreaModel = ICodeCellModel['outputs'];

/** On a code cell whose outputs are stale. */
export const STALE_OUTPUTS_CLASS = 'jp-mlp-mod-staleOutputs';
/** On a code cell that has an execution strip. */
export const ATTRIBUTED_CLASS = 'jp-mlp-mod-attributed';
/** The class JupyterLab gives a cell's input wrapper (the strip goes after it). */
const INPUT_WRAPPER_CLASS = 'jp-Cell-inputWrapper';

/**
 * What `NotebookAttribution` needs of an `IntersectionObserver`.
 */
export interface IViewportObserver {
  observe(target: Element): void;
  unobserve(target: Element): void;
  disconnect(): void;
}

/**
 * Makes the observer that tells strips whether they are in view; `null`:
 * they always are.
 */
export type ViewportObserverFactory = (
  callback: (
    entries: ReadonlyArray<{ target: Element; isIntersecting: boolean }>
  ) => void
) => IViewportObserver | null;

/**
 * An `IntersectionObserver` on the viewport that starts a strip a little
 * before it scrolls into view.
 */
export const defaultViewportObserver: ViewportObserverFactory = callback =>
  typeof IntersectionObserver === 'undefined'
    ? null
    : new IntersectionObserver(callback, { rootMargin: '300px 0px' });

/**
 * Who ran what on every open notebook of the page: the shared clock, run
 * cache and settings, and one `NotebookAttribution` per notebook.
 */
export class CellAttribution implements IStripContext, IDisposable {
  constructor(options: CellAttribution.IOptions) {
    this.trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this.runs = options.runs;
    this.colors = options.colors ?? null;
    this.clock = options.clock ?? new SharedClock();
    this._ownsClock = options.clock === undefined;
    this._openRun = options.openRun;
    this._staleDelay = options.staleDelay ?? 100;
    this._viewport = options.viewport ?? defaultViewportObserver;
    this.colors?.changed.connect(this._refreshAll, this);
  }

  readonly trans: TranslationBundle;
  readonly clock: SharedClock;
  readonly runs: IRunCache;
  readonly colors: IUserColors | null;

  get settings(): IAttributionSettings {
    return this._settings;
  }

  set settings(value: IAttributionSettings) {
    if (sameSettings(value, this._settings)) {
      return;
    }
    this._settings = { ...value };
    this._refreshAll();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  openRun(runId: string): void {
    this._openRun(runId);
  }

  /**
   * Follow a notebook until it (or this) is disposed; returns its
   * attribution (the same one when called again).
   */
  attach(notebook: Notebook): NotebookAttribution {
    let attribution = this._notebooks.get(notebook);
    if (!attribution) {
      const created = new NotebookAttribution({
        notebook,
        context: this,
        staleDelay: this._staleDelay,
        viewport: this._viewport
      });
      this._notebooks.set(notebook, created);
      notebook.disposed.connect(() => {
        this._notebooks.delete(notebook);
        created.dispose();
      });
      attribution = created;
    }
    return attribution;
  }

  /** The attribution of a followed notebook. */
  get(notebook: Notebook): NotebookAttribution | null {
    return this._notebooks.get(notebook) ?? null;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.colors?.changed.disconnect(this._refreshAll, this);
    for (const attribution of this._notebooks.values()) {
      attribution.dispose();
    }
    this._notebooks.clear();
    if (this._ownsClock) {
      this.clock.dispose();
    }
  }

  private _refreshAll(): void {
    for (const attribution of this._notebooks.values()) {
      attribution.refresh();
    }
  }

  private _isDisposed = false;
  private _notebooks = new Map<Notebook, NotebookAttribution>();
  private _openRun: (runId: string) => void;
  private _ownsClock: boolean;
  private _settings: IAttributionSettings = { ...DEFAULT_ATTRIBUTION_SETTINGS };
  private _staleDelay: number;
  private _viewport: ViewportObserverFactory;
}

export namespace CellAttribution {
  export interface IOptions {
    runs: IRunCache;
    /** Open a run in the Experiments panel. */
    openRun: (runId: string) => void;
    /** Colours people use in the awareness (else from the palette). */
    colors?: IUserColors | null;
    trans?: TranslationBundle;
    /** The clock of the relative times (one is made when not given). */
    clock?: SharedClock;
    /** Milliseconds the stale marks wait for a burst of changes to end. */
    staleDelay?: number;
    /** Tells strips whether they are in view (default: the viewport). */
    viewport?: ViewportObserverFactory;
  }
}

/**
 * The records, strips and stale marks of one notebook.
 */
export class NotebookAttribution implements IVisibilityObserver, IDisposable {
  constructor(options: NotebookAttribution.IOptions) {
    this.notebook = options.notebook;
    this._context = options.context;
    this._staleDelay = options.staleDelay ?? 100;
    this._observer = (options.viewport ?? defaultViewportObserver)(entries =>
      this._onIntersection(entries)
    );
    this.notebook.modelChanged.connect(this._onModelChanged, this);
    this._onModelChanged();
  }

  readonly notebook: Notebook;

  /** Emitted when the stale marks change. */
  get staleChanged(): ISignal<this, ReadonlyMap<string, IStaleInfo>> {
    return this._staleChanged;
  }

  /** The stale cells, by cell id (as last computed). */
  get stale(): ReadonlyMap<string, IStaleInfo> {
    return this._stale;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The execution record of a cell of this notebook. */
  recordOf(cell: Cell): IExecutionRecord | null {
    return this._bindings.get(cell)?.record ?? null;
  }

  /** The strip on a cell, once it has one. */
  stripOf(cell: Cell): ExecutionStrip | null {
    return this._bindings.get(cell)?.strip ?? null;
  }

  /** Render every strip again (settings or colours changed). */
  refresh(): void {
    for (const binding of this._bindings.values()) {
      binding.refresh();
    }
    this._scheduleStale();
  }

  /** Make a cell of this notebook the active one and scroll to it. */
  revealCell(cellId: string): void {
    const notebook = this.notebook;
    const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
    if (index < 0) {
      return;
    }
    notebook.activeCellIndex = index;
    notebook.deselectAll();
    void notebook.scrollToItem(index, 'center');
  }

  observe(strip: ExecutionStrip): void {
    if (this._observer) {
      this._observed.set(strip.node, strip);
      this._observer.observe(strip.node);
    } else {
      strip.setVisible(true);
    }
  }

  unobserve(strip: ExecutionStrip): void {
    if (this._observer && this._observed.delete(strip.node)) {
      this._observer.unobserve(strip.node);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._staleTimer !== null) {
      clearTimeout(this._staleTimer);
      this._staleTimer = null;
    }
    if (this._reconcileTimer !== null) {
      clearTimeout(this._reconcileTimer);
      this._reconcileTimer = null;
    }
    this.notebook.modelChanged.disconnect(this._onModelChanged, this);
    this._model?.cells.changed.disconnect(this._onCellsChanged, this);
    this._model = null;
    for (const binding of this._bindings.values()) {
      binding.dispose();
    }
    this._bindings.clear();
    this._observer?.disconnect();
    this._observed.clear();
    Signal.clearData(this);
  }

  // -- called by the cell bindings ----------------------------------------------------

  /** @internal */
  get context(): IStripContext {
    return this._context;
  }

  /** @internal A binding's record or outputs changed. */
  scheduleStale(): void {
    this._scheduleStale();
  }

  /** @internal A bound cell was disposed. */
  unbind(binding: CellBinding): void {
    if (this._bindings.get(binding.cell) === binding) {
      this._bindings.delete(binding.cell);
    }
    binding.dispose();
    this._scheduleStale();
  }

  // -- private --------------------------------------------------------------------------

  private _onModelChanged(): void {
    const model = this.notebook.model;
    if (model === this._model) {
      return;
    }
    this._model?.cells.changed.disconnect(this._onCellsChanged, this);
    this._model = model;
    model?.cells.changed.connect(this._onCellsChanged, this);
    this._reconcile();
  }

  private _onCellsChanged(): void {
    // The notebook makes its cell widgets in its own handler of the same
    // signal: bind them once every handler has run.
    if (this._reconcileTimer === null) {
      this._reconcileTimer = setTimeout(() => {
        this._reconcileTimer = null;
        this._reconcile();
      }, 0);
    }
  }

  /** Bind the code cells not bound yet, drop the bindings of cells gone. */
  private _reconcile(): void {
    if (this._isDisposed) {
      return;
    }
    const current = new Set<Cell>();
    for (const cell of this.notebook.widgets) {
      if (cell.model.type !== 'code' || cell.isDisposed) {
        continue;
      }
      current.add(cell);
      if (!this._bindings.has(cell)) {
        this._bindings.set(cell, new CellBinding(cell, this));
      }
    }
    for (const [cell, binding] of this._bindings) {
      if (!current.has(cell)) {
        this._bindings.delete(cell);
        binding.dispose();
      }
    }
    this._scheduleStale();
  }

  private _scheduleStale(): void {
    if (this._staleTimer !== null || this._isDisposed) {
      return;
    }
    this._staleTimer = setTimeout(() => {
      this._staleTimer = null;
      this._updateStale();
    }, this._staleDelay);
  }

  private _updateStale(): void {
    if (this._isDisposed) {
      return;
    }
    const marking = this._context.settings.markStaleOutputs;
    const inputs: IStaleInput[] = this.notebook.widgets.map(cell => {
      const binding = this._bindings.get(cell);
      return {
        id: cell.model.id,
        isCode: binding !== undefined,
        hasOutputs: binding?.hasOutputs ?? false,
        record: binding?.record ?? null
      };
    });
    const stale = marking
      ? computeStale(inputs)
      : new Map<string, IStaleInfo>();
    let changed = stale.size !== this._stale.size;
    for (const binding of this._bindings.values()) {
      const info = stale.get(binding.cell.model.id) ?? null;
      if (!sameInfo(info, binding.staleInfo)) {
        changed = true;
        binding.setStale(info);
      }
    }
    this._stale = stale;
    if (changed) {
      this._staleChanged.emit(stale);
    }
  }

  private _onIntersection(
    entries: ReadonlyArray<{ target: Element; isIntersecting: boolean }>
  ): void {
    for (const entry of entries) {
      this._observed.get(entry.target)?.setVisible(entry.isIntersecting);
    }
  }

  private _bindings = new Map<Cell, CellBinding>();
  private _context: IStripContext;
  private _isDisposed = false;
  private _model: INotebookModel | null = null;
  private _observed = new Map<Element, ExecutionStrip>();
  private _observer: IViewportObserver | null;
  private _reconcileTimer: ReturnType<typeof setTimeout> | null = null;
  private _stale: ReadonlyMap<string, IStaleInfo> = new Map();
  private _staleChanged = new Signal<this, ReadonlyMap<string, IStaleInfo>>(
    this
  );
  private _staleDelay: number;
  private _staleTimer: ReturnType<typeof setTimeout> | null = null;
}

export namespace NotebookAttribution {
  export interface IOptions {
    notebook: Notebook;
    context: IStripContext;
    staleDelay?: number;
    viewport?: ViewportObserverFactory;
  }
}

/**
 * One code cell: its record (read when `metadata.mlplatform` changes),
 * whether it has outputs, its strip and stale mark.
 */
class CellBinding implements IDisposable {
  constructor(
    readonly cell: Cell,
    private readonly _owner: NotebookAttribution
  ) {
    this._model = cell.model as ICodeCellModel;
    // Kept: a disposed model no longer has its outputs.
    this._outputs = this._model.outputs;
    this._record = readRecord(this._model);
    this._hasOutputs = this._outputs.length > 0;
    this._model.metadataChanged.connect(this._onMetadataChanged, this);
    this._outputs.changed.connect(this._onOutputsChanged, this);
    cell.disposed.connect(this._onCellDisposed, this);
    // Placeholders (windowed notebooks) have no DOM yet: wait for it.
    void cell.ready.then(() => {
      if (!this._isDisposed && !cell.isDisposed) {
        this._rendered = true;
        this._syncStrip();
      }
    });
  }

  get record(): IExecutionRecord | null {
    return this._record;
  }

  get hasOutputs(): boolean {
    return this._hasOutputs;
  }

  get strip(): ExecutionStrip | null {
    return this._strip;
  }

  get staleInfo(): IStaleInfo | null {
    return this._staleInfo;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  setStale(info: IStaleInfo | null): void {
    this._staleInfo = info;
    this.cell.toggleClass(STALE_OUTPUTS_CLASS, info !== null);
    this._syncStrip();
  }

  refresh(): void {
    this._syncStrip();
    this._strip?.refresh();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.metadataChanged.disconnect(this._onMetadataChanged, this);
    this._outputs.changed.disconnect(this._onOutputsChanged, this);
    this.cell.disposed.disconnect(this._onCellDisposed, this);
    if (!this.cell.isDisposed) {
      this.cell.removeClass(STALE_OUTPUTS_CLASS);
      this.cell.removeClass(ATTRIBUTED_CLASS);
    }
    this._strip?.dispose();
    this._strip = null;
  }

  private _onMetadataChanged(_: ICellModel, change: IMapChange): void {
    if (change.key !== CELL_METADATA_KEY) {
      return;
    }
    const record = readRecord(this._model);
    if (sameRecord(record, this._record)) {
      return;
    }
    this._record = record;
    this._syncStrip();
    this._owner.scheduleStale();
  }

  private _onOutputsChanged(): void {
    const hasOutputs = this._outputs.length > 0;
    if (hasOutputs !== this._hasOutputs) {
      this._hasOutputs = hasOutputs;
      this._owner.scheduleStale();
    }
  }

  private _onCellDisposed(): void {
    this._owner.unbind(this);
  }

  /** Make, update or remove the strip to match the record. */
  private _syncStrip(): void {
    if (this._isDisposed || !this._rendered) {
      return;
    }
    const record = this._record;
    if (!record) {
      if (this._strip) {
        this._strip.dispose();
        this._strip = null;
        this.cell.removeClass(ATTRIBUTED_CLASS);
      }
      return;
    }
    if (!this._strip) {
      const strip = new ExecutionStrip({
        context: this._owner.context,
        revealCell: cellId => this._owner.revealCell(cellId),
        visibility: this._owner
      });
      insertStrip(this.cell, strip);
      this.cell.addClass(ATTRIBUTED_CLASS);
      this._strip = strip;
    }
    if (this._strip.record !== record) {
      this._strip.setRecord(record);
    }
    if (!sameInfo(this._strip.stale, this._staleInfo)) {
      this._strip.setStale(this._staleInfo);
    }
  }

  private _hasOutputs: boolean;
  private _isDisposed = false;
  private _model: ICodeCellModel;
  private _outputs: IOutputAreaModel;
  private _record: IExecutionRecord | null;
  private _rendered = false;
  private _staleInfo: IStaleInfo | null = null;
  private _strip: ExecutionStrip | null = null;
}

function readRecord(model: ICellModel): IExecutionRecord | null {
  return executionRecordOf(model.getMetadata(CELL_METADATA_KEY));
}

/**
 * Whether two records say the same (the server rewrites the whole record on
 * every change, so equal records are common).
 */
function sameRecord(
  a: IExecutionRecord | null,
  b: IExecutionRecord | null
): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Put the strip in the cell's layout right after the input (above the
 * outputs); before the footer when the cell has no input wrapper.
 */
function insertStrip(cell: Cell, strip: ExecutionStrip): void {
  const layout = cell.layout as PanelLayout;
  const widgets = layout.widgets;
  const input = widgets.findIndex(w => w.hasClass(INPUT_WRAPPER_CLASS));
  const index = input >= 0 ? input + 1 : Math.max(0, widgets.length - 1);
  layout.insertWidget(index, strip);
}
