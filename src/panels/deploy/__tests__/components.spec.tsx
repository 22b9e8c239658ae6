import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';

import {
  DeploymentsClient,
  IDeployment,
  MODELS_TAG
} from '../../../api/deployments';
import { TrackingClient } from '../../../api/tracking';
import { changeValue, render } from '../../../__tests__/render';
import {
  FakeServer,
  makeExperiment,
  makeRun
} from '../../../__tests__/fakeServer';
import {
  DeploymentCard,
  IDeploymentCardProps,
  previousVersion
} from '../components/DeploymentCard';
import { LogsView } from '../components/LogsView';
import { jsonError, prettyJson, TestConsole } from '../components/TestConsole';
import { DeployFlow } from '../deployFlow';
import { DEPLOY_SIDEBAR_ID, DeploySidebar } from '../DeploySidebar';
import { DeploymentsModel } from '../deploymentsModel';
import { NameBody, nameHint } from '../nameDialog';
import { makeDeployment, makeStats, SKLEARN_MODELS_TAG } from './fixtures';

const trans = nullTranslator.load('jupyterlab_mlplatform');

function button(container: HTMLElement, name: string): HTMLButtonElement {
  const found = [...container.querySelectorAll('button')].find(
    b => b.getAttribute('aria-label') === name || b.textContent === name
  );
  if (!found) {
    throw new Error(`No button ${name}`);
  }
  return found as HTMLButtonElement;
}

/** Wait for a condition, letting React render inside `act` between checks. */
async function waitFor(condition: () => boolean, timeout = 2000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeout) {
      throw new Error('Timed out waiting for a condition');
    }
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 10));
    });
  }
}

async function flush(): Promise<void> {
  await act(async () => {
    await new Promise(resolve => setTimeout(resolve, 0));
  });
}

describe('TestConsole', () => {
  /** A console for deployment `iris` that serves. */
  function renderConsole(client: DeploymentsClient, example: unknown) {
    return render(
      <TestConsole
        client={client}
        name="iris"
        example={example}
        serving={true}
        trans={trans}
      />
    );
  }

  it('is pre-filled with the example and shows predictions and latency', async () => {
    const server = new FakeServer().on('POST', 'deployments/iris/invocations', {
      body: { predictions: [0, 2] }
    });
    const client = new DeploymentsClient({
      serverSettings: server.settings()
    });
    const example = { dataframe_split: { columns: ['a'], data: [[1], [2]] } };
    const view = renderConsole(client, example);
    const editor = view.container.querySelector('textarea')!;
    expect(JSON.parse(editor.value)).toEqual(example);

    act(() => button(view.container, 'Send').click());
    await waitFor(
      () =>
        view.container.querySelector('.jp-mlp-DeployConsole-response') !== null
    );
    await flush();
    const response = view.container.querySelector(
      '.jp-mlp-DeployConsole-response'
    )!;
    expect(JSON.parse(response.textContent!)).toEqual({ predictions: [0, 2] });
    expect(view.container.textContent).toMatch(/200 in [\d.]+ m?s/);
    expect(view.container.textContent).toContain('2 predictions');
    expect(server.lastRequest.body).toEqual(example);
    view.unmount();
  });

  it('shows an error answer', async () => {
    const server = new FakeServer().on('POST', 'deployments/iris/invocations', {
      status: 400,
      body: { message: "Missing column 'a'", error_code: 'BAD_REQUEST' }
    });
    const view = renderConsole(
      new DeploymentsClient({ serverSettings: server.settings() }),
      { inputs: [] }
    );
    act(() => button(view.container, 'Send').click());
    await waitFor(() => view.container.textContent!.includes('BAD_REQUEST'));
    expect(
      view.container.querySelector('.jp-mlp-DeployConsole-status')!.className
    ).toContain('jp-mod-error');
    view.unmount();
  });

  it('does not send invalid JSON', () => {
    const view = renderConsole(new DeploymentsClient(), undefined);
    const editor = view.container.querySelector('textarea')!;
    changeValue(editor as unknown as HTMLInputElement, '{"a": ');
    expect(button(view.container, 'Send').disabled).toBe(true);
    expect(editor.getAttribute('aria-invalid')).toBe('true');
    expect(view.container.querySelector('[role="alert"]')).not.toBeNull();
    view.unmount();
  });

  it('prints JSON with rows on one line', () => {
    const body = { dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } };
    const text = prettyJson(body);
    expect(text).toBe(
      [
        '{',
        '  "dataframe_split": {',
        '    "columns": ["a", "b"],',
        '    "data": [',
        '      [1, 2]',
        '    ]',
        '  }',
        '}'
      ].join('\n')
    );
    expect(JSON.parse(text)).toEqual(body);
    expect(prettyJson({ predictions: [0, 1, null] })).toBe(
      '{\n  "predictions": [0, 1, null]\n}'
    );
    expect(prettyJson([])).toBe('[]');
    expect(prettyJson({})).toBe('{}');
  });

  it('explains JSON errors', () => {
    expect(jsonError('{}')).toBeNull();
    expect(jsonError('[1]')).toMatch(/object/);
    expect(jsonError('{')).not.toBeNull();
  });
});

describe('LogsView', () => {
  it('reads the logs while active, and not while the sidebar is hidden', async () => {
    let reads = 0;
    const server = new FakeServer().on('GET', 'deployments/iris/logs', () => {
      reads += 1;
      return { body: { name: 'iris', lines: [`line ${reads}`] } };
    });
    const client = new DeploymentsClient({ serverSettings: server.settings() });
    const logs = (active: boolean) => (
      <LogsView
        client={client}
        name="iris"
        trans={trans}
        interval={20}
        active={active}
      />
    );
    const view = render(logs(true));
    await waitFor(() => reads >= 3);
    expect(view.container.textContent).toContain('line');

    // Hidden: the reads stop (one may have been in flight).
    view.rerender(logs(false));
    await flush();
    const hiddenAt = reads;
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 150));
    });
    expect(reads).toBeLessThanOrEqual(hiddenAt + 1);

    // Shown again: they go on.
    view.rerender(logs(true));
    await waitFor(() => reads >= hiddenAt + 3);
    view.unmount();
  });
});

describe('DeploymentCard', () => {
  let server: FakeServer;
  let model: DeploymentsModel;

  beforeEach(() => {
    server = new FakeServer().on('GET', 'deployments/iris/stats', {
      body: makeStats('iris')
    });
    model = new DeploymentsModel({
      client: new DeploymentsClient({ serverSettings: server.settings() }),
      tracking: new TrackingClient({ serverSettings: server.settings() })
    });
  });

  afterEach(() => model.dispose());

  /** The card of `deployment`, collapsed unless `expanded`, without run links. */
  function card(
    deployment: IDeployment,
    props: Partial<IDeploymentCardProps> = {}
  ): JSX.Element {
    return (
      <DeploymentCard
        deployment={deployment}
        model={model}
        expanded={false}
        onToggle={() => undefined}
        openRun={null}
        runName={() => null}
        trans={trans}
        {...props}
      />
    );
  }

  const twoVersions = makeDeployment('iris', {
    version: 2,
    run_id: 'run-2',
    created_by: 'alice',
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
  });

  it('shows status, version, traffic, who deployed which run', async () => {
    model.upsert(twoVersions);
    await model.refreshStats();
    const openRun = jest.fn();
    const view = render(
      card(twoVersions, {
        openRun,
        runName: id => (id === 'run-2' ? 'keen-otter-7' : null)
      })
    );
    const text = view.container.textContent!;
    expect(
      view.container.querySelector('.jp-mlp-DeployStatus')!.textContent
    ).toBe('healthy');
    expect(text).toContain('v2');
    expect(text).toContain('1,234');
    expect(text).toContain('p50 1.8 ms · p99 9.1 ms');
    expect(text).toContain('2m 05s · 1 worker');
    expect(text).toContain('by bob from keen-otter-7');
    act(() => button(view.container, 'keen-otter-7').click());
    expect(openRun).toHaveBeenCalledWith('run-2');
    // Two versions: rollback to version 1 is offered.
    expect(button(view.container, 'Roll iris back to version 1')).toBeTruthy();
    view.unmount();
  });

  it('shows the parity check of the version served', () => {
    const line = (deployment: IDeployment): string | null => {
      const view = render(card(deployment));
      const term = Array.from(view.container.querySelectorAll('dt')).find(
        dt => dt.textContent === 'Parity'
      );
      const text = term?.nextElementSibling?.textContent ?? null;
      view.unmount();
      return text;
    };
    expect(
      line(
        makeDeployment('iris', {
          parity: { status: 'ok', rows: 1005, max_abs_diff: 0 }
        })
      )
    ).toBe('1,005 rows, max diff 0');
    expect(
      line(
        makeDeployment('iris', {
          parity: { status: 'ok', rows: 1003, max_abs_diff: 9.98e-11 }
        })
      )
    ).toBe('1,003 rows, max diff 1.0e-10');
    expect(
      line(
        makeDeployment('iris', {
          status: 'failed',
          parity: {
            status: 'mismatch',
            rows: 1003,
            max_abs_diff: 1,
            differing_rows: [6, 7, 8, 11, 14, 15, 16],
            differing_count: 504
          }
        })
      )
    ).toBe('504 of 1,003 rows differ (rows 6, 7, 8, 11, 14, …), max diff 1');
    expect(
      line(
        makeDeployment('iris', { parity: { status: 'not_checked', rows: 0 } })
      )
    ).toBe('not checked (the package has no parity sample)');
    // Before the version was ever started: no line.
    expect(line(makeDeployment('iris'))).toBeNull();
  });

  it('offers no rollback with one version, and Start when stopped', () => {
    const stopped = makeDeployment('iris', { status: 'stopped' });
    expect(previousVersion(stopped)).toBeNull();
    const view = render(card(stopped));
    expect(view.container.textContent).not.toContain('Roll Back');
    expect(button(view.container, 'Start iris')).toBeTruthy();
    expect(button(view.container, 'Restart iris').disabled).toBe(true);
    view.unmount();
  });

  it('stops with one click', async () => {
    const healthy = makeDeployment('iris');
    model.upsert(healthy);
    server.on('PATCH', 'deployments/iris', {
      body: makeDeployment('iris', { status: 'stopped' })
    });
    const view = render(card(healthy));
    act(() => button(view.container, 'Stop iris').click());
    await waitFor(() => model.deployment('iris')?.status === 'stopped');
    expect(server.lastRequest.body).toEqual({ action: 'stop' });
    view.unmount();
  });

  it('shows the endpoint snippets and the test console when expanded', async () => {
    server.on('GET', 'deployments/iris/metadata', {
      body: {
        deployment: 'iris',
        input_example: { dataframe_split: { columns: ['x'], data: [[3]] } }
      }
    });
    const healthy = makeDeployment('iris');
    const view = render(card(healthy, { expanded: true }));
    await waitFor(() => view.container.textContent!.includes('[[3]]'));
    expect(view.container.textContent).toContain(
      "curl -X POST 'http://127.0.0.1:40123/invocations'"
    );
    expect(view.container.textContent).toContain('Bearer <API_KEY>');
    act(() => model.setFreshKey('iris', 'mlp_fresh'));
    view.rerender(card(healthy, { expanded: true }));
    expect(view.container.textContent).toContain('Bearer mlp_fresh');

    const tab = [...view.container.querySelectorAll('[role="tab"]')].find(
      t => t.textContent === 'Test'
    ) as HTMLButtonElement;
    act(() => tab.click());
    const editor = view.container.querySelector('textarea')!;
    expect(JSON.parse(editor.value)).toEqual({
      dataframe_split: { columns: ['x'], data: [[3]] }
    });
    view.unmount();
  });
});

describe('nameHint', () => {
  it('says when a name is invalid or exists', () => {
    const existing = [makeDeployment('iris', { version: 3 })];
    expect(nameHint('Iris', existing, trans).invalid).toBe(true);
    expect(nameHint('iris', existing, trans)).toEqual({
      text: expect.stringContaining('version 3'),
      invalid: false
    });
    expect(nameHint('new', existing, trans).text).toContain('deployments/new');
  });
});

describe('NameBody', () => {
  it('edits the proposed name and flags invalid ones', () => {
    const body = new NameBody({
      name: 'iris-demo',
      existing: [makeDeployment('iris-demo', { version: 2 })],
      trans
    });
    expect(body.getValue()).toBe('iris-demo');
    expect(body.node.textContent).toContain('exists (version 2)');
    body.input.value = 'Bad Name';
    body.input.dispatchEvent(new Event('input'));
    expect(body.input.getAttribute('aria-invalid')).toBe('true');
    body.input.value = ' fresh ';
    body.input.dispatchEvent(new Event('input'));
    expect(body.getValue()).toBe('fresh');
    expect(body.input.getAttribute('aria-invalid')).toBe('false');
    body.dispose();
  });
});

describe('DeploySidebar', () => {
  it('lists deployments and models, and deploys a model with one click', async () => {
    let deployments = [makeDeployment('iris')];
    const server = new FakeServer()
      .on('GET', 'deployments', () => ({ body: { deployments } }))
      .on('GET', 'deployments/iris/stats', { body: makeStats('iris') })
      .on('GET', 'deployments/demo/stats', { body: makeStats('demo') })
      .on('POST', 'runs/search', {
        body: {
          runs: [
            makeRun('r9', '1', 'keen-otter-7', {
              tags: { [MODELS_TAG]: SKLEARN_MODELS_TAG }
            })
          ]
        }
      })
      .on('GET', 'experiments', {
        body: { experiments: [makeExperiment('1', 'demo.ipynb')] }
      })
      .on('GET', 'experiments/1', { body: makeExperiment('1', 'demo.ipynb') })
      .on('POST', 'deployments', () => {
        deployments = [...deployments, makeDeployment('demo')];
        return { status: 201, body: makeDeployment('demo') };
      })
      .on('GET', 'deployments/demo', { body: makeDeployment('demo') })
      .on('GET', 'deployments/demo/metadata', {
        body: {
          deployment: 'demo',
          input_example: {
            dataframe_split: { columns: ['petal_width'], data: [[0.2]] }
          }
        }
      });
    const serverSettings = server.settings();
    const client = new DeploymentsClient({ serverSettings });
    const tracking = new TrackingClient({ serverSettings });
    const model = new DeploymentsModel({ client, tracking, trans });
    const askName = jest.fn(async (request: { suggested: string }) => ({
      name: request.suggested,
      mode: 'create' as const
    }));
    const flow = new DeployFlow({
      client,
      tracking,
      model,
      askName,
      pollInterval: 5
    });
    const sidebar = new DeploySidebar({ model, flow, trans });
    expect(sidebar.id).toBe(DEPLOY_SIDEBAR_ID);
    expect(sidebar.title.caption).toBe('Deploy');

    const { Widget } = await import('@lumino/widgets');
    await act(async () => Widget.attach(sidebar, document.body));
    await waitFor(() => sidebar.node.textContent!.includes('keen-otter-7'));
    expect(sidebar.node.textContent).toContain('iris');
    expect(sidebar.node.textContent).toContain('sklearn');

    const deploy = button(sidebar.node, 'Deploy keen-otter-7');
    await act(async () => deploy.click());
    await waitFor(() => flow.progress?.finished === true, 3000);
    expect(askName).toHaveBeenCalled();
    expect(flow.progress?.error).toBeNull();
    await waitFor(() =>
      sidebar.node.textContent!.includes('demo serves version 1.')
    );
    expect(sidebar.expanded).toBe('demo');
    // The snippets send the model's input example.
    await waitFor(() => sidebar.node.textContent!.includes('petal_width'));
    expect(
      [...sidebar.node.querySelectorAll('[data-step]')].map(step =>
        step.getAttribute('data-state')
      )
    ).toEqual(['done', 'done', 'done']);
    expect(
      sidebar.node.querySelector('.jp-mlp-DeploymentCard[data-name="demo"]')
    ).not.toBeNull();
    await act(async () => {
      Widget.detach(sidebar);
      sidebar.dispose();
    });
    // Dialogs left open by a failure would leak into other tests.
    Dialog.flush();
  });
});
