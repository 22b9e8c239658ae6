import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import {
  EventsConnection,
  TrackingClient,
  TrackingEvent
} from '../../api/tracking';
import { MetricHistories } from './metricHistories';

/**
 * A main-area panel that shows runs (one run's detail, or a comparison):
 * it loads when first shown, keeps the runs' metric histories streaming,
 * re-renders on `changed`, and is disposed when its tab is closed.
 */
export abstract class RunViewPanel extends ReactWidget {
  constructor(options: RunViewPanel.IOptions) {
    super();
    this.client = options.client;
    this.events = options.events ?? null;
    this.commands = options.commands;
    this.trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this.title.closable = true;
    this.histories = new MetricHistories({
      client: this.client,
      events: this.events ?? undefined,
      runIds: options.runIds,
      maxPoints: options.maxPoints,
      trans: this.trans
    });
    // Metrics that start while the panel is open get their charts too.
    this.histories.newKeys.connect((_, keys) => void this.histories.load(keys));
    this.events?.received.connect(this._onReceived, this);
  }

  /** The runs' metric histories (downsampled, streaming). */
  readonly histories: MetricHistories;

  /** Emitted when what the panel shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Load the panel's runs from the server. */
  abstract reload(): Promise<void>;

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.events?.received.disconnect(this._onReceived, this);
    this.histories.dispose();
    // Widget.dispose clears this panel's signals after emitting `disposed`
    // (clearing them first would hide the disposal from widget trackers).
    super.dispose();
  }

  protected readonly client: TrackingClient;
  protected readonly commands: CommandRegistry;
  protected readonly events: EventsConnection | null;
  protected readonly trans: TranslationBundle;

  /** What the panel shows (re-rendered on `changed`). */
  protected abstract renderContent(): JSX.Element;

  /** A server event arrived (runs and metrics of any run). */
  protected abstract onTrackingEvent(event: TrackingEvent): void;

  protected emitChanged(): void {
    this._changed.emit();
  }

  /** Closing the tab disposes the panel (Lumino only detaches it). */
  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (!this._loaded) {
      this._loaded = true;
      void this.reload();
    }
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._changed}>{() => this.renderContent()}</UseSignal>
    );
  }

  private _onReceived(_: EventsConnection, event: TrackingEvent): void {
    this.onTrackingEvent(event);
  }

  private _changed = new Signal<this, void>(this);
  private _loaded = false;
}

export namespace RunViewPanel {
  export interface IOptions {
    runIds: readonly string[];
    client: TrackingClient;
    /** Keeps the panel and its charts live when given. */
    events?: EventsConnection;
    /** Runs the panel's actions (open, rename, tag, delete...). */
    commands: CommandRegistry;
    /** Points per metric history asked from the server for a chart. */
    maxPoints?: number;
    trans?: TranslationBundle;
  }
}
