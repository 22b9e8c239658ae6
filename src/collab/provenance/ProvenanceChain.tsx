/*
 * Where a model comes from, as one line of links:
 * "endpoint iris v2 ← run brave-owl-3 ← cell 7 of churn.ipynb ← alice".
 */
import { PathExt } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IRun } from '../../api/tracking';
import type { IRunCache, IRunEntry, RunEntryState } from '../cells/runCache';
import { shortRunId } from '../cells/runBadge';

const CHAIN_CLASS = 'jp-mlp-Provenance';
const STEP_CLASS = 'jp-mlp-Provenance-step';
const ARROW_CLASS = 'jp-mlp-Provenance-arrow';
const LINK_CLASS = 'jp-mlp-Provenance-link';
const KIND_CLASS = 'jp-mlp-Provenance-kind';
const MUTED_CLASS = 'jp-mlp-Provenance-muted';

/**
 * What the links of a chain do; a `null` action leaves its step as text.
 */
export interface IProvenanceActions {
  /** Show a deployment in the Deploy panel. */
  openDeployment: ((name: string) => void) | null;
  /** Open a run in the Experiments panel. */
  openRun: ((runId: string) => void) | null;
  /** Open the run's notebook at the cell that created it. */
  openCell: ((run: IRun) => void) | null;
}

/** The endpoint at the head of a chain. */
export interface IProvenanceDeployment {
  name: string;
  version: number;
}

export interface IProvenanceChainProps {
  /** The endpoint serving the run, when the chain starts there. */
  deployment?: IProvenanceDeployment | null;
  runId: string;
  /** The run, once known. */
  run: IRun | null;
  /** Where reading the run stands (`ready` when `run` is given). */
  runState?: RunEntryState;
  actions: IProvenanceActions;
  /** The step of the view the chain is in: shown as text, not a link. */
  current?: 'deployment' | 'run' | null;
  trans: TranslationBundle;
}

/**
 * The text of the cell step: "cell 7 of churn.ipynb" (the cell's position
 * when the run was created), "a cell of churn.ipynb" when it is unknown,
 * `null` when the run did not come from a notebook.
 */
export function cellStepLabel(
  run: Pick<IRun, 'source'>,
  trans: TranslationBundle
): string | null {
  const path = run.source.notebook_path;
  if (!path) {
    return null;
  }
  const name = PathExt.basename(path);
  const index = run.source.cell_index;
  return typeof index === 'number' && index >= 0
    ? trans.__('cell %1 of %2', index + 1, name)
    : trans.__('a cell of %1', name);
}

/**
 * One provenance chain, head first. Steps not known yet (the run still
 * loading) are left out; a run that is gone says so.
 */
export function ProvenanceChain(props: IProvenanceChainProps): JSX.Element {
  const { deployment, runId, run, actions, current, trans } = props;
  const runState = props.runState ?? (run ? 'ready' : 'loading');
  const steps: Array<{ name: string; content: JSX.Element }> = [];

  if (deployment) {
    const label = trans.__('%1 v%2', deployment.name, deployment.version);
    const open = current === 'deployment' ? null : actions.openDeployment;
    steps.push({
      name: 'deployment',
      content: (
        <>
          <span className={KIND_CLASS}>{trans.__('endpoint')}</span>
          {open ? (
            <button
              type="button"
              className={LINK_CLASS}
              title={trans.__('Show %1 in the Deploy panel', deployment.name)}
              onClick={() => open(deployment.name)}
            >
              {label}
            </button>
          ) : (
            <span>{label}</span>
          )}
        </>
      )
    });
  }

  const runLabel = run?.name || shortRunId(runId);
  const openRun =
    current === 'run' || runState === 'missing' ? null : actions.openRun;
  steps.push({
    name: 'run',
    content: (
      <>
        <span className={KIND_CLASS}>{trans.__('run')}</span>
        {openRun ? (
          <button
            type="button"
            className={LINK_CLASS}
            title={trans.__('Open run %1 in the Experiments panel', runLabel)}
            onClick={() => openRun(runId)}
          >
            {runLabel}
          </button>
        ) : (
          <span title={runId}>{runLabel}</span>
        )}
        {runState === 'loading' && (
          <span className={MUTED_CLASS}>{trans.__('(loading…)')}</span>
        )}
        {runState === 'missing' && (
          <span className={MUTED_CLASS}>{trans.__('(no longer exists)')}</span>
        )}
        {runState === 'error' && !run && (
          <span className={MUTED_CLASS}>{trans.__('(unavailable)')}</span>
        )}
        {run?.lifecycle_stage === 'deleted' && (
          <span className={MUTED_CLASS}>{trans.__('(deleted)')}</span>
        )}
      </>
    )
  });

  if (run) {
    const cellLabel = cellStepLabel(run, trans);
    if (cellLabel !== null) {
      const openCell = actions.openCell;
      const path = run.source.notebook_path ?? '';
      steps.push({
        name: 'cell',
        content: (
          <>
            {openCell ? (
              <button
                type="button"
                className={LINK_CLASS}
                title={trans.__(
                  'Open %1 at the cell that created the run',
                  path
                )}
                onClick={() => openCell(run)}
              >
                {cellLabel}
              </button>
            ) : (
              <span title={path}>{cellLabel}</span>
            )}
          </>
        )
      });
    }
    steps.push({
      name: 'person',
      content: (
        <>
          <span title={trans.__('Who created the run')}>
            {run.user || trans.__('unknown')}
          </span>
        </>
      )
    });
  }

  return (
    <ol className={CHAIN_CLASS} aria-label={trans.__('Provenance')}>
      {steps.map((step, index) => (
        <Step key={step.name} name={step.name} arrow={index > 0}>
          {step.content}
        </Step>
      ))}
    </ol>
  );
}

function Step(props: {
  name: string;
  arrow: boolean;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <li className={STEP_CLASS} data-step={props.name}>
      {props.arrow && (
        <span className={ARROW_CLASS} aria-hidden="true">
          ←
        </span>
      )}
      {props.children}
    </li>
  );
}

/**
 * A run from the shared cache, kept live (`null` until the cache has it).
 */
export function useRunEntry(runs: IRunCache, runId: string): IRunEntry | null {
  const subscribe = React.useCallback(
    (notify: () => void) => {
      const watch = runs.watch(runId, notify);
      return () => watch.dispose();
    },
    [runs, runId]
  );
  const snapshot = React.useCallback(() => runs.peek(runId), [runs, runId]);
  return React.useSyncExternalStore(subscribe, snapshot);
}

/**
 * A provenance chain whose run comes from the shared cache.
 */
export function CachedProvenanceChain(
  props: Omit<IProvenanceChainProps, 'run' | 'runState'> & { runs: IRunCache }
): JSX.Element {
  const { runs, ...rest } = props;
  const entry = useRunEntry(runs, props.runId);
  return (
    <ProvenanceChain
      {...rest}
      run={entry?.run ?? null}
      runState={entry?.state ?? 'loading'}
    />
  );
}
