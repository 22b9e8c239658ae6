import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type {
  DeploymentsClient,
  IInvocationResult
} from '../../../api/deployments';
import { formatLatency } from '../../format';
import { GENERIC_EXAMPLE } from '../snippets';

const CONSOLE_CLASS = 'jp-mlp-DeployConsole';
const EDITOR_CLASS = 'jp-mlp-DeployConsole-editor';
const ERROR_CLASS = 'jp-mlp-DeployConsole-error';
const RESULT_CLASS = 'jp-mlp-DeployConsole-result';
const RESPONSE_CLASS = 'jp-mlp-DeployConsole-response';
const BUTTON_CLASS = 'jp-mlp-DeployButton';

export interface ITestConsoleProps {
  client: DeploymentsClient;
  name: string;
  /** The model's input example (a request body); a generic one without. */
  example: unknown;
  /** Why there is no example, when there is none. */
  exampleNote?: string | null;
  /** Whether the deployment serves (Send is disabled otherwise). */
  serving: boolean;
  trans: TranslationBundle;
}

/**
 * Why `text` is not a JSON object, or `null` when it is one.
 */
export function jsonError(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'The request body must be a JSON object.';
  }
  return null;
}

/**
 * Pretty JSON that stays short: objects one key per line, arrays of plain
 * values (a row, the predictions) on one line.
 */
export function prettyJson(value: unknown, indent = ''): string {
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return '[]';
    }
    if (value.every(item => item === null || typeof item !== 'object')) {
      return `[${value.map(item => JSON.stringify(item) ?? 'null').join(', ')}]`;
    }
    const items = value.map(item => inner + prettyJson(item, inner));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) {
      return '{}';
    }
    const items = entries.map(
      ([key, item]) =>
        `${inner}${JSON.stringify(key)}: ${prettyJson(item, inner)}`
    );
    return `{\n${items.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Send a JSON body to the deployment (through Jupyter) and show the answer,
 * its status and the latency measured here.
 */
export function TestConsole(props: ITestConsoleProps): JSX.Element {
  const { client, name, example, exampleNote, serving, trans } = props;
  const initial = prettyJson(example ?? GENERIC_EXAMPLE);
  // What the user typed; until then (and after Reset) the example, which
  // may arrive after the first render.
  const [draft, setDraft] = React.useState<string | null>(null);
  const text = draft ?? initial;
  const [sending, setSending] = React.useState(false);
  const [result, setResult] = React.useState<IInvocationResult | null>(null);
  const [failure, setFailure] = React.useState<string | null>(null);

  const error = jsonError(text);
  const send = async (): Promise<void> => {
    setSending(true);
    setFailure(null);
    try {
      setResult(await client.invoke(name, text));
    } catch (reason) {
      setResult(null);
      setFailure(reason instanceof Error ? reason.message : String(reason));
    } finally {
      setSending(false);
    }
  };

  const predictions =
    result?.ok &&
    result.body !== null &&
    typeof result.body === 'object' &&
    Array.isArray((result.body as { predictions?: unknown }).predictions)
      ? ((result.body as { predictions: unknown[] }).predictions as unknown[])
      : null;

  const editorId = `jp-mlp-deploy-console-${name}`;
  return (
    <div className={CONSOLE_CLASS}>
      <label htmlFor={editorId}>{trans.__('Request body (JSON)')}</label>
      {exampleNote && <p className="jp-mlp-DeployNote">{exampleNote}</p>}
      <textarea
        id={editorId}
        className={EDITOR_CLASS}
        value={text}
        spellCheck={false}
        rows={Math.min(14, Math.max(5, text.split('\n').length))}
        aria-invalid={error !== null}
        onChange={event => setDraft(event.target.value)}
        onKeyDown={event => {
          if (
            event.key === 'Enter' &&
            (event.ctrlKey || event.metaKey || event.shiftKey) &&
            error === null &&
            serving &&
            !sending
          ) {
            event.preventDefault();
            void send();
          }
        }}
      />
      {error !== null && (
        <p className={ERROR_CLASS} role="alert">
          {trans.__('Invalid JSON: %1', error)}
        </p>
      )}
      <div>
        <button
          type="button"
          className={BUTTON_CLASS}
          disabled={error !== null || !serving || sending}
          title={
            serving
              ? trans.__('Send the request (Shift+Enter)')
              : trans.__('Start the deployment to send requests')
          }
          onClick={() => void send()}
        >
          {sending ? trans.__('Sending…') : trans.__('Send')}
        </button>{' '}
        <button
          type="button"
          className={BUTTON_CLASS}
          disabled={text === initial}
          title={trans.__("Put back the model's input example")}
          onClick={() => setDraft(null)}
        >
          {trans.__('Reset')}
        </button>
      </div>
      {failure !== null && (
        <p className={ERROR_CLASS} role="alert">
          {trans.__('The request failed: %1', failure)}
        </p>
      )}
      {result && (
        <div className={RESULT_CLASS} aria-live="polite">
          <p>
            <span
              className={`jp-mlp-DeployConsole-status ${
                result.ok ? 'jp-mod-ok' : 'jp-mod-error'
              }`}
            >
              {result.status}
            </span>{' '}
            {trans.__('in %1', formatLatency(result.latencyMs))}
            {predictions !== null &&
              ' · ' +
                trans._n('%1 prediction', '%1 predictions', predictions.length)}
          </p>
          <pre
            className={RESPONSE_CLASS}
            role={result.ok ? undefined : 'alert'}
          >
            {typeof result.body === 'string'
              ? result.body
              : prettyJson(result.body)}
          </pre>
        </div>
      )}
    </div>
  );
}
