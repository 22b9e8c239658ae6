import { WidgetTracker } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { TrackingClient } from '../../../api/tracking';
import { FakeServer, makeRun, waitFor } from '../../../__tests__/fakeServer';
import { ComparePanel } from '../../compare/ComparePanel';
import { RunPanel } from '../RunPanel';

describe('main-area panels', () => {
  let client: TrackingClient;

  beforeEach(() => {
    const server = new FakeServer()
      .on('GET', /^runs\/r\d$/, request => ({
        body: makeRun(
          request.path.slice(5),
          '1',
          `name of ${request.path.slice(5)}`
        )
      }))
      .on('POST', 'runs/search', request => ({
        body: {
          runs: (
            (request.body as { filter: string }).filter.match(/r\d/g) ?? []
          ).map(id => makeRun(id, '1', `name of ${id}`)),
          next_page_token: null
        }
      }))
      .on('POST', 'runs/metric-histories', { body: { histories: [] } });
    client = new TrackingClient({ serverSettings: server.settings() });
  });

  it.each([
    [
      'RunPanel',
      (commands: CommandRegistry) =>
        new RunPanel({ runId: 'r1', client, commands })
    ],
    [
      'ComparePanel',
      (commands: CommandRegistry) =>
        new ComparePanel({ runIds: ['r1', 'r2'], client, commands })
    ]
  ])(
    '%s: closing its tab disposes it and its tracker forgets it',
    async (_, create) => {
      const tracker = new WidgetTracker<Widget>({ namespace: 'test' });
      const panel = create(new CommandRegistry());
      await tracker.add(panel);
      Widget.attach(panel, document.body);
      await waitFor(() =>
        (panel.node.textContent ?? '').includes('name of r1')
      );

      panel.close();

      expect(panel.isDisposed).toBe(true);
      expect(tracker.size).toBe(0);
      tracker.dispose();
    }
  );

  it('ComparePanel: two runs get a Code tab, more runs do not', async () => {
    const panel = new ComparePanel({
      runIds: ['r1', 'r2'],
      client,
      commands: new CommandRegistry()
    });
    Widget.attach(panel, document.body);
    await waitFor(() => (panel.node.textContent ?? '').includes('name of r1'));
    const tabs = [...panel.node.querySelectorAll<HTMLElement>('[role="tab"]')];
    expect(tabs.map(tab => tab.textContent)).toEqual(['Overview', 'Code']);

    tabs[1].click();

    // These runs have no captured files (the artifacts listing is a 404):
    // the list of differences still comes (its rows need a layout to show).
    await waitFor(
      () => panel.node.querySelector('[aria-label="Code differences"]') !== null
    );
    expect(panel.node.textContent).not.toContain('Metrics over time');
    expect(tabs[1].getAttribute('aria-selected')).toBe('true');
    panel.dispose();

    const three = new ComparePanel({
      runIds: ['r1', 'r2', 'r3'],
      client,
      commands: new CommandRegistry()
    });
    Widget.attach(three, document.body);
    await waitFor(() => (three.node.textContent ?? '').includes('name of r3'));
    expect(three.node.querySelector('[role="tab"]')).toBeNull();
    three.dispose();
  });
});
