import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { TrackingClient } from '../../../api/tracking';
import {
  FakeServer,
  IRecordedRequest,
  makeExperiment,
  makeRun,
  waitFor
} from '../../../__tests__/fakeServer';
import { ExperimentsPanel } from '../ExperimentsPanel';
import { ExperimentsModel } from '../model';
import { IRunsTableState, RunsModel, stringLiteral } from '../runsModel';

interface ISearchBody {
  filter: string;
}

/**
 * Runs of alice and bob; a search whose filter names a user gets only that
 * user's runs (the server's grammar is tested on the server).
 */
function searchRoute(request: IRecordedRequest) {
  const { filter } = request.body as ISearchBody;
  if (filter.startsWith('(metrics.acc >)')) {
    return {
      status: 400,
      body: {
        message: 'Invalid filter',
        details: { field: 'filter', position: 14, reason: 'expected a value' }
      }
    };
  }
  const user = /attributes\.user = '([^']*)'$/.exec(filter)?.[1];
  const runs = [
    makeRun('a1', '1', 'alice 1', { user: 'alice' }),
    makeRun('b1', '1', 'bob 1', { user: 'bob' }),
    makeRun('a2', '1', 'alice 2', { user: 'alice' })
  ].filter(run => user === undefined || run.user === user);
  return { body: { runs, next_page_token: null } };
}

describe('the "mine / everyone" switch', () => {
  let server: FakeServer;
  let stored: IRunsTableState | null;
  let model: RunsModel;

  const lastFilter = () =>
    (
      server.requests.filter(r => r.path === 'runs/search').pop()!
        .body as ISearchBody
    ).filter;

  function makeModel(currentUser: string | null): RunsModel {
    return new RunsModel({
      client: new TrackingClient({ serverSettings: server.settings() }),
      currentUser,
      stateStore: {
        load: async () => stored,
        save: async state => {
          stored = state;
        }
      }
    });
  }

  beforeEach(() => {
    stored = null;
    server = new FakeServer()
      .on('GET', 'experiments', {
        body: { experiments: [makeExperiment('1', 'iris')] }
      })
      .on('POST', 'runs/search', searchRoute)
      .on('POST', 'runs/keys', {
        body: { params: [], metrics: ['acc'], tags: [] }
      });
    model = makeModel('alice');
  });

  afterEach(() => {
    model.dispose();
  });

  it('adds a user condition to the search, and remembers the choice', async () => {
    await model.setExperimentIds(['1']);
    expect(model.runs.map(r => r.user)).toEqual(['alice', 'bob', 'alice']);

    await model.setMine(true);
    expect(lastFilter()).toBe("attributes.user = 'alice'");
    expect(model.runs.map(r => r.run_id)).toEqual(['a1', 'a2']);
    expect(stored).toMatchObject({ mine: true });

    await model.setFilter('metrics.acc > 0.5 OR params.lr = 1');
    expect(lastFilter()).toBe(
      "(metrics.acc > 0.5 OR params.lr = 1) AND attributes.user = 'alice'"
    );

    await model.setMine(false);
    expect(lastFilter()).toBe('metrics.acc > 0.5 OR params.lr = 1');
    expect(stored).toMatchObject({ mine: false });
  });

  it('keeps the user column among the default columns', async () => {
    await model.setExperimentIds(['1']);
    expect(model.columns.map(c => c.id)).toContain('attributes.user');
  });

  it('restores "mine" from the saved state', async () => {
    stored = { columns: null, pinned: [], widths: {}, mine: true };
    await model.setExperimentIds(['1']);
    await model.restoreState();
    expect(model.mine).toBe(true);
    expect(lastFilter()).toBe("attributes.user = 'alice'");
    expect(model.runs.map(r => r.run_id)).toEqual(['a1', 'a2']);
  });

  it('does not apply until the user is known', async () => {
    model.dispose();
    model = makeModel(null);
    stored = { columns: null, pinned: [], widths: {}, mine: true };
    await model.restoreState();
    await model.setExperimentIds(['1']);
    expect(model.mine).toBe(false);
    expect(lastFilter()).toBe('');

    model.currentUser = 'bob';
    await waitFor(() => lastFilter() === "attributes.user = 'bob'");
    await waitFor(() => model.runs.length === 1);
    expect(model.runs[0].run_id).toBe('b1');
  });

  it('reports filter errors where they are in the filter box', async () => {
    await model.setExperimentIds(['1']);
    await model.setMine(true);
    await model.setFilter('metrics.acc >');
    expect(model.filterError).toEqual({
      message: 'expected a value',
      position: 13
    });
  });

  it('quotes user names as the search grammar reads them', () => {
    expect(stringLiteral('alice')).toBe("'alice'");
    expect(stringLiteral("o'hara")).toBe("'o''hara'");
    expect(stringLiteral('dom\\user')).toBe("'dom\\\\user'");
  });

  it('is a select in the runs table toolbar', async () => {
    const commands = new CommandRegistry();
    const panel = new ExperimentsPanel({
      experiments: new ExperimentsModel({
        client: new TrackingClient({ serverSettings: server.settings() })
      }),
      runs: model,
      commands
    });
    Widget.attach(panel, document.body);
    await panel.showExperiments(['1']);
    const select = () =>
      panel.node.querySelector(
        'select[aria-label="Whose runs"]'
      ) as HTMLSelectElement | null;
    await waitFor(() => select() !== null);
    expect(select()!.value).toBe('everyone');
    expect(select()!.disabled).toBe(false);

    select()!.value = 'mine';
    select()!.dispatchEvent(new Event('change', { bubbles: true }));
    await waitFor(() => model.runs.length === 2);
    expect(lastFilter()).toBe("attributes.user = 'alice'");
    await waitFor(() => select()!.value === 'mine');
    panel.dispose();
  });
});
