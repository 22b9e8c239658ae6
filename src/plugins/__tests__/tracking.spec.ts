import { JupyterFrontEnd } from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';

import { FakeServer, waitFor } from '../../__tests__/fakeServer';
import { ExperimentsSidebar } from '../../panels/experiments/ExperimentsSidebar';
import { trackingPlugin } from '../tracking';

/** Loaded settings with these user values (the schema default: 100). */
function settings(
  user: Record<string, number>,
  key: string
): ISettingRegistry.ISettings {
  return {
    user,
    get: (name: string) => ({
      composite: user[name] ?? (name === key ? 100 : undefined)
    }),
    changed: new Signal({})
  } as unknown as ISettingRegistry.ISettings;
}

function activate(
  pages: Record<string, ISettingRegistry.ISettings | null>
): ExperimentsSidebar {
  const added: ExperimentsSidebar[] = [];
  const app = {
    commands: new CommandRegistry(),
    serviceManager: { serverSettings: new FakeServer().settings() },
    shell: { add: (widget: ExperimentsSidebar) => added.push(widget) }
  } as unknown as JupyterFrontEnd;
  const registry = {
    load: async (id: string) => {
      const page = pages[id];
      if (!page) {
        throw new Error(`no settings for ${id}`);
      }
      return page;
    }
  } as unknown as ISettingRegistry;
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  trackingPlugin.activate(app, null, registry, null);
  return added[0];
}

describe('trackingPlugin: the sidebar limit', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('reads sidebarPageSize from the Experiments settings page', async () => {
    const sidebar = activate({
      'jupyterlab-mlplatform:experiments': settings(
        { sidebarPageSize: 250 },
        'sidebarPageSize'
      ),
      'jupyterlab-mlplatform:tracking': settings({ pageSize: 30 }, 'pageSize')
    });

    await waitFor(() => sidebar.model.pageSize === 250);
    sidebar.dispose();
  });

  it('still reads a pageSize set on the former tracking page', async () => {
    const sidebar = activate({
      'jupyterlab-mlplatform:experiments': settings({}, 'sidebarPageSize'),
      'jupyterlab-mlplatform:tracking': settings({ pageSize: 30 }, 'pageSize')
    });

    await waitFor(() => sidebar.model.pageSize === 30);
    sidebar.dispose();
  });

  it('keeps the old page working when the Experiments page cannot load', async () => {
    const sidebar = activate({
      'jupyterlab-mlplatform:experiments': null,
      'jupyterlab-mlplatform:tracking': settings({ pageSize: 30 }, 'pageSize')
    });

    await waitFor(() => sidebar.model.pageSize === 30);
    sidebar.dispose();
  });
});
