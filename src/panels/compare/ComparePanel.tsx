import { UUID } from '@lumino/coreutils';
import * as React from 'react';

import { IRun, isRunEvent, TrackingEvent } from '../../api/tracking';
import {
  ChartControls,
  IChartSettings,
  ParallelCoordinates,
  ScatterPlot,
  seriesColor
} from '../../charts';
import { CommandIDs } from '../../tokens';
import { MetricChartsGrid } from '../run/components/MetricChartsGrid';
import { RunViewPanel } from '../run/RunViewPanel';
import { CodeDiff } from './CodeDiff';
import {
  compareRows,
  differingParams,
  metricValues,
  paramValues,
  unionKeys
} from './compareData';

const PANEL_CLASS = 'jp-mlp-ComparePanel';
const SECTION_CLASS = 'jp-mlp-ComparePanel-section';
const TABLE_CLASS = 'jp-mlp-ComparePanel-table';
const DIFF_CLASS = 'jp-mlp-mod-differs';
const CONTROLS_CLASS = 'jp-mlp-ComparePanel-controls';
const LINK_CLASS = 'jp-mlp-RunsTable-link';
const SWATCH_CLASS = 'jp-mlp-ComparePanel-swatch';
const CHIPS_CLASS = 'jp-mlp-ComparePanel-chips';
const TABS_CLASS = 'jp-mlp-Tabs';

/**
 * Several runs side by side: overlaid metric charts, a params/metrics table
 * with "only differences", a parallel-coordinates plot of params against a
 * chosen metric, and a scatter of one param against a metric. Two runs also
 * get a Code tab: their code paths diffed cell by cell (`CodeDiff`).
 */
export class ComparePanel extends RunViewPanel {
  constructor(options: ComparePanel.IOptions) {
    super(options);
    this.runIds = [...options.runIds];
    this.id = `jp-mlp-compare-${UUID.uuid4()}`;
    this.addClass(PANEL_CLASS);
    this.title.label = this.trans.__('Compare %1 runs', this.runIds.length);
  }

  readonly runIds: readonly string[];

  /** The runs, once loaded, in the order given. */
  get runs(): readonly IRun[] {
    return this._runs;
  }

  /** Load the runs, then every metric history. */
  async reload(): Promise<void> {
    try {
      // One search instead of a request per run.
      const page = await this.client.searchRuns({
        filter: `attributes.run_id IN (${this.runIds
          .map(id => `'${id.replace(/'/g, '')}'`)
          .join(', ')})`,
        max_results: this.runIds.length,
        run_view_type: 'ALL'
      });
      const byId = new Map(page.runs.map(run => [run.run_id, run]));
      const missing = this.runIds.filter(id => !byId.has(id));
      if (missing.length > 0) {
        throw new Error(this.trans.__('No run with id %1', missing.join(', ')));
      }
      this._runs = this.runIds.map(id => byId.get(id)!);
      this._error = null;
      this.emitChanged();
      await this.histories.load(unionKeys(this._runs, 'metrics'));
    } catch (error) {
      this._error = error instanceof Error ? error.message : String(error);
      this.emitChanged();
    }
  }

  protected renderContent(): JSX.Element {
    const trans = this.trans;
    if (this._error !== null) {
      return (
        <p role="alert">
          {trans.__('Could not load the runs: %1', this._error)}
        </p>
      );
    }
    const runs = this._runs;
    if (runs.length === 0) {
      return <p>{trans.__('Loading…')}</p>;
    }
    const metricKeys = unionKeys(runs, 'metrics');
    const paramKeys = unionKeys(runs, 'params');
    const metric =
      this._metric && metricKeys.includes(this._metric)
        ? this._metric
        : (metricKeys[0] ?? null);
    const chartKeys = this._chartKeys ?? metricKeys;
    if (runs.length !== 2) {
      return this._renderOverview(
        runs,
        metricKeys,
        paramKeys,
        metric,
        chartKeys
      );
    }
    const tab = (id: 'overview' | 'code', label: string) => (
      <button
        type="button"
        role="tab"
        aria-selected={this._tab === id}
        onClick={() => {
          this._tab = id;
          this.emitChanged();
        }}
      >
        {label}
      </button>
    );
    return (
      <>
        <div className={TABS_CLASS} role="tablist">
          {tab('overview', trans.__('Overview'))}
          {tab('code', trans.__('Code'))}
        </div>
        {this._tab === 'code' ? (
          <CodeDiff
            client={this.client}
            runs={[runs[0], runs[1]]}
            trans={trans}
          />
        ) : (
          this._renderOverview(runs, metricKeys, paramKeys, metric, chartKeys)
        )}
      </>
    );
  }

  private _renderOverview(
    runs: readonly IRun[],
    metricKeys: string[],
    paramKeys: string[],
    metric: string | null,
    chartKeys: string[]
  ): JSX.Element {
    const trans = this.trans;
    return (
      <>
        <section className={SECTION_CLASS}>
          <h2>{trans.__('Metrics over time')}</h2>
          <div className={CONTROLS_CLASS}>
            <ChartControls
              settings={this._chartSettings}
              onChange={settings => {
                this._chartSettings = settings;
                this.emitChanged();
              }}
              trans={trans}
            />
            <fieldset className={CHIPS_CLASS}>
              <legend>{trans.__('Metrics')}</legend>
              {metricKeys.map(key => (
                <label key={key}>
                  <input
                    type="checkbox"
                    checked={chartKeys.includes(key)}
                    onChange={() => {
                      this._chartKeys = chartKeys.includes(key)
                        ? chartKeys.filter(k => k !== key)
                        : metricKeys.filter(
                            k => k === key || chartKeys.includes(k)
                          );
                      this.emitChanged();
                    }}
                  />
                  {key}
                </label>
              ))}
            </fieldset>
          </div>
          <MetricChartsGrid
            histories={this.histories}
            runs={runs.map(run => ({
              runId: run.run_id,
              label: run.name || run.run_id
            }))}
            keys={chartKeys}
            settings={this._chartSettings}
            trans={trans}
          />
        </section>
        <section className={SECTION_CLASS}>
          <h2>{trans.__('Params and metrics')}</h2>
          <label>
            <input
              type="checkbox"
              checked={this._onlyDifferences}
              onChange={event => {
                this._onlyDifferences = event.target.checked;
                this.emitChanged();
              }}
            />{' '}
            {trans.__('Only differences')}
          </label>
          {this._renderTable(runs)}
        </section>
        <section className={SECTION_CLASS}>
          <h2>{trans.__('Params against a metric')}</h2>
          <div className={CONTROLS_CLASS}>
            <label>
              {trans.__('Metric')}{' '}
              <select
                value={metric ?? ''}
                onChange={event => {
                  this._metric = event.target.value;
                  this.emitChanged();
                }}
              >
                {metricKeys.map(key => (
                  <option key={key} value={key}>
                    {key}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {trans.__('Scatter: param')}{' '}
              <select
                value={this._scatterParam ?? paramKeys[0] ?? ''}
                onChange={event => {
                  this._scatterParam = event.target.value;
                  this.emitChanged();
                }}
              >
                {paramKeys.map(key => (
                  <option key={key} value={key}>
                    {key}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {metric === null ? (
            <p>{trans.__('These runs have no metrics.')}</p>
          ) : (
            this._renderPlots(runs, metric, paramKeys)
          )}
        </section>
      </>
    );
  }

  private _renderTable(runs: readonly IRun[]): JSX.Element {
    const trans = this.trans;
    const rows = compareRows(runs, this._onlyDifferences);
    return (
      <div className={TABLE_CLASS}>
        <table>
          <thead>
            <tr>
              <th scope="col">{trans.__('Key')}</th>
              {runs.map((run, index) => (
                <th key={run.run_id} scope="col">
                  <span
                    className={SWATCH_CLASS}
                    style={{ background: seriesColor(index) }}
                  />
                  <button
                    type="button"
                    className={LINK_CLASS}
                    onClick={() =>
                      void this.commands.execute(CommandIDs.openRun, {
                        runId: run.run_id
                      })
                    }
                  >
                    {run.name || run.run_id}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <tr
                key={`${row.kind}:${row.key}`}
                className={row.differs ? DIFF_CLASS : undefined}
              >
                <th scope="row">{`${row.kind}s.${row.key}`}</th>
                {row.cells.map((cell, i) => (
                  <td key={i}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && (
          <p>{trans.__('The runs have the same params, metrics and tags.')}</p>
        )}
      </div>
    );
  }

  private _renderPlots(
    runs: readonly IRun[],
    metric: string,
    paramKeys: readonly string[]
  ): JSX.Element {
    const trans = this.trans;
    const axes = differingParams(runs);
    const lines = runs.map(run => ({
      id: run.run_id,
      label: run.name || run.run_id
    }));
    const scatterParam =
      this._scatterParam && paramKeys.includes(this._scatterParam)
        ? this._scatterParam
        : (paramKeys[0] ?? null);
    const metricColumn = metricValues(runs, metric);
    return (
      <>
        <ParallelCoordinates
          lines={lines}
          dimensions={[
            ...(axes.length > 0 ? axes : paramKeys.slice(0, 8)).map(key => ({
              key: `params.${key}`,
              label: key,
              values: paramValues(runs, key)
            })),
            { key: `metrics.${metric}`, label: metric, values: metricColumn }
          ]}
          colorDimension={`metrics.${metric}`}
          trans={trans}
        />
        {scatterParam !== null && (
          <ScatterPlot
            points={runs.map((run, index) => ({
              id: run.run_id,
              label: run.name || run.run_id,
              x: paramValues(runs, scatterParam)[index],
              y: metricColumn[index],
              color: seriesColor(index)
            }))}
            xLabel={scatterParam}
            yLabel={metric}
            trans={trans}
          />
        )}
      </>
    );
  }

  protected onTrackingEvent(event: TrackingEvent): void {
    const index = isRunEvent(event)
      ? this._runs.findIndex(r => r.run_id === event.run.run_id)
      : event.type === 'metrics_appended'
        ? this._runs.findIndex(r => r.run_id === event.run_id)
        : -1;
    if (index < 0) {
      return;
    }
    const runs = [...this._runs];
    if (isRunEvent(event)) {
      runs[index] = event.run;
    } else if (event.type === 'metrics_appended') {
      runs[index] = {
        ...runs[index],
        metrics: { ...runs[index].metrics, ...event.latest }
      };
    }
    this._runs = runs;
    this.emitChanged();
  }

  private _chartKeys: string[] | null = null;
  private _chartSettings: IChartSettings = {
    xAxis: 'step',
    logScale: false,
    smoothing: 0
  };
  private _error: string | null = null;
  private _metric: string | null = null;
  private _onlyDifferences = false;
  private _runs: IRun[] = [];
  private _scatterParam: string | null = null;
  private _tab: 'overview' | 'code' = 'overview';
}

export namespace ComparePanel {
  export type IOptions = RunViewPanel.IOptions;
}
