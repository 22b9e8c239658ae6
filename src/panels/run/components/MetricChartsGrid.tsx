import { UseSignal } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  IChartSettings,
  IChartSeries,
  MetricChart,
  seriesColor,
  seriesFromHistory
} from '../../../charts';
import { MetricHistories } from '../metricHistories';

const GRID_CLASS = 'jp-mlp-MetricChartsGrid';
const EMPTY_CLASS = 'jp-mlp-MetricChartsGrid-empty';

export interface IChartRun {
  runId: string;
  label: string;
}

export interface IMetricChartsGridProps {
  histories: MetricHistories;
  runs: readonly IChartRun[];
  keys: readonly string[];
  settings: IChartSettings;
  trans: TranslationBundle;
}

/**
 * One chart per metric key, each with a line per run (same colour for a run
 * in every chart), redrawn as histories stream in.
 */
export function MetricChartsGrid(props: IMetricChartsGridProps): JSX.Element {
  const { histories, runs, keys, settings, trans } = props;
  if (keys.length === 0) {
    return <p className={EMPTY_CLASS}>{trans.__('No metrics logged.')}</p>;
  }
  return (
    <UseSignal signal={histories.changed}>
      {() => (
        <div className={GRID_CLASS}>
          {keys.map(key => {
            const series = seriesFor(histories, runs, key);
            return series.length === 0 && histories.loading ? (
              <p key={key} className={EMPTY_CLASS} aria-busy>
                {trans.__('Loading %1…', key)}
              </p>
            ) : (
              <MetricChart
                key={key}
                title={key}
                series={series}
                xAxis={settings.xAxis}
                logScale={settings.logScale}
                smoothing={settings.smoothing}
                trans={trans}
              />
            );
          })}
        </div>
      )}
    </UseSignal>
  );
}

/**
 * The series of one key, one per run that has points, coloured by the run's
 * position so that a run keeps its colour across charts.
 */
export function seriesFor(
  histories: MetricHistories,
  runs: readonly IChartRun[],
  key: string
): IChartSeries[] {
  const series: IChartSeries[] = [];
  runs.forEach((run, index) => {
    const history = histories.get(run.runId, key);
    if (history) {
      series.push(
        seriesFromHistory(history, run.runId, run.label, seriesColor(index))
      );
    }
  });
  return series;
}
