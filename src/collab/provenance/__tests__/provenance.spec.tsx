/*
 * Provenance chains: what they say, and that each link does what it should
 * (commands, the notebook at the cell), in the Deploy card and the run view.
 */
import { IDocumentManager } from '@jupyterlab/docmanager';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import * as React from 'react';
import { act } from 'react';

import { DeploymentsClient } from '../../../api/deployments';
import { EventsConnection, IRun, TrackingClient } from '../../../api/tracking';
import { makeDeployment } from '../../../panels/deploy/__tests__/fixtures';
import { DeploymentCard } from '../../../panels/deploy/components/DeploymentCard';
import { DeploymentsModel } from '../../../panels/deploy/deploymentsModel';
import { RunPanel } from '../../../panels/run/RunPanel';
import { CommandIDs } from '../../../tokens';
import {
  FakeServer,
  FakeWebSocket,
  makeRun
} from '../../../__tests__/fakeServer';
// Waits for a condition, letting React render inside `act` between checks.
import { render, until as waitFor } from '../../../__tests__/render';
import { RunCache } from '../../cells/runCache';
import { provenanceActions } from '../actions';
import {
  cellStepLabel,
  IProvenanceActions,
  ProvenanceChain
} from '../ProvenanceChain';
import { deploymentsOfRun } from '../RunProvenance';

const trans = nullTranslator.load('jupyterlab_mlplatform');

const RUN = makeRun('run-2', '1', 'brave-owl-3', {
  user: 'alice',
  source: {
    notebook_path: 'projects/churn.ipynb',
    cell_id: 'cell-7',
    cell_index: 6,
    kernel_id: 'k1'
  }
}) as unknown as IRun;

/** The text of the chain's steps, in order. */
function steps(container: HTMLElement): string[] {
  return [...container.querySelectorAll('.jp-mlp-Provenance-step')].map(step =>
    [...step.childNodes]
      .filter(
        node =>
          !(node as Element).classList?.contains('jp-mlp-Provenance-arrow')
      )
      .map(node => node.textContent)
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

function link(container: HTMLElement, text: string): HTMLButtonElement {
  const found = [...container.querySelectorAll('button')].find(
    b => b.textContent === text
  );
  if (!found) {
    throw new Error(`No link ${text}`);
  }
  return found as HTMLButtonElement;
}

/** Commands standing in for the Deploy and Experiments plugins'. */
function fakeCommands(): { commands: CommandRegistry; calls: unknown[][] } {
  const commands = new CommandRegistry();
  const calls: unknown[][] = [];
  for (const id of [CommandIDs.openDeploy, CommandIDs.openRun]) {
    commands.addCommand(id, { execute: args => void calls.push([id, args]) });
  }
  return { commands, calls };
}

describe('ProvenanceChain', () => {
  it('reads endpoint ← run ← cell ← person, and each link does its part', () => {
    const calls: unknown[][] = [];
    const actions: IProvenanceActions = {
      openDeployment: name => calls.push(['deployment', name]),
      openRun: runId => calls.push(['run', runId]),
      openCell: run => calls.push(['cell', run.source.cell_id])
    };
    const view = render(
      <ProvenanceChain
        deployment={{ name: 'churn-api', version: 2 }}
        runId="run-2"
        run={RUN}
        actions={actions}
        trans={trans}
      />
    );

    expect(steps(view.container)).toEqual([
      'endpoint churn-api v2',
      'run brave-owl-3',
      'cell 7 of churn.ipynb',
      'alice'
    ]);
    // One arrow between each two steps, hidden from screen readers.
    const arrows = view.container.querySelectorAll('.jp-mlp-Provenance-arrow');
    expect(arrows).toHaveLength(3);
    expect(arrows[0].getAttribute('aria-hidden')).toBe('true');

    act(() => link(view.container, 'churn-api v2').click());
    act(() => link(view.container, 'brave-owl-3').click());
    act(() => link(view.container, 'cell 7 of churn.ipynb').click());
    expect(calls).toEqual([
      ['deployment', 'churn-api'],
      ['run', 'run-2'],
      ['cell', 'cell-7']
    ]);
    view.unmount();
  });

  it('leaves the step of the current view, and missing actions, as text', () => {
    const view = render(
      <ProvenanceChain
        runId="run-2"
        run={RUN}
        actions={{
          openDeployment: null,
          openRun: () => undefined,
          openCell: null
        }}
        current="run"
        trans={trans}
      />
    );
    expect(view.container.querySelectorAll('button')).toHaveLength(0);
    expect(steps(view.container)).toEqual([
      'run brave-owl-3',
      'cell 7 of churn.ipynb',
      'alice'
    ]);
    view.unmount();
  });

  it('says when the run is loading or gone', () => {
    const actions = {
      openDeployment: null,
      openRun: () => undefined,
      openCell: null
    };
    const view = render(
      <ProvenanceChain
        runId="0123456789"
        run={null}
        actions={actions}
        trans={trans}
      />
    );
    expect(steps(view.container)).toEqual(['run 01234567 (loading…)']);

    view.rerender(
      <ProvenanceChain
        runId="0123456789"
        run={null}
        runState="missing"
        actions={actions}
        trans={trans}
      />
    );
    expect(steps(view.container)).toEqual(['run 01234567 (no longer exists)']);
    // A run that is gone is not a link.
    expect(view.container.querySelector('button')).toBeNull();
    view.unmount();
  });

  it('names the cell by its position, or the notebook alone', () => {
    expect(cellStepLabel(RUN, trans)).toBe('cell 7 of churn.ipynb');
    expect(
      cellStepLabel({ source: { ...RUN.source, cell_index: null } }, trans)
    ).toBe('a cell of churn.ipynb');
    expect(
      cellStepLabel({ source: { notebook_path: null } }, trans)
    ).toBeNull();
  });
});

describe('provenanceActions', () => {
  it('runs the Deploy and run commands, and opens the notebook at the cell', async () => {
    const { commands, calls } = fakeCommands();
    const opened: string[] = [];
    const docManager = {
      openOrReveal: (path: string) => {
        opened.push(path);
        return undefined;
      }
    } as unknown as IDocumentManager;

    const actions = provenanceActions({ commands, docManager, trans });
    actions.openDeployment!('churn-api');
    actions.openRun!('run-2');
    actions.openCell!(RUN);
    await waitFor(() => calls.length === 2);

    expect(calls).toEqual([
      [CommandIDs.openDeploy, { name: 'churn-api' }],
      [CommandIDs.openRun, { runId: 'run-2' }]
    ]);
    expect(opened).toEqual(['projects/churn.ipynb']);
    // No document manager: the cell is not a link.
    expect(
      provenanceActions({ commands, docManager: null, trans }).openCell
    ).toBeNull();
  });
});

describe('provenance in the Deploy panel and the run view', () => {
  let server: FakeServer;
  let events: EventsConnection;
  let runs: RunCache;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    server = new FakeServer()
      .on('GET', 'runs/run-2', { body: RUN })
      .on('GET', 'deployments', {
        body: {
          deployments: [
            makeDeployment('churn-api', {
              version: 2,
              run_id: 'run-2',
              versions: [
                {
                  version: 1,
                  run_id: 'run-1',
                  artifact_path: 'model',
                  flavor: 'sklearn',
                  created_by: 'alice',
                  created_at: '2026-11-26T10:00:00Z'
                },
                {
                  version: 2,
                  run_id: 'run-2',
                  artifact_path: 'model',
                  flavor: 'sklearn',
                  created_by: 'bob',
                  created_at: '2026-11-26T11:00:00Z'
                }
              ]
            }),
            makeDeployment('old-api', {
              version: 3,
              run_id: 'run-9',
              versions: [
                {
                  version: 1,
                  run_id: 'run-2',
                  artifact_path: 'model',
                  flavor: 'sklearn',
                  created_by: 'alice',
                  created_at: '2026-11-20T10:00:00Z'
                }
              ]
            })
          ]
        }
      })
      .on('POST', 'runs/metric-histories', { body: { histories: [] } });
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    events = new EventsConnection({ serverSettings });
    runs = new RunCache({
      client: new TrackingClient({ serverSettings }),
      events
    });
  });

  afterEach(() => {
    runs.dispose();
    events.dispose();
  });

  it('shows the serving version of a deployment down to the cell and the person', async () => {
    const serverSettings = server.settings();
    const model = new DeploymentsModel({
      client: new DeploymentsClient({ serverSettings }),
      tracking: new TrackingClient({ serverSettings })
    });
    const deployment = (await model.client.list())[0];
    const { commands, calls } = fakeCommands();
    const openRun = jest.fn();
    const view = render(
      <DeploymentCard
        deployment={deployment}
        model={model}
        expanded={false}
        onToggle={() => undefined}
        openRun={openRun}
        runName={() => null}
        provenance={{
          runs,
          actions: provenanceActions({ commands, docManager: null, trans })
        }}
        trans={trans}
      />
    );
    await waitFor(() =>
      (view.container.textContent ?? '').includes('brave-owl-3')
    );

    expect(steps(view.container)).toEqual([
      'endpoint churn-api v2',
      'run brave-owl-3',
      'cell 7 of churn.ipynb',
      'alice'
    ]);
    expect(view.container.textContent).toContain('by bob');
    // The card is the endpoint: not a link to itself.
    expect(() => link(view.container, 'churn-api v2')).toThrow();
    act(() => link(view.container, 'brave-owl-3').click());
    expect(openRun).toHaveBeenCalledWith('run-2');
    expect(calls).toEqual([]);
    view.unmount();
    model.dispose();
  });

  it('shows in the run view the endpoints that serve the run and those that did', async () => {
    const { commands, calls } = fakeCommands();
    const serverSettings = server.settings();
    const panel = new RunPanel({
      runId: 'run-2',
      client: new TrackingClient({ serverSettings }),
      commands,
      provenance: {
        actions: provenanceActions({ commands, docManager: null, trans }),
        deployments: new DeploymentsClient({ serverSettings })
      }
    });
    act(() => Widget.attach(panel, document.body));
    await waitFor(
      () =>
        panel.deployments !== null &&
        (panel.node.textContent ?? '').includes('Served earlier')
    );

    const chains = panel.node.querySelectorAll('.jp-mlp-Provenance');
    expect(chains).toHaveLength(1);
    expect(steps(chains[0] as HTMLElement)).toEqual([
      'endpoint churn-api v2',
      'run brave-owl-3',
      'cell 7 of churn.ipynb',
      'alice'
    ]);
    expect(panel.node.textContent).toContain(
      'Served earlier by old-api (version 1; it serves version 3 now)'
    );
    act(() => link(chains[0] as HTMLElement, 'churn-api v2').click());
    await waitFor(() => calls.length === 1);
    expect(calls[0]).toEqual([CommandIDs.openDeploy, { name: 'churn-api' }]);
    act(() => panel.dispose());
  });
});

describe('deploymentsOfRun', () => {
  it('tells the deployments serving a run from those that served it', () => {
    const serving = makeDeployment('a', { run_id: 'r', version: 1 });
    const earlier = makeDeployment('b', {
      run_id: 'x',
      version: 3,
      versions: [
        { ...makeDeployment('b').versions![0], version: 1, run_id: 'r' },
        { ...makeDeployment('b').versions![0], version: 2, run_id: 'r' }
      ]
    });
    const other = makeDeployment('c', { run_id: 'x' });

    expect(deploymentsOfRun('r', [other, earlier, serving])).toEqual({
      serving: [serving],
      earlier: [{ deployment: earlier, versions: [1, 2] }]
    });
  });
});
