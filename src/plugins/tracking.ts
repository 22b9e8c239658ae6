/*
 * Experiment tracking plugin: wiring only.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// The sidebar tab exists from the start, so its modules load with the plugin.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { EventsConnection, TrackingClient } from '../api/tracking';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  EXPERIMENTS_SIDEBAR_ID,
  ExperimentsSidebar
} from '../panels/experiments/ExperimentsSidebar';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { ExperimentsModel } from '../panels/experiments/model';
import { readSidebarPageSize } from '../panels/experiments/settings';
import { ITrackingService } from '../tokens';

const PLUGIN_ID = 'jupyterlab-mlplatform:tracking';
/** The one settings page of the Experiments sidebar and panel. */
const EXPERIMENTS_SETTINGS_ID = 'jupyterlab-mlplatform:experiments';

export const trackingPlugin: JupyterFrontEndPlugin<ITrackingService> = {
  id: PLUGIN_ID,
  description:
    'Experiment tracking: the REST client, the event stream and the Experiments sidebar.',
  autoStart: true,
  provides: ITrackingService,
  optional: [ILayoutRestorer, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): ITrackingService => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mlplatform');
    const serverSettings = app.serviceManager.serverSettings;
    const client = new TrackingClient({ serverSettings });
    const events = new EventsConnection({ serverSettings });

    const model = new ExperimentsModel({ client, events, trans });
    const sidebar = new ExperimentsSidebar({
      model,
      trans,
      commands: app.commands
    });
    app.shell.add(sidebar, 'left', { rank: 600 });
    restorer?.add(sidebar, EXPERIMENTS_SIDEBAR_ID);

    if (settingRegistry) {
      // The sidebar's limit lives on the Experiments page; the value a user
      // set on this plugin's former page (hidden now) is still read. Either
      // page may fail to load (a disabled plugin): the other still applies.
      const load = (id: string) =>
        settingRegistry.load(id).catch(reason => {
          console.error(`Failed to load the settings of ${id}.`, reason);
          return null;
        });
      void Promise.all([load(EXPERIMENTS_SETTINGS_ID), load(PLUGIN_ID)]).then(
        ([experiments, legacy]) => {
          const apply = (): void => {
            model.pageSize = readSidebarPageSize(experiments, legacy);
          };
          apply();
          experiments?.changed.connect(apply);
          legacy?.changed.connect(apply);
        }
      );
    }

    return { client, events };
  }
};
