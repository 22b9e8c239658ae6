import { JupyterFrontEnd } from '@jupyterlab/application';
import { ServerConnection } from '@jupyterlab/services';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { MODELS_TAG } from '../../api/deployments';
import { EventsConnection, TrackingClient } from '../../api/tracking';
import {
  FakeServer,
  FakeWebSocket,
  makeExperiment,
  makeRun,
  waitFor
} from '../../__tests__/fakeServer';
import type { ExperimentsPanel } from '../../panels/experiments/ExperimentsPanel';
import { CommandIDs } from '../../tokens';
import { experimentsPlugin } from '../experiments';

const MODELS = JSON.stringify([{ artifact_path: 'model', flavor: 'sklearn' }]);

interface IMenuItem {
  command: string;
  selector: string;
}

/**
 * The plugin activated in a stand-in app (`extra`: more of the app), with
 * what it registered: commands, context menu items and the widgets it added.
 */
function activatePlugin(
  serverSettings: ServerConnection.ISettings,
  events: EventsConnection,
  extra: Record<string, unknown> = {}
): { commands: CommandRegistry; menu: IMenuItem[]; added: Widget[] } {
  const commands = new CommandRegistry();
  const menu: IMenuItem[] = [];
  const added: Widget[] = [];
  const app = {
    commands,
    contextMenu: { addItem: (item: IMenuItem) => menu.push(item) },
    shell: {
      currentWidget: null,
      add: (widget: Widget) => added.push(widget),
      activateById: () => undefined
    },
    ...extra
  } as unknown as JupyterFrontEnd;
  experimentsPlugin.activate(
    app,
    { client: new TrackingClient({ serverSettings }), events },
    ...Array(8).fill(null)
  );
  return { commands, menu, added };
}

describe('experimentsPlugin: Deploy Model…', () => {
  let commands: CommandRegistry;
  let events: EventsConnection;
  let menu: IMenuItem[];
  let added: Widget[];

  beforeEach(() => {
    FakeWebSocket.instances = [];
    const server = new FakeServer()
      .on('GET', 'experiments', {
        body: { experiments: [makeExperiment('1', 'iris')] }
      })
      .on('POST', 'runs/search', {
        body: {
          runs: [
            makeRun('r1', '1', 'with-model', {
              tags: { [MODELS_TAG]: MODELS }
            }),
            makeRun('r2', '1', 'no-model'),
            makeRun('r3', '1', 'other-model', {
              tags: { [MODELS_TAG]: MODELS }
            })
          ],
          next_page_token: null
        }
      })
      .on('POST', 'runs/keys', {
        body: { params: [], metrics: [], tags: [MODELS_TAG] }
      });
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    events = new EventsConnection({ serverSettings });
    ({ commands, menu, added } = activatePlugin(serverSettings, events));
  });

  afterEach(() => {
    added.forEach(widget => widget.dispose());
    events.dispose();
  });

  /** Open the panel on experiment 1 and wait for its three runs. */
  async function openPanel(): Promise<ExperimentsPanel> {
    await commands.execute(CommandIDs.openExperiments, {
      experimentIds: ['1']
    });
    const panel = added[0] as ExperimentsPanel;
    await waitFor(() => panel.runs.runs.length === 3);
    return panel;
  }

  /** Stand in for the deploy plugin's command; gives the list of its calls. */
  function addDeployRun(enabled = true): unknown[] {
    const calls: unknown[] = [];
    commands.addCommand(CommandIDs.deployRun, {
      isEnabled: () => enabled,
      execute: args => {
        calls.push(args);
      }
    });
    return calls;
  }

  it('opens one panel when the command runs twice while its code loads', async () => {
    await Promise.all([
      commands.execute(CommandIDs.openExperiments),
      commands.execute(CommandIDs.openExperiments, { experimentIds: ['1'] })
    ]);

    expect(added).toHaveLength(1);
    await waitFor(() => (added[0] as ExperimentsPanel).runs.runs.length === 3);
  });

  it('adds the entry to the runs table rows', () => {
    expect(menu).toContainEqual(
      expect.objectContaining({
        command: CommandIDs.deploySelectedRun,
        selector: '.jp-mlp-RunsTable-row'
      })
    );
  });

  it('shows for one selected run with a model and deploys it through deployRun', async () => {
    const calls = addDeployRun();
    const panel = await openPanel();

    panel.runs.setSelection(['r1']);

    expect(commands.label(CommandIDs.deploySelectedRun)).toBe('Deploy Model…');
    expect(commands.isVisible(CommandIDs.deploySelectedRun)).toBe(true);
    expect(commands.isEnabled(CommandIDs.deploySelectedRun)).toBe(true);
    await commands.execute(CommandIDs.deploySelectedRun);
    expect(calls).toEqual([{ runId: 'r1' }]);
  });

  it('takes the run from its runId argument', async () => {
    addDeployRun();
    const panel = await openPanel();
    panel.runs.setSelection(['r2']);

    expect(
      commands.isVisible(CommandIDs.deploySelectedRun, { runId: 'r3' })
    ).toBe(true);
    expect(commands.isVisible(CommandIDs.deploySelectedRun)).toBe(false);
  });

  it('hides for a run without a model, several runs or none', async () => {
    addDeployRun();
    const panel = await openPanel();

    for (const selection of [['r2'], ['r1', 'r3'], []]) {
      panel.runs.setSelection(selection);
      expect(commands.isVisible(CommandIDs.deploySelectedRun)).toBe(false);
    }
  });

  it('hides without the deploy plugin', async () => {
    const panel = await openPanel();

    panel.runs.setSelection(['r1']);

    expect(commands.hasCommand(CommandIDs.deployRun)).toBe(false);
    expect(commands.isVisible(CommandIDs.deploySelectedRun)).toBe(false);
    expect(commands.isEnabled(CommandIDs.deploySelectedRun)).toBe(false);
  });

  it('is disabled while deployRun is (a deploy in progress)', async () => {
    addDeployRun(false);
    const panel = await openPanel();

    panel.runs.setSelection(['r1']);

    expect(commands.isVisible(CommandIDs.deploySelectedRun)).toBe(true);
    expect(commands.isEnabled(CommandIDs.deploySelectedRun)).toBe(false);
  });

  it('adds a Deploy button to the toolbar only while it applies', async () => {
    addDeployRun();
    const panel = await openPanel();
    Widget.attach(panel, document.body);
    const deployButton = () =>
      Array.from(panel.node.querySelectorAll('button')).find(
        button => button.textContent === 'Deploy'
      );

    panel.runs.setSelection(['r1']);
    await waitFor(() => deployButton() !== undefined);
    panel.runs.setSelection(['r2']);
    await waitFor(() => deployButton() === undefined);
  });
});

describe('experimentsPlugin: the current user for "mine"', () => {
  it("gives the runs table the identity's name, the one runs record", async () => {
    const server = new FakeServer()
      .on('GET', 'experiments', { body: { experiments: [] } })
      .on('POST', 'runs/search', { body: { runs: [], next_page_token: null } })
      .on('POST', 'runs/keys', { body: { params: [], metrics: [], tags: [] } });
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    const events = new EventsConnection({ serverSettings });
    const { commands, added } = activatePlugin(serverSettings, events, {
      serviceManager: {
        user: {
          ready: Promise.resolve(),
          identity: { username: 'a1b2c3', name: 'Alice' }
        }
      }
    });

    await commands.execute(CommandIDs.openExperiments);
    const panel = added[0] as ExperimentsPanel;
    await waitFor(() => panel.runs.currentUser !== null);
    expect(panel.runs.currentUser).toBe('Alice');
    panel.dispose();
    events.dispose();
  });
});
