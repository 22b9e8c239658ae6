import {
  Clipboard,
  Dialog,
  InputDialog,
  WidgetTracker
} from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import schema from '../../../../schema/experiments.json';
import { MODELS_TAG } from '../../../api/deployments';
import { EventsConnection, IRun, TrackingClient } from '../../../api/tracking';
import { FakeServer, makeRun } from '../../../__tests__/fakeServer';
import { CommandIDs, COMPARE_RUNS_LIMITS } from '../../../tokens';
import { addCompareRuns, canCompare } from '../../compare/commands';
import type { ComparePanel } from '../../compare/ComparePanel';
import { addOpenRun } from '../../run/commands';
import type { RunPanel } from '../../run/RunPanel';
import { IExperimentsContext, targetRuns } from '../commands/context';
import { addNewExperiment } from '../commands/panelCommands';
import {
  addCopyRunId,
  addDeleteRuns,
  addDeploySelectedRun,
  addRenameRun,
  addRestoreRuns,
  addTagRuns,
  parseTag
} from '../commands/runCommands';
import type { ExperimentsPanel } from '../ExperimentsPanel';
import {
  DEFAULT_CHART_POINTS,
  DEFAULT_RUNS_PAGE_SIZE,
  DEFAULT_SIDEBAR_PAGE_SIZE,
  defaultExperimentsSettings,
  readExperimentsSettings,
  readSidebarPageSize
} from '../settings';
import legacySchema from '../../../../schema/tracking.json';

const trans = nullTranslator.load('jupyterlab_mlplatform');

/** A stand-in for a tracker: its current widget and the widgets it holds. */
function tracker<T>(widgets: T[] = []): WidgetTracker<Widget & T> {
  return {
    get currentWidget() {
      return widgets[0] ?? null;
    },
    find: (test: (w: T) => boolean) => widgets.find(test),
    forEach: (fn: (w: T) => void) => widgets.forEach(fn),
    add: async (w: T) => {
      widgets.push(w);
    }
  } as unknown as WidgetTracker<Widget & T>;
}

/** The runs table's part a command sees: a selection and loaded runs. */
function fakePanel(selected: string[], loaded: IRun[] = []): ExperimentsPanel {
  return {
    selectedRuns: selected.map(run_id => ({ run_id })),
    runs: {
      run: (id: string) => loaded.find(r => r.run_id === id) ?? null,
      reloadRuns: jest.fn(async () => undefined),
      reloadKeys: jest.fn(async () => undefined),
      experimentIds: ['1']
    }
  } as unknown as ExperimentsPanel;
}

function context(
  server: FakeServer,
  options: {
    panel?: ExperimentsPanel;
    runPanels?: Partial<RunPanel>[];
    current?: unknown;
  } = {}
): IExperimentsContext {
  const serverSettings = server.settings();
  return {
    commands: new CommandRegistry(),
    shell: {
      add: jest.fn(),
      activateById: jest.fn(),
      currentWidget: (options.current ?? null) as Widget | null
    },
    client: new TrackingClient({ serverSettings }),
    events: new EventsConnection({ serverSettings }),
    trans,
    panels: tracker(options.panel ? [options.panel] : []),
    runPanels: tracker(options.runPanels as RunPanel[] | undefined),
    comparePanels: tracker<ComparePanel>(),
    settings: defaultExperimentsSettings(),
    docManager: null,
    rendermime: null,
    openPanel: jest.fn()
  };
}

function answer(value: string, accept = true): Dialog.IResult<string> {
  return {
    button: { accept } as Dialog.IButton,
    value,
    isChecked: null
  };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('targetRuns', () => {
  it('takes runIds, then runId, then the current run panel, then the selection', () => {
    const runPanel = { runId: 'r9' };
    const ctx = context(new FakeServer(), {
      panel: fakePanel(['r1', 'r2']),
      runPanels: [runPanel],
      current: runPanel
    });

    expect(targetRuns(ctx, { runIds: ['a', 'b'], runId: 'c' })).toEqual([
      'a',
      'b'
    ]);
    expect(targetRuns(ctx, { runId: 'c' })).toEqual(['c']);
    expect(targetRuns(ctx, {})).toEqual(['r9']);
  });

  it("takes the table's selection when the run panel is not the current tab", () => {
    const ctx = context(new FakeServer(), {
      panel: fakePanel(['r1', 'r2']),
      runPanels: [{ runId: 'r9' }],
      current: null
    });

    expect(targetRuns(ctx, {})).toEqual(['r1', 'r2']);
  });

  it('is empty without a panel or arguments', () => {
    expect(targetRuns(context(new FakeServer()), {})).toEqual([]);
  });
});

describe('parseTag', () => {
  it.each<[string, { key: string; value: string } | null]>([
    ['stage=candidate', { key: 'stage', value: 'candidate' }],
    [' stage = a=b ', { key: 'stage', value: 'a=b' }],
    ['flag', { key: 'flag', value: '' }],
    ['=value', null],
    ['   ', null]
  ])('%j → %j', (text, tag) => {
    expect(parseTag(text)).toEqual(tag);
  });
});

describe('run commands', () => {
  it('tagRuns logs the tag on every target run', async () => {
    const server = new FakeServer().on('POST', /^runs\/r\d\/log$/, {
      body: {}
    });
    const panel = fakePanel(['r1', 'r2']);
    const ctx = context(server, { panel });
    addTagRuns(ctx);
    jest
      .spyOn(InputDialog, 'getText')
      .mockResolvedValue(answer(' stage = candidate '));

    await ctx.commands.execute(CommandIDs.tagRuns);

    expect(server.requests.map(r => [r.path, r.body])).toEqual([
      ['runs/r1/log', { tags: { stage: 'candidate' } }],
      ['runs/r2/log', { tags: { stage: 'candidate' } }]
    ]);
    expect(panel.runs.reloadKeys).toHaveBeenCalled();
    expect(panel.runs.reloadRuns).toHaveBeenCalledWith(true);
  });

  it('tagRuns is disabled without runs and sends nothing when cancelled', async () => {
    const server = new FakeServer();
    const ctx = context(server, { panel: fakePanel(['r1']) });
    addTagRuns(ctx);
    expect(ctx.commands.isEnabled(CommandIDs.tagRuns, { runIds: [] })).toBe(
      false
    );
    jest.spyOn(InputDialog, 'getText').mockResolvedValue(answer('a=b', false));

    await ctx.commands.execute(CommandIDs.tagRuns);

    expect(server.requests).toHaveLength(0);
  });

  it('deleteRuns deletes after the warning, and nothing on cancel', async () => {
    const server = new FakeServer().on('DELETE', /^runs\/r\d$/, {});
    const ctx = context(server, { panel: fakePanel(['r1', 'r2']) });
    addDeleteRuns(ctx);
    const dialog = jest
      .spyOn(Dialog.prototype, 'launch')
      .mockResolvedValueOnce(answer('', false))
      .mockResolvedValueOnce(answer(''));

    await ctx.commands.execute(CommandIDs.deleteRuns);
    expect(server.requests).toHaveLength(0);
    await ctx.commands.execute(CommandIDs.deleteRuns);

    expect(dialog).toHaveBeenCalledTimes(2);
    expect(server.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'DELETE runs/r1',
      'DELETE runs/r2'
    ]);
  });

  it('restoreRuns sets the runs active again', async () => {
    const server = new FakeServer().on('PATCH', /^runs\/r\d$/, {
      body: { run: makeRun('r1', '1', 'a') }
    });
    const ctx = context(server);
    addRestoreRuns(ctx);

    await ctx.commands.execute(CommandIDs.restoreRuns, { runIds: ['r1'] });

    expect(server.requests.map(r => [r.method, r.path, r.body])).toEqual([
      ['PATCH', 'runs/r1', { lifecycle_stage: 'active' }]
    ]);
  });

  it('renameRun renames to a new trimmed name, not to the same one', async () => {
    const run = makeRun('r1', '1', 'old') as unknown as IRun;
    const server = new FakeServer().on('PATCH', 'runs/r1', {
      body: { run: makeRun('r1', '1', 'new') }
    });
    const ctx = context(server, { panel: fakePanel(['r1'], [run]) });
    addRenameRun(ctx);
    jest
      .spyOn(InputDialog, 'getText')
      .mockResolvedValueOnce(answer(' old '))
      .mockResolvedValueOnce(answer(' new '));

    await ctx.commands.execute(CommandIDs.renameRun);
    expect(server.requests).toHaveLength(0);
    await ctx.commands.execute(CommandIDs.renameRun);

    expect(server.requests.map(r => r.body)).toEqual([{ name: 'new' }]);
  });

  it('copyRunId copies the one target run', () => {
    const ctx = context(new FakeServer());
    addCopyRunId(ctx);
    const copy = jest
      .spyOn(Clipboard, 'copyToSystem')
      .mockImplementation(() => undefined);

    expect(
      ctx.commands.isEnabled(CommandIDs.copyRunId, { runIds: ['a', 'b'] })
    ).toBe(false);
    void ctx.commands.execute(CommandIDs.copyRunId, { runId: 'r7' });

    expect(copy).toHaveBeenCalledWith('r7');
  });

  it('deploySelectedRun shows only for a loaded run with a model, when deployRun exists', () => {
    const models = JSON.stringify([{ artifact_path: 'model', flavor: 'x' }]);
    const withModel = makeRun('r1', '1', 'a', {
      tags: { [MODELS_TAG]: models }
    }) as unknown as IRun;
    const ctx = context(new FakeServer(), {
      panel: fakePanel(['r1'], [withModel])
    });
    addDeploySelectedRun(ctx);
    const visible = (): boolean =>
      ctx.commands.isVisible(CommandIDs.deploySelectedRun, {});

    expect(visible()).toBe(false);
    ctx.commands.addCommand(CommandIDs.deployRun, {
      describedBy: { args: {} },
      execute: () => null
    });
    expect(visible()).toBe(true);
    expect(
      ctx.commands.isVisible(CommandIDs.deploySelectedRun, { runId: 'r2' })
    ).toBe(false);
  });
});

describe('panel commands', () => {
  it('newExperiment creates nothing for an empty name', async () => {
    const server = new FakeServer();
    const ctx = context(server);
    addNewExperiment(ctx);
    jest.spyOn(InputDialog, 'getText').mockResolvedValue(answer('   '));

    await ctx.commands.execute(CommandIDs.newExperiment);

    expect(server.requests).toHaveLength(0);
    expect(ctx.openPanel).not.toHaveBeenCalled();
  });

  it('openRun shows the run panel already open instead of a second one', async () => {
    const open = { runId: 'r1', id: 'run-panel-r1' };
    const ctx = context(new FakeServer(), { runPanels: [open] });
    addOpenRun(ctx);

    await ctx.commands.execute(CommandIDs.openRun, { runId: 'r1' });

    expect(ctx.shell.activateById).toHaveBeenCalledWith('run-panel-r1');
    expect(ctx.shell.add).not.toHaveBeenCalled();
  });

  it('compareRuns is enabled from the minimum to the maximum number of runs', () => {
    const ctx = context(new FakeServer());
    addCompareRuns(ctx);
    const ids = (n: number): string[] =>
      Array.from({ length: n }, (_, i) => `r${i}`);
    const { min, max } = COMPARE_RUNS_LIMITS;

    for (const n of [min - 1, min, max, max + 1]) {
      expect(
        ctx.commands.isEnabled(CommandIDs.compareRuns, { runIds: ids(n) })
      ).toBe(canCompare(n));
    }
    expect(canCompare(min)).toBe(true);
    expect(canCompare(max + 1)).toBe(false);
    expect(ctx.commands.label(CommandIDs.compareRuns, { runIds: ids(3) })).toBe(
      'Compare 3 Runs'
    );
  });
});

describe('experiments settings', () => {
  it('defaults to the schema defaults, one page size for the runs table', () => {
    expect(defaultExperimentsSettings()).toEqual({
      pageSize: DEFAULT_RUNS_PAGE_SIZE,
      chartMaxPoints: DEFAULT_CHART_POINTS,
      defaultColumns: null
    });
    expect(schema.properties.pageSize.default).toBe(DEFAULT_RUNS_PAGE_SIZE);
    expect(schema.properties.chartMaxPoints.default).toBe(DEFAULT_CHART_POINTS);
  });

  it('reads the composite values, defaults for what is missing', () => {
    const values: Record<string, unknown> = {
      pageSize: 50,
      defaultColumns: ['attributes.status']
    };
    const loaded = {
      get: (key: string) => ({ composite: values[key] })
    } as never;

    expect(readExperimentsSettings(loaded)).toEqual({
      pageSize: 50,
      chartMaxPoints: DEFAULT_CHART_POINTS,
      defaultColumns: ['attributes.status']
    });
  });
});

describe('the sidebar limit on the one Experiments settings page', () => {
  /** Loaded settings with these user values over the schema's defaults. */
  function loaded(
    user: Record<string, number>,
    defaults: Record<string, number>
  ): never {
    return {
      user,
      get: (key: string) => ({ composite: user[key] ?? defaults[key] })
    } as never;
  }
  const experiments = (user: Record<string, number> = {}): never =>
    loaded(user, { sidebarPageSize: 100 });
  const legacy = (user: Record<string, number> = {}): never =>
    loaded(user, { pageSize: 100 });

  it('has one default, in both schemas', () => {
    expect(schema.properties.sidebarPageSize.default).toBe(
      DEFAULT_SIDEBAR_PAGE_SIZE
    );
    expect(legacySchema.properties.pageSize.default).toBe(
      DEFAULT_SIDEBAR_PAGE_SIZE
    );
    expect(legacySchema['jupyter.lab.setting-deprecated']).toBe(true);
  });

  it('reads sidebarPageSize, else the old tracking pageSize, else the default', () => {
    expect(readSidebarPageSize(experiments(), legacy())).toBe(100);
    expect(readSidebarPageSize(experiments(), legacy({ pageSize: 30 }))).toBe(
      30
    );
    expect(
      readSidebarPageSize(
        experiments({ sidebarPageSize: 500 }),
        legacy({ pageSize: 30 })
      )
    ).toBe(500);
    expect(readSidebarPageSize(null, null)).toBe(DEFAULT_SIDEBAR_PAGE_SIZE);
  });
});
