import { AutologClient } from '../../api/autolog';
import { APIError } from '../../api/request';
import { FakeServer } from '../../__tests__/fakeServer';

const ANSWER = {
  enabled: false,
  reason: 'notebook',
  notebook_path: 'work/My notebook.ipynb',
  experiment_name: null,
  server_enabled: true
};

describe('AutologClient', () => {
  it('asks GET autolog?path= with the root-relative path', async () => {
    const server = new FakeServer().on('GET', 'autolog', { body: ANSWER });
    const client = new AutologClient({ serverSettings: server.settings() });

    const status = await client.status('work/My notebook.ipynb');

    expect(status).toEqual(ANSWER);
    expect(server.lastRequest).toMatchObject({
      method: 'GET',
      path: 'autolog',
      query: { path: 'work/My notebook.ipynb' }
    });
  });

  it('sends no path for an empty one', async () => {
    const server = new FakeServer().on('GET', 'autolog', { body: ANSWER });
    const client = new AutologClient({ serverSettings: server.settings() });

    await client.status('');

    expect(server.lastRequest.query).toEqual({});
  });

  it('rejects with an APIError on a server without the endpoint', async () => {
    const server = new FakeServer();
    const client = new AutologClient({ serverSettings: server.settings() });

    const error = await client.status('a.ipynb').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).response.status).toBe(404);
  });
});
