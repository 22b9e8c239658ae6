import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { modelPackages } from '../../../api/deployments';
import type { IRun } from '../../../api/tracking';
import { formatTime } from '../../format';

const LIST_CLASS = 'jp-mlp-DeployModels';
const ITEM_CLASS = 'jp-mlp-DeployModels-item';
const NOTE_CLASS = 'jp-mlp-DeployNote';
const BUTTON_CLASS = 'jp-mlp-DeployButton';
const LINK_CLASS = 'jp-mlp-DeployLink';

export interface IModelListProps {
  runs: readonly IRun[];
  /** The experiment's name, when known. */
  experimentName: (experimentId: string) => string | null;
  onDeploy: (run: IRun) => void;
  /** Download the container build context of a run's model. */
  onDownload: (run: IRun, artifactPath: string) => void;
  /** Open a run in the Experiments panel; plain text without it. */
  openRun: ((runId: string) => void) | null;
  /** Deploy buttons are disabled while a deploy runs. */
  deploying: boolean;
  trans: TranslationBundle;
}

/**
 * Recent runs with a model package, each with a one-click Deploy.
 */
export function ModelList(props: IModelListProps): JSX.Element {
  const {
    runs,
    experimentName,
    onDeploy,
    onDownload,
    openRun,
    deploying,
    trans
  } = props;
  if (runs.length === 0) {
    return (
      <p className={NOTE_CLASS}>
        {trans.__(
          'No models yet. Train one in a notebook (automatic tracking logs scikit-learn, XGBoost, LightGBM, PyTorch and Keras models), or call mlp.log_model().'
        )}
      </p>
    );
  }
  return (
    <ul className={LIST_CLASS}>
      {runs.map(run => {
        const packages = modelPackages(run.tags);
        const flavors = [
          ...new Set(packages.map(p => p.flavor).filter(Boolean))
        ].join(', ');
        const label = run.name || run.run_id.slice(0, 8);
        const experiment = experimentName(run.experiment_id);
        return (
          <li key={run.run_id} className={ITEM_CLASS} data-run-id={run.run_id}>
            <div className="jp-mlp-DeployModels-header">
              {openRun ? (
                <button
                  type="button"
                  className={LINK_CLASS}
                  title={trans.__(
                    'Open run %1 in the Experiments panel',
                    label
                  )}
                  onClick={() => openRun(run.run_id)}
                >
                  {label}
                </button>
              ) : (
                <span>{label}</span>
              )}
              <button
                type="button"
                className={`${BUTTON_CLASS} jp-mod-accept`}
                title={trans.__('Deploy the model of %1', label)}
                aria-label={trans.__('Deploy %1', label)}
                disabled={deploying}
                onClick={() => onDeploy(run)}
              >
                {trans.__('Deploy')}
              </button>
            </div>
            <div className="jp-mlp-DeployModels-details">
              {[
                flavors,
                experiment?.split('/').pop(),
                formatTime(run.start_time)
              ]
                .filter(Boolean)
                .join(' · ')}{' '}
              {packages.length > 0 && (
                <button
                  type="button"
                  className={LINK_CLASS}
                  title={trans.__(
                    'Download a container build context for this model'
                  )}
                  onClick={() => onDownload(run, packages[0].artifact_path)}
                >
                  {trans.__('container')}
                </button>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
