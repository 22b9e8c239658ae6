/*
 * What a run badge says (name, status, key metric, tooltip), from a run cache
 * entry. Shared by the badges on cells and the provenance chains.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { RunStatus } from '../../api/tracking';
import { formatMetricValue, keyMetric } from '../keyMetric';
import type { IRunEntry } from './runCache';
import { isLiveRun } from './runCache';

/**
 * How a badge looks: `ready` (a run to open), `deleted` (restorable),
 * `loading`, `missing` (no such run any more) or `error` (not readable now).
 */
export type RunBadgeState =
  'ready' | 'deleted' | 'loading' | 'missing' | 'error';

export interface IRunBadgeView {
  runId: string;
  state: RunBadgeState;
  /** The run's name, or its short id while unknown. */
  label: string;
  /** The run's status (`null` while unknown). */
  status: RunStatus | null;
  /** The status as shown. */
  statusLabel: string;
  /** `jp-mlp-RunStatus-<status>`, the look of the run status badges. */
  statusClass: string;
  /** The key metric as `name value`, or `null`. */
  metric: string | null;
  /** Whether the run is still going (the badge updates live). */
  live: boolean;
  /** Whether clicking opens the run (not for runs that are gone). */
  openable: boolean;
  /** The tooltip. */
  title: string;
}

/** The short form of a run id shown until its name is known. */
export function shortRunId(runId: string): string {
  return runId.slice(0, 8);
}

/**
 * The translated label of a run status.
 */
export function runStatusLabel(
  status: RunStatus,
  trans: TranslationBundle
): string {
  switch (status) {
    case 'RUNNING':
      return trans.__('running');
    case 'SCHEDULED':
      return trans.__('scheduled');
    case 'FINISHED':
      return trans.__('finished');
    case 'FAILED':
      return trans.__('failed');
    case 'KILLED':
      return trans.__('killed');
    default:
      return String(status).toLowerCase();
  }
}

/**
 * The badge of a run, from what the cache knows of it.
 */
export function describeRunBadge(
  entry: IRunEntry,
  trans: TranslationBundle
): IRunBadgeView {
  const { runId, run } = entry;
  const short = shortRunId(runId);
  if (entry.state === 'missing') {
    return {
      runId,
      state: 'missing',
      label: short,
      status: null,
      statusLabel: trans.__('gone'),
      statusClass: 'jp-mlp-RunStatus-deleted',
      metric: null,
      live: false,
      openable: false,
      title: trans.__('Run %1 no longer exists.', runId)
    };
  }
  if (!run) {
    const loading = entry.state === 'loading';
    return {
      runId,
      state: loading ? 'loading' : 'error',
      label: short,
      status: null,
      statusLabel: loading ? trans.__('loading') : trans.__('unavailable'),
      statusClass: 'jp-mlp-RunStatus-unknown',
      metric: null,
      live: false,
      // The run view reads it itself.
      openable: true,
      title: loading
        ? trans.__('Run %1 (loading…)', runId)
        : trans.__('Run %1 could not be read: %2', runId, entry.error ?? '')
    };
  }
  const key = keyMetric(Object.keys(run.metrics));
  const point = key !== null ? run.metrics[key] : undefined;
  const metric =
    key !== null && point ? `${key} ${formatMetricValue(point.value)}` : null;
  const deleted = run.lifecycle_stage === 'deleted';
  const statusLabel = runStatusLabel(run.status, trans);
  const name = run.name || short;
  const lines = [
    deleted
      ? trans.__('Run %1 (%2, deleted)', name, statusLabel)
      : trans.__('Run %1 (%2)', name, statusLabel)
  ];
  if (key !== null && point) {
    lines.push(
      trans.__(
        '%1 = %2 at step %3',
        key,
        formatMetricValue(point.value),
        point.step
      )
    );
  }
  if (entry.state === 'error') {
    lines.push(trans.__('Not up to date: %1', entry.error ?? ''));
  }
  lines.push(trans.__('Click to open it in the Experiments panel.'));
  return {
    runId,
    state: deleted ? 'deleted' : 'ready',
    label: name,
    status: run.status,
    statusLabel,
    statusClass: `jp-mlp-RunStatus-${run.status.toLowerCase()}`,
    metric,
    live: isLiveRun(run),
    openable: true,
    title: lines.join('\n')
  };
}
