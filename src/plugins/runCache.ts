/*
 * The run cache plugin: wiring only. One cache of runs per page, on the
 * tracking service's client and events websocket, shared by the run badges
 * on cells and the provenance chains of the run view and the Deploy panel.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

// Small, and needed by the cells of every notebook from the start.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RunCache } from '../collab/cells/runCache';
import { IRunCache, ITrackingService } from '../tokens';

export const runCachePlugin: JupyterFrontEndPlugin<IRunCache> = {
  id: 'jupyterlab-mlplatform:run-cache',
  description:
    'The shared cache of runs: each run read once per page, then kept live from the events websocket.',
  autoStart: true,
  provides: IRunCache,
  requires: [ITrackingService],
  activate: (_: JupyterFrontEnd, tracking: ITrackingService): IRunCache =>
    new RunCache({ client: tracking.client, events: tracking.events })
};
