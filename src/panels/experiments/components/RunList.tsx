import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IRun } from '../../../api/tracking';
import { formatMetric, formatTime } from '../../format';

const LIST_CLASS = 'jp-mlp-RunList';
const ITEM_CLASS = 'jp-mlp-RunList-item';
const HEADER_CLASS = 'jp-mlp-RunList-header';
const NAME_CLASS = 'jp-mlp-RunList-name';
const STATUS_CLASS = 'jp-mlp-RunList-status';
const BADGE_CLASS = 'jp-mlp-StatusBadge';
const DETAILS_CLASS = 'jp-mlp-RunList-details';
const METRICS_CLASS = 'jp-mlp-RunList-metrics';
const METRIC_CLASS = 'jp-mlp-RunList-metric';
const EMPTY_CLASS = 'jp-mlp-RunList-empty';

export interface IRunListProps {
  runs: readonly IRun[];
  trans: TranslationBundle;
}

/**
 * The runs of one experiment: name, status, user, start time and the latest
 * value of each metric.
 */
export function RunList(props: IRunListProps): JSX.Element {
  const { runs, trans } = props;
  if (runs.length === 0) {
    return (
      <p className={EMPTY_CLASS}>{trans.__('No runs in this experiment.')}</p>
    );
  }
  return (
    <ul className={LIST_CLASS} aria-label={trans.__('Runs')}>
      {runs.map(run => (
        <li key={run.run_id} className={ITEM_CLASS} data-run-id={run.run_id}>
          <div className={HEADER_CLASS}>
            <span className={NAME_CLASS}>{run.name || run.run_id}</span>
            <span
              className={`${BADGE_CLASS} ${STATUS_CLASS} ${STATUS_CLASS}-${run.status.toLowerCase()}`}
            >
              {run.status}
            </span>
          </div>
          <div className={DETAILS_CLASS}>
            {run.user ? `${run.user} · ` : ''}
            {formatTime(run.start_time)}
          </div>
          <MetricValues run={run} />
        </li>
      ))}
    </ul>
  );
}

function MetricValues(props: { run: IRun }): JSX.Element | null {
  const keys = Object.keys(props.run.metrics).sort();
  if (keys.length === 0) {
    return null;
  }
  return (
    <dl className={METRICS_CLASS}>
      {keys.map(key => (
        <div key={key} className={METRIC_CLASS}>
          <dt>{key}</dt>
          <dd>{formatMetric(props.run.metrics[key].value)}</dd>
        </div>
      ))}
    </dl>
  );
}
