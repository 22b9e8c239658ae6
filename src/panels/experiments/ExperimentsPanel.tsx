import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IRun, ViewType } from '../../api/tracking';
import { CommandIDs } from '../../tokens';
import { ColumnChooser } from './components/ColumnChooser';
import { ExperimentPicker } from './components/ExperimentPicker';
import { FilterBox } from './components/FilterBox';
import { RunsTable } from './components/RunsTable';
import { ExperimentsModel } from './model';
import { RunsModel } from './runsModel';

const PANEL_CLASS = 'jp-mlp-ExperimentsPanel';
const SIDE_CLASS = 'jp-mlp-ExperimentsPanel-side';
const MAIN_CLASS = 'jp-mlp-ExperimentsPanel-main';
const TOOLBAR_CLASS = 'jp-mlp-ExperimentsPanel-toolbar';
const STATUS_CLASS = 'jp-mlp-ExperimentsPanel-status';
const BUTTON_CLASS = 'jp-mlp-ToolbarButton';

/**
 * The id of the (single) Experiments panel in the main area.
 */
export const EXPERIMENTS_PANEL_ID = 'jp-mlp-experiments-panel';

/**
 * The Experiments panel: the experiments at the left, the runs table of the
 * chosen ones at the right, with a filter box, a column chooser and the run
 * actions (compare, tag, delete, restore, deploy, export). Live through the
 * events websocket of both models.
 */
export class ExperimentsPanel extends ReactWidget {
  constructor(options: ExperimentsPanel.IOptions) {
    super();
    this.experiments = options.experiments;
    this.runs = options.runs;
    this._commands = options.commands;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this.id = EXPERIMENTS_PANEL_ID;
    this.addClass(PANEL_CLASS);
    this.title.label = this._trans.__('Experiments');
    this.title.closable = true;
    this.experiments.changed.connect(this._onExperimentsChanged, this);
  }

  /** The experiment list (owned by the panel). */
  readonly experiments: ExperimentsModel;

  /** The runs table state (owned by the panel). */
  readonly runs: RunsModel;

  /**
   * Show the runs of these experiments (the panel's own picker does the same).
   */
  async showExperiments(experimentIds: readonly string[]): Promise<void> {
    this._explicit = true;
    await this.runs.setExperimentIds(experimentIds);
  }

  /** The runs the run actions apply to: the selection. */
  get selectedRuns(): IRun[] {
    return this.runs.selectedRuns;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.experiments.changed.disconnect(this._onExperimentsChanged, this);
    this.experiments.dispose();
    this.runs.dispose();
    super.dispose();
  }

  /** Closing the tab disposes the panel (Lumino only detaches it). */
  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (!this._activated) {
      this._activated = true;
      void this.runs.restoreState();
      void this.experiments.activate();
    }
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    (
      this.node.querySelector('.jp-mlp-RunsTable') as HTMLElement | null
    )?.focus();
  }

  protected render(): JSX.Element {
    return (
      <>
        {/* The picker shows the experiment list and the runs model's choice. */}
        <UseSignal signal={this.experiments.changed}>
          {() => (
            <UseSignal signal={this.runs.changed}>
              {() => this._renderSide()}
            </UseSignal>
          )}
        </UseSignal>
        <UseSignal signal={this.runs.changed}>
          {() => this._renderMain()}
        </UseSignal>
      </>
    );
  }

  private _renderSide(): JSX.Element {
    const trans = this._trans;
    return (
      <aside className={SIDE_CLASS}>
        <div className={TOOLBAR_CLASS}>
          <h2>{trans.__('Experiments')}</h2>
          <button
            type="button"
            className={BUTTON_CLASS}
            onClick={() =>
              void this._commands.execute(CommandIDs.newExperiment)
            }
          >
            {trans.__('New')}
          </button>
        </div>
        <ExperimentPicker
          experiments={this.experiments.experiments}
          selected={this.runs.experimentIds}
          onChange={ids => void this.showExperiments(ids)}
          trans={trans}
        />
      </aside>
    );
  }

  private _renderMain(): JSX.Element {
    const { runs } = this;
    const trans = this._trans;
    const selected = runs.selection.size;
    const command = (id: string, label: string): JSX.Element => (
      <button
        type="button"
        className={BUTTON_CLASS}
        disabled={!this._commands.isEnabled(id)}
        title={this._commands.caption(id) || undefined}
        onClick={() => void this._commands.execute(id)}
      >
        {label}
      </button>
    );
    return (
      <section className={MAIN_CLASS}>
        <div className={TOOLBAR_CLASS}>
          <FilterBox
            value={runs.filter}
            keys={runs.keys}
            error={runs.filterError}
            onApply={filter => void runs.setFilter(filter)}
            trans={trans}
          />
          <select
            aria-label={trans.__('Which runs')}
            value={runs.viewType}
            onChange={event =>
              void runs.setViewType(event.target.value as ViewType)
            }
          >
            <option value="ACTIVE_ONLY">{trans.__('Active runs')}</option>
            <option value="DELETED_ONLY">{trans.__('Deleted runs')}</option>
            <option value="ALL">{trans.__('All runs')}</option>
          </select>
          <select
            aria-label={trans.__('Whose runs')}
            title={
              runs.currentUser === null
                ? trans.__('Your user name is not known yet.')
                : trans.__(
                    'Runs whose user is %1, or everyone’s',
                    runs.currentUser
                  )
            }
            value={runs.mine ? 'mine' : 'everyone'}
            disabled={runs.currentUser === null}
            onChange={event => void runs.setMine(event.target.value === 'mine')}
          >
            <option value="everyone">{trans.__('Everyone')}</option>
            <option value="mine">{trans.__('Mine')}</option>
          </select>
          <ColumnChooser
            keys={runs.keys}
            visible={runs.visibleColumnIds}
            isPinned={id => runs.isPinned(id)}
            onToggle={id => runs.toggleColumn(id)}
            onTogglePinned={id => runs.togglePinned(id)}
            onReset={() => runs.resetColumns()}
            trans={trans}
          />
          {command(CommandIDs.compareRuns, trans.__('Compare'))}
          {command(CommandIDs.tagRuns, trans.__('Tag'))}
          {runs.viewType === 'ACTIVE_ONLY'
            ? command(CommandIDs.deleteRuns, trans.__('Delete'))
            : command(CommandIDs.restoreRuns, trans.__('Restore'))}
          {this._commands.isVisible(CommandIDs.deploySelectedRun) &&
            command(CommandIDs.deploySelectedRun, trans.__('Deploy'))}
          {command(CommandIDs.exportRuns, trans.__('Export CSV'))}
          <button
            type="button"
            className={BUTTON_CLASS}
            disabled={runs.loading}
            onClick={() => void runs.reload()}
          >
            {trans.__('Refresh')}
          </button>
        </div>
        <div className={STATUS_CLASS} role="status">
          {runs.experimentIds.length === 0
            ? trans.__('Choose an experiment at the left.')
            : [
                runs.hasMore
                  ? trans.__(
                      '%1 runs loaded, more as you scroll',
                      runs.runs.length
                    )
                  : trans._n('%1 run', '%1 runs', runs.runs.length),
                selected > 0 ? trans.__('%1 selected', selected) : '',
                runs.loading ? trans.__('Loading…') : ''
              ]
                .filter(Boolean)
                .join(' · ')}
        </div>
        {runs.experimentIds.length > 0 && (
          <RunsTable
            runs={runs.runs}
            columns={runs.columns}
            width={column => runs.width(column)}
            isPinned={id => runs.isPinned(id)}
            sort={runs.sort}
            selection={runs.selection}
            hasMore={runs.hasMore}
            loading={runs.loading}
            trans={trans}
            onSort={sort => void runs.setSort(sort)}
            onResize={(id, width) => runs.setWidth(id, width)}
            onSelectionChange={ids => runs.setSelection(ids)}
            onOpenRun={run =>
              void this._commands.execute(CommandIDs.openRun, {
                runId: run.run_id
              })
            }
            onOpenSource={run =>
              void this._commands.execute(CommandIDs.openRunSource, {
                runId: run.run_id
              })
            }
            onLoadMore={() => void runs.loadMore()}
            onContextMenu={run => {
              if (!runs.selection.has(run.run_id)) {
                runs.setSelection([run.run_id]);
              }
            }}
          />
        )}
      </section>
    );
  }

  /** Until the user picks, show the newest experiment. */
  private _onExperimentsChanged(): void {
    const list = this.experiments.experiments;
    const known = new Set(list.map(e => e.experiment_id));
    const current = this.runs.experimentIds.filter(id => known.has(id));
    if (current.length !== this.runs.experimentIds.length) {
      void this.runs.setExperimentIds(current);
    } else if (!this._explicit && current.length === 0 && list.length > 0) {
      void this.runs.setExperimentIds([list[0].experiment_id]);
    }
  }

  private _activated = false;
  private _commands: CommandRegistry;
  private _explicit = false;
  private _trans: TranslationBundle;
}

export namespace ExperimentsPanel {
  export interface IOptions {
    experiments: ExperimentsModel;
    runs: RunsModel;
    /** Runs the toolbar's and the table's actions. */
    commands: CommandRegistry;
    trans?: TranslationBundle;
  }
}
