import { Dialog, InputDialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type {
  DeploymentsClient,
  IApiKey,
  IApiKeyCreated
} from '../../../api/deployments';
import { reportError } from '../../../notify';
import { formatDateTime } from '../../format';
import { CopyButton } from './CopyButton';

const KEYS_CLASS = 'jp-mlp-DeployKeys';
const NEW_KEY_CLASS = 'jp-mlp-DeployKeys-new';
const NOTE_CLASS = 'jp-mlp-DeployNote';
const BUTTON_CLASS = 'jp-mlp-DeployButton';

export interface IApiKeysProps {
  client: DeploymentsClient;
  name: string;
  /** A key was created (its full text, shown once) or revoked (`null`). */
  onKeyCreated: (key: string | null) => void;
  trans: TranslationBundle;
}

/**
 * Ask for an optional label, create a key; `null` when cancelled or failed
 * (reported).
 */
export async function createKey(
  client: DeploymentsClient,
  name: string,
  trans: TranslationBundle
): Promise<IApiKeyCreated | null> {
  const result = await InputDialog.getText({
    title: trans.__('New API key for %1', name),
    label: trans.__('Label (optional)'),
    placeholder: trans.__('e.g. billing-service'),
    okLabel: trans.__('Create')
  });
  if (!result.button.accept) {
    return null;
  }
  try {
    return await client.createKey(name, result.value?.trim() || undefined);
  } catch (error) {
    reportError(trans.__('Could not create an API key for %1', name), error);
    return null;
  }
}

/**
 * The deployment's API keys (prefix only), creating one (its full text shown
 * once, with copy) and revoking one.
 */
export function ApiKeys(props: IApiKeysProps): JSX.Element {
  const { client, name, onKeyCreated, trans } = props;
  const [keys, setKeys] = React.useState<IApiKey[] | null>(null);
  const [created, setCreated] = React.useState<IApiKeyCreated | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  const load = React.useCallback(async () => {
    try {
      setKeys(await client.listKeys(name));
      setError(null);
    } catch (reason) {
      setError(reason instanceof Error ? reason.message : String(reason));
    }
  }, [client, name]);

  React.useEffect(() => {
    void load();
  }, [load]);

  const create = async (): Promise<void> => {
    const key = await createKey(client, name, trans);
    if (key) {
      setCreated(key);
      onKeyCreated(key.key);
      await load();
    }
  };

  const revoke = async (key: IApiKey): Promise<void> => {
    const answer = await showDialog({
      title: trans.__('Revoke key %1…?', key.prefix),
      body: trans.__(
        'Callers using this key get 401 from now on. This cannot be undone.'
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Revoke') })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await client.revokeKey(name, key.id);
      if (created?.id === key.id) {
        setCreated(null);
        onKeyCreated(null);
      }
      await load();
    } catch (reason) {
      reportError(trans.__('Could not revoke the key'), reason);
    }
  };

  return (
    <div className={KEYS_CLASS}>
      <p className={NOTE_CLASS}>
        {trans.__(
          'Callers outside Jupyter send "Authorization: Bearer <key>" to the endpoint.'
        )}
      </p>
      {created && (
        <div className={NEW_KEY_CLASS} role="status">
          <p>
            {trans.__(
              'New key%1: copy it now, it is not shown again.',
              created.name ? ` "${created.name}"` : ''
            )}
          </p>
          <code>{created.key}</code>{' '}
          <CopyButton text={created.key} what={trans.__('key')} trans={trans} />
        </div>
      )}
      {error !== null && (
        <p role="alert" className="jp-mlp-DeployConsole-error">
          {trans.__('Could not list the keys: %1', error)}
        </p>
      )}
      {keys !== null && keys.length === 0 && (
        <p className={NOTE_CLASS}>{trans.__('No keys yet.')}</p>
      )}
      {keys !== null && keys.length > 0 && (
        <ul aria-label={trans.__('API keys of %1', name)}>
          {keys.map(key => (
            <li key={key.id}>
              <div>
                <code title={key.prefix}>{key.prefix}…</code>
                <span className={NOTE_CLASS}>
                  {[key.name, key.created_by, formatDateTime(key.created_at)]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </div>
              <button
                type="button"
                className={BUTTON_CLASS}
                title={trans.__('Revoke key %1…', key.prefix)}
                aria-label={trans.__('Revoke key %1…', key.prefix)}
                onClick={() => void revoke(key)}
              >
                {trans.__('Revoke')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        className={BUTTON_CLASS}
        title={trans.__('Create an API key for %1', name)}
        onClick={() => void create()}
      >
        {trans.__('Create API Key')}
      </button>
    </div>
  );
}
