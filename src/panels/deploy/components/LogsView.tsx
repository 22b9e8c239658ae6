import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { DeploymentsClient } from '../../../api/deployments';

const LOGS_CLASS = 'jp-mlp-DeployLogs';
const NOTE_CLASS = 'jp-mlp-DeployNote';
const BUTTON_CLASS = 'jp-mlp-DeployButton';

/** How often the logs are read while shown. */
export const LOGS_INTERVAL = 2000;

/** How many lines are read. */
export const LOGS_TAIL = 500;

/**
 * The scoring server's last lines, read every 2 s while shown (not while the
 * sidebar is hidden: `active` false); scrolled to the end unless the user
 * scrolled up.
 */
export function LogsView(props: {
  client: DeploymentsClient;
  name: string;
  trans: TranslationBundle;
  interval?: number;
  active?: boolean;
}): JSX.Element {
  const { client, name, trans } = props;
  const interval = props.interval ?? LOGS_INTERVAL;
  const active = props.active ?? true;
  const [lines, setLines] = React.useState<string[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [paused, setPaused] = React.useState(false);
  const pre = React.useRef<HTMLPreElement>(null);
  const atEnd = React.useRef(true);

  React.useEffect(() => {
    if (paused || !active) {
      return;
    }
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const read = async (): Promise<void> => {
      try {
        const next = await client.logs(name, LOGS_TAIL);
        if (!cancelled) {
          setLines(next);
          setError(null);
        }
      } catch (reason) {
        if (!cancelled) {
          setError(reason instanceof Error ? reason.message : String(reason));
        }
      }
      if (!cancelled) {
        timer = setTimeout(() => void read(), interval);
      }
    };
    void read();
    return () => {
      cancelled = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
  }, [client, name, paused, active, interval]);

  React.useLayoutEffect(() => {
    const node = pre.current;
    if (node && atEnd.current) {
      node.scrollTop = node.scrollHeight;
    }
  }, [lines]);

  return (
    <div className={LOGS_CLASS}>
      <div>
        <button
          type="button"
          className={BUTTON_CLASS}
          aria-pressed={paused}
          title={
            paused
              ? trans.__('Follow the logs again')
              : trans.__('Stop following the logs')
          }
          onClick={() => setPaused(!paused)}
        >
          {paused ? trans.__('Resume') : trans.__('Pause')}
        </button>{' '}
        <span className={NOTE_CLASS}>
          {paused ? trans.__('Paused') : trans.__('Live (every 2 s)')}
        </span>
      </div>
      {error !== null && (
        <p role="alert" className="jp-mlp-DeployConsole-error">
          {trans.__('Could not read the logs: %1', error)}
        </p>
      )}
      <pre
        ref={pre}
        tabIndex={0}
        aria-label={trans.__('Logs of %1', name)}
        onScroll={event => {
          const node = event.currentTarget;
          atEnd.current =
            node.scrollHeight - node.scrollTop - node.clientHeight < 8;
        }}
      >
        {lines === null
          ? trans.__('Loading…')
          : lines.length === 0
            ? trans.__('No output yet.')
            : lines.join('\n')}
      </pre>
    </div>
  );
}
