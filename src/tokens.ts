/*
 * Command ids and service tokens shared by the plugins.
 */
import { Token } from '@lumino/coreutils';

import type { EventsConnection, TrackingClient } from './api/tracking';
import type { IRunCache as IRunCacheType } from './collab/cells/runCache';

/**
 * Command ids (`mlplatform:<verb-noun>`).
 */
export namespace CommandIDs {
  /** Open the Experiments panel (args: `experimentIds?: string[]`). */
  export const openExperiments = 'mlplatform:open-experiments';
  /** Ask for a name and create an experiment. */
  export const newExperiment = 'mlplatform:new-experiment';
  /** Open a run's detail panel (args: `runId`). */
  export const openRun = 'mlplatform:open-run';
  /** Open the notebook that produced a run at its cell (args: `runId`). */
  export const openRunSource = 'mlplatform:open-run-source';
  /**
   * Reopen a run as a new notebook (its captured code path, the training cell
   * last), next to its source notebook (args: `runId`).
   */
  export const openRunNotebook = 'mlplatform:open-run-notebook';
  /** Compare the selected runs (or args: `runIds`). */
  export const compareRuns = 'mlplatform:compare-runs';
  /** Rename the selected run (or args: `runId`). */
  export const renameRun = 'mlplatform:rename-run';
  /** Set a tag on the selected runs. */
  export const tagRuns = 'mlplatform:tag-runs';
  /** Delete the selected runs (restorable). */
  export const deleteRuns = 'mlplatform:delete-runs';
  /** Restore the selected deleted runs. */
  export const restoreRuns = 'mlplatform:restore-runs';
  /** Copy the id of the selected run (or args: `runId`). */
  export const copyRunId = 'mlplatform:copy-run-id';
  /** Download the runs matching the filter as CSV. */
  export const exportRuns = 'mlplatform:export-runs-csv';
  /** Open the Deploy sidebar (args: `name?`: show that deployment). */
  export const openDeploy = 'mlplatform:open-deploy';
  /**
   * Deploy a run's model with one click: ask for the name, show the progress
   * in the Deploy sidebar (args: `runId`, `artifactPath?`).
   */
  export const deployRun = 'mlplatform:deploy-run';
  /**
   * Deploy the model of the selected run (or args: `runId`) through
   * `deployRun`; shown only for one run with a model package, and only when
   * the deploy plugin is there.
   */
  export const deploySelectedRun = 'mlplatform:deploy-selected-run';
  /** Open the Collaboration panel (who is here, the activity feed). */
  export const openCollaboration = 'mlplatform:open-collaboration';
  /**
   * Follow a collaborator: your view goes where they go until you act
   * (args: `username`; without it, ask whom). Toggles off when already
   * following them.
   */
  export const followUser = 'mlplatform:follow-user';
  /** Stop following the collaborator you follow. */
  export const stopFollowing = 'mlplatform:stop-following';
}

/**
 * The tracking service: one REST client and one event stream per page,
 * shared by every panel that shows experiments or runs.
 */
export interface ITrackingService {
  /** The typed REST client of `mlplatform/api/`. */
  readonly client: TrackingClient;
  /**
   * The `mlplatform/api/events` websocket. Its `received` signal fires once
   * per server event; call `connect()` before relying on it.
   */
  readonly events: EventsConnection;
}

export const ITrackingService = new Token<ITrackingService>(
  'jupyterlab-mlplatform:ITrackingService',
  'The experiment-tracking REST client and event stream of jupyterlab-mlplatform.'
);

/**
 * How many runs the compare view takes.
 */
export const COMPARE_RUNS_LIMITS = { min: 2, max: 50 } as const;

/**
 * The runs shown on notebook cells and in provenance chains: each read once
 * per page, then kept live from `ITrackingService.events` (no polling, no
 * socket of its own). See `src/collab/cells/runCache.ts`.
 */
export type IRunCache = IRunCacheType;

export const IRunCache = new Token<IRunCache>(
  'jupyterlab-mlplatform:IRunCache',
  'The shared cache of runs of jupyterlab-mlplatform: run badges on cells and provenance chains.'
);
