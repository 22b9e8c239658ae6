import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';

import { IRun, TrackingClient } from '../../../api/tracking';
import { FakeServer, makeRun } from '../../../__tests__/fakeServer';
import { IRendered, render, until } from '../../../__tests__/render';
import { CodeDiff } from '../CodeDiff';

const trans = nullTranslator.load('jupyterlab_mlplatform');

/** Captured files per run: artifact path below `mlplatform/` -> text. */
type Files = Record<string, Record<string, string>>;

function serve(files: Files): FakeServer {
  const server = new FakeServer();
  server.on('GET', /^runs\/r\d\/artifacts$/, request => {
    const runId = request.path.split('/')[1];
    const own = files[runId];
    if (!own) {
      return { status: 404, body: { message: 'No such folder', reason: null } };
    }
    return {
      body: {
        root_uri: `file:///tmp/${runId}`,
        path: request.query.path,
        files: Object.keys(own).map(name => ({
          path: `mlplatform/${name}`,
          is_dir: false,
          size: own[name].length
        }))
      }
    };
  });
  server.on('GET', /^runs\/r\d\/artifacts\/mlplatform\/.+/, request => {
    const [, runId, , , name] = request.path.split('/');
    const text = files[runId]?.[decodeURIComponent(name)];
    return text === undefined
      ? { status: 404, body: { message: 'No such file', reason: null } }
      : { body: text };
  });
  return server;
}

const codePath = (cells: Array<[number, string, string]>): string =>
  ['# header', '# header', '']
    .concat(
      ...cells.map(([n, id, source]) => [
        `# %% In [${n}] cell ${id}`,
        source,
        ''
      ])
    )
    .join('\n');

const run = (id: string, extra: Record<string, unknown> = {}): IRun =>
  makeRun(id, '1', id, extra) as unknown as IRun;

describe('CodeDiff', () => {
  // jsdom lays nothing out: the scroll container is 600 px high.
  beforeAll(() => {
    jest
      .spyOn(HTMLElement.prototype, 'clientHeight', 'get')
      .mockReturnValue(600);
  });
  afterAll(() => jest.restoreAllMocks());

  let rendered: IRendered | null = null;
  afterEach(() => {
    rendered?.unmount();
    rendered = null;
  });

  const mount = (server: FakeServer, runs: [IRun, IRun]): HTMLElement => {
    const client = new TrackingClient({ serverSettings: server.settings() });
    rendered = render(<CodeDiff client={client} runs={runs} trans={trans} />);
    return rendered.container;
  };

  it('shows the changed cell as a line diff, then packages, git and params', async () => {
    const server = serve({
      r1: {
        'code_path.py': codePath([[1, 'load', 'df = load()']]),
        'cell.py': 'model.fit(df, lr=0.1)\n',
        'environment.json': JSON.stringify({ packages: { numpy: '1.26.0' } })
      },
      r2: {
        'code_path.py': codePath([[1, 'load', 'df = load()']]),
        'cell.py': 'model.fit(df, lr=0.2)\n',
        'environment.json': JSON.stringify({ packages: { numpy: '2.0.0' } })
      }
    });
    const container = mount(server, [
      run('r1', { source: { cell_id: 'fit' }, params: { lr: '0.1' } }),
      run('r2', { source: { cell_id: 'fit' }, params: { lr: '0.2' } })
    ]);

    await until(() => container.querySelector('[role="list"]') !== null);

    const rows = [...container.querySelectorAll('[role="listitem"]')];
    const text = rows.map(row => row.textContent);
    expect(text).toContain('Cell load: unchanged');
    expect(text).toContain('Cell fit: changed');
    const removed = container.querySelector('.jp-mlp-CodeDiff-del');
    const added = container.querySelector('.jp-mlp-CodeDiff-add');
    expect(removed?.textContent).toBe('1-model.fit(df, lr=0.1)');
    expect(added?.textContent).toBe('1+model.fit(df, lr=0.2)');
    expect(text).toContain('numpy: 1.26.0 → 2.0.0');
    expect(text).toContain('lr: 0.1 → 0.2');
  });

  it('says so when neither run captured anything (no folder is no error)', async () => {
    const container = mount(serve({}), [run('r1'), run('r2')]);

    await until(() => container.querySelector('[role="list"]') !== null);

    expect(container.textContent).toContain('Neither run has captured code');
    expect(container.querySelector('[role="alert"]')).toBeNull();
  });

  it('shows a failure to load as an alert', async () => {
    const server = new FakeServer().on('GET', /^runs\/r\d\/artifacts$/, {
      status: 403,
      body: { message: 'Forbidden', reason: null }
    });
    const container = mount(server, [run('r1'), run('r2')]);

    await until(() => container.querySelector('[role="alert"]') !== null);

    expect(container.textContent).toContain('Could not load the captured code');
  });

  it('keeps only the rows in view in the DOM for a huge diff', async () => {
    const big = (value: number) =>
      Array.from({ length: 20_000 }, (_, i) => `x_${i} = ${value * i}`).join(
        '\n'
      );
    const server = serve({
      r1: { 'code_path.py': codePath([[1, 'data', big(1)]]) },
      r2: { 'code_path.py': codePath([[1, 'data', big(2)]]) }
    });
    const container = mount(server, [run('r1'), run('r2')]);

    await until(
      () => container.querySelector('[role="list"]') !== null,
      10_000
    );

    const inDom = container.querySelectorAll('[role="listitem"]').length;
    expect(inDom).toBeGreaterThan(10);
    expect(inDom).toBeLessThan(100);
    // The list is as tall as every row (40,000 lines), not just those shown.
    const inner = container.querySelector('[role="list"] > div') as HTMLElement;
    expect(parseInt(inner.style.height, 10)).toBeGreaterThan(40_000 * 20);
  });
});
