import * as React from 'react';

import { IAxisTick } from './dimension';

const AXIS_CLASS = 'jp-mlp-SvgAxis';
const LINE_CLASS = 'jp-mlp-SvgAxis-line';
const TICK_CLASS = 'jp-mlp-SvgAxis-tick';

/**
 * The class of an axis title (the dimension or variable name), which the
 * plots place themselves.
 */
export const AXIS_TITLE_CLASS = 'jp-mlp-SvgAxis-title';

const TICK_SIZE = 4;
const MAX_LABEL_CHARS = 14;

export interface ISvgAxisProps {
  /** Vertical axes have their ticks on the left, horizontal ones below. */
  orientation: 'vertical' | 'horizontal';
  /** The fixed coordinate: x of a vertical axis, y of a horizontal one. */
  offset: number;
  /** Where the axis line starts and ends along its direction. */
  extent: [number, number];
  ticks: readonly IAxisTick[];
}

/**
 * An axis of an SVG plot: its line, tick marks and tick labels. Long labels
 * are shortened with an ellipsis; the full text is in their title.
 */
export function SvgAxis(props: ISvgAxisProps): JSX.Element {
  const { orientation, offset, extent, ticks } = props;
  const vertical = orientation === 'vertical';
  const at = (along: number, across: number) =>
    vertical
      ? { x: offset + across, y: along }
      : { x: along, y: offset + across };
  const start = at(extent[0], 0);
  const end = at(extent[1], 0);
  return (
    <g className={AXIS_CLASS}>
      <line
        className={LINE_CLASS}
        x1={start.x}
        y1={start.y}
        x2={end.x}
        y2={end.y}
      />
      {ticks.map(tick => {
        const from = at(tick.position, 0);
        const to = at(tick.position, vertical ? -TICK_SIZE : TICK_SIZE);
        const text = at(tick.position, vertical ? -TICK_SIZE - 2 : 14);
        const shortened =
          tick.label.length > MAX_LABEL_CHARS
            ? `${tick.label.slice(0, MAX_LABEL_CHARS - 1)}…`
            : tick.label;
        return (
          <g key={`${tick.position} ${tick.label}`} className={TICK_CLASS}>
            <line x1={from.x} y1={from.y} x2={to.x} y2={to.y} />
            <text
              x={text.x}
              y={text.y}
              textAnchor={vertical ? 'end' : 'middle'}
              dominantBaseline={vertical ? 'middle' : 'auto'}
            >
              {shortened !== tick.label && <title>{tick.label}</title>}
              {shortened}
            </text>
          </g>
        );
      })}
    </g>
  );
}
