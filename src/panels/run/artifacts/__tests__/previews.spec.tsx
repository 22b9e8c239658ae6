import {
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';
import { createRoot, IRoot } from 'react-dom/client';

import { CsvTable } from '../CsvTable';
import { NotebookPreview } from '../NotebookPreview';

(
  globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

const trans = nullTranslator.load('jupyterlab_mlplatform');

let host: HTMLDivElement;
let root: IRoot;

beforeEach(() => {
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
});

afterEach(() => {
  act(() => root.unmount());
  host.remove();
});

async function show(element: JSX.Element): Promise<void> {
  await act(async () => {
    root.render(element);
  });
}

async function until(condition: () => boolean): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > 3000) {
      throw new Error('Timed out');
    }
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 10));
    });
  }
}

describe('CsvTable', () => {
  it('shows the first 1,000 rows of a longer file and says so', async () => {
    const lines = ['id\tvalue'];
    for (let i = 0; i < 1500; i++) {
      lines.push(`${i}\tv${i}`);
    }
    await show(
      <CsvTable text={lines.join('\n')} delimiter={'\t'} trans={trans} />
    );
    await until(() => host.querySelector('table') !== null);

    expect(host.querySelectorAll('tbody tr')).toHaveLength(1000);
    expect(
      Array.from(host.querySelectorAll('th')).map(th => th.textContent)
    ).toEqual(['id', 'value']);
    const last = host.querySelector('tbody tr:last-child')!;
    expect(Array.from(last.children).map(td => td.textContent)).toEqual([
      '999',
      'v999'
    ]);
    expect(host.textContent).toContain('Showing 1000 of 1500 rows');
  });
});

describe('NotebookPreview', () => {
  const rendermime = new RenderMimeRegistry({
    initialFactories: standardRendererFactories
  });

  it('renders error outputs and prefers safe renderers', async () => {
    const notebook = {
      nbformat: 4,
      cells: [
        {
          cell_type: 'code',
          source: '1 / 0',
          outputs: [
            {
              output_type: 'error',
              ename: 'ZeroDivisionError',
              evalue: 'division by zero',
              traceback: ['ZeroDivisionError: division by zero']
            },
            {
              output_type: 'display_data',
              data: {
                'application/javascript': 'window.ran = true',
                'text/plain': '<IPython.core.display.Javascript object>'
              },
              metadata: {}
            }
          ]
        }
      ]
    };
    await show(
      <NotebookPreview
        text={JSON.stringify(notebook)}
        rendermime={rendermime}
        trans={trans}
      />
    );

    const outputs = Array.from(
      host.querySelectorAll('.jp-mlp-NotebookPreview-output')
    ).map(node => node.textContent);
    expect(outputs).toEqual([
      'ZeroDivisionError: division by zero',
      '<IPython.core.display.Javascript object>'
    ]);
    expect((window as { ran?: boolean }).ran).toBeUndefined();
  });

  it('shows the text of outputs without a renderer registry', async () => {
    const notebook = {
      cells: [
        {
          cell_type: 'markdown',
          source: '# Title'
        },
        {
          cell_type: 'code',
          source: 'print(1)',
          outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }]
        }
      ]
    };
    await show(
      <NotebookPreview
        text={JSON.stringify(notebook)}
        rendermime={null}
        trans={trans}
      />
    );

    expect(
      Array.from(host.querySelectorAll('pre')).map(pre => pre.textContent)
    ).toEqual(['# Title', 'print(1)', '1\n']);
  });

  it('says when the file is not a notebook', async () => {
    await show(
      <NotebookPreview text="{not json" rendermime={rendermime} trans={trans} />
    );
    expect(host.querySelector('[role="alert"]')!.textContent).toContain(
      'This is not a valid notebook'
    );

    await show(
      <NotebookPreview text="[1, 2]" rendermime={rendermime} trans={trans} />
    );
    expect(host.querySelector('[role="alert"]')!.textContent).toContain(
      'no "cells" list'
    );
  });
});
