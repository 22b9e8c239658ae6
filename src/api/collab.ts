/*
 * Typed client of shared editing (`{baseUrl}mlplatform/api/collaboration`,
 * `.../activity`) and the records the server writes into shared notebooks.
 *
 * The `I*` interfaces mirror the pydantic wire models in
 * `jupyterlab_mlplatform/collab/models.py`; `tests/test_wire_contract.py`
 * checks that they are in step.
 */
import { ServerConnection } from '@jupyterlab/services';

import { requestJSON } from './request';

/**
 * The cell metadata key of everything the platform writes into a cell.
 */
export const CELL_METADATA_KEY = 'mlplatform';

/**
 * `metadata.mlplatform.execution`: the cell's last execution record.
 */
export const EXECUTION_KEY = 'execution';

/**
 * A person, as jupyter-server identifies them.
 */
export interface ICollabUser {
  username: string;
  name: string;
  display_name: string;
  initials?: string | null;
  /** A CSS colour when the identity provider gives one. */
  color?: string | null;
  avatar_url?: string | null;
}

export type ExecutionStatus = 'running' | 'ok' | 'error' | 'aborted';

/**
 * Who last ran a code cell: written by the server into the live notebook
 * (`metadata.mlplatform.execution`) from the identity of the kernel
 * websocket that sent the execute request.
 */
export interface IExecutionRecord {
  user: ICollabUser;
  /** When the server received the execute request (ms, server clock). */
  started: number;
  /** When the kernel replied (ms); `null` while it runs. */
  ended?: number | null;
  status: ExecutionStatus;
  execution_count?: number | null;
  kernel_id: string;
  /** Ids of the runs the execution created, in creation order. */
  runs: string[];
  /** The server's signature; records without a valid one are removed. */
  sig: string;
}

/**
 * The execution record in a cell's metadata (as returned by
 * `ICellModel.getMetadata(CELL_METADATA_KEY)`), or `null` when there is none
 * or it does not have the record's shape.
 */
export function executionRecordOf(metadata: unknown): IExecutionRecord | null {
  if (metadata === null || typeof metadata !== 'object') {
    return null;
  }
  const record = (metadata as Record<string, unknown>)[EXECUTION_KEY];
  if (record === null || typeof record !== 'object') {
    return null;
  }
  const candidate = record as Partial<IExecutionRecord>;
  if (
    typeof candidate.started !== 'number' ||
    typeof candidate.kernel_id !== 'string' ||
    typeof candidate.sig !== 'string' ||
    candidate.sig === '' ||
    candidate.user === null ||
    typeof candidate.user !== 'object' ||
    typeof candidate.user.username !== 'string' ||
    !Array.isArray(candidate.runs)
  ) {
    return null;
  }
  return candidate as IExecutionRecord;
}

// -- the activity feed -------------------------------------------------------------

/**
 * A run an execution created, as it was when the item last changed.
 */
export interface IActivityRun {
  run_id: string;
  name: string;
  experiment_id: string;
  status: string;
  /** Latest value of each metric (NaN and infinities as strings). */
  metrics: Record<string, number | string>;
}

export type DeploymentAction =
  | 'created'
  | 'version_added'
  | 'rolled_back'
  | 'stopped'
  | 'started'
  | 'restarted'
  | 'deleted';

export interface IActivityDeployment {
  name: string;
  action: DeploymentAction;
  version?: number | null;
  run_id?: string | null;
}

/**
 * One line of the activity feed.
 */
export interface IActivityItem {
  /** Increases by one per item, per server. */
  id: number;
  /** When it happened (ms, server clock). */
  time: number;
  kind: 'execution' | 'deployment';
  user: ICollabUser;
  notebook_path?: string | null;
  cell_id?: string | null;
  /** The cell's position when it ran (0-based), when the notebook was open. */
  cell_index?: number | null;
  execution_count?: number | null;
  status?: ExecutionStatus | null;
  runs: IActivityRun[];
  deployment?: IActivityDeployment | null;
}

export interface IActivityPage {
  /** Newest first. */
  items: IActivityItem[];
  /** Pass as `before` for older items; `null` on the last page. */
  next_before: number | null;
}

/**
 * Sent on the `mlplatform/api/events` websocket when the feed changes.
 */
export interface IActivityEvent {
  type: 'activity_added' | 'activity_updated';
  item: IActivityItem;
}

/**
 * Whether notebooks are co-edited on this server.
 */
export interface ICollabStatus {
  enabled: boolean;
  /** Why not: `disabled` (`--YDocExtension.disable_rtc`) or `not_installed`. */
  reason?: 'disabled' | 'not_installed' | null;
  /** A sentence for people saying why, and how to turn it on. */
  message: string;
}

// -- REST client -----------------------------------------------------------------------

/**
 * Typed client of the shared-editing endpoints.
 */
export class CollabClient {
  constructor(options: CollabClient.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly serverSettings: ServerConnection.ISettings;

  /** `GET collaboration`: whether co-editing is on, and why not. */
  status(): Promise<ICollabStatus> {
    return requestJSON<ICollabStatus>(
      'collaboration',
      'GET',
      undefined,
      this.serverSettings
    );
  }

  /**
   * `GET activity`: the newest items (`limit`, default 50), or those older
   * than `before` (an item id).
   */
  activity(
    options: { limit?: number; before?: number } = {}
  ): Promise<IActivityPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) {
      query.set('limit', String(options.limit));
    }
    if (options.before !== undefined) {
      query.set('before', String(options.before));
    }
    const suffix = query.toString();
    return requestJSON<IActivityPage>(
      suffix ? `activity?${suffix}` : 'activity',
      'GET',
      undefined,
      this.serverSettings
    );
  }
}

export namespace CollabClient {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
  }
}

// -- presence (awareness fields this extension publishes) ----------------------------

/**
 * The awareness field every lab with this extension publishes, both in the
 * global awareness (`IGlobalAwareness`, room `JupyterLab:globalAwareness`)
 * and in the awareness of the notebook it is in: where the person is.
 * Awareness is claimed by the client: show it, never trust it for
 * attribution (execution records come from the server).
 */
export const PRESENCE_FIELD = 'mlplatform';

export interface IPresenceLocation {
  /** The notebook (contents path), or `null` when no notebook is current. */
  path: string | null;
  /** The active cell's id. */
  cellId: string | null;
  /** The active cell's position (0-based). */
  cellIndex: number | null;
  /** `edit` while typing in the cell, else `command`. */
  mode: 'command' | 'edit';
  /** When the location last changed (ms, the client's clock). */
  at: number;
}
