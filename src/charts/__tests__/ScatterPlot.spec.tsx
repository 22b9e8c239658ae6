// Labels and titles here are test data, not text shown to users.
/* eslint-disable jupyter/no-untranslated-string */
import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';

import { IScatterPoint, ScatterPlot } from '../ScatterPlot';
import { IRendered, render } from '../../__tests__/render';

const trans = nullTranslator.load('jupyterlab_mlplatform');

describe('ScatterPlot', () => {
  let rendered: IRendered | null = null;

  afterEach(() => rendered?.unmount());

  function show(points: IScatterPoint[]): HTMLElement {
    rendered = render(
      <ScatterPlot points={points} xLabel="lr" yLabel="loss" trans={trans} />
    );
    return rendered.container;
  }

  it('draws a circle per run with its name in the title', () => {
    const container = show([
      { id: 'a', label: 'run a', x: 0.1, y: 0.5 },
      { id: 'b', label: 'run b', x: '0.01', y: 0.7, color: 'rgb(1, 2, 3)' }
    ]);
    const circles = container.querySelectorAll('circle');
    expect(circles).toHaveLength(2);
    expect(circles[0].querySelector('title')?.textContent).toBe(
      'run a\nlr: 0.1\nloss: 0.5'
    );
    expect(circles[1].style.fill).toBe('rgb(1, 2, 3)');
    // A higher loss is drawn higher up, a higher lr further right.
    expect(Number(circles[1].getAttribute('cy'))).toBeLessThan(
      Number(circles[0].getAttribute('cy'))
    );
    expect(Number(circles[1].getAttribute('cx'))).toBeLessThan(
      Number(circles[0].getAttribute('cx'))
    );
  });

  it('labels both axes and draws numeric ticks', () => {
    const container = show([
      { id: 'a', label: 'a', x: 1, y: 10 },
      { id: 'b', label: 'b', x: 5, y: 20 }
    ]);
    const texts = Array.from(container.querySelectorAll('text')).map(
      t => t.textContent
    );
    expect(texts).toContain('lr');
    expect(texts).toContain('loss');
    expect(texts).toContain('20');
    expect(
      container.querySelectorAll('.jp-mlp-SvgAxis-tick').length
    ).toBeGreaterThan(4);
  });

  it('puts categorical x values on a point axis', () => {
    const container = show([
      { id: 'a', label: 'a', x: 'sgd', y: 1 },
      { id: 'b', label: 'b', x: 'adam', y: 2 },
      { id: 'c', label: 'c', x: 'sgd', y: 3 }
    ]);
    const [xAxis] = Array.from(container.querySelectorAll('.jp-mlp-SvgAxis'));
    expect(
      Array.from(xAxis.querySelectorAll('text')).map(t => t.textContent)
    ).toEqual(['adam', 'sgd']);
    const circles = container.querySelectorAll('circle');
    expect(circles[0].getAttribute('cx')).toBe(circles[2].getAttribute('cx'));
    expect(circles[0].getAttribute('cx')).not.toBe(
      circles[1].getAttribute('cx')
    );
  });

  it('leaves out runs without a value and says how many', () => {
    const container = show([
      { id: 'a', label: 'a', x: 1, y: 1 },
      { id: 'b', label: 'b', x: null, y: 2 },
      { id: 'c', label: 'c', x: 3, y: null }
    ]);
    expect(container.querySelectorAll('circle')).toHaveLength(1);
    expect(container.textContent).toContain('2 runs without a value');
  });

  it('says so when no run has both values', () => {
    const container = show([{ id: 'b', label: 'b', x: null, y: 2 }]);
    expect(container.querySelector('svg')).toBeNull();
    expect(container.textContent).toContain('No runs have both lr and loss.');
    expect(container.textContent).toContain('1 run without a value');
  });
});
