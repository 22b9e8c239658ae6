/*
 * The uPlot options of a metric chart.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import uPlot from 'uplot';

import { IChartLine } from './chartLines';
import { formatCompact, formatDuration, formatTicks, logTicks } from './scales';
import { XAxisMode } from './series';
import { IChartTheme } from './theme';

/**
 * The class of the legend rows and hover points of faint (raw) lines; the
 * stylesheet hides their legend rows, whose values show in the smoothed
 * line's row.
 */
export const FAINT_LINE_CLASS = 'jp-mlp-MetricChart-faint';

/**
 * What a metric chart's uPlot options are made from.
 */
export interface IChartOptionsArgs {
  lines: readonly IChartLine[];
  xAxis: XAxisMode;
  logScale: boolean;
  width: number;
  height: number;
  /** The current theme, called at draw time so theme changes apply. */
  theme: () => IChartTheme;
  trans: TranslationBundle;
  /** Called after the x scale changed (zoom, reset, new data). */
  onXScale: (plot: uPlot) => void;
}

/**
 * uPlot options: one series per line after the x series, a linear or log
 * y scale, drag-to-zoom on x (uPlot resets on double-click), a live legend,
 * and axis colours read from the theme at each draw.
 */
/** The `performance.mark` name set each time a metric chart has drawn. */
export const CHART_DRAWN_MARK = 'mlp:chart-drawn';

export function chartOptions(args: IChartOptionsArgs): uPlot.Options {
  const { lines, xAxis, logScale, theme, trans } = args;
  const font = theme().font;
  const axis: uPlot.Axis = {
    font,
    stroke: () => theme().text,
    grid: { stroke: () => theme().grid, width: 1 },
    ticks: { stroke: () => theme().grid, width: 1 }
  };
  const xLabels: Record<XAxisMode, string> = {
    step: trans.__('Step'),
    time: trans.__('Time'),
    relative: trans.__('Relative time')
  };
  return {
    width: args.width,
    height: args.height,
    series: [
      { label: xLabels[xAxis], value: Private.xLegendValue(xAxis) },
      ...lines.map((line, index) =>
        Private.lineSeries(line, lines[index - 1], trans)
      )
    ],
    scales: {
      x: { time: xAxis === 'time' },
      y: logScale ? { distr: 3, log: 10 } : {}
    },
    axes: [
      { ...axis, ...Private.xAxisTicks(xAxis) },
      {
        ...axis,
        values: (_plot, splits) => Private.tickLabels(splits, formatTicks),
        splits: logScale
          ? (_plot, _axis, min, max) => logTicks(min, max)
          : undefined
      }
    ],
    cursor: {
      drag: { x: true, y: false, setScale: true },
      points: { size: 7, width: 2, fill: () => theme().background }
    },
    legend: { show: true, live: true },
    hooks: {
      setScale: [
        (plot, key) => {
          if (key === 'x') {
            args.onXScale(plot);
          }
        }
      ],
      setSeries: [Private.toggleFaintPartner(lines)],
      // A User Timing mark per drawn frame: bench/ measures draw times with it.
      draw: [() => performance.mark(CHART_DRAWN_MARK)]
    }
  };
}

namespace Private {
  /**
   * The uPlot series of one line; a smoothed line's legend value also shows
   * the raw value of the faint line before it.
   */
  export function lineSeries(
    line: IChartLine,
    previous: IChartLine | undefined,
    trans: TranslationBundle
  ): uPlot.Series {
    const hasRaw = !line.faint && previous !== undefined && previous.faint;
    return {
      label: line.label,
      stroke: line.color,
      width: line.faint ? 1 : 1.5,
      alpha: line.faint ? FAINT_ALPHA : 1,
      class: line.faint ? FAINT_LINE_CLASS : undefined,
      value: (plot, value, seriesIndex, index) => {
        const text = legendNumber(value);
        if (!hasRaw || index === null) {
          return text;
        }
        const raw = plot.data[seriesIndex - 1][index];
        return trans.__('%1 (raw %2)', text, legendNumber(raw));
      }
    };
  }

  /**
   * A `setSeries` hook: showing or hiding a smoothed line (from its legend
   * row) does the same to its faint raw line, whose row is hidden.
   */
  export function toggleFaintPartner(
    lines: readonly IChartLine[]
  ): NonNullable<uPlot.Hooks.Defs['setSeries']> {
    return (plot, seriesIndex, options) => {
      if (seriesIndex === null || options.show === undefined) {
        return;
      }
      const partner = seriesIndex - 1;
      if (
        lines[partner - 1]?.faint &&
        plot.series[partner].show !== options.show
      ) {
        plot.setSeries(partner, { show: options.show });
      }
    };
  }

  /**
   * The x value in the legend; uPlot's own date format in time mode.
   */
  export function xLegendValue(mode: XAxisMode): uPlot.Series['value'] {
    switch (mode) {
      case 'time':
        return undefined;
      case 'relative':
        return (_plot, value) =>
          value === null ? '--' : formatDuration(value);
      case 'step':
        return (_plot, value) => (value === null ? '--' : String(value));
    }
  }

  /**
   * Tick spacing and labels of the x axis: whole steps, durations at
   * clock-like intervals, or uPlot's own time ticks.
   */
  export function xAxisTicks(mode: XAxisMode): Partial<uPlot.Axis> {
    switch (mode) {
      case 'time':
        return {};
      case 'relative':
        return {
          incrs: DURATION_INCREMENTS,
          values: (_plot, splits) =>
            Private.tickLabels(splits, values => values.map(formatDuration))
        };
      case 'step':
        return {
          incrs: STEP_INCREMENTS,
          values: (_plot, splits) => Private.tickLabels(splits, formatTicks)
        };
    }
  }

  /**
   * Axis labels for uPlot's splits; a split that uPlot's filter has set to
   * `null` (it thins crowded log-axis labels) keeps no label.
   */
  export function tickLabels(
    splits: readonly (number | null)[],
    format: (values: number[]) => string[]
  ): (string | null)[] {
    const present = splits.filter((v): v is number => v !== null);
    const labels = format(present);
    let next = 0;
    return splits.map(v => (v === null ? null : labels[next++]));
  }

  function legendNumber(value: number | null | undefined): string {
    return value === null || value === undefined
      ? '--'
      : formatCompact(value, 4);
  }

  const FAINT_ALPHA = 0.3;

  /** 1, 2 and 5 times the powers of ten from 1 to 10^15: whole steps only. */
  const STEP_INCREMENTS: number[] = [];
  for (let e = 0; e <= 15; e++) {
    STEP_INCREMENTS.push(1 * 10 ** e, 2 * 10 ** e, 5 * 10 ** e);
  }

  /** Seconds: sub-second, then clock-like intervals up to years. */
  const DURATION_INCREMENTS = [
    0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
    7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000, 31536000
  ];
}
