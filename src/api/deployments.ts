/*
 * Typed client of the deployments REST API (`{baseUrl}mlplatform/api/deployments`).
 *
 * The `I*` interfaces mirror the pydantic wire models in
 * `jupyterlab_mlplatform/deploy/manager/models.py`; `tests/test_wire_contract.py`
 * checks that they are in step.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { APIError, requestJSON, requestRaw } from './request';
import type { IRun } from './tracking';

// -- deployments -----------------------------------------------------------------------

export type DeploymentStatus =
  'starting' | 'healthy' | 'restarting' | 'stopped' | 'failed';

/** Every status, in the order a deployment usually goes through them. */
export const DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = [
  'starting',
  'healthy',
  'restarting',
  'stopped',
  'failed'
];

/**
 * What a deployment name must match (the server checks it too).
 */
export const DEPLOYMENT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The check of a version's scoring server against its package's parity
 * sample: its answers must equal the in-kernel model's predictions kept at
 * packaging time (labels exactly, floats within `rtol` and `atol`).
 */
export interface IParityCheck {
  /** `not_checked`: the package has no parity sample (an older format). */
  status: 'ok' | 'mismatch' | 'not_checked';
  /** The input example and up to 1,000 training rows. */
  rows: number;
  max_abs_diff?: number | null;
  /** The first differing rows (indexes into the sample). */
  differing_rows?: number[];
  differing_count?: number;
  rtol?: number | null;
  atol?: number | null;
  message?: string | null;
}

/**
 * One model a deployment has served (the first is version 1).
 */
export interface IDeploymentVersion {
  version: number;
  run_id: string;
  artifact_path: string;
  flavor: string | null;
  created_by: string | null;
  /** ISO 8601. */
  created_at: string;
  /** The last parity check; `null` before the version was ever started. */
  parity?: IParityCheck | null;
}

export interface IDeployment {
  name: string;
  status: DeploymentStatus;
  /** The version serving now. */
  version: number;
  run_id: string;
  artifact_path: string;
  flavor?: string | null;
  /**
   * The proxied invocations path, including the server's base URL
   * (`/mlplatform/api/deployments/iris/invocations`).
   */
  url: string;
  /**
   * The scoring server's own URL (`http://host:port/invocations`) for
   * callers outside Jupyter, who need an API key; `null` when not serving.
   */
  endpoint?: string | null;
  port: number | null;
  pid: number | null;
  workers: number;
  restarts: number;
  /** Why the deployment failed. */
  error: string | null;
  created_by: string | null;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601; when the scoring server last started. */
  started_at: string | null;
  /** Oldest first. */
  versions?: IDeploymentVersion[];
  /** The parity check of the version served (or that failed to start). */
  parity?: IParityCheck | null;
}

export interface IDeploymentList {
  deployments: IDeployment[];
}

export interface IDeploymentCreate {
  name: string;
  run_id: string;
  /** Default `model`. */
  artifact_path?: string;
  /** 1 to 8 (default 1). */
  workers?: number;
}

export type DeploymentAction = 'stop' | 'start' | 'restart' | 'rollback';

export interface IDeploymentUpdate {
  action: DeploymentAction;
  /** For `start` and `restart`: another number of workers. */
  workers?: number | null;
  /** For `rollback`: the version to serve (default: the previous one). */
  version?: number | null;
}

export interface IDeploymentVersionCreate {
  run_id: string;
  /** Default `model`. */
  artifact_path?: string;
}

export interface IDeploymentLogs {
  name: string;
  lines: string[];
}

/**
 * A deployment's traffic, from its scoring server's Prometheus metrics.
 */
export interface IDeploymentStats {
  name: string;
  requests: number;
  errors: number;
  latency_mean_ms: number | null;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  uptime_seconds: number | null;
}

/**
 * The scoring server's `/metadata`.
 */
export interface IDeploymentMetadata {
  deployment?: string;
  version?: number;
  run_id?: string;
  flavor?: string | null;
  model_class?: string | null;
  signature?: unknown;
  /** A ready request body (`{"dataframe_split": ...}`), or `null`. */
  input_example?: unknown;
  server?: Record<string, unknown>;
  [key: string]: unknown;
}

// -- API keys --------------------------------------------------------------------------

export interface IApiKey {
  id: string;
  /** The first characters of the key, to recognise it. */
  prefix: string;
  name: string | null;
  created_by: string | null;
  /** ISO 8601. */
  created_at: string;
}

/**
 * A key just created: the only time the full key is sent.
 */
export interface IApiKeyCreated extends IApiKey {
  key: string;
}

export interface IApiKeyCreate {
  /** A label for the key (at most 100 characters). */
  name?: string | null;
}

export interface IApiKeyList {
  keys: IApiKey[];
}

// -- invocations -----------------------------------------------------------------------

/**
 * The answer to a scoring request, successful or not.
 */
export interface IInvocationResult {
  /** The HTTP status. */
  status: number;
  ok: boolean;
  /** The parsed JSON body, or its text when it is not JSON. */
  body: unknown;
  /** Milliseconds from sending the request to reading the whole answer. */
  latencyMs: number;
}

// -- model packages --------------------------------------------------------------------

/**
 * The run tag listing a run's model packages (a JSON array of
 * `{artifact_path, flavor}`), set by the server when one is uploaded.
 */
export const MODELS_TAG = 'mlplatform.models';

/**
 * The search filter that finds runs with a model package.
 */
export const MODELS_FILTER = `tags.\`${MODELS_TAG}\` IS NOT NULL`;

export interface IModelPackageRef {
  artifact_path: string;
  flavor: string | null;
}

/**
 * The model packages of a run, from its `mlplatform.models` tag: `[]` when
 * the tag is missing or malformed.
 */
export function modelPackages(
  tags: Readonly<Record<string, string>>
): IModelPackageRef[] {
  const text = tags[MODELS_TAG];
  if (!text) {
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) {
    return [];
  }
  return parsed
    .filter(
      (item): item is { artifact_path: string; flavor?: unknown } =>
        item !== null &&
        typeof item === 'object' &&
        typeof item.artifact_path === 'string' &&
        item.artifact_path.length > 0
    )
    .map(item => ({
      artifact_path: item.artifact_path,
      flavor: typeof item.flavor === 'string' ? item.flavor : null
    }));
}

/**
 * Whether a run offers one-click deploy: it is not deleted and has a model
 * package.
 */
export function isDeployable(
  run: Pick<IRun, 'tags' | 'lifecycle_stage'>
): boolean {
  return (
    run.lifecycle_stage !== 'deleted' && modelPackages(run.tags).length > 0
  );
}

// -- REST client -----------------------------------------------------------------------

/**
 * Typed client of `{baseUrl}mlplatform/api/deployments`: one method per
 * endpoint.
 *
 * Every method except `invoke` rejects with an `APIError` carrying the
 * server's message when the server answers with an error status.
 */
export class DeploymentsClient {
  constructor(options: DeploymentsClient.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  /**
   * The server settings used for every request.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /** `GET deployments` */
  async list(): Promise<IDeployment[]> {
    const list = await this._request<IDeploymentList>('deployments', 'GET');
    return list.deployments;
  }

  /** `GET deployments/{name}` */
  get(name: string): Promise<IDeployment> {
    return this._request(Private.path(name), 'GET');
  }

  /**
   * `POST deployments`: answers once the deployment serves (`healthy`) or
   * has failed (`failed`, with `error`).
   */
  create(body: IDeploymentCreate): Promise<IDeployment> {
    return this._request('deployments', 'POST', body);
  }

  /** `PATCH deployments/{name}`: stop, start, restart or roll back. */
  update(name: string, body: IDeploymentUpdate): Promise<IDeployment> {
    return this._request(Private.path(name), 'PATCH', body);
  }

  /** `DELETE deployments/{name}`: stop it and remove it with its files. */
  remove(name: string): Promise<IDeployment> {
    return this._request(Private.path(name), 'DELETE');
  }

  /**
   * `POST deployments/{name}/versions`: serve another model under the same
   * name, switching without downtime. Rejects (422) with the load error when
   * the new version fails; the old one keeps serving.
   */
  addVersion(
    name: string,
    body: IDeploymentVersionCreate
  ): Promise<IDeployment> {
    return this._request(Private.path(name, 'versions'), 'POST', body);
  }

  /** `GET deployments/{name}/logs?tail=N` */
  async logs(name: string, tail?: number): Promise<string[]> {
    const query =
      tail !== undefined ? URLExt.objectToQueryString({ tail }) : '';
    const logs = await this._request<IDeploymentLogs>(
      Private.path(name, 'logs') + query,
      'GET'
    );
    return logs.lines;
  }

  /** `GET deployments/{name}/stats` */
  stats(name: string): Promise<IDeploymentStats> {
    return this._request(Private.path(name, 'stats'), 'GET');
  }

  /** `GET deployments/{name}/metadata`: the scoring server's `/metadata`. */
  metadata(name: string): Promise<IDeploymentMetadata> {
    return this._request(Private.path(name, 'metadata'), 'GET');
  }

  /** `GET deployments/{name}/keys` */
  async listKeys(name: string): Promise<IApiKey[]> {
    const list = await this._request<IApiKeyList>(
      Private.path(name, 'keys'),
      'GET'
    );
    return list.keys;
  }

  /** `POST deployments/{name}/keys`: the answer has the full key, once. */
  createKey(name: string, keyName?: string): Promise<IApiKeyCreated> {
    const body: IApiKeyCreate = keyName ? { name: keyName } : {};
    return this._request(Private.path(name, 'keys'), 'POST', body);
  }

  /** `DELETE deployments/{name}/keys/{id}` */
  revokeKey(name: string, keyId: string): Promise<IApiKey> {
    return this._request(Private.path(name, 'keys', keyId), 'DELETE');
  }

  /**
   * `POST deployments/{name}/invocations` with a JSON body (text as typed by
   * the user). Error statuses resolve too: the console shows them.
   *
   * @throws {ServerConnection.NetworkError} When the server cannot be reached.
   */
  async invoke(name: string, body: string): Promise<IInvocationResult> {
    const started = performance.now();
    const response = await requestRaw(
      Private.path(name, 'invocations'),
      { method: 'POST', body },
      this.serverSettings
    );
    const text = await response.text();
    const latencyMs = performance.now() - started;
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return {
      status: response.status,
      ok: response.ok,
      body: parsed,
      latencyMs
    };
  }

  // downloads

  /** The endpoint of a deployment's container build context. */
  containerPath(name: string): string {
    return Private.path(name, 'container.tar.gz');
  }

  /** The endpoint of a deployment's Kubernetes manifest. */
  manifestPath(name: string, variant?: 'kserve'): string {
    const query = variant ? URLExt.objectToQueryString({ variant }) : '';
    return Private.path(name, 'k8s.yaml') + query;
  }

  /** The endpoint of the container build context of a run's model. */
  runContainerPath(runId: string, artifactPath = 'model'): string {
    return (
      ['runs', runId, 'container.tar.gz'].map(encodeURIComponent).join('/') +
      URLExt.objectToQueryString({ artifact_path: artifactPath })
    );
  }

  /**
   * Fetch an endpoint as a file (with the server's token, which a plain link
   * would not carry when the page authenticated with one), with the file
   * name the server gives in `Content-Disposition` when it gives one.
   *
   * @throws {APIError} With the server's message on an error status.
   */
  async fetchFile(
    endPoint: string
  ): Promise<{ blob: Blob; fileName: string | null }> {
    const response = await requestRaw(
      endPoint,
      { method: 'GET' },
      this.serverSettings
    );
    if (!response.ok) {
      throw await APIError.fromResponse(response);
    }
    return {
      blob: await response.blob(),
      fileName: contentDispositionName(
        response.headers.get('Content-Disposition')
      )
    };
  }

  private _request<T>(
    endPoint: string,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    body?: unknown
  ): Promise<T> {
    return requestJSON<T>(endPoint, method, body, this.serverSettings);
  }
}

export namespace DeploymentsClient {
  export interface IOptions {
    /** Defaults to `ServerConnection.makeSettings()`. */
    serverSettings?: ServerConnection.ISettings;
  }
}

/**
 * The file name of a `Content-Disposition` header (`filename*=UTF-8''...`
 * or `filename="..."`), or `null`.
 */
export function contentDispositionName(header: string | null): string | null {
  if (!header) {
    return null;
  }
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // Fall back to the plain parameter.
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(header);
  const name = plain ? (plain[1] ?? plain[2]) : null;
  return name ? name.split(/[\\/]/).pop() || null : null;
}

namespace Private {
  /**
   * The encoded path of a deployment resource: every segment is URL-encoded.
   */
  export function path(name: string, ...segments: string[]): string {
    return ['deployments', name, ...segments].map(encodeURIComponent).join('/');
  }
}
