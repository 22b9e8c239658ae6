import { Notification } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { EventsConnection, TrackingClient } from '../../../api/tracking';
import {
  FakeServer,
  FakeWebSocket,
  makeExperiment,
  makeRun,
  waitFor
} from '../../../__tests__/fakeServer';
import {
  EXPERIMENTS_SIDEBAR_ID,
  ExperimentsSidebar
} from '../ExperimentsSidebar';
import { ExperimentsModel } from '../model';

function text(widget: Widget): string {
  return widget.node.textContent ?? '';
}

describe('ExperimentsSidebar', () => {
  let server: FakeServer;
  let sidebar: ExperimentsSidebar;
  let events: EventsConnection;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    server = new FakeServer()
      .on('GET', 'experiments', {
        body: {
          experiments: [
            makeExperiment('1', 'baseline', 1_700_000_000_000),
            makeExperiment('2', 'lr-sweep', 1_700_000_500_000)
          ]
        }
      })
      .on('POST', 'runs/search', request => {
        const ids = (request.body as { experiment_ids: string[] })
          .experiment_ids;
        return {
          body: {
            runs:
              ids[0] === '2'
                ? [
                    makeRun('r1', '2', 'lr=0.1', {
                      status: 'FINISHED',
                      metrics: {
                        loss: { value: 0.123456, step: 9, timestamp: 1 },
                        acc: { value: 'NaN', step: 9, timestamp: 1 }
                      }
                    })
                  ]
                : [],
            next_page_token: null
          }
        };
      });
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    events = new EventsConnection({ serverSettings });
    const model = new ExperimentsModel({
      client: new TrackingClient({ serverSettings }),
      events
    });
    sidebar = new ExperimentsSidebar({ model });
  });

  afterEach(() => {
    sidebar.dispose();
    events.dispose();
  });

  it('has the id, icon and caption of a sidebar tab', () => {
    expect(sidebar.id).toBe(EXPERIMENTS_SIDEBAR_ID);
    expect(sidebar.title.caption).toBe('Experiments');
    expect(sidebar.title.icon).toBeTruthy();
  });

  it('lists the experiments returned by the server when shown', async () => {
    Widget.attach(sidebar, document.body);

    await waitFor(() => text(sidebar).includes('lr-sweep'));

    const names = Array.from(
      sidebar.node.querySelectorAll('.jp-mlp-ExperimentList-name')
    ).map(node => node.textContent);
    // Newest first.
    expect(names).toEqual(['lr-sweep', 'baseline']);
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      path: 'experiments'
    });
    // It subscribed to the event stream.
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('shows the runs of the experiment that is clicked', async () => {
    Widget.attach(sidebar, document.body);
    await waitFor(() => text(sidebar).includes('lr-sweep'));

    const button = sidebar.node.querySelector<HTMLButtonElement>(
      '[data-experiment-id="2"]'
    );
    button!.click();
    await waitFor(() => text(sidebar).includes('lr=0.1'));

    expect(server.lastRequest).toMatchObject({
      method: 'POST',
      path: 'runs/search',
      body: { experiment_ids: ['2'], max_results: 100 }
    });
    const run = sidebar.node.querySelector('.jp-mlp-RunList-item')!;
    expect(run.textContent).toContain('FINISHED');
    expect(run.textContent).toContain('alice');
    expect(run.textContent).toContain('0.1235');
    expect(run.textContent).toContain('NaN');
  });

  it('reloads the runs when the server announces a new run', async () => {
    Widget.attach(sidebar, document.body);
    await waitFor(() => text(sidebar).includes('lr-sweep'));
    await sidebar.model.select('2');
    const before = server.requests.length;

    FakeWebSocket.last.open();
    FakeWebSocket.last.receive({
      type: 'run_created',
      run: makeRun('r2', '2', 'lr=0.2')
    });

    await waitFor(() => server.requests.length > before);
    expect(server.lastRequest.path).toBe('runs/search');
  });

  it('creates an experiment from the "New experiment" dialog', async () => {
    const created = makeExperiment('3', 'from-dialog', 1_800_000_000_000);
    server.on('POST', 'experiments', { status: 201, body: created });
    Widget.attach(sidebar, document.body);
    await waitFor(() => text(sidebar).includes('lr-sweep'));

    const done = sidebar.newExperiment();
    await waitFor(() => document.querySelector('.jp-Dialog input') !== null);
    const input = document.querySelector<HTMLInputElement>('.jp-Dialog input')!;
    input.value = '  from-dialog ';
    document
      .querySelector('.jp-Dialog')!
      .dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
      );
    await done;

    const post = server.requests.find(r => r.method === 'POST');
    expect(post).toMatchObject({
      path: 'experiments',
      body: { name: 'from-dialog' }
    });
    expect(sidebar.model.selectedExperimentId).toBe('3');
  });

  it('reports a failed load with Notification.error', async () => {
    const failing = new FakeServer().on('GET', 'experiments', {
      status: 503,
      body: { message: 'The tracking database is unavailable', reason: null }
    });
    const model = new ExperimentsModel({
      client: new TrackingClient({ serverSettings: failing.settings() })
    });
    const error = jest.spyOn(Notification, 'error');

    await model.refresh();

    expect(error).toHaveBeenCalledWith(
      expect.stringContaining('The tracking database is unavailable'),
      expect.anything()
    );
    expect(model.loading).toBe(false);
    error.mockRestore();
    model.dispose();
  });
});
