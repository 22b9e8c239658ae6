import { InputDialog, ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { addIcon, launchIcon, refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { experimentsIcon } from '../../icons';
import { CommandIDs } from '../../tokens';
import { ExperimentList } from './components/ExperimentList';
import { RunList } from './components/RunList';
import { ExperimentsModel } from './model';

const SIDEBAR_CLASS = 'jp-mlp-ExperimentsSidebar';
const HEADER_CLASS = 'jp-mlp-ExperimentsSidebar-header';
const TITLE_CLASS = 'jp-mlp-ExperimentsSidebar-title';
const BUTTON_CLASS = 'jp-mlp-ExperimentsSidebar-button';
const SECTION_CLASS = 'jp-mlp-ExperimentsSidebar-section';
const SECTION_TITLE_CLASS = 'jp-mlp-ExperimentsSidebar-sectionTitle';
const STATUS_CLASS = 'jp-mlp-ExperimentsSidebar-status';

/**
 * The id of the sidebar widget (also its layout-restorer key).
 */
export const EXPERIMENTS_SIDEBAR_ID = 'jp-mlp-experiments-sidebar';

/**
 * A left-sidebar panel listing experiments and the runs of the selected one.
 *
 * It loads when first shown and reloads on tracking events. Failures are
 * reported with `Notification.error` by the model.
 */
export class ExperimentsSidebar extends ReactWidget {
  constructor(options: ExperimentsSidebar.IOptions) {
    super();
    this.model = options.model;
    this._commands = options.commands ?? null;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this.id = EXPERIMENTS_SIDEBAR_ID;
    this.addClass(SIDEBAR_CLASS);
    this.title.icon = experimentsIcon;
    this.title.caption = this._trans.__('Experiments');
  }

  /**
   * The state shown by the panel; owned (and disposed) by the panel.
   */
  readonly model: ExperimentsModel;

  /**
   * Ask for a name and create an experiment.
   */
  async newExperiment(): Promise<void> {
    const result = await InputDialog.getText({
      title: this._trans.__('New experiment'),
      label: this._trans.__('Name'),
      placeholder: this._trans.__('my-experiment'),
      okLabel: this._trans.__('Create')
    });
    const name = result.value?.trim();
    if (result.button.accept && name) {
      await this.model.createExperiment(name);
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._activate();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._activate();
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => this._renderContent()}
      </UseSignal>
    );
  }

  private _renderContent(): JSX.Element {
    const { model } = this;
    const trans = this._trans;
    const selected = model.selectedExperiment;
    return (
      <>
        <div className={HEADER_CLASS}>
          <h2 className={TITLE_CLASS}>{trans.__('Experiments')}</h2>
          <button
            type="button"
            className={BUTTON_CLASS}
            title={trans.__('New experiment')}
            aria-label={trans.__('New experiment')}
            onClick={() => void this.newExperiment()}
          >
            <addIcon.react tag="span" />
          </button>
          {this._commands && (
            <button
              type="button"
              className={BUTTON_CLASS}
              title={trans.__('Open the Experiments panel')}
              aria-label={trans.__('Open the Experiments panel')}
              onClick={() =>
                void this._commands?.execute(CommandIDs.openExperiments, {
                  experimentIds: model.selectedExperimentId
                    ? [model.selectedExperimentId]
                    : []
                })
              }
            >
              <launchIcon.react tag="span" width="16px" height="16px" />
            </button>
          )}
          <button
            type="button"
            className={BUTTON_CLASS}
            title={trans.__('Refresh')}
            aria-label={trans.__('Refresh')}
            disabled={model.loading}
            onClick={() => void model.refresh()}
          >
            <refreshIcon.react tag="span" />
          </button>
        </div>
        {model.loading && (
          <div className={STATUS_CLASS} role="status">
            {trans.__('Loading…')}
          </div>
        )}
        <section className={SECTION_CLASS}>
          <ExperimentList
            experiments={model.experiments}
            selectedId={model.selectedExperimentId}
            onSelect={id => void model.select(id)}
            trans={trans}
          />
        </section>
        {selected && (
          <section className={SECTION_CLASS}>
            <h3 className={SECTION_TITLE_CLASS}>
              {trans.__('Runs of %1', selected.name)}
            </h3>
            <RunList runs={model.runs} trans={trans} />
          </section>
        )}
      </>
    );
  }

  private _activate(): void {
    if (this._activated) {
      return;
    }
    this._activated = true;
    void this.model.activate();
  }

  private _activated = false;
  private _commands: CommandRegistry | null;
  private _trans: TranslationBundle;
}

export namespace ExperimentsSidebar {
  export interface IOptions {
    model: ExperimentsModel;
    trans?: TranslationBundle;
    /** Adds a button that opens the Experiments panel. */
    commands?: CommandRegistry;
  }
}
