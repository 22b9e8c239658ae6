/*
 * The charting layer of the Experiments panel: uPlot line charts of metric
 * histories and SVG plots comparing runs.
 */
export { alignSeries } from './align';
export {
  ChartControls,
  IChartControlsProps,
  IChartSettings
} from './ChartControls';
export { seriesColor, sequentialColor } from './colors';
export { IMetricChartProps, MetricChart } from './MetricChart';
export {
  IParallelCoordinatesProps,
  IPCDimension,
  IPCLine,
  ParallelCoordinates
} from './ParallelCoordinates';
export {
  formatCompact,
  formatDuration,
  formatTicks,
  logTicks,
  niceTicks
} from './scales';
export { IScatterPlotProps, IScatterPoint, ScatterPlot } from './ScatterPlot';
export { IChartSeries, seriesFromHistory, XAxisMode } from './series';
export { smoothEma } from './smoothing';
