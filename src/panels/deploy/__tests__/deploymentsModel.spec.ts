import { Notification } from '@jupyterlab/apputils';

import { DeploymentsClient, MODELS_TAG } from '../../../api/deployments';
import { TrackingClient } from '../../../api/tracking';
import {
  FakeServer,
  makeExperiment,
  makeRun,
  waitFor
} from '../../../__tests__/fakeServer';
import { DeploymentsModel } from '../deploymentsModel';
import { makeDeployment, makeStats, SKLEARN_MODELS_TAG } from './fixtures';

describe('DeploymentsModel', () => {
  let server: FakeServer;
  let model: DeploymentsModel;

  beforeEach(() => {
    server = new FakeServer()
      .on('GET', 'deployments', {
        body: {
          deployments: [
            makeDeployment('zeta', { status: 'stopped', port: null }),
            makeDeployment('alpha')
          ]
        }
      })
      .on('GET', 'deployments/alpha/stats', { body: makeStats('alpha') })
      .on('POST', 'runs/search', {
        body: {
          runs: [
            makeRun('r1', '1', 'bold-heron-42', {
              tags: { [MODELS_TAG]: SKLEARN_MODELS_TAG }
            })
          ],
          next_page_token: null
        }
      })
      .on('GET', 'experiments', {
        body: { experiments: [makeExperiment('1', 'iris.ipynb')] }
      });
    const serverSettings = server.settings();
    model = new DeploymentsModel({
      client: new DeploymentsClient({ serverSettings }),
      tracking: new TrackingClient({ serverSettings }),
      pollInterval: 20
    });
    jest.spyOn(Notification, 'error').mockReturnValue('id');
  });

  afterEach(() => {
    model.dispose();
    jest.restoreAllMocks();
  });

  it('reads deployments sorted by name, stats of the serving ones, and models', async () => {
    await model.refresh();
    expect(model.deployments.map(d => d.name)).toEqual(['alpha', 'zeta']);
    expect(model.stats('alpha')?.stats?.requests).toBe(1234);
    // A stopped deployment has no scoring server to ask.
    expect(server.requests.some(r => r.path === 'deployments/zeta/stats')).toBe(
      false
    );
    expect(model.modelRuns.map(r => r.run_id)).toEqual(['r1']);
    expect(model.experimentName('1')).toBe('iris.ipynb');
    const search = server.requests.find(r => r.path === 'runs/search')!;
    expect(search.body).toEqual({
      filter: 'tags.`mlplatform.models` IS NOT NULL',
      order_by: ['attributes.start_time DESC'],
      max_results: 20
    });
  });

  it('polls only while visible', async () => {
    const statsReads = (): number =>
      server.requests.filter(r => r.path === 'deployments/alpha/stats').length;
    model.setVisible(true);
    await waitFor(() => statsReads() >= 3);
    model.setVisible(false);
    await new Promise(resolve => setTimeout(resolve, 30));
    const after = statsReads();
    await new Promise(resolve => setTimeout(resolve, 80));
    expect(statsReads()).toBe(after);
  });

  it('keeps a stats failure next to the figures, not as a notification', async () => {
    const failing = new FakeServer()
      .on('GET', 'deployments', {
        body: { deployments: [makeDeployment('alpha')] }
      })
      .on('GET', 'deployments/alpha/stats', {
        status: 503,
        body: { message: 'The scoring server did not answer.' }
      });
    const other = new DeploymentsModel({
      client: new DeploymentsClient({ serverSettings: failing.settings() }),
      tracking: new TrackingClient({ serverSettings: failing.settings() })
    });
    await other.refreshDeployments();
    expect(other.stats('alpha')).toEqual({
      stats: null,
      error: 'The scoring server did not answer.'
    });
    expect(Notification.error).not.toHaveBeenCalled();
    other.dispose();
  });

  it('reports a failed list once while it keeps failing', async () => {
    const failing = new FakeServer().on('GET', 'deployments', {
      status: 500,
      body: { message: 'boom' }
    });
    const other = new DeploymentsModel({
      client: new DeploymentsClient({ serverSettings: failing.settings() }),
      tracking: new TrackingClient({ serverSettings: failing.settings() })
    });
    await other.refreshDeployments();
    await other.refreshDeployments();
    expect(Notification.error).toHaveBeenCalledTimes(1);
    expect(other.listError).toBe('boom');
    expect(Notification.error).toHaveBeenCalledWith(
      'Could not load the deployments: boom',
      expect.anything()
    );
    other.dispose();
  });

  it('stops, and reports a failed action', async () => {
    await model.refreshDeployments();
    server
      .on('PATCH', 'deployments/alpha', {
        body: makeDeployment('alpha', { status: 'stopped' })
      })
      .on('PATCH', 'deployments/zeta', {
        status: 409,
        body: { message: 'zeta has one version.' }
      });
    await model.update('alpha', { action: 'stop' });
    expect(model.deployment('alpha')?.status).toBe('stopped');
    expect(await model.update('zeta', { action: 'rollback' })).toBeUndefined();
    expect(Notification.error).toHaveBeenCalledWith(
      'Could not roll back zeta: zeta has one version.',
      expect.anything()
    );
    expect(model.isBusy('zeta')).toBe(false);
  });

  it('deletes and forgets the fresh key', async () => {
    await model.refreshDeployments();
    model.setFreshKey('alpha', 'mlp_secret');
    expect(model.freshKey('alpha')).toBe('mlp_secret');
    server.on('DELETE', 'deployments/alpha', { body: makeDeployment('alpha') });
    expect(await model.remove('alpha')).toBe(true);
    expect(model.deployments.map(d => d.name)).toEqual(['zeta']);
    expect(model.freshKey('alpha')).toBeNull();
  });
});
