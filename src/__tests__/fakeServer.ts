/*
 * A fake server extension for unit tests: a `fetch` (and a `WebSocket`) that
 * `ServerConnection.makeSettings` accepts, so the real request code runs.
 */
import { ServerConnection } from '@jupyterlab/services';

export const BASE_URL = 'http://localhost:8888/user/alice/';
export const API_ROOT = `${BASE_URL}mlplatform/api/`;
export const TOKEN = 'test-token';

export interface IRecordedRequest {
  method: string;
  /** The path below `mlplatform/api/`, still URL-encoded, without query. */
  path: string;
  /** The query parameters, without the cache-busting timestamp. */
  query: Record<string, string>;
  headers: Headers;
  /** The parsed JSON body, the text of another body, or `undefined`. */
  body: unknown;
}

export interface IFakeResponse {
  status?: number;
  /** Serialized as JSON unless it is a string. */
  body?: unknown;
}

type Handler = (request: IRecordedRequest) => IFakeResponse;

export class FakeServer {
  readonly requests: IRecordedRequest[] = [];

  /**
   * Answer `method path` (path below `mlplatform/api/`, exact or a RegExp).
   */
  on(
    method: string,
    path: string | RegExp,
    response: IFakeResponse | Handler
  ): this {
    this._routes.push({
      method,
      path,
      handler: typeof response === 'function' ? response : () => response
    });
    return this;
  }

  get lastRequest(): IRecordedRequest {
    const last = this.requests[this.requests.length - 1];
    if (!last) {
      throw new Error('No request was made');
    }
    return last;
  }

  readonly fetch = async (
    input: RequestInfo | URL,
    init?: RequestInit
  ): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!request.url.startsWith(API_ROOT)) {
      throw new Error(`Unexpected URL ${request.url}`);
    }
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      if (!/^\d+$/.test(key)) {
        query[key] = value;
      }
    });
    const text = await request.text();
    const recorded: IRecordedRequest = {
      method: request.method,
      path: url.pathname.slice(new URL(API_ROOT).pathname.length),
      query,
      headers: request.headers,
      body:
        text && request.headers.get('Content-Type') === 'application/json'
          ? JSON.parse(text)
          : text || undefined
    };
    this.requests.push(recorded);

    const route = this._routes.find(
      r =>
        r.method === recorded.method &&
        (typeof r.path === 'string'
          ? r.path === recorded.path
          : r.path.test(recorded.path))
    );
    if (!route) {
      return jsonResponse(404, {
        message: `No fake route for ${recorded.method} ${recorded.path}`,
        reason: null
      });
    }
    const { status = 200, body } = route.handler(recorded);
    if (body === undefined) {
      return new Response(null, { status });
    }
    return typeof body === 'string'
      ? new Response(body, { status })
      : jsonResponse(status, body);
  };

  settings(
    overrides: Partial<ServerConnection.ISettings> = {}
  ): ServerConnection.ISettings {
    return ServerConnection.makeSettings({
      baseUrl: BASE_URL,
      wsUrl: 'ws://localhost:8888/user/alice/',
      token: TOKEN,
      fetch: this.fetch,
      ...overrides
    });
  }

  private _routes: {
    method: string;
    path: string | RegExp;
    handler: Handler;
  }[] = [];
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

/**
 * A stand-in for the browser `WebSocket`: records instances so tests can
 * open, feed and close them.
 */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];

  static get last(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;

  open(): void {
    this.onopen?.(new Event('open'));
  }

  receive(data: unknown): void {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    this.onmessage?.(new MessageEvent('message', { data: text }));
  }

  /** The server (or the network) closes the socket. */
  drop(): void {
    this.closed = true;
    this.onclose?.(new CloseEvent('close'));
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * Resolve once `condition` holds, polling every 10 ms (fails after `timeout`).
 */
export async function waitFor(
  condition: () => boolean,
  timeout = 2000
): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeout) {
      throw new Error('Timed out waiting for a condition');
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

// -- wire fixtures ---------------------------------------------------------------------

export function makeExperiment(
  id: string,
  name: string,
  creationTime = 1_700_000_000_000
): Record<string, unknown> {
  return {
    experiment_id: id,
    name,
    description: null,
    artifact_location: `file:///tmp/artifacts/${id}`,
    lifecycle_stage: 'active',
    creation_time: creationTime,
    last_update_time: creationTime,
    created_by: 'alice',
    tags: {}
  };
}

export function makeRun(
  id: string,
  experimentId: string,
  name: string,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    run_id: id,
    experiment_id: experimentId,
    name,
    status: 'RUNNING',
    start_time: 1_700_000_100_000,
    end_time: null,
    user: 'alice',
    lifecycle_stage: 'active',
    artifact_uri: `file:///tmp/artifacts/${experimentId}/${id}`,
    source: { notebook_path: 'train.ipynb', cell_id: null, kernel_id: null },
    params: {},
    tags: {},
    metrics: {},
    ...extra
  };
}
