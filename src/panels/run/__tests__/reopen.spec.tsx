import { Notification, WidgetTracker } from '@jupyterlab/apputils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import {
  EventsConnection,
  REPRODUCED_FROM_TAG,
  TrackingClient
} from '../../../api/tracking';
import { FakeServer, makeRun, waitFor } from '../../../__tests__/fakeServer';
import { CommandIDs } from '../../../tokens';
import type { ComparePanel } from '../../compare/ComparePanel';
import { IExperimentsContext } from '../../experiments/commands/context';
import { defaultExperimentsSettings } from '../../experiments/settings';
import { addOpenRunNotebook } from '../commands';
import { formatDelta } from '../components/Reproductions';
import { candidateName } from '../openAsNotebook';
import { RunPanel } from '../RunPanel';

const trans = nullTranslator.load('jupyterlab_mlplatform');

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { mlplatform: { reproduced_from: 'r1' } },
  cells: []
};

/** JupyterLab's contents manager, over files held in a set (409 on a taken name). */
function fakeContents(existing: string[]) {
  const files = new Set(existing);
  const saved: Record<string, unknown> = {};
  return {
    files,
    saved,
    newUntitled: jest.fn(async ({ path }: { path: string }) => {
      const name = `${path ? path + '/' : ''}Untitled.ipynb`;
      files.add(name);
      return { path: name };
    }),
    save: jest.fn(async (path: string, model: { content: unknown }) => {
      saved[path] = model.content;
      return { path };
    }),
    rename: jest.fn(async (from: string, to: string) => {
      if (files.has(to)) {
        const response = new Response('{}', { status: 409 });
        throw new ServerConnection.ResponseError(response, 'exists');
      }
      files.delete(from);
      files.add(to);
      saved[to] = saved[from];
      return { path: to };
    })
  };
}

function context(
  server: FakeServer,
  docManager: IDocumentManager | null
): IExperimentsContext {
  const serverSettings = server.settings();
  const none = { currentWidget: null } as unknown as WidgetTracker<never>;
  return {
    commands: new CommandRegistry(),
    shell: { add: jest.fn(), activateById: jest.fn(), currentWidget: null },
    client: new TrackingClient({ serverSettings }),
    events: new EventsConnection({ serverSettings }),
    trans,
    panels: none,
    runPanels: none,
    comparePanels: none as unknown as WidgetTracker<ComparePanel>,
    settings: defaultExperimentsSettings(),
    docManager,
    rendermime: null,
    openPanel: jest.fn()
  };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('Open as Notebook', () => {
  it('creates the notebook next to the source under a free name and opens it', async () => {
    const server = new FakeServer().on('GET', 'runs/r1/notebook', {
      body: {
        notebook: NOTEBOOK,
        directory: 'work',
        file_name: 'train-r-reproduce.ipynb'
      }
    });
    const contents = fakeContents(['work/train-r-reproduce.ipynb']);
    const openOrReveal = jest.fn();
    const docManager = {
      services: { contents },
      openOrReveal
    } as unknown as IDocumentManager;
    const ctx = context(server, docManager);
    addOpenRunNotebook(ctx);

    const path = await ctx.commands.execute(CommandIDs.openRunNotebook, {
      runId: 'r1'
    });

    expect(path).toBe('work/train-r-reproduce-2.ipynb');
    expect(contents.newUntitled).toHaveBeenCalledWith({
      path: 'work',
      type: 'notebook'
    });
    expect(contents.saved['work/train-r-reproduce-2.ipynb']).toEqual(NOTEBOOK);
    expect(contents.files.has('work/Untitled.ipynb')).toBe(false);
    expect(openOrReveal).toHaveBeenCalledWith('work/train-r-reproduce-2.ipynb');
  });

  it('says why when the run has no captured code, and creates nothing', async () => {
    const server = new FakeServer().on('GET', 'runs/r1/notebook', {
      status: 404,
      body: { message: 'This run has no captured code.' }
    });
    const contents = fakeContents([]);
    const docManager = {
      services: { contents },
      openOrReveal: jest.fn()
    } as unknown as IDocumentManager;
    const ctx = context(server, docManager);
    addOpenRunNotebook(ctx);
    const error = jest.spyOn(Notification, 'error').mockReturnValue('');

    await ctx.commands.execute(CommandIDs.openRunNotebook, { runId: 'r1' });

    expect(error).toHaveBeenCalledWith(
      expect.stringContaining('no captured code'),
      expect.anything()
    );
    expect(contents.newUntitled).not.toHaveBeenCalled();
  });

  it('is disabled without a document manager', () => {
    const ctx = context(new FakeServer(), null);
    addOpenRunNotebook(ctx);
    expect(
      ctx.commands.isEnabled(CommandIDs.openRunNotebook, { runId: 'r1' })
    ).toBe(false);
  });

  it('names the candidates name.ipynb, name-2.ipynb... in the folder', () => {
    expect(candidateName('', 'a.ipynb', 1)).toBe('a.ipynb');
    expect(candidateName('w/x', 'a.ipynb', 3)).toBe('w/x/a-3.ipynb');
  });
});

describe('the run view: reproduced from, reproductions', () => {
  const metric = (value: number | 'NaN') => ({
    value,
    step: 0,
    timestamp: 1_700_000_000_000
  });
  const original = makeRun('r1', '1', 'original', {
    metrics: { accuracy: metric(0.9), loss: metric(0.5) }
  });
  const reproduction = makeRun('r2', '2', 'again', {
    tags: { [REPRODUCED_FROM_TAG]: 'r1' },
    metrics: { accuracy: metric(0.95), loss: metric(0.5), extra: metric(1) }
  });

  function server(): FakeServer {
    return new FakeServer()
      .on('GET', 'runs/r1', { body: original })
      .on('GET', 'runs/r2', { body: reproduction })
      .on('POST', 'runs/search', request => {
        const filter = (request.body as { filter: string }).filter;
        const runs = filter.includes("'r1'") ? [reproduction] : [];
        return { body: { runs, next_page_token: null } };
      })
      .on('POST', 'runs/metric-histories', { body: { histories: [] } });
  }

  async function show(runId: string, fake: FakeServer): Promise<RunPanel> {
    const client = new TrackingClient({ serverSettings: fake.settings() });
    const panel = new RunPanel({
      runId,
      client,
      commands: new CommandRegistry()
    });
    Widget.attach(panel, document.body);
    return panel;
  }

  it('shows the original run and the metric differences', async () => {
    const panel = await show('r2', server());
    await waitFor(() =>
      (panel.node.textContent ?? '').includes('Reproduced from original')
    );
    const rows = [
      ...panel.node.querySelectorAll('.jp-mlp-Reproductions tbody tr')
    ].map(row => [...row.children].map(cell => cell.textContent));
    expect(rows).toEqual([
      ['accuracy', '0.9', '0.95', '+0.05'],
      ['extra', '—', '1', '—'],
      ['loss', '0.5', '0.5', '0']
    ]);
    panel.dispose();
  });

  it("lists a run's reproductions, and asks for them by tag", async () => {
    const fake = server();
    const panel = await show('r1', fake);
    await waitFor(() =>
      (panel.node.textContent ?? '').includes('Reproductions (1)')
    );
    const search = fake.requests.find(r => r.path === 'runs/search');
    expect((search?.body as { filter: string }).filter).toBe(
      "tags.`mlplatform.reproduced_from` = 'r1'"
    );
    expect(
      panel.node.querySelector('.jp-mlp-Reproductions h4')?.textContent
    ).toBe('again');
    panel.dispose();
  });

  it('shows nothing for a run that is neither', async () => {
    const fake = new FakeServer()
      .on('GET', 'runs/r3', { body: makeRun('r3', '1', 'plain') })
      .on('POST', 'runs/search', { body: { runs: [], next_page_token: null } });
    const panel = await show('r3', fake);
    await waitFor(() => fake.requests.some(r => r.path === 'runs/search'));
    expect(panel.node.querySelector('.jp-mlp-Reproductions')).toBeNull();
    panel.dispose();
  });

  it('formats differences with their sign, and none for non-numbers', () => {
    expect(formatDelta(1, 0.75)).toBe('-0.25');
    expect(formatDelta('NaN', 1)).toBe('—');
    expect(formatDelta(1, null)).toBe('—');
  });
});
