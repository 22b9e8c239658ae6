/*
 * The run cache against the fake server: one read per run, live from the
 * events websocket, deleted runs.
 */
import { EventsConnection, IRun, TrackingClient } from '../../../api/tracking';
import {
  FakeServer,
  FakeWebSocket,
  makeRun,
  waitFor
} from '../../../__tests__/fakeServer';
import { IRunEntry, mergeLatestMetrics, RunCache } from '../runCache';

describe('RunCache', () => {
  let server: FakeServer;
  let events: EventsConnection;
  let cache: RunCache;
  let runs: Map<string, Record<string, unknown>>;
  /** Answers to hold back: resolve one to let its GET answer. */
  let gate: Promise<void> | null;

  const reads = (runId: string) =>
    server.requests.filter(
      r => r.method === 'GET' && r.path === `runs/${runId}`
    ).length;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    runs = new Map([
      ['r1', makeRun('r1', '1', 'brave-owl-3')],
      ['r2', makeRun('r2', '1', 'calm-fox-1', { status: 'FINISHED' })]
    ]);
    gate = null;
    server = new FakeServer().on('GET', /^runs\/[^/]+$/, request => {
      const run = runs.get(request.path.slice('runs/'.length));
      return run
        ? { body: run }
        : { status: 404, body: { message: 'Run not found', reason: null } };
    });
    const fetch = server.fetch;
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket,
      fetch: async (input, init) => {
        if (gate) {
          await gate;
        }
        return fetch(input, init);
      }
    });
    events = new EventsConnection({ serverSettings, minDelay: 10 });
    cache = new RunCache({
      client: new TrackingClient({ serverSettings }),
      events
    });
  });

  afterEach(() => {
    cache.dispose();
    events.dispose();
  });

  it('reads a run once however many cells watch it', async () => {
    const seen: IRunEntry[] = [];
    const a = cache.watch('r1', entry => seen.push(entry));
    const b = cache.watch('r1', () => undefined);
    expect(cache.get('r1').state).toBe('loading');

    await waitFor(() => cache.peek('r1')?.state === 'ready');
    cache.watch('r1', () => undefined).dispose();
    cache.get('r1');

    expect(reads('r1')).toBe(1);
    expect(seen.map(e => e.state)).toEqual(['ready']);
    expect(cache.peek('r1')!.run!.name).toBe('brave-owl-3');
    a.dispose();
    b.dispose();
  });

  it('uses the shared events connection and opens no socket of its own', async () => {
    cache.get('r1');
    cache.get('r2');
    await waitFor(() => cache.peek('r2')?.state === 'ready');

    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.url).toContain('mlplatform/api/events');
  });

  it('follows run updates and metrics from the events', async () => {
    const seen: IRunEntry[] = [];
    cache.watch('r1', entry => seen.push(entry));
    await waitFor(() => cache.peek('r1')?.state === 'ready');
    const socket = FakeWebSocket.last;
    socket.open();

    socket.receive({
      type: 'metrics_appended',
      run_id: 'r1',
      experiment_id: '1',
      latest: { val_acc: { value: 0.91, step: 3, timestamp: 3 } },
      count: 1
    });
    socket.receive({
      type: 'run_updated',
      run: {
        ...makeRun('r1', '1', 'brave-owl-3'),
        status: 'FINISHED',
        metrics: { val_acc: { value: 0.93, step: 4, timestamp: 4 } }
      }
    });
    // Another run's events change nothing here.
    socket.receive({
      type: 'metrics_appended',
      run_id: 'r9',
      experiment_id: '1',
      latest: { loss: { value: 1, step: 1, timestamp: 1 } },
      count: 1
    });

    expect(seen.map(e => e.run!.status)).toEqual([
      'RUNNING',
      'RUNNING',
      'FINISHED'
    ]);
    expect(seen[1].run!.metrics.val_acc.value).toBe(0.91);
    expect(seen[2].run!.metrics.val_acc.value).toBe(0.93);
    expect(reads('r1')).toBe(1);
  });

  it('keeps metrics that arrive while the run is being read', async () => {
    let open: () => void = () => undefined;
    gate = new Promise(resolve => (open = resolve));
    cache.watch('r1', () => undefined);
    const socket = FakeWebSocket.last;
    socket.open();
    socket.receive({
      type: 'metrics_appended',
      run_id: 'r1',
      experiment_id: '1',
      latest: { loss: { value: 0.2, step: 7, timestamp: 7 } },
      count: 2
    });

    open();
    await waitFor(() => cache.peek('r1')?.state === 'ready');

    expect(cache.peek('r1')!.run!.metrics.loss).toEqual({
      value: 0.2,
      step: 7,
      timestamp: 7
    });
  });

  it('prefers an update received while reading over the older answer', async () => {
    let open: () => void = () => undefined;
    gate = new Promise(resolve => (open = resolve));
    cache.get('r1');
    const socket = FakeWebSocket.last;
    socket.open();
    socket.receive({
      type: 'run_updated',
      run: { ...makeRun('r1', '1', 'renamed'), status: 'FINISHED' }
    });

    open();
    await waitFor(() => reads('r1') === 1);
    await new Promise(resolve => setTimeout(resolve, 20));

    expect(cache.peek('r1')!.run).toMatchObject({
      name: 'renamed',
      status: 'FINISHED'
    });
  });

  it('marks deleted runs, and runs the server no longer has', async () => {
    cache.get('r1');
    cache.get('gone');
    await waitFor(
      () =>
        cache.peek('r1')?.state === 'ready' &&
        cache.peek('gone')?.state === 'missing'
    );
    expect(cache.peek('gone')).toMatchObject({ run: null });
    expect(cache.peek('gone')!.error).toContain('Run not found');

    FakeWebSocket.last.open();
    FakeWebSocket.last.receive({
      type: 'run_deleted',
      run: makeRun('r1', '1', 'brave-owl-3')
    });

    expect(cache.peek('r1')!.run!.lifecycle_stage).toBe('deleted');
    // A missing run is not asked for again by watching it.
    cache.watch('gone', () => undefined);
    expect(reads('gone')).toBe(1);
  });

  it('keeps runs created meanwhile, saving their first read', () => {
    cache.get('r2');
    const socket = FakeWebSocket.last;
    socket.open();
    socket.receive({ type: 'run_created', run: makeRun('r3', '1', 'new') });

    expect(cache.peek('r3')!.run!.name).toBe('new');
    cache.get('r3');
    expect(reads('r3')).toBe(0);
  });

  it('reads the live runs it watches again after a reconnection', async () => {
    cache.watch('r1', () => undefined);
    cache.watch('r2', () => undefined);
    await waitFor(
      () =>
        cache.peek('r1')?.state === 'ready' &&
        cache.peek('r2')?.state === 'ready'
    );
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop();
    // The reconnection (after the backoff) opens a new socket.
    await waitFor(() => FakeWebSocket.instances.length === 2);
    runs.set('r1', { ...makeRun('r1', '1', 'brave-owl-3'), status: 'FAILED' });
    FakeWebSocket.last.open();

    await waitFor(() => cache.peek('r1')?.run?.status === 'FAILED');
    // The finished run cannot have changed: not read again.
    expect(reads('r2')).toBe(1);
    expect(reads('r1')).toBe(2);
  });

  it('forgets the least recently used runs nobody watches, over its limit', async () => {
    const small = new RunCache({
      client: { getRun: async id => makeRun(id, '1', id) as unknown as IRun },
      events,
      limit: 2
    });
    const kept = small.watch('a', () => undefined);
    small.get('b');
    small.get('c');
    small.get('d');
    // Runs being read are forgotten once read.
    await waitFor(() => small.size === 2);

    expect(small.peek('a')).not.toBeNull();
    expect(small.peek('b')).toBeNull();
    expect(small.peek('c')).toBeNull();
    expect(small.peek('d')!.state).toBe('ready');
    kept.dispose();
    small.dispose();
  });
});

describe('mergeLatestMetrics', () => {
  it('keeps the point of the latest step', () => {
    const merged = mergeLatestMetrics(
      {
        a: { value: 1, step: 5, timestamp: 50 },
        b: { value: 1, step: 1, timestamp: 10 }
      },
      {
        a: { value: 2, step: 4, timestamp: 60 },
        b: { value: 2, step: 2, timestamp: 20 },
        c: { value: 3, step: 0, timestamp: 0 }
      }
    );
    expect(merged).toEqual({
      a: { value: 1, step: 5, timestamp: 50 },
      b: { value: 2, step: 2, timestamp: 20 },
      c: { value: 3, step: 0, timestamp: 0 }
    });
  });
});
