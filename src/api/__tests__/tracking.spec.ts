import { ServerConnection } from '@jupyterlab/services';

import {
  EventsConnection,
  metricValueToNumber,
  TrackingClient,
  TrackingEvent
} from '../tracking';
import { requestAPI } from '../request';
import {
  BASE_URL,
  FakeServer,
  FakeWebSocket,
  makeExperiment,
  makeRun,
  TOKEN
} from '../../__tests__/fakeServer';

describe('requestAPI', () => {
  it('joins the endpoint under {baseUrl}mlplatform/api and sends the token', async () => {
    // Given
    const server = new FakeServer().on('GET', 'experiments', {
      body: { experiments: [] }
    });
    // When
    const data = await requestAPI('experiments', {}, server.settings());
    // Then
    expect(data).toEqual({ experiments: [] });
    expect(server.lastRequest.path).toBe('experiments');
    expect(server.lastRequest.headers.get('Authorization')).toBe(
      `token ${TOKEN}`
    );
  });

  it('throws a ResponseError carrying the server message', async () => {
    const server = new FakeServer().on('GET', 'experiments/nope', {
      status: 404,
      body: { message: 'Experiment nope does not exist', reason: null }
    });

    const promise = requestAPI('experiments/nope', {}, server.settings());

    await expect(promise).rejects.toBeInstanceOf(
      ServerConnection.ResponseError
    );
    await promise.catch((error: ServerConnection.ResponseError) => {
      expect(error.message).toBe('Experiment nope does not exist');
      expect(error.response.status).toBe(404);
    });
  });

  it('falls back to the status line when the error body is not JSON', async () => {
    const server = new FakeServer().on('GET', 'experiments', {
      status: 502,
      body: '<html>Bad gateway</html>'
    });

    await expect(
      requestAPI('experiments', {}, server.settings())
    ).rejects.toThrow(/Invalid response: 502/);
  });

  it('returns undefined for an empty body', async () => {
    const server = new FakeServer().on('DELETE', 'runs/r1', { status: 204 });

    const data = await requestAPI(
      'runs/r1',
      { method: 'DELETE' },
      server.settings()
    );

    expect(data).toBeUndefined();
  });

  it('wraps an unreachable server in a NetworkError', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: BASE_URL,
      fetch: () => Promise.reject(new TypeError('Failed to fetch'))
    });

    await expect(
      requestAPI('experiments', {}, settings)
    ).rejects.toBeInstanceOf(ServerConnection.NetworkError);
  });
});

describe('TrackingClient', () => {
  let server: FakeServer;
  let client: TrackingClient;

  beforeEach(() => {
    server = new FakeServer();
    client = new TrackingClient({ serverSettings: server.settings() });
  });

  describe('experiments', () => {
    it('listExperiments: GET experiments, unwrapped', async () => {
      server.on('GET', 'experiments', {
        body: { experiments: [makeExperiment('1', 'baseline')] }
      });

      const experiments = await client.listExperiments();

      expect(experiments.map(e => e.name)).toEqual(['baseline']);
      expect(server.lastRequest).toMatchObject({
        method: 'GET',
        path: 'experiments',
        query: {}
      });
    });

    it('listExperiments: passes the view when asked', async () => {
      server.on('GET', 'experiments', { body: { experiments: [] } });

      await client.listExperiments({ view: 'ALL' });

      expect(server.lastRequest.query).toEqual({ view: 'ALL' });
    });

    it('createExperiment: POST experiments with a JSON body', async () => {
      server.on('POST', 'experiments', {
        status: 201,
        body: makeExperiment('7', 'lr-sweep')
      });

      const experiment = await client.createExperiment({
        name: 'lr-sweep',
        tags: { team: 'vision' }
      });

      expect(experiment.experiment_id).toBe('7');
      expect(server.lastRequest).toMatchObject({
        method: 'POST',
        path: 'experiments',
        body: { name: 'lr-sweep', tags: { team: 'vision' } }
      });
      expect(server.lastRequest.headers.get('Content-Type')).toBe(
        'application/json'
      );
    });

    it('getExperiment / updateExperiment / deleteExperiment', async () => {
      server
        .on('GET', 'experiments/7', { body: makeExperiment('7', 'a') })
        .on('PATCH', 'experiments/7', { body: makeExperiment('7', 'b') })
        .on('DELETE', 'experiments/7', {
          body: { ...makeExperiment('7', 'b'), lifecycle_stage: 'deleted' }
        });

      expect((await client.getExperiment('7')).name).toBe('a');
      expect((await client.updateExperiment('7', { name: 'b' })).name).toBe(
        'b'
      );
      expect(server.lastRequest.body).toEqual({ name: 'b' });
      const deleted = await client.deleteExperiment('7');
      await client.deleteExperiment('7', { permanent: true });

      expect(deleted.lifecycle_stage).toBe('deleted');
      expect(server.requests.map(r => [r.method, r.path, r.query])).toEqual([
        ['GET', 'experiments/7', {}],
        ['PATCH', 'experiments/7', {}],
        ['DELETE', 'experiments/7', {}],
        ['DELETE', 'experiments/7', { permanent: 'true' }]
      ]);
    });

    it('encodes ids in the path', async () => {
      server.on('GET', /^experiments\//, { body: makeExperiment('x', 'x') });

      await client.getExperiment('a/b c');

      expect(server.lastRequest.path).toBe('experiments/a%2Fb%20c');
    });
  });

  describe('runs', () => {
    it('createRun: POST runs', async () => {
      server.on('POST', 'runs', { status: 201, body: makeRun('r1', '1', 'a') });

      const run = await client.createRun({
        experiment_name: 'baseline',
        name: 'a',
        params: { lr: 0.1 }
      });

      expect(run.run_id).toBe('r1');
      expect(server.lastRequest.body).toEqual({
        experiment_name: 'baseline',
        name: 'a',
        params: { lr: 0.1 }
      });
    });

    it('getRun / updateRun / deleteRun', async () => {
      server
        .on('GET', 'runs/r1', { body: makeRun('r1', '1', 'a') })
        .on('PATCH', 'runs/r1', {
          body: makeRun('r1', '1', 'a', { status: 'FINISHED' })
        })
        .on('DELETE', 'runs/r1', {
          body: makeRun('r1', '1', 'a', { lifecycle_stage: 'deleted' })
        });

      await client.getRun('r1');
      const updated = await client.updateRun('r1', {
        status: 'FINISHED',
        end_time: 1
      });
      await client.deleteRun('r1');

      expect(updated.status).toBe('FINISHED');
      expect(server.requests.map(r => [r.method, r.path, r.body])).toEqual([
        ['GET', 'runs/r1', undefined],
        ['PATCH', 'runs/r1', { status: 'FINISHED', end_time: 1 }],
        ['DELETE', 'runs/r1', undefined]
      ]);
      expect(server.lastRequest.query).toEqual({});
    });

    it('logBatch: POST runs/{id}/log', async () => {
      server.on('POST', 'runs/r1/log', { body: { applied: true } });
      const batch = {
        metrics: [
          { key: 'loss', value: 0.5, step: 1 },
          { key: 'loss', value: 'NaN' as const, step: 2 }
        ],
        params: { epochs: 3 },
        batch_id: 'b-1'
      };

      const result = await client.logBatch('r1', batch);

      expect(result).toEqual({ applied: true });
      expect(server.lastRequest).toMatchObject({
        method: 'POST',
        path: 'runs/r1/log',
        body: batch
      });
    });

    it('getMetricHistory: GET runs/{id}/metrics/{key}?max_points=N', async () => {
      server.on('GET', /^runs\/r1\/metrics\//, {
        body: {
          key: 'train/loss',
          steps: [0, 1, 2],
          timestamps: [10, 20, 30],
          values: [1.5, 'NaN', '-Infinity'],
          total: 3,
          downsampled: false
        }
      });

      const history = await client.getMetricHistory('r1', 'train/loss', {
        maxPoints: 500
      });

      expect(server.lastRequest.path).toBe('runs/r1/metrics/train%2Floss');
      expect(server.lastRequest.query).toEqual({ max_points: '500' });
      expect(history.values.map(metricValueToNumber)).toEqual([
        1.5,
        NaN,
        -Infinity
      ]);
    });

    it('searchRuns: POST runs/search', async () => {
      server.on('POST', 'runs/search', {
        body: { runs: [makeRun('r1', '1', 'a')], next_page_token: 'abc' }
      });
      const query = {
        experiment_ids: ['1', '2'],
        filter: "metrics.loss < 0.5 and params.lr = '0.1'",
        order_by: ['metrics.loss ASC'],
        max_results: 50,
        page_token: 'xyz'
      };

      const page = await client.searchRuns(query);

      expect(page.next_page_token).toBe('abc');
      expect(page.runs[0].run_id).toBe('r1');
      expect(server.lastRequest).toMatchObject({
        method: 'POST',
        path: 'runs/search',
        body: query
      });
    });
  });

  describe('run keys and compare', () => {
    it('listRunKeys: POST runs/keys', async () => {
      const keys = { params: ['lr'], metrics: ['loss'], tags: ['note'] };
      server.on('POST', 'runs/keys', { body: keys });

      const all = await client.listRunKeys();
      await client.listRunKeys({
        experiment_ids: ['1', '2'],
        run_view_type: 'ALL'
      });

      expect(all).toEqual(keys);
      expect(server.requests.map(r => [r.method, r.path, r.body])).toEqual([
        ['POST', 'runs/keys', {}],
        [
          'POST',
          'runs/keys',
          { experiment_ids: ['1', '2'], run_view_type: 'ALL' }
        ]
      ]);
    });

    it('getMetricHistories: POST runs/metric-histories', async () => {
      server.on('POST', 'runs/metric-histories', {
        body: {
          histories: [
            {
              run_id: 'r1',
              key: 'loss',
              steps: [0, 10],
              timestamps: [1, 2],
              values: [0.5, 'Infinity'],
              total: 400,
              downsampled: true
            }
          ]
        }
      });
      const query = { run_ids: ['r1', 'r2'], keys: ['loss'], max_points: 500 };

      const reply = await client.getMetricHistories(query);

      expect(server.lastRequest).toMatchObject({
        method: 'POST',
        path: 'runs/metric-histories',
        body: query
      });
      expect(reply.histories).toHaveLength(1);
      expect(reply.histories[0].run_id).toBe('r1');
      expect(reply.histories[0].values.map(metricValueToNumber)).toEqual([
        0.5,
        Infinity
      ]);
    });

    it('getMetricHistories rejects with the message of an unknown run', async () => {
      server.on('POST', 'runs/metric-histories', {
        status: 404,
        body: { message: 'No run with the id at run_ids[1].', reason: null }
      });

      await expect(
        client.getMetricHistories({ run_ids: ['r1', 'nope'], keys: ['loss'] })
      ).rejects.toThrow('No run with the id at run_ids[1].');
    });
  });

  describe('artifacts', () => {
    it('listArtifacts: GET runs/{id}/artifacts?path=', async () => {
      server.on('GET', 'runs/r1/artifacts', {
        body: {
          root_uri: 'file:///a',
          path: 'model',
          files: [{ path: 'model/model.pkl', is_dir: false, size: 12 }]
        }
      });

      const list = await client.listArtifacts('r1', 'model');
      await client.listArtifacts('r1');

      expect(list.files[0].size).toBe(12);
      expect(server.requests.map(r => r.query)).toEqual([
        { path: 'model' },
        {}
      ]);
    });

    it('uploadArtifact: PUT runs/{id}/artifacts/{path} with the raw bytes', async () => {
      server.on('PUT', 'runs/r1/artifacts/model/weights%201.bin', {
        status: 201,
        body: { path: 'model/weights 1.bin', is_dir: false, size: 3 }
      });

      const info = await client.uploadArtifact(
        'r1',
        'model/weights 1.bin',
        'abc'
      );

      expect(info.size).toBe(3);
      expect(server.lastRequest.method).toBe('PUT');
      expect(server.lastRequest.headers.get('Content-Type')).toBe(
        'application/octet-stream'
      );
    });

    it('artifactUrl: runs/{id}/artifacts/{path} with encoded segments', () => {
      expect(client.artifactUrl('r1', 'plots/loss curve.png')).toBe(
        `${BASE_URL}mlplatform/api/runs/r1/artifacts/plots/loss%20curve.png`
      );
    });
  });

  it('rejects with the server message on a validation error', async () => {
    server.on('POST', 'runs', {
      status: 400,
      body: { message: 'Give experiment_id or experiment_name', reason: null }
    });

    await expect(client.createRun({})).rejects.toThrow(
      'Give experiment_id or experiment_name'
    );
  });
});

describe('EventsConnection', () => {
  let connection: EventsConnection;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    jest.useFakeTimers();
    connection = new EventsConnection({
      serverSettings: new FakeServer().settings({
        WebSocket: FakeWebSocket as unknown as typeof WebSocket
      }),
      minDelay: 100,
      maxDelay: 1000
    });
  });

  afterEach(() => {
    connection.dispose();
    jest.useRealTimers();
  });

  it('opens {wsUrl}mlplatform/api/events with the token', () => {
    connection.connect();

    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.url).toBe(
      `ws://localhost:8888/user/alice/mlplatform/api/events?token=${TOKEN}`
    );
  });

  it('emits parsed events and drops malformed ones', () => {
    const received: TrackingEvent[] = [];
    connection.received.connect((_, event) => received.push(event));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    connection.connect();
    FakeWebSocket.last.open();

    FakeWebSocket.last.receive({
      type: 'run_created',
      run: makeRun('r1', '1', 'a')
    });
    FakeWebSocket.last.receive('not json');
    FakeWebSocket.last.receive([
      { type: 'experiment_created', experiment: makeExperiment('2', 'b') },
      { no_type: true }
    ]);

    expect(received.map(e => e.type)).toEqual([
      'run_created',
      'experiment_created'
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('reconnects with backoff and reports its status', () => {
    const statuses: EventsConnection.Status[] = [];
    connection.statusChanged.connect((_, status) => statuses.push(status));
    connection.connect();
    FakeWebSocket.last.open();

    FakeWebSocket.last.drop();
    expect(FakeWebSocket.instances).toHaveLength(1);
    jest.advanceTimersByTime(100);
    expect(FakeWebSocket.instances).toHaveLength(2);

    // Without a successful open, the delay doubles (up to maxDelay).
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(99);
    expect(FakeWebSocket.instances).toHaveLength(2);
    jest.advanceTimersByTime(101);
    expect(FakeWebSocket.instances).toHaveLength(3);

    expect(statuses).toEqual([
      'connecting',
      'connected',
      'disconnected',
      'connecting',
      'disconnected',
      'connecting'
    ]);
  });

  it('stops reconnecting when disposed', () => {
    connection.connect();
    const socket = FakeWebSocket.last;
    socket.drop();

    connection.dispose();
    jest.advanceTimersByTime(10_000);

    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(connection.isDisposed).toBe(true);
  });
});
