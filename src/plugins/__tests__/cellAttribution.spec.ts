/*
 * The cell attribution plugin in a page: a real notebook tracker and a real
 * notebook panel (JupyterLab's test context); only the server is fake.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { NotebookPanel, NotebookTracker } from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import { CommandRegistry } from '@lumino/commands';
import { PartialJSONValue } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { EventsConnection, TrackingClient } from '../../api/tracking';
import { record } from '../../collab/cells/__tests__/records';
import {
  FakeServer,
  FakeWebSocket,
  makeRun,
  waitFor
} from '../../__tests__/fakeServer';
import { CommandIDs } from '../../tokens';
import { cellAttributionPlugin } from '../cellAttribution';

/**
 * jsdom lays nothing out (and JupyterLab's test shim makes
 * `IntersectionObserver` a no-op): here every observed element is in view.
 */
class InViewObserver {
  constructor(
    private _callback: (
      entries: Array<{ target: Element; isIntersecting: boolean }>
    ) => void
  ) {}
  observe(target: Element): void {
    this._callback([{ target, isIntersecting: true }]);
  }
  unobserve(): void {
    // Nothing to stop.
  }
  disconnect(): void {
    // Nothing to stop.
  }
}

describe('cellAttributionPlugin', () => {
  const shimmed = window.IntersectionObserver;
  beforeAll(() => {
    window.IntersectionObserver =
      InViewObserver as unknown as typeof IntersectionObserver;
  });
  afterAll(() => {
    window.IntersectionObserver = shimmed;
  });

  let commands: CommandRegistry;
  let events: EventsConnection;
  let tracker: NotebookTracker;
  let panel: NotebookPanel;
  let opened: unknown[];

  beforeEach(async () => {
    FakeWebSocket.instances = [];
    const server = new FakeServer().on('GET', 'runs/r1', {
      body: makeRun('r1', '1', 'brave-owl-3')
    });
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    events = new EventsConnection({ serverSettings });
    commands = new CommandRegistry();
    opened = [];
    commands.addCommand(CommandIDs.openRun, {
      execute: args => void opened.push(args)
    });
    tracker = new NotebookTracker({ namespace: 'test-notebooks' });
    cellAttributionPlugin.activate(
      { commands } as unknown as JupyterFrontEnd,
      tracker,
      { client: new TrackingClient({ serverSettings }), events },
      null,
      null,
      null,
      null
    );
    const context = await NBTestUtils.createMockContext();
    panel = NBTestUtils.createNotebookPanel(context);
    context.model.sharedModel.insertCell(0, {
      cell_type: 'code',
      id: 'train',
      source: 'fit()',
      metadata: {}
    });
    Widget.attach(panel, document.body);
  });

  afterEach(() => {
    panel.dispose();
    tracker.dispose();
    events.dispose();
  });

  it('shows on the notebooks the tracker opens who ran each cell and its runs', async () => {
    await tracker.add(panel);
    const cell = panel.content.widgets.find(c => c.model.id === 'train')!;

    cell.model.sharedModel.setMetadata('mlplatform', {
      execution: record({ runs: ['r1'] })
    } as unknown as PartialJSONValue);

    await waitFor(
      () =>
        cell.node.querySelector('.jp-mlp-RunBadge[data-state="ready"]') !== null
    );
    expect(cell.node.querySelector('.jp-mlp-CellChip-name')!.textContent).toBe(
      'Alice Smith'
    );
    (cell.node.querySelector('.jp-mlp-RunBadge') as HTMLElement).click();
    await waitFor(() => opened.length === 1);
    expect(opened).toEqual([{ runId: 'r1' }]);
  });
});
