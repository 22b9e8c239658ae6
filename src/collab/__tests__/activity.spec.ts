import { Notification } from '@jupyterlab/apputils';
import {
  Gettext,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';

import {
  CollabClient,
  DeploymentAction,
  IActivityItem
} from '../../api/collab';
import { EventsConnection } from '../../api/tracking';
import {
  FakeServer,
  FakeWebSocket,
  IRecordedRequest,
  waitFor
} from '../../__tests__/fakeServer';
import { ActivityModel } from '../activity/model';
import { activityText, describeActivity } from '../activity/wording';

const trans = nullTranslator.load('jupyterlab_mlplatform');

const ALICE = {
  username: 'alice',
  name: 'Alice',
  display_name: 'Alice',
  initials: 'A',
  color: null,
  avatar_url: null
};

function execution(
  id: number,
  extra: Partial<IActivityItem> = {}
): IActivityItem {
  return {
    id,
    time: 1_700_000_000_000 + id * 1000,
    kind: 'execution',
    user: ALICE,
    notebook_path: 'projects/churn.ipynb',
    cell_id: `cell-${id}`,
    cell_index: 6,
    execution_count: 12,
    status: 'ok',
    runs: [],
    deployment: null,
    ...extra
  };
}

function deployment(
  action: DeploymentAction,
  extra: Partial<NonNullable<IActivityItem['deployment']>> = {}
): IActivityItem {
  return {
    id: 1,
    time: 1_700_000_000_000,
    kind: 'deployment',
    user: { ...ALICE, username: 'bob', name: 'Bob', display_name: 'Bob' },
    runs: [],
    deployment: { name: 'churn', action, version: 2, run_id: null, ...extra }
  };
}

describe('activity wording', () => {
  it('says who ran which cell (1-based) of which notebook, and the runs made', () => {
    const item = execution(1, {
      runs: [
        {
          run_id: 'r1',
          name: 'brave-owl-3',
          experiment_id: '1',
          status: 'FINISHED',
          metrics: { loss: 0.2, val_acc: 0.9132, epoch: 9 }
        }
      ]
    });
    expect(activityText(item, trans)).toBe(
      'Alice ran cell 7 of churn.ipynb → run brave-owl-3 (val_acc 0.913)'
    );
  });

  it('links the cell, the run and the deployment', () => {
    const item = execution(1, {
      runs: [
        {
          run_id: 'r1',
          name: '',
          experiment_id: '1',
          status: 'RUNNING',
          metrics: {}
        }
      ]
    });
    const links = describeActivity(item, trans)
      .filter(s => s.link)
      .map(s => [s.text, s.link]);
    expect(links).toEqual([
      [
        'cell 7 of churn.ipynb',
        { kind: 'cell', path: 'projects/churn.ipynb', cellId: 'cell-1' }
      ],
      ['run r1', { kind: 'run', runId: 'r1' }]
    ]);
    expect(
      describeActivity(deployment('stopped'), trans).find(s => s.link)?.link
    ).toEqual({ kind: 'deployment', name: 'churn' });
  });

  it('words each execution status', () => {
    const text = (status: IActivityItem['status']) =>
      activityText(execution(1, { status }), trans);
    expect(text('running')).toBe('Alice is running cell 7 of churn.ipynb');
    expect(text('ok')).toBe('Alice ran cell 7 of churn.ipynb');
    expect(text('error')).toBe('Alice ran cell 7 of churn.ipynb, which failed');
    expect(text('aborted')).toBe(
      'Alice ran cell 7 of churn.ipynb, which was aborted'
    );
  });

  it('says "a cell" when the position or the notebook is unknown', () => {
    expect(activityText(execution(1, { cell_index: null }), trans)).toBe(
      'Alice ran a cell of churn.ipynb'
    );
    const nowhere = execution(1, { cell_index: null, notebook_path: null });
    expect(activityText(nowhere, trans)).toBe('Alice ran a cell');
    expect(describeActivity(nowhere, trans).some(s => s.link)).toBe(false);
  });

  it('names three runs and counts the others', () => {
    const runs = ['a', 'b', 'c', 'd', 'e'].map(name => ({
      run_id: `id-${name}`,
      name,
      experiment_id: '1',
      status: 'FINISHED',
      metrics: {}
    }));
    expect(activityText(execution(1, { runs }), trans)).toBe(
      'Alice ran cell 7 of churn.ipynb → run a, run b, run c and 2 more runs'
    );
  });

  it('words every deployment action', () => {
    const text = (
      action: DeploymentAction,
      extra: Partial<NonNullable<IActivityItem['deployment']>> = {}
    ) => activityText(deployment(action, extra), trans);
    expect(text('created', { version: 1 })).toBe(
      'Bob created the deployment churn (v1)'
    );
    expect(text('version_added')).toBe('Bob deployed churn v2');
    expect(text('version_added', { version: null })).toBe(
      'Bob deployed a new version of churn'
    );
    expect(text('rolled_back', { version: 1 })).toBe(
      'Bob rolled churn back to v1'
    );
    expect(text('stopped')).toBe('Bob stopped churn');
    expect(text('started')).toBe('Bob started churn');
    expect(text('restarted')).toBe('Bob restarted churn');
    expect(text('deleted')).toBe('Bob deleted the deployment churn');
    // A deleted deployment has nothing to open.
    expect(
      describeActivity(deployment('deleted'), trans).some(s => s.link)
    ).toBe(false);
  });

  it('names the run a deployment serves', () => {
    const item = deployment('version_added', { run_id: 'abcdef123456' });
    expect(activityText(item, trans)).toBe(
      'Bob deployed churn v2 from run abcdef12'
    );
    expect(
      activityText(
        {
          ...item,
          runs: [
            {
              run_id: 'abcdef123456',
              name: 'calm-fox-1',
              experiment_id: '1',
              status: 'FINISHED',
              metrics: {}
            }
          ]
        },
        trans
      )
    ).toBe('Bob deployed churn v2 from run calm-fox-1');
    // Stopping is not about a run.
    expect(text('stopped')).toBe('Bob stopped churn');
    function text(action: DeploymentAction) {
      return activityText(
        deployment(action, { run_id: 'abcdef123456' }),
        trans
      );
    }
  });
});

describe('activity wording in another language', () => {
  it('keeps the links where the translation puts the parts', () => {
    const german: Record<string, string> = {
      '%1 ran %2': '%2 wurde von %1 ausgeführt',
      'cell %1 of %2': 'Zelle %1 von %2'
    };
    const de = {
      ...trans,
      __: (msgid: string, ...args: unknown[]) =>
        Gettext.strfmt(german[msgid] ?? msgid, ...args)
    } as TranslationBundle;
    const segments = describeActivity(execution(1), de);
    expect(segments.map(s => s.text).join('')).toBe(
      'Zelle 7 von churn.ipynb wurde von Alice ausgeführt'
    );
    expect(segments[0].link?.kind).toBe('cell');
    expect(segments[2].role).toBe('user');
  });
});

describe('ActivityModel', () => {
  let server: FakeServer;
  let events: EventsConnection;
  let model: ActivityModel;
  /** All items on the server, newest first. */
  let stored: IActivityItem[];

  /** The server's paging: newest first, `before` an id, `limit`. */
  function page(request: IRecordedRequest) {
    const limit = Number(request.query.limit ?? 50);
    const before =
      request.query.before !== undefined
        ? Number(request.query.before)
        : Infinity;
    const older = stored.filter(item => item.id < before);
    const items = older.slice(0, limit);
    return {
      body: {
        items,
        next_before: older.length > limit ? items[items.length - 1].id : null
      }
    };
  }

  beforeEach(() => {
    FakeWebSocket.instances = [];
    stored = [5, 4, 3, 2, 1].map(id => execution(id));
    server = new FakeServer().on('GET', 'activity', page);
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    events = new EventsConnection({ serverSettings, minDelay: 1, maxDelay: 1 });
    model = new ActivityModel({
      client: new CollabClient({ serverSettings }),
      events,
      pageSize: 2,
      trans
    });
    jest.spyOn(Notification, 'error').mockReturnValue('id');
  });

  afterEach(() => {
    model.dispose();
    events.dispose();
    jest.restoreAllMocks();
  });

  const ids = () => model.items.map(item => item.id);

  async function started(): Promise<FakeWebSocket> {
    model.start();
    const socket = FakeWebSocket.last;
    socket.open();
    await waitFor(() => model.loaded);
    return socket;
  }

  it('reads the newest page, then older pages until the last', async () => {
    await started();
    expect(ids()).toEqual([5, 4]);
    expect(server.lastRequest.query).toEqual({ limit: '2' });
    expect(model.hasMore).toBe(true);

    await model.loadMore();
    expect(server.lastRequest.query).toEqual({ limit: '2', before: '4' });
    await model.loadMore();
    expect(ids()).toEqual([5, 4, 3, 2, 1]);
    expect(model.hasMore).toBe(false);

    const requests = server.requests.length;
    await model.loadMore();
    expect(server.requests.length).toBe(requests);
  });

  it('puts new items first and replaces updated ones, live', async () => {
    const socket = await started();

    socket.receive({
      type: 'activity_added',
      item: execution(6, { status: 'running' })
    });
    expect(ids()).toEqual([6, 5, 4]);

    socket.receive({
      type: 'activity_updated',
      item: execution(6, {
        status: 'ok',
        runs: [
          {
            run_id: 'r',
            name: 'n',
            experiment_id: '1',
            status: 'FINISHED',
            metrics: {}
          }
        ]
      })
    });
    expect(ids()).toEqual([6, 5, 4]);
    expect(model.items[0].status).toBe('ok');
    expect(model.items[0].runs).toHaveLength(1);
  });

  it('leaves an item older than those read to its page', async () => {
    const socket = await started();
    socket.receive({
      type: 'activity_updated',
      item: execution(1, { status: 'error' })
    });
    expect(ids()).toEqual([5, 4]);
    // Nor is an old item the server sends again put after a gap.
    socket.receive({ type: 'activity_added', item: execution(2) });
    expect(ids()).toEqual([5, 4]);
  });

  it('applies the events that came while the first page was read', async () => {
    let answer: (() => void) | null = null;
    const gate = new Promise<void>(resolve => (answer = resolve));
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        await gate;
        return server.fetch(input, init);
      }
    });
    const delayed = new ActivityModel({
      client: new CollabClient({ serverSettings }),
      events,
      pageSize: 2,
      trans
    });
    delayed.start();
    const socket = FakeWebSocket.last;
    socket.open();
    socket.receive({
      type: 'activity_updated',
      item: execution(5, { status: 'error' })
    });
    answer!();
    await waitFor(() => delayed.loaded);

    // The page (read before the event arrived) does not undo it.
    expect(delayed.items.map(i => [i.id, i.status])).toEqual([
      [5, 'error'],
      [4, 'ok']
    ]);
    delayed.dispose();
  });

  it('reads again after the socket was down, and after a gap in the ids', async () => {
    const socket = await started();
    stored = [execution(7), execution(6), ...stored];

    socket.drop();
    await waitFor(() => FakeWebSocket.last !== socket);
    FakeWebSocket.last.open();
    await waitFor(() => model.items[0].id === 7);
    expect(ids()).toEqual([7, 6, 5, 4]);

    // Item 9 arrives, 8 was missed: the newest page is read again.
    stored = [execution(9), execution(8), ...stored];
    FakeWebSocket.last.receive({ type: 'activity_added', item: execution(9) });
    await waitFor(() => ids().includes(8));
    expect(ids()).toEqual([9, 8, 7, 6, 5, 4]);
  });

  it('starts over when more were missed than a page holds', async () => {
    await started();
    stored = [12, 11, 10, 9, 8, 7, 6].map(id => execution(id)).concat(stored);

    await model.refresh();

    expect(ids()).toEqual([12, 11]);
    await model.loadMore();
    expect(ids()).toEqual([12, 11, 10, 9]);
  });

  it('shows and reports a failure, and recovers on retry', async () => {
    let failing = true;
    const flaky = new FakeServer().on('GET', 'activity', () =>
      failing
        ? { status: 500, body: { message: 'database is locked' } }
        : { body: { items: [execution(1)], next_before: null } }
    );
    const broken = new ActivityModel({
      client: new CollabClient({ serverSettings: flaky.settings() }),
      trans
    });
    broken.start();
    await waitFor(() => broken.error !== null);
    expect(broken.error).toBe('database is locked');
    expect(broken.loaded).toBe(false);
    expect(Notification.error).toHaveBeenCalledWith(
      'Could not load the activity: database is locked',
      expect.anything()
    );

    failing = false;
    await broken.retry();
    expect(broken.error).toBeNull();
    expect(broken.items.map(item => item.id)).toEqual([1]);
    broken.dispose();
  });
});
