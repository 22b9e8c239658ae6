import { TranslationBundle } from '@jupyterlab/translation';
import {
  checkIcon,
  closeIcon,
  refreshIcon,
  circleEmptyIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import type { DeploymentsClient } from '../../../api/deployments';
import { IconButton } from '../../IconButton';
import {
  DEPLOY_STEPS,
  DeployStepId,
  DeployStepState,
  IDeployProgress
} from '../deployFlow';
import { Snippets } from './Snippets';
import { useMetadata } from './useMetadata';

const PROGRESS_CLASS = 'jp-mlp-DeployProgress';
const STEP_CLASS = 'jp-mlp-DeployProgress-step';
const BUTTON_CLASS = 'jp-mlp-DeployButton';

export interface IDeployProgressProps {
  client: DeploymentsClient;
  progress: IDeployProgress;
  /** A key created in this page for the deployment. */
  apiKey: string | null;
  onCreateKey: () => void;
  onDismiss: () => void;
  /** Show the deployment's card expanded (test console, logs...). */
  onOpen: (name: string) => void;
  trans: TranslationBundle;
}

/**
 * The steps of a deploy (packaging, starting, health check) with the active
 * one spinning; then the endpoint with snippets, or the error.
 */
export function DeployProgress(props: IDeployProgressProps): JSX.Element {
  const { client, progress, apiKey, onCreateKey, onDismiss, onOpen, trans } =
    props;
  const labels: Record<DeployStepId, string> = {
    packaging: trans.__('Packaging'),
    starting: trans.__('Starting'),
    health: trans.__('Health check')
  };
  const stateLabels: Record<DeployStepState, string> = {
    pending: trans.__('waiting'),
    active: trans.__('in progress'),
    done: trans.__('done'),
    failed: trans.__('failed')
  };
  const succeeded =
    progress.finished && progress.error === null && progress.deployment;
  // The snippets send the model's input example once it serves.
  const { metadata } = useMetadata(
    client,
    progress.name,
    progress.deployment?.version ?? 0,
    Boolean(succeeded)
  );
  return (
    <section
      className={PROGRESS_CLASS}
      aria-label={trans.__('Deploying %1', progress.name)}
    >
      <header>
        <h3>
          {progress.mode === 'version'
            ? trans.__('New version of %1', progress.name)
            : trans.__('Deploying %1', progress.name)}
        </h3>
        <IconButton
          label={trans.__('Close')}
          disabled={!progress.finished}
          onClick={onDismiss}
        >
          <closeIcon.react tag="span" />
        </IconButton>
      </header>
      <ol>
        {DEPLOY_STEPS.map(step => {
          const state = progress.steps[step];
          return (
            <li
              key={step}
              className={`${STEP_CLASS} jp-mod-${state}`}
              data-step={step}
              data-state={state}
              aria-current={state === 'active' ? 'step' : undefined}
            >
              <StepIcon state={state} />
              <span>{labels[step]}</span>
              <span className="jp-mlp-DeployVisuallyHidden">
                {` (${stateLabels[state]})`}
              </span>
            </li>
          );
        })}
      </ol>
      {progress.error !== null && (
        <p className="jp-mlp-DeploymentCard-error" role="alert">
          {progress.error}
        </p>
      )}
      {succeeded && progress.deployment && (
        <>
          <p role="status">
            {trans.__(
              '%1 serves version %2.',
              progress.deployment.name,
              progress.deployment.version
            )}{' '}
            <button
              type="button"
              className={BUTTON_CLASS}
              title={trans.__(
                'Show the test console, logs and keys of %1',
                progress.name
              )}
              onClick={() => onOpen(progress.name)}
            >
              {trans.__('Test It')}
            </button>
          </p>
          <Snippets
            deployment={progress.deployment}
            example={metadata?.input_example ?? undefined}
            apiKey={apiKey}
            onCreateKey={onCreateKey}
            trans={trans}
          />
        </>
      )}
    </section>
  );
}

function StepIcon(props: { state: DeployStepState }): JSX.Element {
  switch (props.state) {
    case 'done':
      return <checkIcon.react tag="span" className="jp-mlp-DeployStepIcon" />;
    case 'failed':
      return <closeIcon.react tag="span" className="jp-mlp-DeployStepIcon" />;
    case 'active':
      return (
        <refreshIcon.react
          tag="span"
          className="jp-mlp-DeployStepIcon jp-mlp-mod-spinning"
        />
      );
    default:
      return (
        <circleEmptyIcon.react tag="span" className="jp-mlp-DeployStepIcon" />
      );
  }
}
