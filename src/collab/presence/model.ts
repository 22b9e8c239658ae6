/*
 * The people connected to this server and where they are, kept up to date
 * from the global awareness and the awareness of every shared notebook open
 * in this lab.
 */
import type { NotebookChange, YNotebook } from '@jupyter/ydoc';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

import { ICursorCell } from './cursor';
import { IOpenNotebook, IPerson, mergePeople } from './people';
import { AwarenessState, readTabs } from './state';

/**
 * A shared notebook open in this lab, as the presence model reads it.
 */
export interface INotebookSource {
  /** Its contents path (may change: a rename). */
  readonly path: string;
  /** The notebook's own awareness (cursors, the published location). */
  readonly awareness: Awareness;
  readonly ydoc: Y.Doc;
  /** The cells, in order. */
  cells(): readonly ICursorCell[];
  /**
   * Call `callback` whenever the cell list or the path changes; returns the
   * way to stop.
   */
  onChange(callback: () => void): () => void;
}

/**
 * The shared notebook behind a `YNotebook` (`@jupyter/ydoc`) at `path`.
 */
export function yNotebookSource(
  notebook: YNotebook,
  path: () => string,
  pathChanged?: ISignal<unknown, unknown>
): INotebookSource {
  return {
    get path() {
      return path();
    },
    awareness: notebook.awareness,
    ydoc: notebook.ydoc,
    cells: () => notebook.cells,
    onChange: callback => {
      const onNotebookChange = (_: YNotebook, change: NotebookChange): void => {
        if (change.cellsChange) {
          callback();
        }
      };
      const onPathChange = (): void => callback();
      notebook.changed.connect(onNotebookChange);
      pathChanged?.connect(onPathChange);
      return () => {
        notebook.changed.disconnect(onNotebookChange);
        pathChanged?.disconnect(onPathChange);
      };
    }
  };
}

/**
 * Everyone connected (from `IGlobalAwareness`), one entry per person.
 */
export class PresenceModel implements IDisposable {
  /**
   * @param awareness - The global awareness; `null` without
   *   jupyter-collaboration (the model is then empty).
   */
  constructor(awareness: Awareness | null) {
    this.awareness = awareness;
    if (awareness) {
      awareness.on('change', this._onAwarenessChange);
      this._recompute();
    }
  }

  /** The global awareness, `null` when co-editing is not available here. */
  readonly awareness: Awareness | null;

  /** Whether live presence is available (the global awareness is). */
  get available(): boolean {
    return this.awareness !== null;
  }

  /** Emitted when someone arrives, leaves or moves. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Everyone connected: ourselves first, then the others by name. */
  get people(): readonly IPerson[] {
    return this._people;
  }

  /** Ourselves, once our tab announced its user. */
  get self(): IPerson | null {
    return this._people.find(p => p.isSelf) ?? null;
  }

  /** The person with that username, if connected. */
  person(username: string): IPerson | null {
    return this._people.find(p => p.username === username) ?? null;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Read the cursors and cell positions of a shared notebook open here; the
   * returned disposable stops (when the notebook closes).
   */
  addNotebook(source: INotebookSource): IDisposable {
    const onChange = (): void => this._recompute();
    source.awareness.on('change', onChange);
    const stop = source.onChange(onChange);
    this._notebooks.add(source);
    this._recompute();
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        source.awareness.off('change', onChange);
        stop();
        this._notebooks.delete(source);
        this._recompute();
      }
    };
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.awareness?.off('change', this._onAwarenessChange);
    this._notebooks.clear();
    Signal.clearData(this);
  }

  private _onAwarenessChange = (): void => {
    this._recompute();
  };

  private _recompute(): void {
    if (this._isDisposed || this.awareness === null) {
      return;
    }
    const notebooks = new Map<string, IOpenNotebook>();
    for (const source of this._notebooks) {
      notebooks.set(source.path, {
        tabs: readTabs(
          source.awareness.getStates() as Map<number, AwarenessState>
        ),
        ydoc: source.ydoc,
        cells: source.cells()
      });
    }
    const people = mergePeople(
      readTabs(this.awareness.getStates() as Map<number, AwarenessState>),
      this.awareness.clientID,
      notebooks
    );
    // Cursors move with every keystroke of everyone: emit only when what
    // the panel shows changed.
    const json = JSON.stringify(people);
    if (json !== this._json) {
      this._people = people;
      this._json = json;
      this._changed.emit();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _isDisposed = false;
  private _json = '[]';
  private _notebooks = new Set<INotebookSource>();
  private _people: IPerson[] = [];
}
