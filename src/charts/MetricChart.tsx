import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import uPlot from 'uplot';

import { alignSeries } from './align';
import { chartLines, hasPoints, linesKey } from './chartLines';
import { chartOptions } from './chartOptions';
import { IChartSeries, XAxisMode } from './series';
import { observeThemeChanges, readChartTheme } from './theme';
import { useContainerWidth } from './useContainerWidth';

const CHART_CLASS = 'jp-mlp-MetricChart';
const TITLE_CLASS = 'jp-mlp-MetricChart-title';
const PLOT_CLASS = 'jp-mlp-MetricChart-plot';
const EMPTY_CLASS = 'jp-mlp-MetricChart-empty';

const DEFAULT_HEIGHT = 240;
const FALLBACK_WIDTH = 400;

export interface IMetricChartProps {
  title: string;
  series: IChartSeries[];
  xAxis: XAxisMode;
  logScale: boolean;
  /** Weight of the moving average, 0 (none) to 0.99. */
  smoothing: number;
  /** Height of the plot area and axes in pixels, without the legend. */
  height?: number;
  trans: TranslationBundle;
  /**
   * Called when the visible x range changes: `[min, max]` after a zoom,
   * `null` when the whole range shows again (double-click, or a rebuilt
   * chart). In x-axis units: steps, seconds since the epoch, or seconds.
   */
  onZoom?: (range: [number, number] | null) => void;
}

/**
 * A line chart of metric histories, drawn on a canvas by uPlot.
 *
 * The chart is built once and fed new data with `setData`, so a running
 * run's chart updates cheaply; it is rebuilt only when the x axis, the
 * scale or the set of lines change. A zoomed chart stays zoomed while data
 * streams in. Axis colours follow the JupyterLab theme.
 */
export function MetricChart(props: IMetricChartProps): JSX.Element {
  const { title, series, xAxis, logScale, smoothing, trans } = props;
  const height = props.height ?? DEFAULT_HEIGHT;
  const [containerRef, width] =
    useContainerWidth<HTMLDivElement>(FALLBACK_WIDTH);
  const hostRef = React.useRef<HTMLDivElement>(null);

  const lines = React.useMemo(
    () => chartLines(series, smoothing, logScale),
    [series, smoothing, logScale]
  );
  const data = React.useMemo(() => alignSeries(lines, xAxis), [lines, xAxis]);
  const drawable = React.useMemo(() => hasPoints(lines), [lines]);
  const structure = `${xAxis} ${logScale} ${linesKey(lines)}`;

  // The latest props, read by the effects without making them re-run.
  const latest = React.useRef({ lines, data, width, height, trans });
  latest.current = { lines, data, width, height, trans };
  const onZoomRef = React.useRef(props.onZoom);
  onZoomRef.current = props.onZoom;

  const plotRef = React.useRef<uPlot | null>(null);
  const shownDataRef = React.useRef<uPlot.AlignedData | null>(null);
  const zoomRef = React.useRef<[number, number] | null>(null);

  React.useEffect(() => {
    const host = hostRef.current;
    if (!drawable || host === null) {
      return;
    }
    const reportZoom = (range: [number, number] | null): void => {
      if (!Private.sameRange(zoomRef.current, range)) {
        zoomRef.current = range;
        onZoomRef.current?.(range);
      }
    };
    reportZoom(null);
    let theme = readChartTheme(host);
    const { lines, data, width, height, trans } = latest.current;
    const plot = new uPlot(
      chartOptions({
        lines,
        xAxis,
        logScale,
        width,
        height,
        theme: () => theme,
        trans,
        onXScale: u => reportZoom(Private.zoomRange(u))
      }),
      data,
      host
    );
    plotRef.current = plot;
    shownDataRef.current = data;
    const stopObserving = observeThemeChanges(() => {
      theme = readChartTheme(host);
      plot.redraw(false);
    });
    return () => {
      stopObserving();
      plot.destroy();
      plotRef.current = null;
    };
  }, [structure, drawable]);

  React.useEffect(() => {
    const plot = plotRef.current;
    if (plot === null || shownDataRef.current === data) {
      return;
    }
    shownDataRef.current = data;
    const zoom = zoomRef.current;
    if (zoom === null) {
      plot.setData(data);
    } else {
      plot.batch(() => {
        plot.setData(data, false);
        plot.setScale('x', { min: zoom[0], max: zoom[1] });
      });
    }
  }, [data]);

  React.useEffect(() => {
    const plot = plotRef.current;
    if (plot !== null && (plot.width !== width || plot.height !== height)) {
      plot.setSize({ width, height });
    }
  }, [width, height]);

  return (
    <div
      ref={containerRef}
      className={CHART_CLASS}
      role="figure"
      aria-label={title}
    >
      <div className={TITLE_CLASS}>{title}</div>
      {drawable ? (
        <div ref={hostRef} className={PLOT_CLASS} />
      ) : (
        <p className={EMPTY_CLASS} style={{ height }}>
          {trans.__('No points to plot yet.')}
        </p>
      )}
    </div>
  );
}

namespace Private {
  /**
   * The visible x range of a zoomed plot, or `null` when all data shows.
   */
  export function zoomRange(plot: uPlot): [number, number] | null {
    const xs = plot.data[0];
    const { min, max } = plot.scales.x;
    if (xs.length === 0 || min === undefined || max === undefined) {
      return null;
    }
    return min <= xs[0] && max >= xs[xs.length - 1] ? null : [min, max];
  }

  export function sameRange(
    a: [number, number] | null,
    b: [number, number] | null
  ): boolean {
    return (
      a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1])
    );
  }
}
