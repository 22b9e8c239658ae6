import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import { act } from 'react';
import { Awareness } from 'y-protocols/awareness';

import { PRESENCE_FIELD } from '../../api/collab';
import { EventsConnection, TrackingClient } from '../../api/tracking';
import { closeTab, linkAwareness, tab } from '../../collab/__tests__/room';
import { COLLAB_SIDEBAR_ID } from '../../collab/panel/CollabSidebar';
import { FOLLOWING_CLASS } from '../../collab/panel/lab';
import { FakeServer, FakeWebSocket } from '../../__tests__/fakeServer';
import { CommandIDs } from '../../tokens';
import { collabPlugin } from '../collab';

function actEnvironment(on: boolean): void {
  (
    globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
  ).IS_REACT_ACT_ENVIRONMENT = on;
}

/** Wait for a condition, letting React render inside `act` between checks. */
async function waitFor(condition: () => boolean): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > 2000) {
      throw new Error('Timed out waiting for a condition');
    }
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 10));
    });
  }
}

describe('collabPlugin', () => {
  let commands: CommandRegistry;
  let added: { widget: Widget; area: string; rank?: number }[];
  let activated: string[];
  let events: EventsConnection;
  let main: HTMLElement;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    const server = new FakeServer()
      .on('GET', 'collaboration', {
        body: { enabled: true, reason: null, message: '' }
      })
      .on('GET', 'activity', {
        body: {
          items: [
            {
              id: 1,
              time: 1_700_000_000_000,
              kind: 'deployment',
              user: { username: 'bob', name: 'Bob', display_name: 'Bob' },
              runs: [],
              deployment: {
                name: 'churn',
                action: 'version_added',
                version: 3,
                run_id: 'run-42'
              }
            }
          ],
          next_before: null
        }
      });
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    events = new EventsConnection({ serverSettings });
    commands = new CommandRegistry();
    added = [];
    activated = [];
    main = document.createElement('div');
    main.id = 'jp-main-dock-panel';
    document.body.appendChild(main);
    jest.spyOn(Notification, 'info').mockReturnValue('id');
  });

  afterEach(() => {
    added.forEach(({ widget }) => widget.dispose());
    events.dispose();
    main.remove();
    jest.restoreAllMocks();
  });

  function activate(awareness: Awareness | null): void {
    const app = {
      commands,
      serviceManager: { serverSettings: events.serverSettings },
      shell: {
        currentWidget: null,
        add: (widget: Widget, area: string, options?: { rank?: number }) =>
          added.push({ widget, area, rank: options?.rank }),
        activateById: (id: string) => activated.push(id)
      }
    } as unknown as JupyterFrontEnd;
    const docManager = {
      findWidget: () => undefined,
      openOrReveal: () => undefined,
      contextForWidget: () => undefined
    } as unknown as IDocumentManager;
    collabPlugin.activate(
      app,
      {
        client: new TrackingClient({ serverSettings: events.serverSettings }),
        events
      },
      awareness,
      null, // INotebookTracker
      docManager,
      null, // ILabShell
      null, // ILayoutRestorer
      null, // ICommandPalette
      null // ITranslator
    );
  }

  it('adds the Collaboration panel to the left sidebar and a command to open it', async () => {
    activate(null);
    expect(added.map(a => [a.widget.id, a.area, a.rank])).toEqual([
      [COLLAB_SIDEBAR_ID, 'left', 620]
    ]);
    expect(added[0].widget.title.caption).toBe('Collaboration');
    await commands.execute(CommandIDs.openCollaboration);
    expect(activated).toEqual([COLLAB_SIDEBAR_ID]);
    // Without jupyter-collaboration there is nobody to follow.
    expect(commands.isEnabled(CommandIDs.followUser)).toBe(false);
    expect(commands.isEnabled(CommandIDs.stopFollowing)).toBe(false);
  });

  it('opens the run and the deployment of an activity line', async () => {
    const calls: [string, unknown][] = [];
    for (const id of [CommandIDs.openRun, CommandIDs.openDeploy]) {
      commands.addCommand(id, { execute: args => void calls.push([id, args]) });
    }
    activate(null);
    const sidebar = added[0].widget;
    // React checks act() here only: elsewhere the panel renders unattended.
    actEnvironment(true);
    await act(async () => Widget.attach(sidebar, document.body));
    await waitFor(() => sidebar.node.textContent!.includes('deployed churn'));

    const links = sidebar.node.querySelectorAll<HTMLButtonElement>(
      '.jp-mlp-ActivityItem-link'
    );
    await act(async () => links.forEach(link => link.click()));
    expect(calls).toEqual([
      [CommandIDs.openDeploy, { name: 'churn' }],
      [CommandIDs.openRun, { runId: 'run-42' }]
    ]);
    await act(async () => {
      Widget.detach(sidebar);
      sidebar.dispose();
    });
    actEnvironment(false);
  });

  describe('with the global awareness', () => {
    let me: Awareness;
    let bob: Awareness;
    let unlink: () => void;

    beforeEach(() => {
      me = tab('alice', 'Alice');
      bob = tab('bob', 'Bob');
      unlink = linkAwareness(me, bob);
      bob.setLocalStateField(PRESENCE_FIELD, {
        path: 'a.ipynb',
        cellId: 'c1',
        cellIndex: 0,
        mode: 'command',
        at: 1
      });
      activate(me);
    });

    afterEach(() => {
      unlink();
      me.destroy();
      bob.destroy();
    });

    it('follows someone by username, and stops', async () => {
      const bobArgs = { username: 'bob' };
      expect(commands.label(CommandIDs.followUser, bobArgs)).toBe('Follow Bob');
      expect(commands.isEnabled(CommandIDs.followUser, bobArgs)).toBe(true);
      expect(
        commands.isEnabled(CommandIDs.followUser, { username: 'alice' })
      ).toBe(false);

      await commands.execute(CommandIDs.followUser, bobArgs);

      expect(commands.isToggled(CommandIDs.followUser, bobArgs)).toBe(true);
      expect(commands.label(CommandIDs.stopFollowing)).toBe(
        'Stop Following Bob'
      );
      expect(main.classList.contains(FOLLOWING_CLASS)).toBe(true);

      await commands.execute(CommandIDs.stopFollowing);
      expect(commands.isEnabled(CommandIDs.stopFollowing)).toBe(false);
      expect(main.classList.contains(FOLLOWING_CLASS)).toBe(false);
    });

    it('stops following on our own input in the main area only', async () => {
      await commands.execute(CommandIDs.followUser, { username: 'bob' });
      const sidebar = added[0].widget.node;
      sidebar.dispatchEvent(new Event('pointerdown', { bubbles: true }));
      expect(commands.isEnabled(CommandIDs.stopFollowing)).toBe(true);

      const cell = document.createElement('div');
      main.appendChild(cell);
      cell.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true }));
      expect(commands.isEnabled(CommandIDs.stopFollowing)).toBe(false);
    });

    it('tells us when the person we follow leaves', async () => {
      await commands.execute(CommandIDs.followUser, { username: 'bob' });
      closeTab(bob);
      expect(commands.isEnabled(CommandIDs.stopFollowing)).toBe(false);
      expect(Notification.info).toHaveBeenCalledWith(
        'Bob left: you no longer follow them.',
        expect.anything()
      );
    });
  });
});
