import { UseSignal } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { addIcon, launchIcon, refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { experimentsIcon } from '../../icons';
import { CommandIDs } from '../../tokens';
import { IconButton } from '../IconButton';
import { Sidebar, SidebarClasses, SidebarHeader } from '../Sidebar';
import { ExperimentList } from './components/ExperimentList';
import { RunList } from './components/RunList';
import { askExperimentName } from './askExperimentName';
import { ExperimentsModel } from './model';

const SIDEBAR_CLASS = 'jp-mlp-ExperimentsSidebar';
const SECTION_CLASS = SidebarClasses.section;
const SECTION_TITLE_CLASS = SidebarClasses.sectionTitle;
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
export class ExperimentsSidebar extends Sidebar {
  constructor(options: ExperimentsSidebar.IOptions) {
    super({
      id: EXPERIMENTS_SIDEBAR_ID,
      className: SIDEBAR_CLASS,
      icon: experimentsIcon,
      caption: trans => trans.__('Experiments'),
      trans: options.trans
    });
    this.model = options.model;
    this._commands = options.commands ?? null;
  }

  /**
   * The state shown by the panel; owned (and disposed) by the panel.
   */
  readonly model: ExperimentsModel;

  /**
   * Ask for a name and create an experiment.
   */
  async newExperiment(): Promise<void> {
    const name = await askExperimentName(this.trans);
    if (name) {
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

  /** Loads when first shown. */
  protected onShown(): void {
    if (this._activated) {
      return;
    }
    this._activated = true;
    void this.model.activate();
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
    const trans = this.trans;
    const selected = model.selectedExperiment;
    return (
      <>
        <SidebarHeader title={trans.__('Experiments')}>
          <IconButton
            label={trans.__('New experiment')}
            onClick={() => void this.newExperiment()}
          >
            <addIcon.react tag="span" />
          </IconButton>
          {this._commands && (
            <IconButton
              label={trans.__('Open the Experiments panel')}
              onClick={() =>
                void this._commands?.execute(CommandIDs.openExperiments, {
                  experimentIds: model.selectedExperimentId
                    ? [model.selectedExperimentId]
                    : []
                })
              }
            >
              <launchIcon.react tag="span" width="16px" height="16px" />
            </IconButton>
          )}
          <IconButton
            label={trans.__('Refresh')}
            disabled={model.loading}
            onClick={() => void model.refresh()}
          >
            <refreshIcon.react tag="span" />
          </IconButton>
        </SidebarHeader>
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

  private _activated = false;
  private _commands: CommandRegistry | null;
}

export namespace ExperimentsSidebar {
  export interface IOptions {
    model: ExperimentsModel;
    trans?: TranslationBundle;
    /** Adds a button that opens the Experiments panel. */
    commands?: CommandRegistry;
  }
}
