import { APIError } from '../request';
import {
  contentDispositionName,
  DeploymentsClient,
  isDeployable,
  MODELS_FILTER,
  MODELS_TAG,
  modelPackages
} from '../deployments';
import { FakeServer } from '../../__tests__/fakeServer';
import {
  makeDeployment,
  makeStats
} from '../../panels/deploy/__tests__/fixtures';

describe('DeploymentsClient', () => {
  let server: FakeServer;
  let client: DeploymentsClient;

  beforeEach(() => {
    server = new FakeServer();
    client = new DeploymentsClient({ serverSettings: server.settings() });
  });

  it('lists deployments', async () => {
    server.on('GET', 'deployments', {
      body: { deployments: [makeDeployment('iris')] }
    });
    const list = await client.list();
    expect(list.map(d => d.name)).toEqual(['iris']);
  });

  it('creates with the name, run and artifact path', async () => {
    server.on('POST', 'deployments', {
      status: 201,
      body: makeDeployment('iris')
    });
    const created = await client.create({ name: 'iris', run_id: 'r1' });
    expect(created.status).toBe('healthy');
    expect(server.lastRequest.body).toEqual({ name: 'iris', run_id: 'r1' });
    expect(server.lastRequest.headers.get('Content-Type')).toBe(
      'application/json'
    );
  });

  it('sends actions as PATCH, rollback with a version', async () => {
    server.on('PATCH', 'deployments/iris', request => ({
      body: makeDeployment('iris', {
        status:
          (request.body as { action: string }).action === 'stop'
            ? 'stopped'
            : 'healthy'
      })
    }));
    expect((await client.update('iris', { action: 'stop' })).status).toBe(
      'stopped'
    );
    await client.update('iris', { action: 'rollback', version: 1 });
    expect(server.lastRequest.body).toEqual({ action: 'rollback', version: 1 });
  });

  it('adds a version, deletes, reads logs, stats and metadata', async () => {
    server
      .on('POST', 'deployments/iris/versions', {
        body: makeDeployment('iris', { version: 2 })
      })
      .on('DELETE', 'deployments/iris', { body: makeDeployment('iris') })
      .on('GET', 'deployments/iris/logs', {
        body: { name: 'iris', lines: ['a', 'b'] }
      })
      .on('GET', 'deployments/iris/stats', { body: makeStats('iris') })
      .on('GET', 'deployments/iris/metadata', {
        body: { deployment: 'iris', input_example: { inputs: [[1]] } }
      });

    expect(
      (
        await client.addVersion('iris', {
          run_id: 'r2',
          artifact_path: 'model'
        })
      ).version
    ).toBe(2);
    expect(server.lastRequest.body).toEqual({
      run_id: 'r2',
      artifact_path: 'model'
    });
    await client.remove('iris');
    expect(await client.logs('iris', 50)).toEqual(['a', 'b']);
    expect(server.lastRequest.query).toEqual({ tail: '50' });
    expect((await client.stats('iris')).requests).toBe(1234);
    expect((await client.metadata('iris')).input_example).toEqual({
      inputs: [[1]]
    });
  });

  it('lists, creates and revokes API keys', async () => {
    const key = {
      id: 'k1',
      prefix: 'mlp_ab12',
      name: 'ci',
      created_by: 'alice',
      created_at: '2026-11-26T10:00:00Z'
    };
    server
      .on('GET', 'deployments/iris/keys', { body: { keys: [key] } })
      .on('POST', 'deployments/iris/keys', {
        status: 201,
        body: { ...key, key: 'mlp_ab12secret' }
      })
      .on('DELETE', 'deployments/iris/keys/k1', { body: key });
    expect(await client.listKeys('iris')).toEqual([key]);
    expect((await client.createKey('iris', 'ci')).key).toBe('mlp_ab12secret');
    expect(server.lastRequest.body).toEqual({ name: 'ci' });
    await client.createKey('iris');
    expect(server.lastRequest.body).toEqual({});
    await client.revokeKey('iris', 'k1');
    expect(server.lastRequest.method).toBe('DELETE');
  });

  it('rejects with the server message', async () => {
    server.on('POST', 'deployments', {
      status: 409,
      body: { message: 'Deployment iris exists.' }
    });
    const error = await client
      .create({ name: 'iris', run_id: 'r1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toBe('Deployment iris exists.');
  });

  it('encodes names in paths', async () => {
    server.on('GET', /^deployments\/.*/, { body: makeDeployment('x') });
    await client.get('a/b c');
    expect(server.lastRequest.path).toBe('deployments/a%2Fb%20c');
  });

  it('resolves invocations with their status, body and latency', async () => {
    server.on('POST', 'deployments/iris/invocations', request =>
      (request.body as { inputs?: unknown }).inputs
        ? { body: { predictions: [0, 1] } }
        : {
            status: 400,
            body: { message: 'Missing column sepal', error_code: 'BAD_REQUEST' }
          }
    );
    const ok = await client.invoke('iris', '{"inputs": [[1], [2]]}');
    expect(ok).toMatchObject({
      ok: true,
      status: 200,
      body: { predictions: [0, 1] }
    });
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.lastRequest.body).toEqual({ inputs: [[1], [2]] });

    const bad = await client.invoke('iris', '{}');
    expect(bad).toMatchObject({
      ok: false,
      status: 400,
      body: { error_code: 'BAD_REQUEST' }
    });
  });

  it('builds download paths and fetches files', async () => {
    expect(client.containerPath('iris')).toBe(
      'deployments/iris/container.tar.gz'
    );
    expect(client.manifestPath('iris')).toBe('deployments/iris/k8s.yaml');
    expect(client.manifestPath('iris', 'kserve')).toBe(
      'deployments/iris/k8s.yaml?variant=kserve'
    );
    expect(client.runContainerPath('r1')).toBe(
      'runs/r1/container.tar.gz?artifact_path=model'
    );
    server
      .on('GET', 'deployments/iris/k8s.yaml', { body: 'kind: Deployment\n' })
      .on('GET', 'deployments/gone/k8s.yaml', {
        status: 404,
        body: { message: 'No deployment gone.' }
      });
    const file = await client.fetchFile(client.manifestPath('iris'));
    expect(await file.blob.text()).toBe('kind: Deployment\n');
    expect(file.fileName).toBeNull();
    const error = await client
      .fetchFile(client.manifestPath('gone'))
      .catch((e: unknown) => e);
    expect((error as APIError).message).toBe('No deployment gone.');
  });
});

describe('contentDispositionName', () => {
  it('reads the file name', () => {
    expect(
      contentDispositionName('attachment; filename="iris-v2-container.tar.gz"')
    ).toBe('iris-v2-container.tar.gz');
    expect(contentDispositionName('attachment; filename=k8s.yaml')).toBe(
      'k8s.yaml'
    );
    expect(
      contentDispositionName(
        'attachment; filename="x"; filename*=UTF-8\'\'caf%C3%A9.yaml'
      )
    ).toBe('café.yaml');
    expect(contentDispositionName('attachment; filename="../../etc/x"')).toBe(
      'x'
    );
    expect(contentDispositionName('inline')).toBeNull();
    expect(contentDispositionName(null)).toBeNull();
  });
});

describe('modelPackages', () => {
  it('parses the mlplatform.models tag', () => {
    expect(
      modelPackages({
        [MODELS_TAG]: JSON.stringify([
          { artifact_path: 'model', flavor: 'sklearn' },
          { artifact_path: 'other' },
          { flavor: 'no path' }
        ])
      })
    ).toEqual([
      { artifact_path: 'model', flavor: 'sklearn' },
      { artifact_path: 'other', flavor: null }
    ]);
  });

  it('gives nothing for a missing or malformed tag', () => {
    expect(modelPackages({})).toEqual([]);
    expect(modelPackages({ [MODELS_TAG]: 'not json' })).toEqual([]);
    expect(modelPackages({ [MODELS_TAG]: '{"a": 1}' })).toEqual([]);
  });

  it('searches with a backquoted tag key', () => {
    expect(MODELS_FILTER).toBe('tags.`mlplatform.models` IS NOT NULL');
  });
});

describe('isDeployable', () => {
  const models = JSON.stringify([
    { artifact_path: 'model', flavor: 'sklearn' }
  ]);

  it('takes an active run with a model package', () => {
    expect(
      isDeployable({
        lifecycle_stage: 'active',
        tags: { [MODELS_TAG]: models }
      })
    ).toBe(true);
  });

  it('refuses a run without a usable model package', () => {
    expect(isDeployable({ lifecycle_stage: 'active', tags: {} })).toBe(false);
    expect(
      isDeployable({ lifecycle_stage: 'active', tags: { [MODELS_TAG]: '[]' } })
    ).toBe(false);
    expect(
      isDeployable({
        lifecycle_stage: 'active',
        tags: { [MODELS_TAG]: 'not json' }
      })
    ).toBe(false);
  });

  it('refuses a deleted run, model or not', () => {
    expect(
      isDeployable({
        lifecycle_stage: 'deleted',
        tags: { [MODELS_TAG]: models }
      })
    ).toBe(false);
  });
});
