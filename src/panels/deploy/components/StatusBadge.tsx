import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { DeploymentStatus } from '../../../api/deployments';

const BADGE_CLASS = 'jp-mlp-DeployStatus';

/**
 * A deployment's status as an outlined badge (`jp-mlp-DeployStatus-healthy`
 * ...), readable in light and dark themes.
 */
export function StatusBadge(props: {
  status: DeploymentStatus;
  trans: TranslationBundle;
}): JSX.Element {
  const { status, trans } = props;
  const labels: Record<DeploymentStatus, string> = {
    starting: trans.__('starting'),
    healthy: trans.__('healthy'),
    restarting: trans.__('restarting'),
    stopped: trans.__('stopped'),
    failed: trans.__('failed')
  };
  return (
    <span
      className={`jp-mlp-StatusBadge ${BADGE_CLASS} ${BADGE_CLASS}-${status}`}
      data-status={status}
    >
      {labels[status] ?? status}
    </span>
  );
}
