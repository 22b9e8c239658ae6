import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { DeploymentsClient } from '../../../api/deployments';
import { reportError } from '../../../notify';
import { download } from '../../download';

const DOWNLOADS_CLASS = 'jp-mlp-DeployDownloads';
const BUTTON_CLASS = 'jp-mlp-DeployButton';
const NOTE_CLASS = 'jp-mlp-DeployNote';

/**
 * Fetch an API endpoint and hand it to the browser as a file (named as the
 * server says, else `fileName`); a failure is reported with the server's
 * message.
 */
export async function downloadFile(
  client: DeploymentsClient,
  endPoint: string,
  fileName: string,
  trans: TranslationBundle
): Promise<boolean> {
  let file: { blob: Blob; fileName: string | null };
  try {
    file = await client.fetchFile(endPoint);
  } catch (error) {
    reportError(trans.__('Could not download %1', fileName), error);
    return false;
  }
  download(file.blob, file.fileName ?? fileName);
  return true;
}

/**
 * Download the deployment's container build context and Kubernetes
 * manifests.
 */
export function Downloads(props: {
  client: DeploymentsClient;
  name: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { client, name, trans } = props;
  const [busy, setBusy] = React.useState<string | null>(null);
  const items: Array<{
    file: string;
    path: string;
    label: string;
    title: string;
  }> = [
    {
      file: `${name}-container.tar.gz`,
      path: client.containerPath(name),
      label: trans.__('Container build context'),
      title: trans.__(
        'A Dockerfile and the model: docker build, then run it anywhere'
      )
    },
    {
      file: `${name}-k8s.yaml`,
      path: client.manifestPath(name),
      label: trans.__('Kubernetes manifest'),
      title: trans.__('A Deployment and a Service')
    },
    {
      file: `${name}-kserve.yaml`,
      path: client.manifestPath(name, 'kserve'),
      label: trans.__('KServe manifest'),
      title: trans.__('A KServe InferenceService')
    }
  ];
  return (
    <div className={DOWNLOADS_CLASS}>
      <p className={NOTE_CLASS}>
        {trans.__(
          'Build the image from the context (it holds the serving runtime and the model, not JupyterLab), push it, then apply the manifest with its image name.'
        )}
      </p>
      <ul>
        {items.map(item => (
          <li key={item.file}>
            <button
              type="button"
              className={BUTTON_CLASS}
              title={`${item.title} (${item.file})`}
              disabled={busy !== null}
              onClick={async () => {
                setBusy(item.file);
                try {
                  await downloadFile(client, item.path, item.file, trans);
                } finally {
                  setBusy(null);
                }
              }}
            >
              {busy === item.file ? trans.__('Downloading…') : item.label}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
