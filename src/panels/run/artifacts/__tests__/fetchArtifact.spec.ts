import { nullTranslator } from '@jupyterlab/translation';

import { TrackingClient } from '../../../../api/tracking';
import { FakeServer } from '../../../../__tests__/fakeServer';
import { decodeText, fetchArtifact, toBase64 } from '../fetchArtifact';
import { formatSize } from '../../../format';

describe('fetchArtifact', () => {
  it('returns the bytes of the file at the artifact URL', async () => {
    const server = new FakeServer().on(
      'GET',
      'runs/r1/artifacts/logs/out%20put.txt',
      {
        body: 'héllo'
      }
    );
    const client = new TrackingClient({ serverSettings: server.settings() });

    const result = await fetchArtifact(client, 'r1', 'logs/out put.txt', {
      maxBytes: 100
    });

    expect(result.status).toBe('ok');
    if (result.status === 'ok') {
      expect(decodeText(result.bytes)).toBe('héllo');
      expect(result.contentType).toContain('text/plain');
    }
    expect(server.requests).toHaveLength(1);
  });

  it('stops reading a body that runs over the limit', async () => {
    const big = 'x'.repeat(64 * 1024);
    const server = new FakeServer().on('GET', 'runs/r1/artifacts/big.log', {
      body: big
    });
    const client = new TrackingClient({ serverSettings: server.settings() });

    const result = await fetchArtifact(client, 'r1', 'big.log', {
      maxBytes: 1000
    });

    expect(result).toEqual({ status: 'too-large', size: null });
  });

  it('accepts a body of exactly the limit', async () => {
    const server = new FakeServer().on('GET', 'runs/r1/artifacts/a.txt', {
      body: 'abcd'
    });
    const client = new TrackingClient({ serverSettings: server.settings() });

    const result = await fetchArtifact(client, 'r1', 'a.txt', { maxBytes: 4 });

    expect(result.status).toBe('ok');
  });

  it('trusts a Content-Length over the limit without reading the body', async () => {
    const server = new FakeServer();
    const settings = server.settings({
      fetch: async () =>
        new Response('0123456789', {
          status: 200,
          headers: { 'Content-Length': '5000000' }
        })
    });
    const client = new TrackingClient({ serverSettings: settings });

    const result = await fetchArtifact(client, 'r1', 'a.txt', { maxBytes: 10 });

    expect(result).toEqual({ status: 'too-large', size: 5000000 });
  });

  it("resolves with the server's message on a 404", async () => {
    const server = new FakeServer().on('GET', 'runs/r1/artifacts/gone.txt', {
      status: 404,
      body: { message: 'Artifact gone.txt does not exist', reason: null }
    });
    const client = new TrackingClient({ serverSettings: server.settings() });

    const result = await fetchArtifact(client, 'r1', 'gone.txt', {
      maxBytes: 100
    });

    expect(result).toEqual({
      status: 'error',
      message: 'Artifact gone.txt does not exist',
      httpStatus: 404
    });
  });

  it('words an error without a JSON message as every other API error', async () => {
    // The preview used to parse error bodies itself ("502 Bad Gateway"); it
    // now reads them with `APIError`, as `requestAPI` does for every request.
    const server = new FakeServer()
      .on('GET', 'runs/r1/artifacts/a.txt', { status: 502, body: 'upstream' })
      .on('GET', 'runs/r1', { status: 502, body: 'upstream' });
    const client = new TrackingClient({ serverSettings: server.settings() });

    const result = await fetchArtifact(client, 'r1', 'a.txt', {
      maxBytes: 100
    });
    const thrown = await client.getRun('r1').catch((error: Error) => error);

    expect(result.status === 'error' && result.message).toBe(
      (thrown as Error).message
    );
    expect(result.status === 'error' && result.httpStatus).toBe(502);
  });

  it('sends its request through requestRaw: the API URL and the signal', async () => {
    const seen: { url: string; aborted: boolean }[] = [];
    const settings = new FakeServer().settings({
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        seen.push({ url: request.url, aborted: request.signal.aborted });
        return new Response('x', { status: 200 });
      }
    });
    const client = new TrackingClient({ serverSettings: settings });
    const controller = new AbortController();
    controller.abort();

    await fetchArtifact(client, 'r1', 'a b.txt', {
      maxBytes: 100,
      signal: controller.signal
    });

    expect(seen).toHaveLength(1);
    expect(seen[0].url).toContain(client.artifactUrl('r1', 'a b.txt'));
    expect(seen[0].aborted).toBe(true);
  });

  it('resolves with an error when the server cannot be reached', async () => {
    const settings = new FakeServer().settings({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      }
    });
    const client = new TrackingClient({ serverSettings: settings });

    const result = await fetchArtifact(client, 'r1', 'a.txt', {
      maxBytes: 100
    });

    expect(result.status).toBe('error');
    expect(result.status === 'error' && result.message).toContain(
      'Failed to fetch'
    );
  });
});

describe('toBase64', () => {
  it('encodes bytes, including ones past the chunk size', () => {
    expect(toBase64(new Uint8Array([0, 255, 104, 105]))).toBe('AP9oaQ==');
    const long = new Uint8Array(100_000).fill(65);
    expect(atob(toBase64(long))).toBe('A'.repeat(100_000));
  });
});

describe('formatSize', () => {
  const trans = nullTranslator.load('test');

  it.each<[number | null, string]>([
    [null, ''],
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1 KB'],
    [1536, '1.5 KB'],
    [10 * 1024 * 1024, '10 MB'],
    [123.4 * 1024 * 1024, '123 MB'],
    [3 * 1024 ** 4, '3 TB']
  ])('%s → %s', (bytes, text) => {
    expect(formatSize(bytes, trans)).toBe(text);
  });
});
