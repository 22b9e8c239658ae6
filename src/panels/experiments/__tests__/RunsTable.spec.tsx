import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';

import { IRun } from '../../../api/tracking';
import { IRendered, render } from '../../../__tests__/render';
import { makeRun } from '../../../__tests__/fakeServer';
import { makeColumn } from '../columns';
import { IRunsTableProps, RunsTable } from '../components/RunsTable';

const trans = nullTranslator.load('jupyterlab_mlplatform');

const runs = Array.from(
  { length: 10_000 },
  (_, i) =>
    makeRun(`r${i}`, '1', `run ${i}`, {
      metrics: { acc: { value: i / 10_000, step: 0, timestamp: 0 } }
    }) as unknown as IRun
);
const columns = [
  'attributes.run_name',
  'metrics.acc',
  'attributes.source_notebook'
].map(id => makeColumn(id, trans)!);

describe('RunsTable', () => {
  // jsdom has no layout: give the scroll container a 600 x 1000 px view.
  const size = { clientHeight: 600, clientWidth: 1000 };
  const saved = Object.keys(size).map(
    name =>
      [
        name,
        Object.getOwnPropertyDescriptor(HTMLElement.prototype, name)
      ] as const
  );
  beforeAll(() => {
    for (const [name, value] of Object.entries(size)) {
      Object.defineProperty(HTMLElement.prototype, name, {
        configurable: true,
        get: () => value
      });
    }
  });
  afterAll(() => {
    for (const [name, descriptor] of saved) {
      if (descriptor) {
        Object.defineProperty(HTMLElement.prototype, name, descriptor);
      }
    }
  });

  let props: IRunsTableProps;
  let rendered: IRendered;
  let selection: Set<string>;

  const mount = (overrides: Partial<IRunsTableProps> = {}): void => {
    props = { ...props, ...overrides };
    rendered = render(<RunsTable {...props} />);
  };

  beforeEach(() => {
    selection = new Set();
    props = {
      runs,
      columns,
      width: column => column.width,
      isPinned: id => id === 'attributes.run_name',
      sort: null,
      selection,
      hasMore: false,
      loading: false,
      trans,
      onSort: jest.fn(),
      onResize: jest.fn(),
      onSelectionChange: jest.fn(ids => {
        selection = ids;
      }),
      onOpenRun: jest.fn(),
      onOpenSource: jest.fn(),
      onLoadMore: jest.fn()
    };
  });

  afterEach(() => rendered.unmount());

  const grid = () =>
    rendered.container.querySelector<HTMLElement>('[role=grid]')!;
  const rows = () =>
    rendered.container.querySelectorAll<HTMLElement>('.jp-mlp-RunsTable-row');
  const key = (k: string, init: KeyboardEventInit = {}) =>
    act(() => {
      grid().dispatchEvent(
        new KeyboardEvent('keydown', { key: k, bubbles: true, ...init })
      );
    });

  it('puts only the rows in view in the DOM, and says how many there are', () => {
    mount();
    expect(rows().length).toBeGreaterThan(0);
    expect(rows().length).toBeLessThan(100);
    expect(grid().getAttribute('aria-rowcount')).toBe('10001');
    expect(rows()[0].textContent).toContain('run 0');
    expect(rows()[0].textContent).toContain('train.ipynb');
  });

  it('sorts numbers descending first, then ascending, then not at all', () => {
    mount();
    const header = rendered.container.querySelector<HTMLElement>(
      '.jp-mlp-RunsTable-header [data-column-id="metrics.acc"]'
    )!;
    act(() => header.click());
    expect(props.onSort).toHaveBeenLastCalledWith({
      columnId: 'metrics.acc',
      descending: true
    });
    rendered.unmount();
    mount({ sort: { columnId: 'metrics.acc', descending: true } });
    const sorted = rendered.container.querySelector<HTMLElement>(
      '.jp-mlp-RunsTable-header [data-column-id="metrics.acc"]'
    )!;
    expect(sorted.getAttribute('aria-sort')).toBe('descending');
    act(() => sorted.click());
    expect(props.onSort).toHaveBeenLastCalledWith({
      columnId: 'metrics.acc',
      descending: false
    });
    rendered.unmount();
    mount({ sort: { columnId: 'metrics.acc', descending: false } });
    act(() =>
      rendered.container
        .querySelector<HTMLElement>(
          '.jp-mlp-RunsTable-header [data-column-id="metrics.acc"]'
        )!
        .click()
    );
    expect(props.onSort).toHaveBeenLastCalledWith(null);
  });

  it('moves with the keyboard, selects with Space and opens with Enter', () => {
    mount();
    key('ArrowDown');
    key('ArrowDown');
    key(' ');
    expect([...selection]).toEqual(['r2']);
    key('Enter');
    expect(props.onOpenRun).toHaveBeenCalledWith(runs[2]);
    key('a', { ctrlKey: true });
    expect(selection.size).toBe(10_000);
  });

  it('extends the selection with Shift+arrows', () => {
    mount();
    key('ArrowDown', { shiftKey: true });
    key('ArrowDown', { shiftKey: true });
    expect([...selection].sort()).toEqual(['r0', 'r1', 'r2']);
  });

  it('opens a run from its name and its notebook from the source cell', () => {
    mount();
    const first = rows()[0];
    act(() =>
      first
        .querySelector<HTMLElement>(
          '[data-column-id="attributes.run_name"] button'
        )!
        .click()
    );
    expect(props.onOpenRun).toHaveBeenCalledWith(runs[0]);
    act(() =>
      first
        .querySelector<HTMLElement>(
          '[data-column-id="attributes.source_notebook"] button'
        )!
        .click()
    );
    expect(props.onOpenSource).toHaveBeenCalledWith(runs[0]);
  });

  it('keeps pinned columns at the left', () => {
    mount();
    const pinned = rows()[0].querySelector<HTMLElement>(
      '[data-column-id="attributes.run_name"]'
    )!;
    expect(pinned.classList).toContain('jp-mlp-mod-pinned');
    expect(pinned.style.left).toBe('32px');
  });

  it('asks for the next page near the end of what is loaded', () => {
    mount({ runs: runs.slice(0, 20), hasMore: true });
    expect(props.onLoadMore).toHaveBeenCalled();
  });
});
