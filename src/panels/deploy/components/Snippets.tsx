import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IDeployment } from '../../../api/deployments';
import { curlSnippet, KEY_PLACEHOLDER, pythonSnippet } from '../snippets';
import { CopyButton } from './CopyButton';

const SNIPPETS_CLASS = 'jp-mlp-DeploySnippets';
const SNIPPET_CLASS = 'jp-mlp-DeploySnippet';
const NOTE_CLASS = 'jp-mlp-DeployNote';

export interface ISnippetsProps {
  deployment: IDeployment;
  /** The request body to show (the model's input example). */
  example?: unknown;
  /** A key created in this page, filled into the snippets. */
  apiKey: string | null;
  /** Create a key (and fill it in); no button without it. */
  onCreateKey?: () => void;
  trans: TranslationBundle;
}

/**
 * The deployment's URLs, with curl and Python snippets for callers outside
 * Jupyter.
 */
export function Snippets(props: ISnippetsProps): JSX.Element {
  const { deployment, example, apiKey, onCreateKey, trans } = props;
  const endpoint = deployment.endpoint ?? null;
  const proxied = new URL(deployment.url, window.location.origin).href;
  return (
    <div className={SNIPPETS_CLASS}>
      <dl>
        <dt>{trans.__('In Jupyter (your login)')}</dt>
        <dd>
          <code>{proxied}</code>{' '}
          <CopyButton text={proxied} what={trans.__('URL')} trans={trans} />
        </dd>
        <dt>{trans.__('Endpoint (API key)')}</dt>
        <dd>
          {endpoint ? (
            <>
              <code>{endpoint}</code>{' '}
              <CopyButton
                text={endpoint}
                what={trans.__('endpoint')}
                trans={trans}
              />
            </>
          ) : (
            <span className={NOTE_CLASS}>
              {trans.__('Available while the deployment serves.')}
            </span>
          )}
        </dd>
      </dl>
      {endpoint && (
        <>
          <p className={NOTE_CLASS}>
            {apiKey
              ? trans.__(
                  'The snippets hold the key you just created; it is not shown again.'
                )
              : trans.__(
                  'Replace %1 with an API key of this deployment.',
                  KEY_PLACEHOLDER
                )}{' '}
            {!apiKey && onCreateKey && (
              <button
                type="button"
                className="jp-mlp-DeployButton"
                onClick={onCreateKey}
                title={trans.__('Create an API key and fill it in')}
              >
                {trans.__('Create API Key')}
              </button>
            )}
          </p>
          <Snippet
            title={trans.__('curl')}
            text={curlSnippet({ endpoint, example, apiKey })}
            trans={trans}
          />
          <Snippet
            title={trans.__('Python')}
            text={pythonSnippet({ endpoint, example, apiKey })}
            trans={trans}
          />
        </>
      )}
    </div>
  );
}

function Snippet(props: {
  title: string;
  text: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { title, text, trans } = props;
  return (
    <figure className={SNIPPET_CLASS} aria-label={title}>
      <figcaption>
        {title}{' '}
        <CopyButton
          text={text}
          what={trans.__('%1 snippet', title)}
          trans={trans}
        />
      </figcaption>
      <pre>{text}</pre>
    </figure>
  );
}
