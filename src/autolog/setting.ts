/*
 * The user setting that switches automatic tracking off in every notebook.
 */
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

/**
 * The settings plugin id. The server reads this setting file itself (through
 * jupyterlab_server) to decide, so the id and the property name are a
 * contract with the server: do not rename them.
 */
export const AUTOLOG_PLUGIN_ID = 'jupyterlab-mlplatform:autolog';

/** The property of `AUTOLOG_PLUGIN_ID` that switches tracking on or off. */
export const ENABLED_PROPERTY = 'enabled';

/**
 * The live value of the user setting; `true` (the default) until the
 * settings are loaded, and when there is no settings registry.
 */
export class AutologSetting implements IDisposable {
  /**
   * Whether automatic tracking is on in the user setting.
   */
  get enabled(): boolean {
    return this._enabled;
  }

  /**
   * Emitted with the new value when it changes.
   */
  get changed(): ISignal<this, boolean> {
    return this._changed;
  }

  /**
   * Whether settings are attached (so that the setting can be opened).
   */
  get attached(): boolean {
    return this._settings !== null;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Follow loaded settings of `AUTOLOG_PLUGIN_ID`.
   */
  attach(settings: ISettingRegistry.ISettings): void {
    this._settings?.changed.disconnect(this._update, this);
    this._settings = settings;
    settings.changed.connect(this._update, this);
    this._update();
  }

  /**
   * Set the value (without settings attached; the settings keep it otherwise).
   */
  set(enabled: boolean): void {
    if (enabled !== this._enabled) {
      this._enabled = enabled;
      this._changed.emit(enabled);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._settings?.changed.disconnect(this._update, this);
    this._settings = null;
    Signal.clearData(this);
  }

  private _update(): void {
    const value = this._settings?.get(ENABLED_PROPERTY).composite;
    this.set(value !== false);
  }

  private _enabled = true;
  private _settings: ISettingRegistry.ISettings | null = null;
  private _changed = new Signal<this, boolean>(this);
  private _isDisposed = false;
}
