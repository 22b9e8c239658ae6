/*
 * Typed client of the automatic-tracking status endpoint.
 *
 * `IAutologStatus` mirrors the server's wire model of
 * `GET mlplatform/api/autolog?path=`; `tests/test_wire_contract.py` checks
 * that they are in step.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';

/**
 * Why the server says automatic tracking is off for a notebook:
 * - `server`: switched off for everyone (`MLPlatformApp.autolog = False`);
 * - `setting`: the user setting `jupyterlab-mlplatform:autolog` `enabled` is off;
 * - `notebook`: the notebook's metadata `mlplatform.autolog` is `false`.
 */
export type AutologReason = 'server' | 'setting' | 'notebook';

/**
 * The known values of `IAutologStatus.reason`.
 */
export const AUTOLOG_REASONS: readonly AutologReason[] = [
  'server',
  'setting',
  'notebook'
];

/**
 * Whether training cells run in a notebook are tracked, and if not, why.
 */
export interface IAutologStatus {
  /** Whether the notebook's training cells are tracked. */
  enabled: boolean;
  /** Why it is off (`null` when on). */
  reason: AutologReason | null;
  /** The notebook path the answer is about (root-relative), if any. */
  notebook_path: string | null;
  /** The experiment that runs of this notebook go to, if known. */
  experiment_name: string | null;
  /** `false` when the server switched tracking off for everyone. */
  server_enabled: boolean;
  /** The run that a notebook reopened from a run reproduces, if any. */
  reproduced_from: string | null;
}

/**
 * Client of `{baseUrl}mlplatform/api/autolog`.
 */
export class AutologClient {
  constructor(options: AutologClient.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  /**
   * The server settings used for every request.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * `GET autolog?path=`: the automatic-tracking status of a notebook.
   *
   * @param path - The notebook path relative to the server root (no drive
   *   prefix); empty for the status without a notebook.
   *
   * @throws {APIError} When the server answers with an error status (404 from
   *   a server without the endpoint).
   * @throws {ServerConnection.NetworkError} When the server cannot be reached.
   */
  status(path: string): Promise<IAutologStatus> {
    const query = path ? URLExt.objectToQueryString({ path }) : '';
    return requestAPI<IAutologStatus>(
      `autolog${query}`,
      { method: 'GET' },
      this.serverSettings
    );
  }
}

export namespace AutologClient {
  export interface IOptions {
    /** Defaults to `ServerConnection.makeSettings()`. */
    serverSettings?: ServerConnection.ISettings;
  }
}
