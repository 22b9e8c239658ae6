/*
 * Command ids and service tokens shared by the plugins.
 */
import { Token } from '@lumino/coreutils';

import type { EventsConnection, TrackingClient } from './api/tracking';

/**
 * Command ids (`mlplatform:<verb-noun>`).
 */
export namespace CommandIDs {
  /** Show the Experiments sidebar. */
  export const openExperiments = 'mlplatform:open-experiments';
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
