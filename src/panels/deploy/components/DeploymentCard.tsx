import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IDeployment, IDeploymentVersion } from '../../../api/deployments';
import type { IRunCache } from '../../../collab/cells/runCache';
import {
  CachedProvenanceChain,
  IProvenanceActions
} from '../../../collab/provenance/ProvenanceChain';
import {
  formatCount,
  formatLatency,
  formatUptime,
  secondsSince
} from '../../format';
import { DeploymentsModel, isServing } from '../deploymentsModel';
import { ApiKeys, createKey } from './ApiKeys';
import { Downloads } from './Downloads';
import { LogsView } from './LogsView';
import { ParityFact } from './ParityFact';
import { Snippets } from './Snippets';
import { StatusBadge } from './StatusBadge';
import { TestConsole } from './TestConsole';
import { useMetadata } from './useMetadata';

const CARD_CLASS = 'jp-mlp-DeploymentCard';
const HEADER_CLASS = 'jp-mlp-DeploymentCard-header';
const TOGGLE_CLASS = 'jp-mlp-DeploymentCard-toggle';
const FACTS_CLASS = 'jp-mlp-DeploymentCard-facts';
const ACTIONS_CLASS = 'jp-mlp-DeploymentCard-actions';
const ERROR_CLASS = 'jp-mlp-DeploymentCard-error';
const LINK_CLASS = 'jp-mlp-DeployLink';
const BUTTON_CLASS = 'jp-mlp-DeployButton';
const TABS_CLASS = 'jp-mlp-DeployTabs';

export type DetailTab = 'endpoint' | 'test' | 'logs' | 'keys' | 'export';

export interface IDeploymentCardProps {
  deployment: IDeployment;
  model: DeploymentsModel;
  expanded: boolean;
  onToggle: () => void;
  /** Open a run in the Experiments panel; plain text without it. */
  openRun: ((runId: string) => void) | null;
  /** A run's display name, when known. */
  runName: (runId: string) => string | null;
  /**
   * Show where the serving model comes from (endpoint ← run ← cell ←
   * person) instead of the run alone.
   */
  provenance?: IDeploymentProvenance | null;
  trans: TranslationBundle;
}

/**
 * What a card needs for its provenance chain.
 */
export interface IDeploymentProvenance {
  runs: IRunCache;
  actions: IProvenanceActions;
}

/**
 * The version now serving, from the deployment's version history.
 */
export function currentVersion(
  deployment: IDeployment
): IDeploymentVersion | null {
  return (
    deployment.versions?.find(v => v.version === deployment.version) ?? null
  );
}

/**
 * The version a rollback goes back to: the newest one before the serving
 * version, or `null` when there is none.
 */
export function previousVersion(
  deployment: IDeployment
): IDeploymentVersion | null {
  const older = (deployment.versions ?? []).filter(
    v => v.version < deployment.version
  );
  return older.length > 0 ? older[older.length - 1] : null;
}

/**
 * One deployment: status, version, URL, traffic, who deployed which run;
 * its actions; and, expanded, its endpoint, test console, logs, keys and
 * downloads.
 */
export function DeploymentCard(props: IDeploymentCardProps): JSX.Element {
  const {
    deployment: d,
    model,
    expanded,
    onToggle,
    openRun,
    runName,
    provenance,
    trans
  } = props;
  const entry = model.stats(d.name);
  const stats = entry?.stats ?? null;
  const serving = isServing(d);
  const busy = model.isBusy(d.name);
  const version = currentVersion(d);
  const deployedBy = version?.created_by ?? d.created_by;
  const runId = version?.run_id ?? d.run_id;
  const uptime = serving
    ? (stats?.uptime_seconds ?? secondsSince(d.started_at))
    : null;
  const previous = previousVersion(d);
  const detailsId = `jp-mlp-deployment-${d.name}-details`;

  const rollback = async (): Promise<void> => {
    if (!previous) {
      return;
    }
    const answer = await showDialog({
      title: trans.__('Roll back %1?', d.name),
      body: trans.__(
        'Serve version %1 (run %2) again instead of version %3.',
        previous.version,
        previous.run_id.slice(0, 8),
        d.version
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: trans.__('Roll Back') })
      ]
    });
    if (answer.button.accept) {
      await model.update(d.name, {
        action: 'rollback',
        version: previous.version
      });
    }
  };

  const remove = async (): Promise<void> => {
    const answer = await showDialog({
      title: trans.__('Delete %1?', d.name),
      body: trans.__(
        'The scoring server stops, and the deployment, its versions, logs and API keys are removed. The runs and their models stay.'
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Delete') })
      ]
    });
    if (answer.button.accept) {
      await model.remove(d.name);
    }
  };

  const action = (
    label: string,
    title: string,
    onClick: () => void,
    disabled = false
  ): JSX.Element => (
    <button
      type="button"
      className={BUTTON_CLASS}
      title={title}
      aria-label={title}
      disabled={busy || disabled}
      onClick={onClick}
    >
      {label}
    </button>
  );

  return (
    <li className={CARD_CLASS} data-name={d.name} data-status={d.status}>
      <div className={HEADER_CLASS}>
        <button
          type="button"
          className={TOGGLE_CLASS}
          aria-expanded={expanded}
          aria-controls={detailsId}
          title={
            expanded
              ? trans.__('Hide the details of %1', d.name)
              : trans.__(
                  'Show the endpoint, test console, logs and keys of %1',
                  d.name
                )
          }
          onClick={onToggle}
        >
          {expanded ? (
            <caretDownIcon.react tag="span" />
          ) : (
            <caretRightIcon.react tag="span" />
          )}
          <span className="jp-mlp-DeploymentCard-name">{d.name}</span>
        </button>
        <StatusBadge status={d.status} trans={trans} />
        <span
          className="jp-mlp-DeploymentCard-version"
          title={trans.__('Version %1', d.version)}
        >
          {trans.__('v%1', d.version)}
        </span>
      </div>
      <dl className={FACTS_CLASS}>
        <dt>{trans.__('URL')}</dt>
        <dd>
          <code className="jp-mlp-DeploymentCard-url" title={d.url}>
            {d.url}
          </code>
        </dd>
        <dt>{trans.__('Uptime')}</dt>
        <dd>
          {formatUptime(uptime)}
          {d.restarts > 0 &&
            ' ' + trans._n('(%1 restart)', '(%1 restarts)', d.restarts)}
          {' · '}
          {trans._n('%1 worker', '%1 workers', d.workers)}
        </dd>
        <dt>{trans.__('Requests')}</dt>
        <dd
          title={
            entry?.error
              ? trans.__('Stats unavailable: %1', entry.error)
              : undefined
          }
        >
          {stats ? formatCount(stats.requests) : '—'}
          {stats && stats.errors > 0 && (
            <span className="jp-mlp-DeploymentCard-errors">
              {' '}
              {trans._n('(%1 error)', '(%1 errors)', stats.errors)}
            </span>
          )}
          {entry?.error && !stats && (
            <span className="jp-mlp-DeployNote">
              {' '}
              {trans.__('(stats unavailable)')}
            </span>
          )}
        </dd>
        <dt>{trans.__('Latency')}</dt>
        <dd>
          {stats && stats.latency_p50_ms !== null
            ? trans.__(
                'p50 %1 · p99 %2',
                formatLatency(stats.latency_p50_ms),
                formatLatency(stats.latency_p99_ms)
              )
            : '—'}
        </dd>
        <ParityFact parity={d.parity} trans={trans} />
        {provenance ? (
          <>
            <dt>{trans.__('Deployed')}</dt>
            <dd>{trans.__('by %1', deployedBy ?? trans.__('unknown'))}</dd>
            <dt>{trans.__('Provenance')}</dt>
            <dd>
              <CachedProvenanceChain
                runs={provenance.runs}
                deployment={{ name: d.name, version: d.version }}
                runId={runId}
                actions={{
                  ...provenance.actions,
                  openRun: openRun ?? provenance.actions.openRun
                }}
                current="deployment"
                trans={trans}
              />
            </dd>
          </>
        ) : (
          <>
            <dt>{trans.__('Deployed')}</dt>
            <dd>
              {trans.__('by %1 from ', deployedBy ?? trans.__('unknown'))}
              {openRun ? (
                <button
                  type="button"
                  className={LINK_CLASS}
                  title={trans.__(
                    'Open run %1 in the Experiments panel',
                    runId
                  )}
                  onClick={() => openRun(runId)}
                >
                  {runName(runId) ?? runId.slice(0, 8)}
                </button>
              ) : (
                <code>{runName(runId) ?? runId.slice(0, 8)}</code>
              )}
            </dd>
          </>
        )}
      </dl>
      {d.status === 'failed' && d.error && (
        <p className={ERROR_CLASS} role="alert">
          {d.error}
        </p>
      )}
      <div
        className={ACTIONS_CLASS}
        role="toolbar"
        aria-label={trans.__('Actions on %1', d.name)}
      >
        {d.status === 'stopped' || d.status === 'failed'
          ? action(
              trans.__('Start'),
              trans.__('Start %1', d.name),
              () => void model.update(d.name, { action: 'start' })
            )
          : action(
              trans.__('Stop'),
              trans.__('Stop %1', d.name),
              () => void model.update(d.name, { action: 'stop' })
            )}
        {action(
          trans.__('Restart'),
          trans.__('Restart %1', d.name),
          () => void model.update(d.name, { action: 'restart' }),
          d.status === 'stopped'
        )}
        {previous &&
          action(
            trans.__('Roll Back'),
            trans.__('Roll %1 back to version %2', d.name, previous.version),
            () => void rollback()
          )}
        {action(
          trans.__('Delete'),
          trans.__('Delete %1…', d.name),
          () => void remove()
        )}
      </div>
      {expanded && (
        <div id={detailsId}>
          <Details deployment={d} model={model} trans={trans} />
        </div>
      )}
    </li>
  );
}

/**
 * The expanded part of a card: tabs for the endpoint, the test console, the
 * logs, the API keys and the downloads.
 */
function Details(props: {
  deployment: IDeployment;
  model: DeploymentsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { deployment: d, model, trans } = props;
  const client = model.client;
  const serving = isServing(d);
  const [tab, setTab] = React.useState<DetailTab>('endpoint');
  const { metadata, error: metadataError } = useMetadata(
    client,
    d.name,
    d.version,
    serving
  );
  const example = metadata?.input_example ?? undefined;
  const tabs: Array<[DetailTab, string]> = [
    ['endpoint', trans.__('Endpoint')],
    ['test', trans.__('Test')],
    ['logs', trans.__('Logs')],
    ['keys', trans.__('Keys')],
    ['export', trans.__('Export')]
  ];
  const tabId = (t: DetailTab): string => `jp-mlp-deployment-${d.name}-${t}`;
  return (
    <>
      <div
        className={TABS_CLASS}
        role="tablist"
        aria-label={trans.__('Details of %1', d.name)}
      >
        {tabs.map(([t, label]) => (
          <button
            key={t}
            id={tabId(t)}
            type="button"
            role="tab"
            aria-selected={tab === t}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
            onKeyDown={event => {
              const index = tabs.findIndex(([x]) => x === t);
              let next = -1;
              if (event.key === 'ArrowRight') {
                next = (index + 1) % tabs.length;
              } else if (event.key === 'ArrowLeft') {
                next = (index + tabs.length - 1) % tabs.length;
              }
              if (next >= 0) {
                event.preventDefault();
                setTab(tabs[next][0]);
                document.getElementById(tabId(tabs[next][0]))?.focus();
              }
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <div
        className="jp-mlp-DeployTabPanel"
        role="tabpanel"
        aria-labelledby={tabId(tab)}
      >
        {tab === 'endpoint' && (
          <Snippets
            deployment={d}
            example={example}
            apiKey={model.freshKey(d.name)}
            onCreateKey={async () => {
              const key = await createKey(client, d.name, trans);
              if (key) {
                model.setFreshKey(d.name, key.key);
              }
            }}
            trans={trans}
          />
        )}
        {tab === 'test' && (
          <TestConsole
            client={client}
            name={d.name}
            example={example}
            exampleNote={
              metadataError
                ? trans.__(
                    'No input example from the model (%1): edit the body to match its columns.',
                    metadataError
                  )
                : metadata && !metadata.input_example
                  ? trans.__(
                      'The model has no input example: edit the body to match its columns.'
                    )
                  : null
            }
            serving={serving}
            trans={trans}
          />
        )}
        {tab === 'logs' && (
          <LogsView
            client={client}
            name={d.name}
            trans={trans}
            active={model.visible}
          />
        )}
        {tab === 'keys' && (
          <ApiKeys
            client={client}
            name={d.name}
            onKeyCreated={key => model.setFreshKey(d.name, key)}
            trans={trans}
          />
        )}
        {tab === 'export' && (
          <Downloads client={client} name={d.name} trans={trans} />
        )}
      </div>
    </>
  );
}
