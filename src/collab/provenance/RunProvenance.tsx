/*
 * The provenance of a run in its own view: the endpoints serving it (each a
 * chain "endpoint iris v2 ← run … ← cell 7 of churn.ipynb ← alice"), or the
 * chain from the run when none does; and the endpoints it served before.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IDeployment } from '../../api/deployments';
import type { IRun } from '../../api/tracking';
import { IProvenanceActions, ProvenanceChain } from './ProvenanceChain';

const LIST_CLASS = 'jp-mlp-Provenance-list';
const NOTE_CLASS = 'jp-mlp-Provenance-muted';

/**
 * The deployments serving a run now, and those that served it before (with
 * the versions that did), sorted by name.
 */
export function deploymentsOfRun(
  runId: string,
  deployments: readonly IDeployment[]
): {
  serving: IDeployment[];
  earlier: Array<{ deployment: IDeployment; versions: number[] }>;
} {
  const byName = [...deployments].sort((a, b) => a.name.localeCompare(b.name));
  const serving = byName.filter(d => d.run_id === runId);
  const earlier = byName
    .filter(d => d.run_id !== runId)
    .map(deployment => ({
      deployment,
      versions: (deployment.versions ?? [])
        .filter(v => v.run_id === runId)
        .map(v => v.version)
    }))
    .filter(item => item.versions.length > 0);
  return { serving, earlier };
}

export function RunProvenance(props: {
  run: IRun;
  /** The deployments (`null` while they load or when unavailable). */
  deployments: readonly IDeployment[] | null;
  actions: IProvenanceActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { run, deployments, actions, trans } = props;
  const { serving, earlier } = deploymentsOfRun(run.run_id, deployments ?? []);
  const chain = (deployment: IDeployment | null): JSX.Element => (
    <ProvenanceChain
      deployment={
        deployment
          ? { name: deployment.name, version: deployment.version }
          : null
      }
      runId={run.run_id}
      run={run}
      actions={actions}
      current="run"
      trans={trans}
    />
  );
  return (
    <ul className={LIST_CLASS}>
      {serving.length === 0 ? (
        <li>{chain(null)}</li>
      ) : (
        serving.map(d => <li key={d.name}>{chain(d)}</li>)
      )}
      {earlier.map(({ deployment: d, versions }) => (
        <li key={`earlier-${d.name}`} className={NOTE_CLASS}>
          {trans._n(
            'Served earlier by %2 (version %3; it serves version %4 now)',
            'Served earlier by %2 (versions %3; it serves version %4 now)',
            versions.length,
            d.name,
            versions.join(', '),
            d.version
          )}
        </li>
      ))}
    </ul>
  );
}
