/*
 * The charting layer of the Experiments panel: uPlot line charts of metric
 * histories and SVG plots comparing runs.
 */
export { alignSeries } from './align';
export { ChartControls } from './ChartControls';
export type { IChartControlsProps, IChartSettings } from './ChartControls';
export { seriesColor, sequentialColor } from './colors';
export { MetricChart } from './MetricChart';
export type { IMetricChartProps } from './MetricChart';
export { ParallelCoordinates } from './ParallelCoordinates';
export type {
  IParallelCoordinatesProps,
  IPCDimension,
  IPCLine
} from './ParallelCoordinates';
export {
  formatCompact,
  formatDuration,
  formatTicks,
  logTicks,
  niceTicks
} from './scales';
export { ScatterPlot } from './ScatterPlot';
export type { IScatterPlotProps, IScatterPoint } from './ScatterPlot';
export { seriesFromHistory } from './series';
export type { IChartSeries, XAxisMode } from './series';
export { smoothEma } from './smoothing';
