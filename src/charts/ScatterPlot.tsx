import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { makeAxis } from './dimension';
import { formatCompact } from './scales';
import { AXIS_TITLE_CLASS, SvgAxis } from './SvgAxis';
import { useContainerWidth } from './useContainerWidth';

const PLOT_CLASS = 'jp-mlp-ScatterPlot';
const POINT_CLASS = 'jp-mlp-ScatterPlot-point';
const NOTE_CLASS = 'jp-mlp-ScatterPlot-note';
const EMPTY_CLASS = 'jp-mlp-ScatterPlot-empty';

const DEFAULT_HEIGHT = 280;
const FALLBACK_WIDTH = 400;
const MARGIN = { top: 12, right: 24, bottom: 44, left: 64 };
const POINT_RADIUS = 4;

/**
 * One point of a scatter plot (a run).
 */
export interface IScatterPoint {
  id: string;
  label: string;
  /** A number, a category, or `null` when the run has no value. */
  x: number | string | null;
  y: number | null;
  /** A CSS colour; the theme's brand colour when omitted. */
  color?: string;
}

export interface IScatterPlotProps {
  points: IScatterPoint[];
  xLabel: string;
  yLabel: string;
  /** Height of the plot in pixels. */
  height?: number;
  trans: TranslationBundle;
}

/**
 * A scatter plot in SVG of one value against another, e.g. a param against
 * a metric: a point per run, named in its tooltip.
 *
 * x is numeric (numbers, or strings that spell numbers) or categorical.
 * Runs lacking either value are left out and counted in a note.
 */
export function ScatterPlot(props: IScatterPlotProps): JSX.Element {
  const { points, xLabel, yLabel, trans } = props;
  const height = props.height ?? DEFAULT_HEIGHT;
  const [containerRef, width] =
    useContainerWidth<HTMLDivElement>(FALLBACK_WIDTH);

  const shown = React.useMemo(
    () =>
      points.filter(p => p.x !== null && p.y !== null && Number.isFinite(p.y)),
    [points]
  );
  const left = MARGIN.left;
  const right = Math.max(left, width - MARGIN.right);
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const xAxis = React.useMemo(
    () =>
      makeAxis(
        shown.map(p => p.x),
        [left, right]
      ),
    [shown, left, right]
  );
  const yAxis = React.useMemo(
    () =>
      makeAxis(
        shown.map(p => p.y),
        [bottom, top]
      ),
    [shown, bottom, top]
  );
  const skipped = points.length - shown.length;

  return (
    <div ref={containerRef} className={PLOT_CLASS}>
      {shown.length === 0 ? (
        <p className={EMPTY_CLASS}>
          {trans.__('No runs have both %1 and %2.', xLabel, yLabel)}
        </p>
      ) : (
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={trans.__('%1 against %2', yLabel, xLabel)}
        >
          <SvgAxis
            orientation="horizontal"
            offset={bottom}
            extent={[left, right]}
            ticks={xAxis.ticks}
          />
          <SvgAxis
            orientation="vertical"
            offset={left}
            extent={[bottom, top]}
            ticks={yAxis.ticks}
          />
          <text
            className={AXIS_TITLE_CLASS}
            x={(left + right) / 2}
            y={height - 6}
            textAnchor="middle"
          >
            {xLabel}
          </text>
          <text
            className={AXIS_TITLE_CLASS}
            transform={`translate(14, ${(top + bottom) / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {yLabel}
          </text>
          {shown.map(p => (
            <circle
              key={p.id}
              className={POINT_CLASS}
              cx={xAxis.position(p.x)}
              cy={yAxis.position(p.y)}
              r={POINT_RADIUS}
              style={p.color === undefined ? undefined : { fill: p.color }}
            >
              <title>
                {`${p.label}\n${xLabel}: ${Private.format(p.x)}\n${yLabel}: ${Private.format(p.y)}`}
              </title>
            </circle>
          ))}
        </svg>
      )}
      {skipped > 0 && (
        <p className={NOTE_CLASS}>
          {trans._n(
            '%1 run without a value',
            '%1 runs without a value',
            skipped
          )}
        </p>
      )}
    </div>
  );
}

namespace Private {
  export function format(value: number | string | null): string {
    return typeof value === 'number' ? formatCompact(value, 4) : String(value);
  }
}
