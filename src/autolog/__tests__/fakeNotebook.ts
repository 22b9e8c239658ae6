/*
 * Stand-ins for an open notebook: a real `NotebookModel` in a document
 * context whose saves are recorded, and a kernel session.
 */
import { NotebookModel } from '@jupyterlab/notebook';
import { PromiseDelegate } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';

import { IAutologContext, IAutologKernelSource } from '../model';

export class FakeContext implements IAutologContext {
  constructor(
    options: {
      path?: string;
      collaborative?: boolean;
      metadata?: Record<string, unknown>;
      ready?: boolean;
    } = {}
  ) {
    this.model = new NotebookModel({
      collaborationEnabled: options.collaborative ?? false
    });
    for (const [key, value] of Object.entries(options.metadata ?? {})) {
      this.model.setMetadata(key, value);
    }
    this.model.dirty = false;
    this.localPath = options.path ?? 'work/train.ipynb';
    if (options.ready ?? true) {
      this.markReady();
    }
  }

  readonly model: NotebookModel;
  localPath: string;
  readonly pathChanged = new Signal<this, string>(this);
  /** `metadata.mlplatform` (as JSON) at each save. */
  readonly saves: string[] = [];
  /** Make the next save fail with this error. */
  failNextSave: Error | null = null;
  /** Saves wait for this (to test saves in flight). */
  saveGate: Promise<void> = Promise.resolve();

  get ready(): Promise<void> {
    return this._ready.promise;
  }

  get isReady(): boolean {
    return this._isReady;
  }

  markReady(): void {
    this._isReady = true;
    this._ready.resolve();
  }

  async save(): Promise<void> {
    await this.saveGate;
    const error = this.failNextSave;
    this.failNextSave = null;
    if (error) {
      throw error;
    }
    this.saves.push(
      JSON.stringify(this.model.getMetadata('mlplatform') ?? null)
    );
    this.model.dirty = false;
  }

  rename(path: string): void {
    this.localPath = path;
    this.pathChanged.emit(path);
  }

  dispose(): void {
    this.model.dispose();
  }

  private _ready = new PromiseDelegate<void>();
  private _isReady = false;
}

export class FakeKernel implements IAutologKernelSource {
  constructor(name: string | null, language: string, displayName: string) {
    this.session = name ? { kernel: { name } } : null;
    this.kernelDisplayName = displayName;
    this.specsManager = {
      specsChanged: new Signal<unknown, unknown>(this),
      specs: name ? { kernelspecs: { [name]: { language } } } : null
    };
  }

  readonly kernelChanged = new Signal<unknown, unknown>(this);
  kernelDisplayName: string;
  session: { kernel: { name: string } | null } | null;
  specsManager: {
    specsChanged: Signal<unknown, unknown>;
    specs: { kernelspecs: { [name: string]: { language: string } } } | null;
  };

  /** Switch to another kernel. */
  change(name: string, language: string, displayName: string): void {
    this.session = { kernel: { name } };
    this.kernelDisplayName = displayName;
    this.specsManager.specs = { kernelspecs: { [name]: { language } } };
    this.kernelChanged.emit(undefined);
  }
}
