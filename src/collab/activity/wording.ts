/*
 * The words of an activity line ("Alice ran cell 7 of churn.ipynb → run
 * brave-owl-3 (val_acc 0.91)"), as segments: plain text, or links to the
 * cell, the run or the deployment. Sentences are translated whole, with
 * `%1`-style places for the parts, so that each language orders them.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import {
  DeploymentAction,
  IActivityItem,
  IActivityRun
} from '../../api/collab';
import { formatMetricValue, keyMetric } from '../keyMetric';

/**
 * Where a segment of a line links to.
 */
export type ActivityLink =
  | { kind: 'cell'; path: string; cellId: string | null }
  | { kind: 'run'; runId: string }
  | { kind: 'deployment'; name: string };

/**
 * A piece of an activity line.
 */
export interface IActivitySegment {
  text: string;
  /** What the segment is: the person, a link target, or plain words. */
  role?: 'user' | 'cell' | 'run' | 'metric' | 'deployment';
  link?: ActivityLink;
  /** A longer text for the tooltip (the notebook's full path). */
  title?: string;
}

/** How many runs a line names; the others are counted. */
export const MAX_RUNS_SHOWN = 3;

/**
 * The segments of an item's line.
 */
export function describeActivity(
  item: IActivityItem,
  trans: TranslationBundle
): IActivitySegment[] {
  const user: IActivitySegment = {
    text: item.user.display_name || item.user.name || item.user.username,
    role: 'user',
    title: item.user.username
  };
  return item.kind === 'deployment'
    ? describeDeployment(item, user, trans)
    : describeExecution(item, user, trans);
}

/**
 * The line as plain text (for tests and for screen-reader labels).
 */
export function activityText(
  item: IActivityItem,
  trans: TranslationBundle
): string {
  return describeActivity(item, trans)
    .map(segment => segment.text)
    .join('');
}

/**
 * The file name of a contents path.
 */
export function baseName(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 1] || path;
}

/**
 * The stand-in of part `n` while a sentence is translated: gettext replaces
 * `%n` with its argument, so the parts go in as markers and come out as
 * segments.
 */
function marker(n: number): string {
  return `\uE000${n}\uE001`;
}

/** Markers for `%1`, `%2`, `%3`: the arguments of a sentence with parts. */
const PARTS = [marker(1), marker(2), marker(3)] as const;

/**
 * Split a sentence translated with `PARTS` as arguments into segments, the
 * parts in their places.
 */
export function interpolate(
  translated: string,
  parts: readonly IActivitySegment[][]
): IActivitySegment[] {
  const segments: IActivitySegment[] = [];
  const pattern = /\uE000(\d+)\uE001/g;
  let last = 0;
  for (
    let match = pattern.exec(translated);
    match;
    match = pattern.exec(translated)
  ) {
    if (match.index > last) {
      segments.push({ text: translated.slice(last, match.index) });
    }
    segments.push(...(parts[Number(match[1]) - 1] ?? []));
    last = match.index + match[0].length;
  }
  if (last < translated.length) {
    segments.push({ text: translated.slice(last) });
  }
  return segments;
}

function describeExecution(
  item: IActivityItem,
  user: IActivitySegment,
  trans: TranslationBundle
): IActivitySegment[] {
  const path = item.notebook_path ?? null;
  const name = path ? baseName(path) : null;
  let cellText: string;
  if (name !== null && typeof item.cell_index === 'number') {
    cellText = trans.__('cell %1 of %2', item.cell_index + 1, name);
  } else if (name !== null) {
    cellText = trans.__('a cell of %1', name);
  } else {
    cellText = trans.__('a cell');
  }
  const cell: IActivitySegment = {
    text: cellText,
    role: 'cell',
    link: path
      ? { kind: 'cell', path, cellId: item.cell_id ?? null }
      : undefined,
    title: path ?? undefined
  };
  let template: string;
  switch (item.status) {
    case 'running':
      template = trans.__('%1 is running %2', ...PARTS);
      break;
    case 'error':
      template = trans.__('%1 ran %2, which failed', ...PARTS);
      break;
    case 'aborted':
      template = trans.__('%1 ran %2, which was aborted', ...PARTS);
      break;
    default:
      template = trans.__('%1 ran %2', ...PARTS);
  }
  const segments = interpolate(template, [[user], [cell]]);
  if (item.runs.length > 0) {
    segments.push({ text: ' → ' }, ...describeRuns(item.runs, trans));
  }
  return segments;
}

/**
 * "run brave-owl-3 (val_acc 0.91), run calm-fox-4 and 2 more runs".
 */
function describeRuns(
  runs: readonly IActivityRun[],
  trans: TranslationBundle
): IActivitySegment[] {
  const segments: IActivitySegment[] = [];
  runs.slice(0, MAX_RUNS_SHOWN).forEach((run, i) => {
    if (i > 0) {
      segments.push({ text: trans.__(', ') });
    }
    segments.push(...describeRun(run, trans));
  });
  const more = runs.length - MAX_RUNS_SHOWN;
  if (more > 0) {
    segments.push({
      text: ' ' + trans._n('and %1 more run', 'and %1 more runs', more)
    });
  }
  return segments;
}

function describeRun(
  run: IActivityRun,
  trans: TranslationBundle
): IActivitySegment[] {
  const segments: IActivitySegment[] = [
    {
      text: trans.__('run %1', run.name || run.run_id.slice(0, 8)),
      role: 'run',
      link: { kind: 'run', runId: run.run_id },
      title: run.run_id
    }
  ];
  const key = keyMetric(Object.keys(run.metrics));
  if (key !== null) {
    segments.push({
      text: ` (${key} ${formatMetricValue(run.metrics[key])})`,
      role: 'metric'
    });
  }
  return segments;
}

/**
 * The sentence of each deployment action: with the version (`%3`) when the
 * item has one, and without.
 */
function deploymentTemplate(
  action: DeploymentAction,
  hasVersion: boolean,
  trans: TranslationBundle
): string {
  switch (action) {
    case 'created':
      return hasVersion
        ? trans.__('%1 created the deployment %2 (v%3)', ...PARTS)
        : trans.__('%1 created the deployment %2', ...PARTS);
    case 'version_added':
      return hasVersion
        ? trans.__('%1 deployed %2 v%3', ...PARTS)
        : trans.__('%1 deployed a new version of %2', ...PARTS);
    case 'rolled_back':
      return hasVersion
        ? trans.__('%1 rolled %2 back to v%3', ...PARTS)
        : trans.__('%1 rolled back %2', ...PARTS);
    case 'stopped':
      return trans.__('%1 stopped %2', ...PARTS);
    case 'started':
      return trans.__('%1 started %2', ...PARTS);
    case 'restarted':
      return trans.__('%1 restarted %2', ...PARTS);
    case 'deleted':
      return trans.__('%1 deleted the deployment %2', ...PARTS);
    default:
      // An action of a newer server.
      return trans.__('%1 changed the deployment %2', ...PARTS);
  }
}

/** The actions after which the deployment serves a run's model. */
const SERVES_A_RUN: readonly DeploymentAction[] = [
  'created',
  'version_added',
  'rolled_back'
];

function describeDeployment(
  item: IActivityItem,
  user: IActivitySegment,
  trans: TranslationBundle
): IActivitySegment[] {
  const deployment = item.deployment;
  if (!deployment) {
    return interpolate(trans.__('%1 changed a deployment', ...PARTS), [[user]]);
  }
  const version =
    typeof deployment.version === 'number' ? deployment.version : null;
  const name: IActivitySegment = {
    text: deployment.name,
    role: 'deployment',
    link:
      deployment.action === 'deleted'
        ? undefined
        : { kind: 'deployment', name: deployment.name }
  };
  const segments = interpolate(
    deploymentTemplate(deployment.action, version !== null, trans),
    [[user], [name], [{ text: String(version) }]]
  );
  const runId = deployment.run_id;
  if (runId && SERVES_A_RUN.includes(deployment.action)) {
    const run = item.runs.find(r => r.run_id === runId);
    const runSegment: IActivitySegment = {
      text: trans.__('run %1', run?.name || runId.slice(0, 8)),
      role: 'run',
      link: { kind: 'run', runId },
      title: runId
    };
    segments.push(
      { text: ' ' },
      ...interpolate(trans.__('from %1', ...PARTS), [[runSegment]])
    );
  }
  return segments;
}
