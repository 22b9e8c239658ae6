/*
 * Who ran what on real JupyterLab notebooks: records written into real cell
 * models show up on the cells; cells come and go; stale outputs; runs live
 * from the (fake) server.
 */
import { Notebook } from '@jupyterlab/notebook';
import { PartialJSONObject } from '@lumino/coreutils';

import { EventsConnection, TrackingClient } from '../../../api/tracking';
import {
  FakeServer,
  FakeWebSocket,
  makeRun,
  waitFor
} from '../../../__tests__/fakeServer';
import { RunCache } from '../runCache';
import { SharedClock } from '../../time';
import {
  CellAttribution,
  STALE_OUTPUTS_CLASS,
  ViewportObserverFactory
} from '../tracker';
import {
  cellOf,
  createNotebook,
  setOutputs,
  stripOf,
  writeRecord
} from './notebook';
import { BOB, record, T0 } from './records';

const MINUTE = 60_000;

/**
 * Stands in for the browser's `IntersectionObserver` (jsdom has no layout):
 * strips are in view when observed unless `inView` is false; `scroll`
 * moves one in or out of view.
 */
class FakeViewport {
  inView = true;
  observed = new Set<Element>();

  readonly factory: ViewportObserverFactory = callback => {
    const observer = {
      observe: (target: Element) => {
        this.observed.add(target);
        this._callbacks.set(target, callback);
        callback([{ target, isIntersecting: this.inView }]);
      },
      unobserve: (target: Element) => {
        this.observed.delete(target);
      },
      disconnect: () => undefined
    };
    return observer;
  };

  scroll(target: Element, isIntersecting: boolean): void {
    this._callbacks.get(target)?.([{ target, isIntersecting }]);
  }

  private _callbacks = new Map<
    Element,
    Parameters<ViewportObserverFactory>[0]
  >();
}

describe('CellAttribution on a notebook', () => {
  let server: FakeServer;
  let events: EventsConnection;
  let runs: RunCache;
  let now: number;
  let clock: SharedClock;
  let attribution: CellAttribution;
  let opened: string[];
  let notebooks: Notebook[];
  let viewport: FakeViewport;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    server = new FakeServer().on('GET', /^runs\/[^/]+$/, request => {
      const id = request.path.slice('runs/'.length);
      return id === 'gone'
        ? { status: 404, body: { message: 'Run not found', reason: null } }
        : { body: makeRun(id, '1', `name-of-${id}`) };
    });
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    events = new EventsConnection({ serverSettings });
    runs = new RunCache({
      client: new TrackingClient({ serverSettings }),
      events
    });
    now = T0 + 3 * MINUTE;
    clock = new SharedClock({ interval: 20, now: () => now });
    opened = [];
    viewport = new FakeViewport();
    attribution = new CellAttribution({
      runs,
      clock,
      openRun: runId => opened.push(runId),
      staleDelay: 0,
      viewport: viewport.factory
    });
    notebooks = [];
  });

  afterEach(() => {
    notebooks.forEach(n => n.dispose());
    attribution.dispose();
    clock.dispose();
    runs.dispose();
    events.dispose();
  });

  function open(...args: Parameters<typeof createNotebook>): Notebook {
    const notebook = createNotebook(...args);
    notebooks.push(notebook);
    attribution.attach(notebook);
    return notebook;
  }

  const text = (node: Element | null | undefined) =>
    node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

  it('puts the chip of the last run between the input and the outputs', async () => {
    const notebook = open([
      { id: 'a', record: record(), outputs: true },
      { id: 'b' },
      { id: 'md', type: 'markdown' }
    ]);

    await waitFor(() => stripOf(notebook, 'a') !== null);
    const strip = stripOf(notebook, 'a')!;
    expect(strip.previousElementSibling!.classList).toContain(
      'jp-Cell-inputWrapper'
    );
    expect(
      strip.parentElement!.querySelector('.jp-Cell-outputWrapper')!
        .previousElementSibling
    ).not.toBe(null);
    expect(text(strip.querySelector('.jp-mlp-CellChip'))).toBe(
      'Alice Smith 3 min ago 3.2 s'
    );
    expect(strip.querySelector('.jp-mlp-Avatar')!.textContent).toBe('AS');
    expect(
      strip.querySelector('.jp-mlp-CellChip')!.getAttribute('title')
    ).toMatch(/^Run by Alice Smith at .+ \(\[12\]\)\nFinished after 3\.2 s$/);
    expect(strip.classList).not.toContain('lm-mod-hidden');
    // No record, no strip.
    expect(stripOf(notebook, 'b')).toBeNull();
  });

  it('shows a record as soon as it is written into the cell model', async () => {
    const notebook = open([{ id: 'a' }]);
    await cellOf(notebook, 'a').ready;
    expect(stripOf(notebook, 'a')).toBeNull();

    // The server writes the record when the execute request arrives...
    writeRecord(
      notebook,
      'a',
      record({ user: BOB, status: 'running', ended: null, started: now })
    );
    await waitFor(() => stripOf(notebook, 'a') !== null);
    const strip = stripOf(notebook, 'a')!;
    expect(strip.dataset.status).toBe('running');
    expect(text(strip.querySelector('.jp-mlp-CellChip'))).toBe(
      'Bob Jones just now running'
    );
    // Bob's own colour, from his identity.
    expect(
      (
        strip.querySelector('.jp-mlp-Avatar') as HTMLElement
      ).style.getPropertyValue('--jp-mlp-avatar-color')
    ).toBe('#7b1fa2');

    // ... and again when the kernel replies.
    writeRecord(
      notebook,
      'a',
      record({ user: BOB, status: 'error', started: now, ended: now + 1500 })
    );
    await waitFor(() => strip.dataset.status === 'error');
    expect(text(strip.querySelector('.jp-mlp-CellChip-state'))).toBe(
      'error · 1.5 s'
    );
  });

  it('ignores records without a signature, and drops the chip when the record goes', async () => {
    const notebook = open([{ id: 'a', record: record() }]);
    await waitFor(() => stripOf(notebook, 'a') !== null);

    writeRecord(notebook, 'a', { ...record({ user: BOB }), sig: '' });
    await waitFor(() => stripOf(notebook, 'a') === null);

    writeRecord(notebook, 'a', record());
    await waitFor(() => stripOf(notebook, 'a') !== null);
    writeRecord(notebook, 'a', null);
    await waitFor(() => stripOf(notebook, 'a') === null);
  });

  it('updates the time from the shared clock', async () => {
    const notebook = open([{ id: 'a', record: record({ started: now }) }]);
    await waitFor(() => stripOf(notebook, 'a') !== null);
    const time = () =>
      stripOf(notebook, 'a')!.querySelector('.jp-mlp-CellChip-time')!
        .textContent;
    expect(time()).toBe('just now');

    now += 5 * MINUTE;

    await waitFor(() => time() === '5 min ago');
  });

  it('follows cells added, moved and deleted', async () => {
    const notebook = open([
      { id: 'a', record: record() },
      { id: 'b', record: record({ user: BOB }) }
    ]);
    await waitFor(
      () => stripOf(notebook, 'a') !== null && stripOf(notebook, 'b') !== null
    );
    const shared = notebook.model!.sharedModel;

    shared.insertCell(0, {
      cell_type: 'code',
      id: 'new',
      source: '1',
      metadata: {
        mlplatform: { execution: { ...record({ user: BOB }) } }
      } as unknown as PartialJSONObject
    });
    await waitFor(() => stripOf(notebook, 'new') !== null);

    // A move makes a new cell widget (and model) in JupyterLab 4.
    const before = cellOf(notebook, 'b');
    shared.moveCell(2, 0);
    await waitFor(
      () => cellOf(notebook, 'b') !== before && stripOf(notebook, 'b') !== null
    );
    expect(
      text(stripOf(notebook, 'b')!.querySelector('.jp-mlp-CellChip-name'))
    ).toBe('Bob Jones');

    shared.deleteCell(0);
    await waitFor(() => notebook.widgets.length === 2);
    writeRecord(notebook, 'a', record({ user: BOB }));
    await waitFor(
      () =>
        text(stripOf(notebook, 'a')!.querySelector('.jp-mlp-CellChip-name')) ===
        'Bob Jones'
    );
  });

  it('gives each run a live badge that opens the run', async () => {
    const notebook = open([
      { id: 'a', record: record({ runs: ['r1', 'gone'] }), outputs: true }
    ]);
    await waitFor(
      () =>
        stripOf(notebook, 'a')?.querySelector(
          '.jp-mlp-RunBadge[data-state="missing"]'
        ) !== null
    );
    const badge = () =>
      stripOf(notebook, 'a')!.querySelector(
        '.jp-mlp-RunBadge[data-run-id="r1"]'
      ) as HTMLButtonElement;
    await waitFor(() => badge().dataset.state === 'ready');
    expect(text(badge())).toBe('name-of-r1 running');

    // The run logs a metric: the badge shows it, without another read.
    FakeWebSocket.last.open();
    FakeWebSocket.last.receive({
      type: 'metrics_appended',
      run_id: 'r1',
      experiment_id: '1',
      latest: { val_acc: { value: 0.9134, step: 3, timestamp: 3 } },
      count: 1
    });
    expect(text(badge())).toBe('name-of-r1 running val_acc 0.913');
    FakeWebSocket.last.receive({
      type: 'run_updated',
      run: {
        ...makeRun('r1', '1', 'name-of-r1'),
        status: 'FINISHED',
        metrics: { val_acc: { value: 0.92, step: 4, timestamp: 4 } }
      }
    });
    expect(text(badge())).toBe('name-of-r1 finished val_acc 0.92');
    expect(server.requests.filter(r => r.path === 'runs/r1')).toHaveLength(1);

    badge().click();
    (
      stripOf(notebook, 'a')!.querySelector(
        '.jp-mlp-RunBadge[data-run-id="gone"]'
      ) as HTMLButtonElement
    ).click();
    expect(opened).toEqual(['r1']);

    // A co-editor's execution adds a run: its badge appears.
    writeRecord(notebook, 'a', record({ runs: ['r1', 'gone', 'r2'] }));
    await waitFor(
      () => stripOf(notebook, 'a')!.querySelector('[data-run-id="r2"]') !== null
    );
  });

  it('reads runs and follows the clock only while a strip is in view', async () => {
    viewport.inView = false;
    const notebook = open([{ id: 'a', record: record({ runs: ['r1'] }) }]);
    await waitFor(() => stripOf(notebook, 'a') !== null);
    const strip = stripOf(notebook, 'a')!;
    const badge = strip.querySelector('.jp-mlp-RunBadge') as HTMLElement;
    await new Promise(resolve => setTimeout(resolve, 50));

    expect(server.requests).toHaveLength(0);
    expect(clock.subscribers).toBe(0);
    expect(badge.dataset.state).toBe('loading');

    viewport.scroll(strip, true);
    await waitFor(() => badge.dataset.state === 'ready');
    expect(clock.subscribers).toBe(1);

    viewport.scroll(strip, false);
    expect(clock.subscribers).toBe(0);
  });

  it('shows the latest runs of a sweep, and the rest on demand', async () => {
    const ids = ['s1', 's2', 's3', 's4', 's5'];
    const notebook = open([{ id: 'a', record: record({ runs: ids }) }]);
    await waitFor(() => stripOf(notebook, 'a') !== null);
    const shown = () =>
      [
        ...stripOf(notebook, 'a')!.querySelectorAll<HTMLElement>(
          '.jp-mlp-RunBadge'
        )
      ].map(b => b.dataset.runId);
    const more = () =>
      stripOf(notebook, 'a')!.querySelector(
        '.jp-mlp-RunBadges-more'
      ) as HTMLButtonElement;

    expect(shown()).toEqual(['s3', 's4', 's5']);
    expect(more().textContent).toBe('+2 more');

    more().click();
    expect(shown()).toEqual(ids);
    more().click();
    expect(shown()).toEqual(['s3', 's4', 's5']);
  });

  it('marks outputs made stale by a re-run above, until the cell runs again', async () => {
    const notebook = open([
      { id: 'load', record: record({ started: T0 }), outputs: true },
      { id: 'md', type: 'markdown' },
      { id: 'plot', record: record({ started: T0 + 10_000 }), outputs: true },
      { id: 'other', record: null, outputs: true }
    ]);
    await waitFor(() => stripOf(notebook, 'plot') !== null);
    expect(cellOf(notebook, 'plot').hasClass(STALE_OUTPUTS_CLASS)).toBe(false);

    // Bob re-runs the loading cell.
    writeRecord(
      notebook,
      'load',
      record({
        user: BOB,
        started: T0 + MINUTE,
        ended: null,
        status: 'running'
      })
    );

    await waitFor(() => cellOf(notebook, 'plot').hasClass(STALE_OUTPUTS_CLASS));
    const note = stripOf(notebook, 'plot')!.querySelector(
      '.jp-mlp-StaleNote'
    ) as HTMLElement;
    expect(note.hidden).toBe(false);
    expect(text(note)).toMatch(
      /^Stale: cell 1 is being re-run by Bob Jones \(since .+\) after this output$/
    );
    // Cells without a record are never marked.
    expect(cellOf(notebook, 'other').hasClass(STALE_OUTPUTS_CLASS)).toBe(false);

    // The note's link goes to the re-run cell.
    notebook.activeCellIndex = 3;
    (note.querySelector('.jp-mlp-StaleNote-cell') as HTMLButtonElement).click();
    expect(notebook.activeCellIndex).toBe(0);

    // The plot cell runs again: no longer stale.
    writeRecord(notebook, 'plot', record({ started: T0 + 2 * MINUTE }));
    await waitFor(
      () => !cellOf(notebook, 'plot').hasClass(STALE_OUTPUTS_CLASS)
    );
    expect(note.hidden).toBe(true);
  });

  it('marks a cell only while it has outputs', async () => {
    const notebook = open([
      { id: 'a', record: record({ started: T0 + MINUTE }) },
      { id: 'b', record: record({ started: T0 }), outputs: false }
    ]);
    await waitFor(() => stripOf(notebook, 'b') !== null);
    expect(cellOf(notebook, 'b').hasClass(STALE_OUTPUTS_CLASS)).toBe(false);

    setOutputs(notebook, 'b', true);
    await waitFor(() => cellOf(notebook, 'b').hasClass(STALE_OUTPUTS_CLASS));

    setOutputs(notebook, 'b', false);
    await waitFor(() => !cellOf(notebook, 'b').hasClass(STALE_OUTPUTS_CLASS));
  });

  it('follows the settings', async () => {
    const notebook = open([
      { id: 'a', record: record({ started: T0 + MINUTE, runs: ['r1'] }) },
      { id: 'b', record: record({ started: T0 }), outputs: true }
    ]);
    await waitFor(() => cellOf(notebook, 'b').hasClass(STALE_OUTPUTS_CLASS));
    const strip = stripOf(notebook, 'a')!;

    attribution.settings = {
      showExecutedBy: false,
      showRunBadges: true,
      markStaleOutputs: false
    };
    await waitFor(() => !cellOf(notebook, 'b').hasClass(STALE_OUTPUTS_CLASS));
    expect(
      (strip.querySelector('.jp-mlp-CellChip') as HTMLElement).hidden
    ).toBe(true);
    expect(strip.querySelector('.jp-mlp-RunBadge')).not.toBeNull();
    // Nothing left to show on b: its strip hides.
    expect(stripOf(notebook, 'b')!.classList).toContain('lm-mod-hidden');

    attribution.settings = {
      showExecutedBy: false,
      showRunBadges: false,
      markStaleOutputs: false
    };
    expect(strip.classList).toContain('lm-mod-hidden');
  });

  it('waits for the cells of a windowed notebook to render', async () => {
    const cells = Array.from({ length: 40 }, (_, i) => ({
      id: `c${i}`,
      record: record({ started: T0 + i * 1000 })
    }));
    const notebook = open(cells, 'defer');

    await waitFor(() => stripOf(notebook, 'c39') !== null, 5000);
    expect(
      notebook.widgets.filter(cell => stripOf(notebook, cell.model.id) !== null)
    ).toHaveLength(40);
  });

  it('lets go of a notebook when it is disposed', async () => {
    const notebook = open([{ id: 'a', record: record() }]);
    await waitFor(() => stripOf(notebook, 'a') !== null);
    expect(attribution.get(notebook)).not.toBeNull();

    notebook.dispose();

    expect(attribution.get(notebook)).toBeNull();
    expect(clock.subscribers).toBe(0);
    expect(viewport.observed.size).toBe(0);
  });
});
