// Labels and titles here are test data, not text shown to users.
/* eslint-disable jupyter/no-untranslated-string */
import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';
import uPlot from 'uplot';

import { IMetricChartProps, MetricChart } from '../MetricChart';
import { IChartSeries } from '../series';
import { IRendered, render } from '../../__tests__/render';

// jsdom has no canvas: a fake uPlot records what the chart asks of it (the
// real join() aligns the data).
jest.mock('uplot', () => {
  class FakePlot {
    static instances: FakePlot[] = [];
    static join = jest.requireActual('uplot').join;

    constructor(
      readonly opts: uPlot.Options,
      public data: uPlot.AlignedData,
      readonly target: HTMLElement
    ) {
      this.width = opts.width;
      this.height = opts.height;
      FakePlot.instances.push(this);
    }

    width: number;
    height: number;
    scales: Record<string, { min?: number; max?: number }> = { x: {} };
    setDataCalls: [uPlot.AlignedData, boolean | undefined][] = [];
    setScaleCalls: [string, { min: number; max: number }][] = [];
    redraws = 0;
    destroyed = false;

    setData(data: uPlot.AlignedData, resetScales?: boolean): void {
      this.data = data;
      this.setDataCalls.push([data, resetScales]);
    }
    setScale(key: string, limits: { min: number; max: number }): void {
      this.setScaleCalls.push([key, limits]);
    }
    setSize(size: { width: number; height: number }): void {
      this.width = size.width;
      this.height = size.height;
    }
    batch(txn: () => void): void {
      txn();
    }
    redraw(): void {
      this.redraws++;
    }
    destroy(): void {
      this.destroyed = true;
    }
  }
  return { __esModule: true, default: FakePlot };
});

interface IFakePlot {
  opts: uPlot.Options;
  data: uPlot.AlignedData;
  target: HTMLElement;
  scales: Record<string, { min?: number; max?: number }>;
  setDataCalls: [uPlot.AlignedData, boolean | undefined][];
  setScaleCalls: [string, { min: number; max: number }][];
  redraws: number;
  destroyed: boolean;
}

const instances = (uPlot as unknown as { instances: IFakePlot[] }).instances;
const trans = nullTranslator.load('jupyterlab_mlplatform');

function series(id: string, values: number[], color = 'red'): IChartSeries {
  const steps = values.map((_, i) => i);
  return {
    id,
    label: `run ${id}`,
    color,
    steps,
    timestamps: steps.map(s => 1_700_000_000_000 + s * 1000),
    values
  };
}

function lastPlot(): IFakePlot {
  return instances[instances.length - 1];
}

/** A y array of the plot's data as plain values (null for gaps). */
function column(plot: IFakePlot, index: number): (number | null | undefined)[] {
  return Array.from(plot.data[index] as ArrayLike<number | null | undefined>);
}

describe('MetricChart', () => {
  let rendered: IRendered | null = null;
  const base: IMetricChartProps = {
    title: 'loss',
    series: [series('a', [3, 2, 1])],
    xAxis: 'step',
    logScale: false,
    smoothing: 0,
    trans
  };

  beforeEach(() => {
    instances.length = 0;
  });

  afterEach(() => {
    rendered?.unmount();
    rendered = null;
  });

  function show(props: Partial<IMetricChartProps> = {}): void {
    rendered = render(<MetricChart {...base} {...props} />);
  }

  function update(props: Partial<IMetricChartProps>): void {
    rendered!.rerender(<MetricChart {...base} {...props} />);
  }

  it('creates one plot with a series per run and the aligned data', () => {
    show({ series: [series('a', [3, 2, 1]), series('b', [5, 4], 'blue')] });
    expect(instances).toHaveLength(1);
    const plot = lastPlot();
    expect(plot.opts.series.map(s => s.label)).toEqual([
      'Step',
      'run a',
      'run b'
    ]);
    expect(plot.opts.series[2].stroke).toBe('blue');
    expect(column(plot, 0)).toEqual([0, 1, 2]);
    expect(column(plot, 2)).toEqual([5, 4, undefined]);
    expect(plot.opts.scales?.x.time).toBe(false);
    expect(plot.opts.cursor?.drag).toMatchObject({ x: true, setScale: true });
    expect(rendered!.container.textContent).toContain('loss');
  });

  it('feeds new data with setData instead of rebuilding', () => {
    show();
    const plot = lastPlot();
    update({ series: [series('a', [3, 2, 1, 0.5])] });
    expect(instances).toHaveLength(1);
    expect(plot.setDataCalls).toHaveLength(1);
    expect(column(plot, 1)).toEqual([3, 2, 1, 0.5]);
    expect(plot.destroyed).toBe(false);
  });

  it('does not touch the plot when re-rendered with the same series', () => {
    const same = [series('a', [1, 2])];
    show({ series: same });
    update({ series: same, title: 'renamed' });
    expect(instances).toHaveLength(1);
    expect(lastPlot().setDataCalls).toHaveLength(0);
  });

  it.each<[string, Partial<IMetricChartProps>]>([
    ['the x axis', { xAxis: 'time' }],
    ['the scale', { logScale: true }],
    ['the number of series', { series: [series('a', [1]), series('b', [2])] }],
    ['a series label', { series: [{ ...series('a', [3]), label: 'other' }] }],
    ['smoothing on or off', { smoothing: 0.5 }]
  ])('rebuilds the plot when %s changes', (_, change) => {
    show();
    const first = lastPlot();
    update(change);
    expect(instances).toHaveLength(2);
    expect(first.destroyed).toBe(true);
  });

  it('keeps the plot when only the smoothing weight changes', () => {
    show({ smoothing: 0.3 });
    update({ smoothing: 0.8 });
    expect(instances).toHaveLength(1);
    expect(lastPlot().setDataCalls).toHaveLength(1);
  });

  it('uses a time scale in seconds in time mode', () => {
    show({ xAxis: 'time' });
    const plot = lastPlot();
    expect(plot.opts.scales?.x.time).toBe(true);
    expect(column(plot, 0)[0]).toBe(1_700_000_000);
  });

  it('drops values at or below zero on a log scale', () => {
    show({ series: [series('a', [-1, 0, 0.5, 10])], logScale: true });
    const plot = lastPlot();
    expect(plot.opts.scales?.y).toMatchObject({ distr: 3, log: 10 });
    expect(column(plot, 1)).toEqual([null, null, 0.5, 10]);
  });

  it('labels axis ticks compactly, leaving those uPlot filtered out blank', () => {
    show({ logScale: true });
    const plot = lastPlot();
    const yValues = plot.opts.axes![1].values as uPlot.Axis.DynamicValues;
    const splits = [0.001, null, 0.1, null, 10] as number[];
    expect(yValues(plot as unknown as uPlot, splits, 1, 0, 0)).toEqual([
      '0.001',
      null,
      '0.1',
      null,
      '10'
    ]);
  });

  it('draws the raw line faintly under the smoothed one', () => {
    show({ series: [series('a', [0, 10, 10])], smoothing: 0.6 });
    const plot = lastPlot();
    const [, raw, smoothed] = plot.opts.series;
    expect(raw.alpha).toBeLessThan(1);
    expect(raw.class).toBe('jp-mlp-MetricChart-faint');
    expect(smoothed.alpha).toBe(1);
    expect(column(plot, 1)).toEqual([0, 10, 10]);
    expect(column(plot, 2)[2]).toBeLessThan(10);
  });

  it('shows an empty state and no plot when there is nothing to draw', () => {
    show({ series: [series('a', [NaN])] });
    expect(instances).toHaveLength(0);
    expect(rendered!.container.textContent).toContain('No points to plot yet.');
    update({ series: [series('a', [NaN, 1])] });
    expect(instances).toHaveLength(1);
  });

  it('destroys the plot on unmount', () => {
    show();
    rendered!.unmount();
    rendered = null;
    expect(lastPlot().destroyed).toBe(true);
  });

  it('reports zooms, keeps the zoom while data streams in, resets on rebuild', () => {
    const onZoom = jest.fn();
    show({ onZoom });
    const plot = lastPlot();
    const setScale = plot.opts.hooks!.setScale![0]!;
    const zoomTo = (min: number, max: number) => {
      plot.scales.x = { min, max };
      setScale(plot as unknown as uPlot, 'x');
    };

    zoomTo(0.5, 1.5);
    expect(onZoom).toHaveBeenLastCalledWith([0.5, 1.5]);

    update({ series: [series('a', [3, 2, 1, 0])], onZoom });
    expect(plot.setDataCalls[0][1]).toBe(false);
    expect(plot.setScaleCalls).toEqual([['x', { min: 0.5, max: 1.5 }]]);

    zoomTo(0, 3);
    expect(onZoom).toHaveBeenLastCalledWith(null);
    update({ series: [series('a', [3, 2, 1, 0, 0])], onZoom });
    expect(plot.setDataCalls[1][1]).toBeUndefined();

    zoomTo(1, 2);
    onZoom.mockClear();
    update({ series: [series('a', [3, 2, 1, 0, 0])], onZoom, xAxis: 'time' });
    expect(onZoom).toHaveBeenCalledWith(null);
  });

  it('reads axis colours from the theme and redraws when it changes', async () => {
    show();
    const plot = lastPlot();
    const axisStroke = plot.opts.axes![1].stroke as () => string;
    const host = plot.target;
    host.style.setProperty('--jp-ui-font-color1', 'rgb(10, 20, 30)');
    expect(axisStroke()).not.toBe('rgb(10, 20, 30)');

    await act(async () => {
      document.body.setAttribute('data-jp-theme-light', 'false');
      // MutationObserver callbacks run as a microtask.
      await Promise.resolve();
    });
    expect(plot.redraws).toBe(1);
    expect(axisStroke()).toBe('rgb(10, 20, 30)');
    document.body.removeAttribute('data-jp-theme-light');
  });
});
