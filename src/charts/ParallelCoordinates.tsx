import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { sequentialColor } from './colors';
import { AxisValue, IAxis, makeAxis } from './dimension';
import { AXIS_TITLE_CLASS, SvgAxis } from './SvgAxis';
import { useContainerWidth } from './useContainerWidth';

const PLOT_CLASS = 'jp-mlp-ParallelCoordinates';
const LINES_CLASS = 'jp-mlp-ParallelCoordinates-lines';
const LINE_CLASS = 'jp-mlp-ParallelCoordinates-line';
const HIGHLIGHT_CLASS = 'jp-mlp-ParallelCoordinates-highlight';
const MISSING_CLASS = 'jp-mlp-ParallelCoordinates-missing';
const CAPTION_CLASS = 'jp-mlp-ParallelCoordinates-caption';
const EMPTY_CLASS = 'jp-mlp-ParallelCoordinates-empty';

const DEFAULT_HEIGHT = 320;
const FALLBACK_WIDTH = 600;
const MARGIN = { top: 32, right: 48, bottom: 40, left: 64 };
/** How far below an axis' bottom the lines of missing values end. */
const MISSING_OFFSET = 24;

/**
 * One axis of a parallel-coordinates plot: a param or metric, with one value
 * per line (`null` when the run has none).
 */
export interface IPCDimension {
  key: string;
  label: string;
  values: Array<number | string | null>;
}

/**
 * One line of a parallel-coordinates plot (a run).
 */
export interface IPCLine {
  id: string;
  label: string;
}

export interface IParallelCoordinatesProps {
  lines: IPCLine[];
  /** The axes, left to right; `values[i]` belongs to `lines[i]`. */
  dimensions: IPCDimension[];
  /** The key of the dimension whose value colours each line. */
  colorDimension: string;
  /** Height of the plot in pixels. */
  height?: number;
  trans: TranslationBundle;
}

/**
 * A parallel-coordinates plot in SVG: a vertical axis per dimension, a line
 * per run through its values, coloured by one dimension on a sequential
 * scale.
 *
 * Numeric dimensions (numbers, or strings that spell numbers, as params do)
 * get a linear axis, others a categorical one. A missing value takes the
 * line to a "missing" band below its axis. Hovering a line brings it to the
 * front and names it.
 */
export function ParallelCoordinates(
  props: IParallelCoordinatesProps
): JSX.Element {
  const { lines, dimensions, colorDimension, trans } = props;
  const height = props.height ?? DEFAULT_HEIGHT;
  const [containerRef, width] =
    useContainerWidth<HTMLDivElement>(FALLBACK_WIDTH);
  const [hovered, setHovered] = React.useState<string | null>(null);

  const layout = React.useMemo(
    () =>
      Private.layout(lines.length, dimensions, colorDimension, width, height),
    [lines.length, dimensions, colorDimension, width, height]
  );
  // Built once per layout, so hovering re-renders only the highlight.
  const linePaths = React.useMemo(
    () =>
      layout.paths.map((path, index) => (
        <path
          key={lines[index].id}
          className={LINE_CLASS}
          d={path}
          style={{ stroke: layout.colors[index] }}
          onMouseEnter={() => setHovered(lines[index].id)}
          onMouseLeave={() => setHovered(null)}
        >
          <title>{lines[index].label}</title>
        </path>
      )),
    [layout, lines]
  );

  const empty = lines.length === 0 || dimensions.length === 0;
  const found = lines.findIndex(line => line.id === hovered);
  const current = found < 0 ? null : found;
  return (
    <div ref={containerRef} className={PLOT_CLASS}>
      {empty ? (
        <p className={EMPTY_CLASS}>{trans.__('No runs to compare.')}</p>
      ) : (
        <>
          <svg
            width={width}
            height={height}
            role="img"
            aria-label={trans.__(
              'Parallel coordinates of %1 runs over %2 axes',
              lines.length,
              dimensions.length
            )}
          >
            <g className={LINES_CLASS} data-hovered={current !== null}>
              {linePaths}
            </g>
            {current !== null && (
              <path
                className={HIGHLIGHT_CLASS}
                d={layout.paths[current]}
                style={{ stroke: layout.colors[current] }}
              />
            )}
            {layout.axes.map((axis, i) => (
              <Private.DimensionAxis
                key={dimensions[i].key}
                dimension={dimensions[i]}
                axis={axis.axis}
                x={axis.x}
                height={height}
                hasMissing={axis.hasMissing}
                trans={trans}
              />
            ))}
          </svg>
          <div className={CAPTION_CLASS} aria-live="polite">
            {current !== null ? lines[current].label : '\u00a0'}
          </div>
        </>
      )}
    </div>
  );
}

namespace Private {
  interface IPositionedAxis {
    axis: IAxis;
    x: number;
    hasMissing: boolean;
  }

  interface ILayout {
    axes: IPositionedAxis[];
    /** SVG path data, one per line. */
    paths: string[];
    colors: string[];
  }

  /**
   * Axes spread evenly across the width, and each line's path and colour.
   */
  export function layout(
    lineCount: number,
    dimensions: readonly IPCDimension[],
    colorDimension: string,
    width: number,
    height: number
  ): ILayout {
    const top = MARGIN.top;
    const bottom = height - MARGIN.bottom;
    const missingY = bottom + MISSING_OFFSET;
    const left = MARGIN.left;
    const span = Math.max(0, width - MARGIN.left - MARGIN.right);
    const step = dimensions.length > 1 ? span / (dimensions.length - 1) : 0;
    const valueOf = (d: IPCDimension, line: number): AxisValue =>
      d.values[line] ?? null;
    const axes = dimensions.map((d, i) => {
      const values = Array.from({ length: lineCount }, (_, line) =>
        valueOf(d, line)
      );
      return {
        axis: makeAxis(values, [bottom, top]),
        x: dimensions.length > 1 ? left + i * step : left + span / 2,
        hasMissing: values.includes(null)
      };
    });
    const paths = Array.from({ length: lineCount }, (_, line) =>
      axes
        .map(({ axis, x }, i) => {
          const y = axis.position(valueOf(dimensions[i], line));
          return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${(Number.isNaN(y) ? missingY : y).toFixed(1)}`;
        })
        .join('')
    );
    const colorIndex = dimensions.findIndex(d => d.key === colorDimension);
    const colors = Array.from({ length: lineCount }, (_, line) =>
      sequentialColor(
        colorIndex < 0
          ? NaN
          : axes[colorIndex].axis.fraction(
              valueOf(dimensions[colorIndex], line)
            )
      )
    );
    return { axes, paths, colors };
  }

  /**
   * A dimension's axis with its title above and, when some lines lack a
   * value, a "missing" mark below.
   */
  export function DimensionAxis(props: {
    dimension: IPCDimension;
    axis: IAxis;
    x: number;
    height: number;
    hasMissing: boolean;
    trans: TranslationBundle;
  }): JSX.Element {
    const { dimension, axis, x, height, hasMissing, trans } = props;
    const bottom = height - MARGIN.bottom;
    return (
      <g>
        <SvgAxis
          orientation="vertical"
          offset={x}
          extent={[bottom, MARGIN.top]}
          ticks={axis.ticks}
        />
        <text
          className={AXIS_TITLE_CLASS}
          x={x}
          y={MARGIN.top - 12}
          textAnchor="middle"
        >
          {dimension.label}
        </text>
        {hasMissing && (
          <text
            className={MISSING_CLASS}
            x={x - 6}
            y={bottom + MISSING_OFFSET}
            textAnchor="end"
            dominantBaseline="middle"
          >
            {trans.__('missing')}
          </text>
        )}
      </g>
    );
  }
}
