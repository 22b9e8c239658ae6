import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { XAxisMode } from './series';

const CONTROLS_CLASS = 'jp-mlp-ChartControls';
const FIELD_CLASS = 'jp-mlp-ChartControls-field';
const SMOOTHING_VALUE_CLASS = 'jp-mlp-ChartControls-smoothingValue';

/**
 * The highest smoothing weight offered (1 would freeze the average).
 */
const MAX_SMOOTHING = 0.99;

/**
 * How the metric charts are drawn; shared by all charts of a view.
 */
export interface IChartSettings {
  xAxis: XAxisMode;
  logScale: boolean;
  /** Weight of the moving average, 0 (none) to 0.99. */
  smoothing: number;
}

export interface IChartControlsProps {
  settings: IChartSettings;
  onChange: (settings: IChartSettings) => void;
  trans: TranslationBundle;
}

/**
 * Controls for the chart settings: the x axis, a log-scale toggle and the
 * smoothing weight with its value.
 */
export function ChartControls(props: IChartControlsProps): JSX.Element {
  const { settings, onChange, trans } = props;
  const id = React.useId();
  const smoothingId = `${id}-smoothing`;
  const axisOptions: [XAxisMode, string][] = [
    ['step', trans.__('Step')],
    ['time', trans.__('Time')],
    ['relative', trans.__('Relative time')]
  ];
  return (
    <div
      className={CONTROLS_CLASS}
      role="group"
      aria-label={trans.__('Chart settings')}
    >
      <label className={FIELD_CLASS}>
        {trans.__('X axis')}
        <select
          value={settings.xAxis}
          onChange={event =>
            onChange({
              ...settings,
              xAxis: event.currentTarget.value as XAxisMode
            })
          }
        >
          {axisOptions.map(([mode, label]) => (
            <option key={mode} value={mode}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label className={FIELD_CLASS}>
        <input
          type="checkbox"
          checked={settings.logScale}
          onChange={event =>
            onChange({ ...settings, logScale: event.currentTarget.checked })
          }
        />
        {trans.__('Log scale')}
      </label>
      <label className={FIELD_CLASS} htmlFor={smoothingId}>
        {trans.__('Smoothing')}
      </label>
      <input
        id={smoothingId}
        type="range"
        min={0}
        max={MAX_SMOOTHING}
        step={0.01}
        value={settings.smoothing}
        aria-valuetext={settings.smoothing.toFixed(2)}
        onChange={event =>
          onChange({
            ...settings,
            smoothing: Math.min(
              MAX_SMOOTHING,
              Math.max(0, Number(event.currentTarget.value))
            )
          })
        }
      />
      <output className={SMOOTHING_VALUE_CLASS} htmlFor={smoothingId}>
        {settings.smoothing.toFixed(2)}
      </output>
    </div>
  );
}
