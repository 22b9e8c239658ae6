import { Notification } from '@jupyterlab/apputils';

import { DeploymentsClient, MODELS_TAG } from '../../../api/deployments';
import { IRun, TrackingClient } from '../../../api/tracking';
import {
  FakeServer,
  makeExperiment,
  makeRun
} from '../../../__tests__/fakeServer';
import { AskName, DeployFlow, DeployStepState } from '../deployFlow';
import { makeDeployment, SKLEARN_MODELS_TAG } from './fixtures';

describe('DeployFlow', () => {
  let server: FakeServer;
  let flow: DeployFlow;
  let askName: jest.MockedFunction<AskName>;
  let steps: Array<Record<string, DeployStepState>>;
  const run = makeRun('r1', '7', 'bold-heron-42', {
    tags: { [MODELS_TAG]: SKLEARN_MODELS_TAG }
  }) as unknown as IRun;

  beforeEach(() => {
    server = new FakeServer()
      .on('GET', 'experiments/7', {
        body: makeExperiment('7', 'work/Iris Demo.ipynb')
      })
      .on('GET', 'runs/r1', { body: run });
    const serverSettings = server.settings();
    askName = jest.fn();
    flow = new DeployFlow({
      client: new DeploymentsClient({ serverSettings }),
      tracking: new TrackingClient({ serverSettings }),
      askName,
      pollInterval: 5,
      healthTimeout: 200
    });
    steps = [];
    flow.changed.connect(() => {
      if (flow.progress) {
        steps.push({ ...flow.progress.steps });
      }
    });
    jest.spyOn(Notification, 'success').mockReturnValue('id');
    jest.spyOn(Notification, 'error').mockReturnValue('id');
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('suggests a name from the experiment and deploys through the steps', async () => {
    let created = false;
    server
      .on('GET', 'deployments', {
        body: { deployments: [makeDeployment('other')] }
      })
      .on('POST', 'deployments', () => {
        created = true;
        return { status: 201, body: makeDeployment('iris-demo') };
      })
      .on('GET', 'deployments/iris-demo', () =>
        created
          ? { body: makeDeployment('iris-demo') }
          : { status: 404, body: { message: 'no' } }
      );
    askName.mockImplementation(async request => ({
      name: request.suggested,
      mode: 'create'
    }));

    const deployment = await flow.deployRun('r1');

    expect(askName.mock.calls[0][0].suggested).toBe('iris-demo');
    expect(askName.mock.calls[0][0].existing.map(d => d.name)).toEqual([
      'other'
    ]);
    expect(deployment?.status).toBe('healthy');
    const post = server.requests.find(r => r.method === 'POST')!;
    expect(post.body).toEqual({
      name: 'iris-demo',
      run_id: 'r1',
      artifact_path: 'model'
    });
    expect(steps[0]).toEqual({
      packaging: 'active',
      starting: 'pending',
      health: 'pending'
    });
    expect(steps).toContainEqual({
      packaging: 'done',
      starting: 'done',
      health: 'active'
    });
    expect(flow.progress).toMatchObject({
      finished: true,
      error: null,
      steps: { packaging: 'done', starting: 'done', health: 'done' }
    });
    expect(Notification.success).toHaveBeenCalled();
  });

  it('adds a version when asked to', async () => {
    server
      .on('GET', 'deployments', {
        body: { deployments: [makeDeployment('iris-demo')] }
      })
      .on('POST', 'deployments/iris-demo/versions', {
        body: makeDeployment('iris-demo', { version: 2 })
      })
      .on('GET', 'deployments/iris-demo', {
        body: makeDeployment('iris-demo', { version: 2 })
      });
    askName.mockResolvedValue({ name: 'iris-demo', mode: 'version' });

    const deployment = await flow.deployRun(run);

    expect(deployment?.version).toBe(2);
    expect(
      server.requests.find(r => r.path === 'deployments/iris-demo/versions')
        ?.body
    ).toEqual({ run_id: 'r1', artifact_path: 'model' });
    expect(flow.progress?.mode).toBe('version');
  });

  it('does nothing when the name is not given', async () => {
    server.on('GET', 'deployments', { body: { deployments: [] } });
    askName.mockResolvedValue(null);
    expect(await flow.deployRun(run)).toBeNull();
    expect(flow.progress).toBeNull();
    expect(server.requests.some(r => r.method === 'POST')).toBe(false);
  });

  it('reports the server message when the POST fails', async () => {
    server
      .on('GET', 'deployments', { body: { deployments: [] } })
      .on('POST', 'deployments', {
        status: 400,
        body: { message: 'Run r1 has no model package at model.' }
      })
      .on('GET', 'deployments/x', { status: 404, body: { message: 'no' } });
    askName.mockResolvedValue({ name: 'x', mode: 'create' });

    expect(await flow.deployRun(run)).toBeNull();

    expect(flow.progress).toMatchObject({
      finished: true,
      error: 'Run r1 has no model package at model.',
      steps: { packaging: 'failed', starting: 'pending', health: 'pending' }
    });
    expect(Notification.error).toHaveBeenCalledWith(
      'Could not deploy x: Run r1 has no model package at model.',
      expect.anything()
    );
  });

  it('marks Starting failed with the load error', async () => {
    const failed = makeDeployment('x', {
      status: 'failed',
      error: 'ModuleNotFoundError: No module named xgboost'
    });
    server
      .on('GET', 'deployments', { body: { deployments: [] } })
      .on('POST', 'deployments', { status: 201, body: failed })
      .on('GET', 'deployments/x', { body: failed });
    askName.mockResolvedValue({ name: 'x', mode: 'create' });

    expect(await flow.deployRun(run)).toBeNull();

    expect(flow.progress?.steps).toEqual({
      packaging: 'done',
      starting: 'failed',
      health: 'pending'
    });
    expect(flow.progress?.error).toMatch(/xgboost/);
    expect(Notification.error).toHaveBeenCalledWith(
      expect.stringMatching(/Could not deploy x: .*xgboost/),
      expect.anything()
    );
  });

  it('fails the health check when the deployment does not become healthy', async () => {
    server
      .on('GET', 'deployments', { body: { deployments: [] } })
      .on('POST', 'deployments', { status: 201, body: makeDeployment('x') })
      .on('GET', 'deployments/x', {
        body: makeDeployment('x', { status: 'restarting' })
      });
    askName.mockResolvedValue({ name: 'x', mode: 'create' });

    expect(await flow.deployRun(run)).toBeNull();

    expect(flow.progress?.steps.health).toBe('failed');
    expect(flow.progress?.error).toMatch(/not healthy/);
    // Dismissed once finished.
    flow.dismiss();
    expect(flow.progress).toBeNull();
  });
});
