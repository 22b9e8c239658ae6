/*
 * Who ran what on every cell: wiring only. The execution strip (chip, run
 * badges, stale-output note) on the code cells of every notebook, and its
 * user settings.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IGlobalAwareness } from '@jupyter/collaborative-drive';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { Awareness } from 'y-protocols/awareness';

// The strips are on the cells of every notebook from the start, so their
// modules load with the plugin.

import { AwarenessColors } from '../collab/identity';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RunCache } from '../collab/cells/runCache';
import {
  CELL_ATTRIBUTION_PLUGIN_ID,
  readAttributionSettings
} from '../collab/cells/settings';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { CellAttribution } from '../collab/cells/tracker';
import { CommandIDs, IRunCache, ITrackingService } from '../tokens';

export const cellAttributionPlugin: JupyterFrontEndPlugin<void> = {
  id: CELL_ATTRIBUTION_PLUGIN_ID,
  description:
    'Who ran what on every code cell: the person and time of the last run, a badge per run it created, and stale-output marks after upstream re-runs.',
  autoStart: true,
  requires: [INotebookTracker, ITrackingService],
  optional: [IRunCache, ISettingRegistry, ITranslator, IGlobalAwareness],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    tracking: ITrackingService,
    runCache: IRunCache | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    awareness: Awareness | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mlplatform');
    const { commands } = app;
    const runs =
      runCache ??
      new RunCache({ client: tracking.client, events: tracking.events });
    const attribution = new CellAttribution({
      trans,
      runs,
      colors: awareness ? new AwarenessColors(awareness) : null,
      openRun: runId => {
        if (commands.hasCommand(CommandIDs.openRun)) {
          void commands.execute(CommandIDs.openRun, { runId });
        }
      }
    });

    const follow = (panel: NotebookPanel): void => {
      attribution.attach(panel.content);
    };
    tracker.forEach(follow);
    tracker.widgetAdded.connect((_, panel) => follow(panel));

    if (settingRegistry) {
      settingRegistry
        .load(CELL_ATTRIBUTION_PLUGIN_ID)
        .then(settings => {
          const apply = (): void => {
            attribution.settings = readAttributionSettings(
              key => settings.get(key).composite
            );
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error(
            `Failed to load the settings of ${CELL_ATTRIBUTION_PLUGIN_ID}.`,
            reason
          );
        });
    }
  }
};
