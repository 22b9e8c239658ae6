import { Clipboard } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import {
  DeploymentsClient,
  IDeployment,
  isDeployable
} from '../../api/deployments';
import { IRun, isRunEvent, TrackingEvent } from '../../api/tracking';
import type { IProvenanceActions } from '../../collab/provenance/ProvenanceChain';
import { RunProvenance } from '../../collab/provenance/RunProvenance';
import { ChartControls, IChartSettings } from '../../charts';
import { ArtifactBrowser } from './artifacts/ArtifactBrowser';
import { runDuration } from '../experiments/columns';
import { formatDuration, formatMetric, formatTime } from '../format';
import { CommandIDs } from '../../tokens';
import { CapturedCode } from './components/CapturedCode';
import { KeyValueTable } from './components/KeyValueTable';
import { MetricChartsGrid } from './components/MetricChartsGrid';
import { Reproductions } from './components/Reproductions';
import { RunViewPanel } from './RunViewPanel';

const PANEL_CLASS = 'jp-mlp-RunPanel';
const HEADER_CLASS = 'jp-mlp-RunPanel-header';
const FACTS_CLASS = 'jp-mlp-RunPanel-facts';
const TABS_CLASS = 'jp-mlp-Tabs';
const TAB_BODY_CLASS = 'jp-mlp-RunPanel-body';
const BUTTON_CLASS = 'jp-mlp-ToolbarButton';
const LINK_CLASS = 'jp-mlp-RunsTable-link';
const STATUS_CLASS = 'jp-mlp-RunStatus';
const BADGE_CLASS = 'jp-mlp-StatusBadge';

type Tab = 'overview' | 'charts' | 'artifacts' | 'code';

/**
 * One run in the main area: its facts and actions, then tabs for params,
 * tags and latest metrics; a chart per metric history (streaming while the
 * run logs); the artifacts with previews; and the captured code and
 * environment.
 */
export class RunPanel extends RunViewPanel {
  constructor(options: RunPanel.IOptions) {
    super({ ...options, runIds: [options.runId] });
    this.runId = options.runId;
    this._rendermime = options.rendermime ?? null;
    this._provenance = options.provenance ?? null;
    this.id = `jp-mlp-run-${options.runId}`;
    this.addClass(PANEL_CLASS);
    this.title.label = this.trans.__('Run %1', options.runId.slice(0, 8));
  }

  readonly runId: string;

  /** The run, once loaded. */
  get run(): IRun | null {
    return this._run;
  }

  /** Show one tab. */
  showTab(tab: Tab): void {
    this._tab = tab;
    if (tab === 'charts' && this._run && !this._chartsLoaded) {
      this._chartsLoaded = true;
      void this.histories.load(Object.keys(this._run.metrics));
    }
    this.emitChanged();
  }

  /** The deployments, when the provenance has read them. */
  get deployments(): readonly IDeployment[] | null {
    return this._deployments;
  }

  /** Reload the run (and the deployments of its provenance) from the server. */
  async reload(): Promise<void> {
    const deployments = this._loadDeployments();
    try {
      this._setRun(await this.client.getRun(this.runId));
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error.message : String(error);
    }
    this.emitChanged();
    await deployments;
  }

  protected renderContent(): JSX.Element {
    const trans = this.trans;
    const run = this._run;
    if (this._error !== null) {
      return (
        <p role="alert" className={TAB_BODY_CLASS}>
          {trans.__('Could not load run %1: %2', this.runId, this._error)}
        </p>
      );
    }
    if (!run) {
      return <p className={TAB_BODY_CLASS}>{trans.__('Loading…')}</p>;
    }
    const tabs: Array<[Tab, string]> = [
      ['overview', trans.__('Overview')],
      ['charts', trans.__('Charts')],
      ['artifacts', trans.__('Artifacts')],
      ['code', trans.__('Code & environment')]
    ];
    return (
      <>
        {this._renderHeader(run)}
        <div className={TABS_CLASS} role="tablist">
          {tabs.map(([tab, label]) => (
            <button
              key={tab}
              type="button"
              role="tab"
              aria-selected={this._tab === tab}
              onClick={() => this.showTab(tab)}
            >
              {label}
            </button>
          ))}
        </div>
        <div className={TAB_BODY_CLASS} role="tabpanel">
          {this._renderTab(run)}
        </div>
      </>
    );
  }

  private _renderHeader(run: IRun): JSX.Element {
    const trans = this.trans;
    const duration = runDuration(run);
    const command = (id: string, label: string): JSX.Element => (
      <button
        type="button"
        className={BUTTON_CLASS}
        onClick={() =>
          void this.commands.execute(id, {
            runId: run.run_id,
            runIds: [run.run_id]
          })
        }
      >
        {label}
      </button>
    );
    return (
      <header className={HEADER_CLASS}>
        <h2>
          {run.name || run.run_id}{' '}
          <span
            className={`${BADGE_CLASS} ${STATUS_CLASS} ${STATUS_CLASS}-${run.status.toLowerCase()}`}
          >
            {run.status}
          </span>
          {run.lifecycle_stage === 'deleted' && (
            <span
              className={`${BADGE_CLASS} ${STATUS_CLASS} ${STATUS_CLASS}-deleted`}
            >
              {trans.__('deleted')}
            </span>
          )}
        </h2>
        <dl className={FACTS_CLASS}>
          <dt>{trans.__('Run ID')}</dt>
          <dd>
            <code>{run.run_id}</code>{' '}
            <button
              type="button"
              className={BUTTON_CLASS}
              onClick={() => Clipboard.copyToSystem(run.run_id)}
            >
              {trans.__('Copy')}
            </button>
          </dd>
          <dt>{trans.__('User')}</dt>
          <dd>{run.user ?? trans.__('unknown')}</dd>
          <dt>{trans.__('Started')}</dt>
          <dd>{formatTime(run.start_time)}</dd>
          <dt>{trans.__('Duration')}</dt>
          <dd>{duration === null ? '—' : formatDuration(duration)}</dd>
          <dt>{trans.__('Experiment')}</dt>
          <dd>{run.experiment_id}</dd>
          {this._provenance ? (
            <>
              <dt>{trans.__('Provenance')}</dt>
              <dd>
                <RunProvenance
                  run={run}
                  deployments={this._deployments}
                  actions={this._provenance.actions}
                  trans={trans}
                />
              </dd>
            </>
          ) : (
            this._renderSource(run)
          )}
        </dl>
        <div>
          {isDeployable(run) &&
            this.commands.hasCommand(CommandIDs.deployRun) &&
            command(CommandIDs.deployRun, trans.__('Deploy model'))}
          {this.commands.hasCommand(CommandIDs.openRunNotebook) &&
            command(CommandIDs.openRunNotebook, trans.__('Open as Notebook'))}
          {command(CommandIDs.renameRun, trans.__('Rename'))}
          {command(CommandIDs.tagRuns, trans.__('Tag'))}
          {run.lifecycle_stage === 'deleted'
            ? command(CommandIDs.restoreRuns, trans.__('Restore'))
            : command(CommandIDs.deleteRuns, trans.__('Delete'))}
        </div>
      </header>
    );
  }

  /** The source notebook as a link (without provenance). */
  private _renderSource(run: IRun): JSX.Element {
    const trans = this.trans;
    return (
      <>
        <dt>{trans.__('Source')}</dt>
        <dd>
          {run.source.notebook_path ? (
            <button
              type="button"
              className={LINK_CLASS}
              onClick={() =>
                void this.commands.execute(CommandIDs.openRunSource, {
                  runId: run.run_id
                })
              }
            >
              {run.source.notebook_path}
            </button>
          ) : (
            '—'
          )}
        </dd>
      </>
    );
  }

  /** Read the deployments, to show those that serve the run. */
  private async _loadDeployments(): Promise<void> {
    const client = this._provenance?.deployments;
    if (!client) {
      return;
    }
    try {
      this._deployments = await client.list();
    } catch (error) {
      // The provenance then starts at the run; the rest of the view stands.
      console.warn('mlplatform: could not list the deployments', error);
      this._deployments = null;
    }
    this.emitChanged();
  }

  private _renderTab(run: IRun): JSX.Element {
    const trans = this.trans;
    switch (this._tab) {
      case 'overview':
        return (
          <>
            <Reproductions
              client={this.client}
              run={run}
              onOpenRun={runId =>
                void this.commands.execute(CommandIDs.openRun, { runId })
              }
              trans={trans}
            />
            <KeyValueTable
              caption={trans.__('Metrics')}
              headers={[trans.__('Latest'), trans.__('Step'), trans.__('Time')]}
              rows={Object.keys(run.metrics)
                .sort()
                .map(key => ({
                  key,
                  values: [
                    formatMetric(run.metrics[key].value),
                    run.metrics[key].step,
                    formatTime(run.metrics[key].timestamp)
                  ]
                }))}
              empty={trans.__('No metrics logged.')}
              trans={trans}
            />
            <KeyValueTable
              caption={trans.__('Params')}
              headers={[trans.__('Value')]}
              rows={Object.keys(run.params)
                .sort()
                .map(key => ({ key, values: [run.params[key]] }))}
              empty={trans.__('No params logged.')}
              trans={trans}
            />
            <KeyValueTable
              caption={trans.__('Tags')}
              headers={[trans.__('Value')]}
              rows={Object.keys(run.tags)
                .sort()
                .map(key => ({ key, values: [run.tags[key]] }))}
              empty={trans.__('No tags.')}
              trans={trans}
            />
          </>
        );
      case 'charts':
        return (
          <>
            <ChartControls
              settings={this._chartSettings}
              onChange={settings => {
                this._chartSettings = settings;
                this.emitChanged();
              }}
              trans={trans}
            />
            <MetricChartsGrid
              histories={this.histories}
              runs={[{ runId: run.run_id, label: run.name || run.run_id }]}
              keys={Object.keys(run.metrics).sort()}
              settings={this._chartSettings}
              trans={trans}
            />
          </>
        );
      case 'artifacts':
        return (
          <ArtifactBrowser
            client={this.client}
            runId={run.run_id}
            rendermime={this._rendermime}
            trans={trans}
          />
        );
      case 'code':
        return (
          <CapturedCode
            client={this.client}
            runId={run.run_id}
            rendermime={this._rendermime}
            trans={trans}
          />
        );
    }
  }

  private _setRun(run: IRun): void {
    this._run = run;
    this.title.label = run.name || run.run_id.slice(0, 8);
    this.title.caption = this.trans.__('Run %1 (%2)', run.name, run.run_id);
  }

  protected onTrackingEvent(event: TrackingEvent): void {
    if (isRunEvent(event) && event.run.run_id === this.runId) {
      this._setRun(event.run);
      this.emitChanged();
    } else if (
      event.type === 'metrics_appended' &&
      event.run_id === this.runId &&
      this._run
    ) {
      this._run = {
        ...this._run,
        metrics: { ...this._run.metrics, ...event.latest }
      };
      this.emitChanged();
    } else if (
      (event.type === 'activity_added' || event.type === 'activity_updated') &&
      event.item.kind === 'deployment'
    ) {
      // Deployed, rolled back, deleted...: which endpoints serve the run
      // may have changed.
      void this._loadDeployments();
    }
  }

  private _chartSettings: IChartSettings = {
    xAxis: 'step',
    logScale: false,
    smoothing: 0
  };
  private _chartsLoaded = false;
  private _deployments: IDeployment[] | null = null;
  private _error: string | null = null;
  private _provenance: RunPanel.IProvenance | null;
  private _rendermime: IRenderMimeRegistry | null;
  private _run: IRun | null = null;
  private _tab: Tab = 'overview';
}

export namespace RunPanel {
  export interface IOptions extends Omit<RunViewPanel.IOptions, 'runIds'> {
    runId: string;
    /** Artifact previews and captured code; text only without it. */
    rendermime?: IRenderMimeRegistry | null;
    /**
     * Show the run's provenance (the endpoints serving it, its cell and
     * who ran it) instead of its source notebook alone.
     */
    provenance?: IProvenance | null;
  }

  export interface IProvenance {
    actions: IProvenanceActions;
    /** Lists the deployments (to find those serving the run). */
    deployments?: Pick<DeploymentsClient, 'list'> | null;
  }
}
