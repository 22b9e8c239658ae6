// Labels and titles here are test data, not text shown to users.
/* eslint-disable jupyter/no-untranslated-string */
import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';

import {
  IPCDimension,
  IPCLine,
  ParallelCoordinates
} from '../ParallelCoordinates';
import { IRendered, render } from '../../__tests__/render';

const trans = nullTranslator.load('jupyterlab_mlplatform');

const lines: IPCLine[] = [
  { id: 'a', label: 'run a' },
  { id: 'b', label: 'run b' },
  { id: 'c', label: 'run c' }
];

const dimensions: IPCDimension[] = [
  { key: 'lr', label: 'lr', values: ['0.1', '0.01', null] },
  { key: 'optimizer', label: 'optimizer', values: ['sgd', 'adam', 'sgd'] },
  { key: 'loss', label: 'loss', values: [0.5, 0.2, 0.9] }
];

describe('ParallelCoordinates', () => {
  let rendered: IRendered;

  beforeEach(() => {
    rendered = render(
      <ParallelCoordinates
        lines={lines}
        dimensions={dimensions}
        colorDimension="loss"
        height={300}
        trans={trans}
      />
    );
  });

  afterEach(() => rendered.unmount());

  function linePaths(): SVGPathElement[] {
    return Array.from(
      rendered.container.querySelectorAll<SVGPathElement>(
        '.jp-mlp-ParallelCoordinates-line'
      )
    );
  }

  /** The [x, y] vertices of a path's data ("Mx,yLx,y..."). */
  function vertices(path: SVGPathElement): number[][] {
    return path
      .getAttribute('d')!
      .split(/[ML]/)
      .filter(Boolean)
      .map(p => p.split(',').map(Number));
  }

  it('draws a path per line through one vertex per axis', () => {
    const paths = linePaths();
    expect(paths).toHaveLength(3);
    for (const path of paths) {
      expect(vertices(path)).toHaveLength(3);
    }
    expect(paths.map(p => p.querySelector('title')?.textContent)).toEqual([
      'run a',
      'run b',
      'run c'
    ]);
  });

  it('labels every axis', () => {
    const titles = Array.from(
      rendered.container.querySelectorAll('.jp-mlp-SvgAxis-title')
    ).map(t => t.textContent);
    expect(titles).toEqual(['lr', 'optimizer', 'loss']);
    expect(rendered.container.querySelectorAll('.jp-mlp-SvgAxis')).toHaveLength(
      3
    );
  });

  it('gives a string dimension a categorical axis', () => {
    const optimizerAxis =
      rendered.container.querySelectorAll('.jp-mlp-SvgAxis')[1];
    expect(
      Array.from(optimizerAxis.querySelectorAll('text')).map(t => t.textContent)
    ).toEqual(['adam', 'sgd']);
    const [a, b, c] = linePaths().map(vertices);
    expect(a[1][1]).toBe(c[1][1]);
    expect(a[1][1]).not.toBe(b[1][1]);
  });

  it('takes missing values to a band below the axis', () => {
    const [a, b, c] = linePaths().map(vertices);
    const axisBottom = 300 - 40;
    expect(c[0][1]).toBeGreaterThan(axisBottom);
    expect(a[0][1]).toBeLessThanOrEqual(axisBottom);
    expect(b[0][1]).toBeLessThanOrEqual(axisBottom);
    const missing = rendered.container.querySelectorAll(
      '.jp-mlp-ParallelCoordinates-missing'
    );
    expect(missing).toHaveLength(1);
  });

  it('colours lines by the colour dimension', () => {
    const [a, b, c] = linePaths().map(p => p.style.stroke);
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('highlights and names the hovered line', () => {
    const b = linePaths()[1];
    act(() => {
      b.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
    });
    const highlight = rendered.container.querySelector(
      '.jp-mlp-ParallelCoordinates-highlight'
    );
    expect(highlight?.getAttribute('d')).toBe(b.getAttribute('d'));
    expect(
      rendered.container.querySelector('.jp-mlp-ParallelCoordinates-caption')
        ?.textContent
    ).toBe('run b');
    act(() => {
      b.dispatchEvent(
        new MouseEvent('mouseout', { bubbles: true, relatedTarget: null })
      );
    });
    expect(
      rendered.container.querySelector('.jp-mlp-ParallelCoordinates-highlight')
    ).toBeNull();
  });

  it('shows an empty state without runs', () => {
    rendered.rerender(
      <ParallelCoordinates
        lines={[]}
        dimensions={[]}
        colorDimension="loss"
        trans={trans}
      />
    );
    expect(rendered.container.querySelector('svg')).toBeNull();
    expect(rendered.container.textContent).toContain('No runs to compare.');
  });
});
