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
});
