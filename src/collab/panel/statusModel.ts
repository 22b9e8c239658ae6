/*
 * Whether co-editing is on for this server (`GET collaboration`), and why
 * not.
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { CollabClient, ICollabStatus } from '../../api/collab';
import { reportError } from '../../notify';

export class CollabStatusModel implements IDisposable {
  constructor(options: { client: CollabClient; trans?: TranslationBundle }) {
    this.client = options.client;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
  }

  readonly client: CollabClient;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The server's answer, once read. */
  get status(): ICollabStatus | null {
    return this._status;
  }

  /** Why it could not be read, until it is. */
  get error(): string | null {
    return this._error;
  }

  get loading(): boolean {
    return this._loading;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Ask the server; a failure is shown and reported. */
  async refresh(): Promise<void> {
    if (this._loading || this._isDisposed) {
      return;
    }
    this._loading = true;
    this._changed.emit();
    try {
      this._status = await this.client.status();
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error.message : String(error);
      reportError(
        this._trans.__('Could not check whether co-editing is on'),
        error
      );
    } finally {
      this._loading = false;
      if (!this._isDisposed) {
        this._changed.emit();
      }
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _error: string | null = null;
  private _isDisposed = false;
  private _loading = false;
  private _status: ICollabStatus | null = null;
  private _trans: TranslationBundle;
}
