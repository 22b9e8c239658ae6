/*
 * The automatic-tracking state of one open notebook, kept live: its metadata
 * (changed here, by a collaborator, by undo), the user setting, the kernel,
 * the notebook's path and the server's answer.
 */
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { AutologClient, IAutologStatus } from '../api/autolog';
import { reportError } from '../notify';
import {
  INotebookMetadataHost,
  METADATA_KEY,
  readNotebookAutolog,
  writeNotebookAutolog
} from './metadata';
import { AutologSetting } from './setting';
import { deriveAutologState, IAutologState } from './state';

/**
 * The notebook model as this module uses it (`INotebookModel` has it).
 */
export interface IAutologNotebookModel extends INotebookMetadataHost {
  /** Emitted when a metadata key changes. */
  readonly metadataChanged: ISignal<unknown, { key: string }>;
  /** Emitted when `dirty` (among others) changes. */
  readonly stateChanged: ISignal<unknown, { name: string }>;
  /** Whether the document has unsaved changes. */
  readonly dirty: boolean;
  /** Whether the document is shared through real-time collaboration. */
  readonly collaborative?: boolean;
}

/**
 * The document context as this module uses it
 * (`DocumentRegistry.IContext<INotebookModel>` has it).
 */
export interface IAutologContext {
  readonly model: IAutologNotebookModel;
  /** The path relative to the server root (without a drive prefix). */
  readonly localPath: string;
  readonly pathChanged: ISignal<unknown, string>;
  readonly ready: Promise<void>;
  readonly isReady: boolean;
  save(): Promise<void>;
}

/**
 * The kernel session as this module uses it (`ISessionContext` has it).
 */
export interface IAutologKernelSource {
  readonly kernelChanged: ISignal<unknown, unknown>;
  readonly kernelDisplayName: string;
  readonly session: {
    readonly kernel: { readonly name: string } | null;
  } | null;
  readonly specsManager: {
    readonly specsChanged: ISignal<unknown, unknown>;
    readonly specs: {
      readonly kernelspecs: {
        readonly [name: string]: { readonly language: string } | undefined;
      };
    } | null;
  };
}

/**
 * The automatic-tracking state of one notebook and its switch.
 */
export class NotebookAutologModel implements IDisposable {
  constructor(options: NotebookAutologModel.IOptions) {
    this._context = options.context;
    this._kernel = options.kernel ?? null;
    this._setting = options.setting;
    this._client = options.client ?? null;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');

    const { model } = this._context;
    model.metadataChanged.connect(this._onMetadataChanged, this);
    model.stateChanged.connect(this._onModelStateChanged, this);
    this._context.pathChanged.connect(this._onPathChanged, this);
    this._setting.changed.connect(this._update, this);
    this._kernel?.kernelChanged.connect(this._update, this);
    this._kernel?.specsManager.specsChanged.connect(this._update, this);

    this._state = this._derive();
    void this._context.ready.then(() => {
      if (this.isDisposed) {
        return;
      }
      this._recordSaved();
      this._update();
      void this.refreshStatus();
    });
  }

  /**
   * The current state.
   */
  get state(): IAutologState {
    return this._state;
  }

  /**
   * Emitted with the new state whenever it changes.
   */
  get stateChanged(): ISignal<this, IAutologState> {
    return this._stateChanged;
  }

  /**
   * The server's last answer; `null` before it came, or when the server has
   * no status endpoint (the state then rests on metadata and setting alone).
   */
  get status(): IAutologStatus | null {
    return this._status;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Ask the server for the notebook's status.
   *
   * Failures leave the last answer in place. They are reported to the user
   * only for a user action, and never when the server has no such endpoint
   * (404: an older server), so that the toggle works from metadata alone.
   */
  async refreshStatus(options: { userAction?: boolean } = {}): Promise<void> {
    if (!this._client || this.isDisposed) {
      return;
    }
    const request = ++this._statusRequest;
    try {
      const status = await this._client.status(this._context.localPath);
      if (request === this._statusRequest && !this.isDisposed) {
        this._status = status;
        this._update();
      }
    } catch (error) {
      if (request !== this._statusRequest || this.isDisposed) {
        return;
      }
      const missing =
        error instanceof ServerConnection.ResponseError &&
        error.response.status === 404;
      if (options.userAction && !missing) {
        reportError(
          this._trans.__('Could not get the automatic tracking status'),
          error
        );
      } else {
        console.debug('Automatic tracking status unavailable', error);
      }
    }
  }

  /**
   * Switch automatic tracking on or off for this notebook: set its metadata
   * and, without real-time collaboration, save the notebook, because the
   * server then reads the switch from the saved file. A failed save is
   * reported to the user.
   *
   * @returns Whether the switch is in place where the server reads it.
   */
  async setNotebookEnabled(enabled: boolean): Promise<boolean> {
    await this._context.ready;
    if (this.isDisposed) {
      return false;
    }
    const { model } = this._context;
    if (model.collaborative) {
      writeNotebookAutolog(model, enabled);
    } else {
      // Counted before writing, so that the state is not "unsaved" while
      // its own save is on the way.
      this._saving++;
      try {
        const changed = writeNotebookAutolog(model, enabled);
        if (!changed && this._savedEnabled === enabled) {
          return true;
        }
        // One save after another: saves started together would each find
        // the file changed by the other.
        const save = this._saveQueue.then(() => this._context.save());
        this._saveQueue = save.catch(() => undefined);
        await save;
        this._recordSaved();
      } catch (error) {
        if (!Private.isCancel(error) && !this.isDisposed) {
          reportError(
            enabled
              ? this._trans.__(
                  'Tracking is switched on in the notebook, but the notebook could not be saved; the kernel keeps the saved setting until it is'
                )
              : this._trans.__(
                  'Tracking is switched off in the notebook, but the notebook could not be saved; the kernel keeps the saved setting until it is'
                ),
            error
          );
        }
        return false;
      } finally {
        this._saving--;
        this._update();
      }
    }
    void this.refreshStatus({ userAction: true });
    return true;
  }

  /**
   * Flip this notebook's switch (see `setNotebookEnabled`).
   */
  toggle(): Promise<boolean> {
    return this.setNotebookEnabled(!this._state.notebookEnabled);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _onMetadataChanged(_: unknown, change: { key: string }): void {
    if (change.key === METADATA_KEY || change.key === 'kernelspec') {
      this._update();
    }
  }

  private _onModelStateChanged(_: unknown, change: { name: string }): void {
    if (change.name === 'dirty') {
      this._recordSaved();
      this._update();
    }
  }

  private _onPathChanged(): void {
    this._update();
    void this.refreshStatus();
  }

  /** Remember the switch's saved value when the model matches the file. */
  private _recordSaved(): void {
    const { model } = this._context;
    if (this._context.isReady && !model.dirty) {
      this._savedEnabled = readNotebookAutolog(model);
    }
  }

  private _update(): void {
    if (this.isDisposed) {
      return;
    }
    const next = this._derive();
    if (!Private.sameState(next, this._state)) {
      this._state = next;
      this._stateChanged.emit(next);
    }
  }

  private _derive(): IAutologState {
    const { model } = this._context;
    const notebookEnabled = readNotebookAutolog(model);
    const unsaved =
      !model.collaborative &&
      this._saving === 0 &&
      this._savedEnabled !== null &&
      this._savedEnabled !== notebookEnabled;
    return deriveAutologState({
      notebookEnabled,
      settingEnabled: this._setting.enabled,
      status: this._status,
      kernelLanguage: this._kernelLanguage(),
      kernelDisplayName: this._kernel?.kernelDisplayName,
      unsaved
    });
  }

  /**
   * The running kernel's language, else the one the notebook was saved with,
   * else `null`.
   */
  private _kernelLanguage(): string | null {
    const name = this._kernel?.session?.kernel?.name;
    if (name) {
      const spec = this._kernel?.specsManager.specs?.kernelspecs[name];
      if (spec) {
        return spec.language;
      }
    }
    const saved = this._context.model.getMetadata('kernelspec');
    if (saved !== null && typeof saved === 'object') {
      const language = (saved as { language?: unknown }).language;
      if (typeof language === 'string' && language) {
        return language;
      }
    }
    return null;
  }

  private _context: IAutologContext;
  private _kernel: IAutologKernelSource | null;
  private _setting: AutologSetting;
  private _client: AutologClient | null;
  private _trans: TranslationBundle;
  private _state: IAutologState;
  private _stateChanged = new Signal<this, IAutologState>(this);
  private _status: IAutologStatus | null = null;
  private _statusRequest = 0;
  private _savedEnabled: boolean | null = null;
  private _saving = 0;
  private _saveQueue: Promise<void> = Promise.resolve();
  private _isDisposed = false;
}

export namespace NotebookAutologModel {
  export interface IOptions {
    /** The notebook's document context. */
    context: IAutologContext;
    /** The notebook's kernel session; without it the kernel is unknown. */
    kernel?: IAutologKernelSource | null;
    /** The user setting (shared by every notebook). */
    setting: AutologSetting;
    /** The status client; without it the server is not asked. */
    client?: AutologClient | null;
    trans?: TranslationBundle;
  }
}

namespace Private {
  /** Whether the user cancelled a save (a dialog of the document context). */
  export function isCancel(error: unknown): boolean {
    const name = (error as { name?: unknown } | null)?.name;
    return name === 'ModalCancelError' || name === 'ModalDuplicateError';
  }

  export function sameState(a: IAutologState, b: IAutologState): boolean {
    return (Object.keys(a) as (keyof IAutologState)[]).every(
      key => a[key] === b[key]
    );
  }
}
