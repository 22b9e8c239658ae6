import { Clipboard } from '@jupyterlab/apputils';
import {
  IRenderMimeRegistry,
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import * as React from 'react';
import { act } from 'react';
import { createRoot, IRoot } from 'react-dom/client';

import { TrackingClient } from '../../../../api/tracking';
import { FakeServer, IRecordedRequest } from '../../../../__tests__/fakeServer';
import { ArtifactBrowser } from '../ArtifactBrowser';

(
  globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

const trans = nullTranslator.load('jupyterlab_mlplatform');
const MB = 1024 * 1024;

const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0xff]);

const LISTINGS: Record<string, unknown[]> = {
  '': [
    { path: 'metrics.csv', is_dir: false, size: 40 },
    { path: 'model', is_dir: true, size: null },
    { path: 'README.md', is_dir: false, size: 30 },
    { path: 'summary.json', is_dir: false, size: 20 },
    { path: 'train.log', is_dir: false, size: 2048 },
    { path: 'report.html', is_dir: false, size: 90 },
    { path: 'plot.png', is_dir: false, size: PNG_BYTES.length },
    { path: 'diagram.svg', is_dir: false, size: 120 },
    { path: 'analysis.ipynb', is_dir: false, size: 900 },
    { path: 'model.pkl', is_dir: false, size: 1234 },
    { path: 'huge.log', is_dir: false, size: 50 * MB },
    { path: 'gone.txt', is_dir: false, size: 10 }
  ],
  model: [
    { path: 'model/MLmodel', is_dir: false, size: 25 },
    { path: 'model/data', is_dir: true, size: null }
  ],
  'model/data': [{ path: 'model/data/weights.bin', is_dir: false, size: 99 }]
};

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    { cell_type: 'markdown', source: ['# Analysis\n', 'Some *notes*'] },
    {
      cell_type: 'code',
      source: ['x = 1\n', 'x + 1'],
      outputs: [
        {
          output_type: 'execute_result',
          execution_count: 1,
          data: { 'text/plain': ['2'] },
          metadata: {}
        },
        { output_type: 'stream', name: 'stdout', text: ['printed\n'] }
      ]
    }
  ]
};

const FILES: Record<string, string> = {
  'metrics.csv': 'step,loss\n1,0.5\n2,"0,25"\n',
  'README.md': '# Model card\n\nTrained on *MNIST*.',
  'summary.json': '{"accuracy": 0.97, "classes": ["cat", "dog"]}',
  'train.log': 'epoch 1: loss=0.5\nepoch 2: loss=0.25\n',
  'report.html':
    '<h2>Report</h2><script>window.hacked = true</script><img src=x onerror="window.hacked = true">',
  'diagram.svg':
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1" height="1"/></svg>',
  'analysis.ipynb': JSON.stringify(NOTEBOOK),
  'model/MLmodel': 'flavors:\n  sklearn: {}\n',
  'huge.log': 'never sent'
};

/**
 * A markdown parser standing in for the app's (marked): headings only.
 */
const markdownParser = {
  render: async (source: string) =>
    source
      .replace(/^# (.*)$/m, '<h1>$1</h1>')
      .replace(/\*(\w+)\*/g, '<em>$1</em>')
};

function makeServer(): FakeServer {
  const server = new FakeServer();
  server.on('GET', 'runs/r1/artifacts', request => {
    const files = LISTINGS[request.query.path ?? ''];
    return files
      ? {
          body: {
            root_uri: 'file:///tmp/a/r1',
            path: request.query.path ?? '',
            files
          }
        }
      : { status: 404, body: { message: 'No such folder', reason: null } };
  });
  server.on('GET', /^runs\/r1\/artifacts\/.+/, request => {
    const path = decodeURIComponent(
      request.path.slice('runs/r1/artifacts/'.length)
    );
    const body = FILES[path];
    return body === undefined
      ? {
          status: 404,
          body: { message: `Artifact ${path} does not exist`, reason: null }
        }
      : { body };
  });
  return server;
}

/**
 * The server's requests for file contents (not listings).
 */
function fileRequests(server: FakeServer): IRecordedRequest[] {
  return server.requests.filter(r => r.path.startsWith('runs/r1/artifacts/'));
}

function listingRequests(server: FakeServer): IRecordedRequest[] {
  return server.requests.filter(r => r.path === 'runs/r1/artifacts');
}

describe('ArtifactBrowser', () => {
  let server: FakeServer;
  let client: TrackingClient;
  let rendermime: IRenderMimeRegistry;
  let host: HTMLDivElement;
  let root: IRoot;

  beforeEach(() => {
    server = makeServer();
    const settings = server.settings({
      // The fake server only answers text: serve the PNG's bytes here.
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = new Request(input, init).url;
        if (url.includes('/artifacts/plot.png')) {
          server.requests.push({
            method: 'GET',
            path: 'runs/r1/artifacts/plot.png',
            query: {},
            headers: new Headers(),
            body: undefined
          });
          return new Response(PNG_BYTES, {
            headers: { 'Content-Type': 'image/png' }
          });
        }
        return server.fetch(input, init);
      }
    });
    client = new TrackingClient({ serverSettings: settings });
    rendermime = new RenderMimeRegistry({
      initialFactories: standardRendererFactories,
      markdownParser
    });
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
  });

  afterEach(() => {
    act(() => root.unmount());
    host.remove();
    jest.restoreAllMocks();
  });

  async function render(
    props: Partial<React.ComponentProps<typeof ArtifactBrowser>> = {}
  ): Promise<void> {
    await act(async () => {
      root.render(
        <ArtifactBrowser
          client={client}
          runId="r1"
          rendermime={rendermime}
          trans={trans}
          {...props}
        />
      );
    });
  }

  /**
   * Let requests and renders settle (inside `act`) until `condition` holds.
   */
  async function until(condition: () => boolean, what: string): Promise<void> {
    const start = Date.now();
    while (!condition()) {
      if (Date.now() - start > 3000) {
        throw new Error(`Timed out waiting for ${what}`);
      }
      await act(async () => {
        await new Promise(resolve => setTimeout(resolve, 10));
      });
    }
  }

  function items(): HTMLElement[] {
    return Array.from(host.querySelectorAll<HTMLElement>('[role="treeitem"]'));
  }

  function item(path: string): HTMLElement {
    const found = items().find(node => node.dataset.path === path);
    if (!found) {
      throw new Error(`No tree item ${path}`);
    }
    return found;
  }

  function preview(): HTMLElement {
    return host.querySelector<HTMLElement>('.jp-mlp-ArtifactPreview-body')!;
  }

  async function open(path: string, ready: () => boolean): Promise<void> {
    await until(() => items().length > 0, 'the root listing');
    await act(async () => item(path).click());
    await until(ready, `the preview of ${path}`);
  }

  async function press(key: string): Promise<void> {
    await act(async () => {
      (document.activeElement as HTMLElement).dispatchEvent(
        new KeyboardEvent('keydown', { key, bubbles: true })
      );
    });
  }

  describe('tree', () => {
    it('lists the root folder: folders first, names, formatted sizes', async () => {
      await render();
      await until(() => items().length > 0, 'the root listing');

      expect(host.querySelector('[role="tree"]')).not.toBeNull();
      const names = items().map(node => node.textContent);
      expect(names[0]).toBe('model');
      expect(names).toContain('train.log2 KB');
      expect(names).toContain('huge.log50 MB');
      expect(names).toContain('metrics.csv40 bytes');
      expect(item('model').getAttribute('aria-expanded')).toBe('false');
      expect(item('model').getAttribute('aria-level')).toBe('1');
      expect(listingRequests(server)).toHaveLength(1);
      expect(listingRequests(server)[0].query).toEqual({});
    });

    it('lists a subfolder when it is expanded, once per folder', async () => {
      await render();
      await until(() => items().length > 0, 'the root listing');

      await act(async () => item('model').click());
      await until(
        () => items().some(n => n.dataset.path === 'model/MLmodel'),
        'model/'
      );

      expect(item('model').getAttribute('aria-expanded')).toBe('true');
      expect(item('model/MLmodel').getAttribute('aria-level')).toBe('2');
      expect(item('model/data').textContent).toBe('data');
      expect(listingRequests(server).map(r => r.query)).toEqual([
        {},
        { path: 'model' }
      ]);

      // Collapse and expand again: the listing is kept.
      await act(async () => item('model').click());
      expect(items().some(n => n.dataset.path === 'model/MLmodel')).toBe(false);
      await act(async () => item('model').click());
      expect(item('model/MLmodel')).toBeTruthy();
      expect(listingRequests(server)).toHaveLength(2);
      // Nothing was downloaded.
      expect(fileRequests(server)).toHaveLength(0);
    });

    it('moves the focus with the arrow keys (one tab stop)', async () => {
      await render();
      await until(() => items().length > 0, 'the root listing');
      const tabStops = () =>
        items()
          .filter(node => node.tabIndex === 0)
          .map(node => node.dataset.path);
      expect(tabStops()).toEqual(['model']);

      item('model').focus();
      await press('ArrowDown');
      expect(document.activeElement).toBe(item('analysis.ipynb'));
      expect(tabStops()).toEqual(['analysis.ipynb']);

      await press('ArrowUp');
      expect(document.activeElement).toBe(item('model'));

      // Right expands a folder, then enters it; Left goes back up, then
      // collapses.
      await press('ArrowRight');
      await until(
        () => items().some(n => n.dataset.path === 'model/data'),
        'model/'
      );
      expect(document.activeElement).toBe(item('model'));
      await press('ArrowRight');
      expect(document.activeElement).toBe(item('model/data'));
      await press('ArrowDown');
      expect(document.activeElement).toBe(item('model/MLmodel'));
      await press('ArrowLeft');
      expect(document.activeElement).toBe(item('model'));
      await press('ArrowLeft');
      expect(item('model').getAttribute('aria-expanded')).toBe('false');

      await press('End');
      expect(document.activeElement).toBe(item('train.log'));
      expect(tabStops()).toEqual(['train.log']);

      // Enter opens the focused file.
      await press('Enter');
      await until(
        () => preview()?.textContent?.includes('epoch 2') ?? false,
        'train.log'
      );
      expect(item('train.log').getAttribute('aria-selected')).toBe('true');
    });

    it('shows "No artifacts" for a run without artifacts', async () => {
      const empty = new FakeServer().on('GET', 'runs/r2/artifacts', {
        body: { root_uri: 'file:///tmp/a/r2', path: '', files: [] }
      });
      await render({
        client: new TrackingClient({ serverSettings: empty.settings() }),
        runId: 'r2'
      });
      await until(
        () => host.textContent!.includes('No artifacts'),
        'the empty state'
      );
      expect(items()).toHaveLength(0);
    });

    it('shows why the root cannot be listed', async () => {
      const failing = new FakeServer().on('GET', 'runs/r3/artifacts', {
        status: 404,
        body: { message: 'Run r3 does not exist', reason: null }
      });
      await render({
        client: new TrackingClient({ serverSettings: failing.settings() }),
        runId: 'r3'
      });
      await until(
        () => host.querySelector('[role="alert"]') !== null,
        'the error'
      );
      expect(host.querySelector('[role="alert"]')!.textContent).toContain(
        'Run r3 does not exist'
      );
    });

    it('shows why a folder cannot be listed and retries on the next expand', async () => {
      let failures = 1;
      const flaky = new FakeServer().on('GET', 'runs/r4/artifacts', request => {
        if (!request.query.path) {
          return {
            body: {
              root_uri: 'file:///tmp/a/r4',
              path: '',
              files: [{ path: 'outputs', is_dir: true, size: null }]
            }
          };
        }
        if (failures > 0) {
          failures -= 1;
          return {
            status: 500,
            body: { message: 'Disk on fire', reason: null }
          };
        }
        return {
          body: {
            root_uri: 'file:///tmp/a/r4',
            path: 'outputs',
            files: [{ path: 'outputs/a.txt', is_dir: false, size: 1 }]
          }
        };
      });
      await render({
        client: new TrackingClient({ serverSettings: flaky.settings() }),
        runId: 'r4'
      });
      await until(() => items().length > 0, 'the root listing');

      await act(async () => item('outputs').click());
      await until(
        () => host.textContent!.includes('Disk on fire'),
        'the folder error'
      );
      expect(host.textContent).toContain(
        'Could not list this folder: Disk on fire'
      );

      // Collapse, expand: listed again.
      await act(async () => item('outputs').click());
      await act(async () => item('outputs').click());
      await until(
        () => items().some(n => n.dataset.path === 'outputs/a.txt'),
        'outputs/'
      );
      expect(host.textContent).not.toContain('Disk on fire');
      expect(flaky.requests).toHaveLength(3);
    });

    it('lists the root and expanded folders again on refresh', async () => {
      await render();
      await until(() => items().length > 0, 'the root listing');
      await act(async () => item('model').click());
      await until(
        () => items().some(n => n.dataset.path === 'model/MLmodel'),
        'model/'
      );

      const refresh = host.querySelector<HTMLButtonElement>(
        'button[title="Refresh the artifacts"]'
      )!;
      await act(async () => refresh.click());
      await until(() => listingRequests(server).length === 4, 'the refresh');

      expect(
        listingRequests(server)
          .slice(2)
          .map(r => r.query.path ?? '')
          .sort()
      ).toEqual(['', 'model']);
    });

    it('reveals and previews the initial path', async () => {
      await render({ initialPath: 'model/MLmodel' });
      await until(
        () => preview()?.textContent?.includes('sklearn') ?? false,
        'MLmodel'
      );

      expect(item('model').getAttribute('aria-expanded')).toBe('true');
      expect(item('model/MLmodel').getAttribute('aria-selected')).toBe('true');
      expect(fileRequests(server).map(r => r.path)).toEqual([
        'runs/r1/artifacts/model/MLmodel'
      ]);
    });
  });

  describe('previews', () => {
    it('renders a CSV file as a table', async () => {
      await render();
      await open('metrics.csv', () => host.querySelector('table') !== null);

      const table = host.querySelector('table')!;
      const header = Array.from(table.querySelectorAll('th')).map(
        th => th.textContent
      );
      const rows = Array.from(table.querySelectorAll('tbody tr')).map(tr =>
        Array.from(tr.querySelectorAll('td')).map(td => td.textContent)
      );
      expect(header).toEqual(['step', 'loss']);
      expect(rows).toEqual([
        ['1', '0.5'],
        ['2', '0,25']
      ]);
      expect(preview().textContent).toContain('2 rows');
    });

    it('renders JSON pretty-printed without a JSON renderer', async () => {
      await render();
      await open('summary.json', () => preview().textContent!.includes('cat'));

      const pre = preview().querySelector('pre')!;
      expect(pre.textContent).toBe(
        JSON.stringify({ accuracy: 0.97, classes: ['cat', 'dog'] }, null, 2)
      );
    });

    it("hands parsed JSON to the registry's JSON renderer", async () => {
      const rendered: IRenderMime.IMimeModel[] = [];
      class JSONRenderer extends Widget implements IRenderMime.IRenderer {
        async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
          rendered.push(model);
          this.node.textContent = JSON.stringify(
            model.data['application/json']
          );
        }
      }
      rendermime.addFactory({
        safe: true,
        mimeTypes: ['application/json'],
        createRenderer: () => new JSONRenderer()
      });
      await render();
      await open('summary.json', () =>
        preview().textContent!.includes('"accuracy":0.97')
      );

      expect(rendered).toHaveLength(1);
      expect(rendered[0].trusted).toBe(false);
      expect(rendered[0].data['application/json']).toEqual({
        accuracy: 0.97,
        classes: ['cat', 'dog']
      });
    });

    it('renders Markdown through the Markdown renderer', async () => {
      await render();
      await open('README.md', () => preview().querySelector('h1') !== null);

      expect(preview().querySelector('.jp-RenderedMarkdown')).not.toBeNull();
      expect(preview().querySelector('h1')!.textContent).toContain(
        'Model card'
      );
      expect(preview().querySelector('em')!.textContent).toBe('MNIST');
    });

    it('renders a log as plain text', async () => {
      await render();
      await open('train.log', () => preview().textContent!.includes('epoch 2'));

      const text = preview().querySelector('.jp-RenderedText')!;
      expect(text.textContent).toContain(
        'epoch 1: loss=0.5\nepoch 2: loss=0.25'
      );
    });

    it('sanitizes HTML', async () => {
      await render();
      await open('report.html', () => preview().querySelector('h2') !== null);

      expect(preview().querySelector('.jp-RenderedHTMLCommon')).not.toBeNull();
      expect(preview().querySelector('h2')!.textContent).toBe('Report');
      expect(preview().querySelector('script')).toBeNull();
      expect(preview().innerHTML).not.toContain('onerror');
      expect((window as { hacked?: boolean }).hacked).toBeUndefined();
    });

    it('renders a PNG through the image renderer from base64', async () => {
      await render();
      await open('plot.png', () => preview().querySelector('img') !== null);

      const img = preview().querySelector('img')!;
      expect(img.src).toBe(
        `data:image/png;base64,${btoa(String.fromCharCode(...PNG_BYTES))}`
      );
      expect(preview().querySelector('.jp-RenderedImage')).not.toBeNull();
    });

    it('shows an SVG as an image, never inline', async () => {
      await render();
      await open('diagram.svg', () => preview().querySelector('img') !== null);

      const img = preview().querySelector('img')!;
      expect(img.src.startsWith('data:image/svg+xml;base64,')).toBe(true);
      const svg = atob(img.src.split(',')[1]);
      expect(svg).toBe(FILES['diagram.svg']);
      expect(preview().querySelector('svg')).toBeNull();
      expect(preview().textContent).not.toContain('untrusted');
    });

    it('renders notebook cells and outputs', async () => {
      await render();
      await open('analysis.ipynb', () =>
        preview().textContent!.includes('printed')
      );

      const cells = preview().querySelectorAll('[data-cell-type]');
      expect(
        Array.from(cells).map(c => c.getAttribute('data-cell-type'))
      ).toEqual(['markdown', 'code']);
      expect(cells[0].querySelector('h1')!.textContent).toContain('Analysis');
      expect(cells[1].querySelector('pre')!.textContent).toBe('x = 1\nx + 1');
      const outputs = cells[1].querySelectorAll(
        '.jp-mlp-NotebookPreview-output'
      );
      expect(Array.from(outputs).map(o => o.textContent?.trim())).toEqual([
        '2',
        'printed'
      ]);
    });

    it('does not download a file over the limit and offers the link', async () => {
      await render();
      await open('huge.log', () =>
        preview().textContent!.includes('too large')
      );

      expect(preview().textContent).toContain('50 MB');
      const link = preview().querySelector<HTMLAnchorElement>('a[download]')!;
      expect(link.href).toBe(client.artifactUrl('r1', 'huge.log'));
      expect(link.getAttribute('download')).toBe('huge.log');
      expect(fileRequests(server)).toHaveLength(0);
    });

    it('never downloads a binary file', async () => {
      await render();
      await open('model.pkl', () =>
        preview().textContent!.includes('No preview')
      );

      expect(preview().querySelector('a[download]')).not.toBeNull();
      expect(fileRequests(server)).toHaveLength(0);
    });

    it("shows the server's message when the file is missing", async () => {
      await render();
      await open(
        'gone.txt',
        () => preview().querySelector('[role="alert"]') !== null
      );

      expect(preview().querySelector('[role="alert"]')!.textContent).toContain(
        'Artifact gone.txt does not exist'
      );
    });

    it('copies the path and links the download', async () => {
      const copy = jest
        .spyOn(Clipboard, 'copyToSystem')
        .mockImplementation(() => undefined);
      await render();
      await open('train.log', () => preview().textContent!.includes('epoch'));

      const header = host.querySelector('.jp-mlp-ArtifactPreview-header')!;
      const link = header.querySelector<HTMLAnchorElement>('a[download]')!;
      expect(link.href).toBe(
        'http://localhost:8888/user/alice/mlplatform/api/runs/r1/artifacts/train.log'
      );
      const button = Array.from(header.querySelectorAll('button')).find(b =>
        b.textContent!.includes('Copy path')
      )!;
      await act(async () => button.click());
      expect(copy).toHaveBeenCalledWith('train.log');
    });

    it('falls back to text without a renderer registry', async () => {
      await render({ rendermime: null });
      await open('README.md', () =>
        preview().textContent!.includes('Model card')
      );

      expect(preview().querySelector('pre')!.textContent).toBe(
        FILES['README.md']
      );
      expect(preview().querySelector('h1')).toBeNull();
    });
  });
});
