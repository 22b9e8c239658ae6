import { Notification } from '@jupyterlab/apputils';

import { EventsConnection, TrackingClient } from '../../../api/tracking';
import {
  FakeServer,
  FakeWebSocket,
  IRecordedRequest,
  makeRun,
  waitFor
} from '../../../__tests__/fakeServer';
import { IRunsTableState, RunsModel } from '../runsModel';

interface ISearchBody {
  experiment_ids: string[];
  filter: string;
  order_by: string[];
  max_results: number;
  page_token: string | null;
  run_view_type: string;
}

/** A search route over `count` runs, paged by offset tokens. */
function pagedRuns(count: number) {
  return (request: IRecordedRequest) => {
    const body = request.body as ISearchBody;
    if (body.filter === 'metrics.acc >') {
      return {
        status: 400,
        body: {
          message: "Invalid filter at position 13: expected a value after '>'",
          details: {
            field: 'filter',
            position: 13,
            reason: "expected a value after '>'"
          }
        }
      };
    }
    const offset = body.page_token ? Number(body.page_token) : 0;
    const end = Math.min(count, offset + body.max_results);
    const runs = [];
    for (let i = offset; i < end; i++) {
      runs.push(makeRun(`r${i}`, body.experiment_ids[0] ?? '1', `run ${i}`));
    }
    return {
      body: { runs, next_page_token: end < count ? String(end) : null }
    };
  };
}

describe('RunsModel', () => {
  let server: FakeServer;
  let model: RunsModel;
  let events: EventsConnection;
  let saved: IRunsTableState[];

  beforeEach(() => {
    FakeWebSocket.instances = [];
    saved = [];
    server = new FakeServer()
      .on('POST', 'runs/search', pagedRuns(450))
      .on('POST', 'runs/keys', {
        body: { params: ['lr'], metrics: ['acc', 'loss'], tags: [] }
      });
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    events = new EventsConnection({ serverSettings });
    model = new RunsModel({
      client: new TrackingClient({ serverSettings }),
      events,
      stateStore: {
        load: async () => null,
        save: async state => {
          saved.push(state);
        }
      }
    });
    model.pageSize = 200;
  });

  afterEach(() => {
    model.dispose();
    events.dispose();
  });

  it('loads the first page and the keys of the chosen experiments', async () => {
    await model.setExperimentIds(['7']);

    expect(model.runs).toHaveLength(200);
    expect(model.hasMore).toBe(true);
    expect(model.keys.metrics).toEqual(['acc', 'loss']);
    const search = server.requests.find(r => r.path === 'runs/search')!;
    expect(search.body).toMatchObject({
      experiment_ids: ['7'],
      max_results: 200,
      run_view_type: 'ACTIVE_ONLY'
    });
    // Default columns: attributes, then the metrics and params.
    expect(model.columns.map(c => c.id)).toContain('metrics.acc');
    expect(model.columns.map(c => c.id)).toContain('params.lr');
  });

  it('appends pages until the server has no more', async () => {
    await model.setExperimentIds(['1']);
    await model.loadMore();
    await model.loadMore();
    expect(model.runs).toHaveLength(450);
    expect(model.hasMore).toBe(false);
    expect(new Set(model.runs.map(r => r.run_id)).size).toBe(450);
  });

  it('sorts on the server by the column identifier', async () => {
    await model.setExperimentIds(['1']);
    await model.setSort({ columnId: 'params.lr', descending: false });
    expect((server.lastRequest.body as ISearchBody).order_by).toEqual([
      'params.lr ASC'
    ]);
    await model.setSort({ columnId: 'metrics.val loss', descending: true });
    expect((server.lastRequest.body as ISearchBody).order_by).toEqual([
      'metrics.`val loss` DESC'
    ]);
  });

  it('keeps where a bad filter is wrong, and clears it once fixed', async () => {
    const notify = jest.spyOn(Notification, 'error');
    await model.setExperimentIds(['1']);
    await model.setFilter('metrics.acc >');
    expect(model.filterError).toEqual({
      message: "expected a value after '>'",
      position: 13
    });
    expect(model.runs).toHaveLength(0);
    expect(notify).not.toHaveBeenCalled();

    await model.setFilter('metrics.acc > 1');
    expect(model.filterError).toBeNull();
    expect(model.runs).toHaveLength(200);
    notify.mockRestore();
  });

  it('remembers columns, pins and widths', async () => {
    await model.setExperimentIds(['1']);
    model.toggleColumn('metrics.loss');
    expect(model.visibleColumnIds).not.toContain('metrics.loss');
    model.togglePinned('metrics.acc');
    model.setWidth('metrics.acc', 5000);

    expect(model.columns[0].id).toBe('metrics.acc');
    expect(model.width(model.columns[0])).toBe(800);
    expect(saved[saved.length - 1]).toMatchObject({
      pinned: ['metrics.acc'],
      widths: { 'metrics.acc': 800 }
    });
    model.resetColumns();
    expect(model.visibleColumnIds).toContain('metrics.loss');
  });

  it('updates latest metrics live and reloads when a run is created', async () => {
    events.connect();
    FakeWebSocket.last.open();
    await model.setExperimentIds(['1']);
    const searches = () =>
      server.requests.filter(r => r.path === 'runs/search').length;
    const before = searches();

    FakeWebSocket.last.receive({
      type: 'metrics_appended',
      run_id: 'r3',
      experiment_id: '1',
      latest: { acc: { value: 0.75, step: 4, timestamp: 5 } },
      count: 1
    });
    expect(model.run('r3')!.metrics['acc'].value).toBe(0.75);

    FakeWebSocket.last.receive({
      type: 'run_created',
      run: makeRun('new', '1', 'fresh')
    });
    await waitFor(() => searches() > before, 3000);
    // The reload keeps what was loaded, and ignores other experiments.
    expect(
      (server.lastRequest.body as ISearchBody).max_results
    ).toBeGreaterThanOrEqual(200);
  });

  it('selects runs and prunes the selection to what is loaded', async () => {
    await model.setExperimentIds(['1']);
    model.setSelection(['r1', 'r2', 'gone']);
    expect(model.selectedRuns.map(r => r.run_id)).toEqual(['r1', 'r2']);
    await model.reloadRuns();
    expect([...model.selection]).toEqual(['r1', 'r2']);
  });

  it('exports every matching run as CSV with the visible columns', async () => {
    await model.setExperimentIds(['1']);
    model.setVisibleColumns(['attributes.run_name', 'attributes.user']);
    const csv = await model.exportCsv();
    const lines = csv!.trim().split('\r\n');
    expect(lines[0]).toBe('attributes.run_name,attributes.user');
    expect(lines).toHaveLength(451);
    expect(lines[450]).toBe('run 449,alice');
  });
});
